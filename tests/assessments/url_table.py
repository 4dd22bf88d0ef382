"""URL × role table: annual reports and assessments, three-year evaluations, records.

Liuzhou's assessing body is the bureau with experts, so its continuing-education centre and
its auditors see no report; ``lz_expert`` scored the studio's last annual assessment.
"""

from tests.matrix.table import EVERYONE, PERSONAL, Row

LZ_ASSESSORS = "admin lz_city lz_expert lz_p1"

ROWS = [
    Row("assessments:annual_reports", ok=EVERYONE),
    Row("assessments:annual_report", pk="report:lz.p1", ok=LZ_ASSESSORS),
    Row(
        "assessments:annual_report_attachment",
        pk="report:lz.p1.open",
        attachment_pk="report_attachment:lz.p1",
        ok=LZ_ASSESSORS,
    ),
    Row("assessments:assessment_detail", pk="assessment:lz.p1", ok=LZ_ASSESSORS),
    Row("assessments:assessment_letter", pk="assessment:lz.p1", ok=LZ_ASSESSORS),
    Row("assessments:term_evaluations", ok="admin lz_city lz_expert sz_city sz_expert"),
    # Open, with lz_expert assigned to score it.
    Row("assessments:term_evaluation", pk="evaluation:lz.p2", ok="admin lz_city lz_expert"),
    # Not decided yet: no certificate for anyone; decided: the host, the members, the bureau.
    Row("assessments:term_certificate", pk="evaluation:lz.p2"),
    Row(
        "assessments:term_certificate",
        pk="evaluation:sz.p1.decided",
        ok="admin sz_city sz_p1 sz_member",
        variant="decided",
    ),
    Row(
        "assessments:person_record",
        user_pk="user:lz_p1",
        ok="admin lz_city lz_p1",
        visibility=PERSONAL,
    ),
]
