"""Permission rules × roles: calls, applications, experts, notice."""

from tests.matrix.table import CITY, LZ, RuleRow

REVIEWERS = (
    "lz_school lz_county lz_county_luzhai lz_city sz_school sz_county sz_county_suixian sz_city"
)

RULES = [
    # Teachers of the city at a stage the call is for; the host and member are teachers too.
    RuleRow(
        "applications.apply_to_call",
        "call:lz.open",
        ok="lz_teacher lz_p1 lz_member",
        visibility=CITY,
    ),
    # Returned: its applicant (not a demo login) alone may change it; a draft: lz_teacher's.
    RuleRow("applications.edit_application", "application:lz.returned"),
    RuleRow(
        "applications.edit_application", "application:lz.draft", ok="lz_teacher", variant="draft"
    ),
    RuleRow("applications.grant_extension", "application:lz.returned", ok="admin lz_city"),
    RuleRow("applications.manage_call", "call:lz.open", ok="admin lz_city", visibility=CITY),
    RuleRow("applications.manage_calls", ok="admin lz_city sz_city"),
    RuleRow(
        "applications.resolve_objection", "objection:sz.notice", ok="admin sz_city", visibility=CITY
    ),
    RuleRow("applications.review_any", ok=REVIEWERS),
    # Waiting for 柳城县: its county reviewer alone.
    RuleRow("applications.review_application", "application:lz.at_county", ok="lz_county"),
    RuleRow("applications.score_any", ok="lz_expert sz_expert"),
    # An assignment is scored by its expert, once: the submitted one by nobody.
    RuleRow("applications.score_application", "assignment:lz.expert"),
    RuleRow(
        "applications.score_application",
        "assignment:lz.expert.open",
        ok="lz_expert",
        variant="open",
    ),
    RuleRow(
        "applications.view_application",
        "application:lz.at_county",
        ok="admin lz_county lz_city lz_ce lz_auditor lz_auditor_liucheng",
    ),
    RuleRow("applications.view_assignment", "assignment:lz.expert", ok="lz_expert"),
    RuleRow("applications.view_call", "call:lz.open", ok=f"admin {LZ}", visibility=CITY),
    # The bureau, and an expert who has submitted their own scores.
    RuleRow(
        "applications.view_scores", "application:lz.expert_review", ok="admin lz_city lz_expert"
    ),
]
