"""Permission rules × roles: accounts (the language: tests/matrix/table.py, RuleRow)."""

from tests.matrix.table import EVERYONE, PERSONAL, RuleRow

OVERSIGHT = (
    "admin lz_school lz_county lz_county_luzhai lz_city lz_ce lz_expert lz_auditor "
    "lz_auditor_liucheng sz_school sz_county sz_county_suixian sz_city sz_ce sz_expert "
    "sz_auditor sz_auditor_zengdu"
)

RULES = [
    RuleRow("accounts.browse_organisations", ok=OVERSIGHT),
    RuleRow(
        "accounts.read_notification", "notification:lz_city", ok="lz_city", visibility=PERSONAL
    ),
    # An entry of 柳城县实验小学: its school, its county, the city-wide overseers (no expert).
    RuleRow(
        "accounts.view_audit_entry",
        "audit_entry:lz.liucheng",
        ok="admin lz_school lz_county lz_city lz_ce lz_auditor lz_auditor_liucheng",
    ),
    RuleRow(
        "accounts.view_audit_trail",
        ok=" ".join(r for r in OVERSIGHT.split() if not r.endswith("_expert")),
    ),
    # Inviting people: the administrators of a school, a county and the bureau, in their scope.
    RuleRow(
        "accounts.onboard_people",
        ok="admin lz_school lz_county lz_county_luzhai lz_city "
        "sz_school sz_county sz_county_suixian sz_city",
    ),
    RuleRow(
        "accounts.onboard_people",
        "org:lz.liucheng-sx",
        ok="admin lz_school lz_county lz_city",
        variant="school",
    ),
    # A teacher of 柳城县实验小学 with no password yet: their school, their county, their city.
    RuleRow("accounts.invite_user", "user:lz_new_mail", ok="admin lz_school lz_county lz_city"),
    RuleRow("accounts.view_job", "job:lz_city", ok="lz_city", visibility=PERSONAL),
    RuleRow("accounts.keep_access_tokens", ok=EVERYONE),
    RuleRow("accounts.revoke_access_token", "token:lz_city", ok="lz_city", visibility=PERSONAL),
    # Group robots: each organisation's own administrators (the centre's officers for theirs).
    RuleRow(
        "accounts.manage_chat_robots",
        ok="admin lz_school lz_county lz_county_luzhai lz_city lz_ce "
        "sz_school sz_county sz_county_suixian sz_city sz_ce",
    ),
    RuleRow(
        "accounts.manage_chat_robots", "org:lz.liucheng-sx", ok="admin lz_school", variant="school"
    ),
    RuleRow("accounts.manage_chat_robots", "org:lz.bureau", ok="admin lz_city", variant="bureau"),
    RuleRow(
        "accounts.manage_chat_robots", "robot:lz.liucheng-sx", ok="admin lz_school", variant="robot"
    ),
    RuleRow(
        "accounts.view_organisation",
        "org:lz.liucheng-sx",
        ok="admin lz_school lz_county lz_city lz_ce lz_expert lz_auditor lz_auditor_liucheng",
    ),
    # An applicant of 柳城县中学: the reviewers up the chain see the phone and birth month in
    # full; the school of another school, the centre, experts and auditors see them masked.
    RuleRow(
        "accounts.view_personal_details", "application:lz.at_county", ok="admin lz_county lz_city"
    ),
]
