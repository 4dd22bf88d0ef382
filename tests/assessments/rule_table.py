"""Permission rules × roles: annual assessments and three-year evaluations.

In Liuzhou the bureau assesses with experts; the centre and auditors take no part.
"""

from tests.matrix.table import PERSONAL, RuleRow

RULES = [
    RuleRow("assessments.assess_any", ok="admin lz_city lz_ce sz_city sz_ce"),
    RuleRow("assessments.assess_studio", "studio:lz.p1", ok="admin lz_city"),
    RuleRow("assessments.browse_term_evaluations", ok="admin lz_city lz_expert sz_city sz_expert"),
    RuleRow("assessments.run_term_evaluations", ok="admin lz_city sz_city"),
    RuleRow("assessments.evaluate_term", "studio:lz.p2", ok="admin lz_city"),
    # Decided: nobody scores it any more; this year's, open, the city's experts.
    RuleRow("assessments.score_annual_assessment", "assessment:lz.p1"),
    RuleRow(
        "assessments.score_annual_assessment",
        "assessment:lz.p1.open",
        ok="lz_expert",
        variant="open",
    ),
    RuleRow("assessments.score_term_evaluation", "evaluation:lz.p2", ok="lz_expert"),
    RuleRow(
        "assessments.view_annual_assessment", "assessment:lz.p1", ok="admin lz_city lz_expert lz_p1"
    ),
    RuleRow("assessments.view_annual_report", "report:lz.p1", ok="admin lz_city lz_expert lz_p1"),
    RuleRow(
        "assessments.view_person_record",
        "user:lz_p1",
        ok="admin lz_city lz_p1",
        visibility=PERSONAL,
    ),
    # Not decided: no certificate; decided: the host, the members, the bureau.
    RuleRow("assessments.view_term_certificate", "evaluation:lz.p2"),
    RuleRow(
        "assessments.view_term_certificate",
        "evaluation:sz.p1.decided",
        ok="admin sz_city sz_p1 sz_member",
        variant="decided",
    ),
    RuleRow("assessments.view_term_evaluation", "evaluation:lz.p2", ok="admin lz_city lz_expert"),
    # The expert sees the others' scores only after submitting their own.
    RuleRow("assessments.view_term_scores", "evaluation:lz.p2", ok="admin lz_city"),
    RuleRow("assessments.write_report", "studio:lz.p1", ok="admin lz_p1"),
]
