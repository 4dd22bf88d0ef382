"""URL × role table: policies and running a studio.

The demo studios: ``lz.p1`` at 柳州高级中学 (bureau-affiliated, outside every county; its host
``lz_p1``, member ``lz_member`` and finance officer ``lz_finance``), ``lz.p2`` at 柳城县中学.
"""

from tests.matrix.table import (
    BAD_REQUEST,
    CITY,
    EVERYONE,
    FORBIDDEN,
    LZ,
    NOT_FOUND,
    PERSONAL,
    PUBLIC,
    REDIRECT,
    Row,
)

# The bureau, the centre and the city's auditor oversee every studio of the city.
LZ_OVERSIGHT = "admin lz_city lz_ce lz_auditor"
# A studio's own people.
P1_TEAM = "lz_p1 lz_member"
OVERSEERS = (
    "admin lz_county lz_county_luzhai lz_city lz_ce lz_auditor lz_auditor_liucheng "
    "sz_county sz_county_suixian sz_city sz_ce sz_auditor sz_auditor_zengdu"
)
RECRUITERS = "admin lz_city lz_ce"
RECRUITS = "lz_teacher lz_p1 lz_member"

ROWS = [
    Row("policies:policy_list", ok=EVERYONE),
    Row("policies:policy_detail", code="policy:lz", ok=f"admin {LZ}", visibility=CITY),
    # The policy editor: a municipal bureau's administrator, for their own city only.
    Row("policies:policy_create", ok="admin lz_city sz_city"),
    Row(
        "policies:policy_create",
        variant="from a preset",
        query="start=liuzhou-2024",
        ok="admin lz_city sz_city",
    ),
    Row(
        "policies:policy_edit",
        code="policy:lz",
        ok="admin lz_city",
        also={FORBIDDEN: " ".join(r for r in LZ.split() if r != "lz_city")},
        visibility=CITY,
    ),
    Row(
        "policies:policy_form_edit",
        code="policy:lz",
        ok="admin lz_city",
        also={FORBIDDEN: " ".join(r for r in LZ.split() if r != "lz_city")},
        visibility=CITY,
    ),
    Row("studios:studio_directory", visibility=PUBLIC),
    # A published studio's public page, and the page its plaque's QR code opens: for everyone.
    Row("studios:studio_public", pk="studio:lz.p1", visibility=PUBLIC),
    Row("studios:plaque_check", code="plaque_code:lz.p1", visibility=PUBLIC),
    Row(
        "studios:plaque_check",
        variant="a code no plaque has",
        code="abcdefghjkmn",
        visibility=PUBLIC,
        others=NOT_FOUND,
        anon=NOT_FOUND,
    ),
    # Everyone's own calendar address; the feeds answer to the address's secret, whoever's
    # session comes with it (calendar apps have none), and 404 to anything else.
    Row("studios:calendar_feeds", ok=EVERYONE),
    Row("studios:deadline_feed", secret="calendar:lz_member", visibility=PUBLIC),
    Row(
        "studios:deadline_feed",
        variant="a secret no address has",
        secret="x" * 43,
        visibility=PUBLIC,
        others=NOT_FOUND,
        anon=NOT_FOUND,
    ),
    Row(
        "studios:activity_feed",
        secret="calendar:lz_member",
        pk="studio:lz.p1",
        visibility=PUBLIC,
    ),
    Row(
        "studios:activity_feed",
        variant="a studio the owner may not open",
        secret="calendar:lz_member",
        pk="studio:lz.p2",
        visibility=PUBLIC,
        others=NOT_FOUND,
        anon=NOT_FOUND,
    ),
    # A county studio: its county and the city-wide overseers, not the next county.
    Row(
        "studios:studio_home", pk="studio:lz.p2", ok=f"{LZ_OVERSIGHT} lz_county lz_auditor_liucheng"
    ),
    Row(
        "studios:activity_list",
        pk="studio:lz.p2",
        ok=f"{LZ_OVERSIGHT} lz_county lz_auditor_liucheng",
    ),
    # The host logs; overseers and members read but may not.
    Row(
        "studios:activity_create",
        pk="studio:lz.p1",
        ok="admin lz_p1",
        also={FORBIDDEN: "lz_city lz_ce lz_auditor lz_member"},
    ),
    Row(
        "studios:activity_detail",
        pk="studio:lz.p1",
        activity_pk="activity:lz.p1",
        ok=f"{LZ_OVERSIGHT} {P1_TEAM}",
    ),
    Row(
        "studios:activity_edit",
        pk="studio:lz.p1",
        activity_pk="activity:lz.p1",
        ok="admin lz_p1",
        also={FORBIDDEN: "lz_city lz_ce lz_auditor lz_member"},
    ),
    Row("studios:my_attendance", ok=EVERYONE),
    Row(
        "studios:attendance_confirm",
        pk="attendance:lz.member",
        method="POST",
        ok="lz_member",
        visibility=PERSONAL,
    ),
    Row("studios:evidence_file", pk="evidence:lz.p1", ok=f"{LZ_OVERSIGHT} {P1_TEAM}"),
    Row("studios:compliance_grid", ok=OVERSEERS),
    Row("studios:compliance_export", ok=OVERSEERS),
    Row(
        "studios:studio_team", pk="studio:lz.p2", ok=f"{LZ_OVERSIGHT} lz_county lz_auditor_liucheng"
    ),
    Row(
        "studios:recruitment_list",
        ok=f"{RECRUITERS} {RECRUITS} sz_city sz_ce sz_teacher sz_p1 sz_member",
    ),
    Row(
        "studios:recruitment_detail", pk="round:lz", ok=f"{RECRUITERS} {RECRUITS}", visibility=CITY
    ),
    Row(
        "studios:seat_request",
        pk="round:lz",
        method="POST",
        ok="lz_teacher",
        # An empty request comes back with its errors; lz_teacher, who has filed already, is
        # sent back to the round with a message.
        also={FORBIDDEN: RECRUITERS, BAD_REQUEST: "lz_p1 lz_member"},
        visibility=CITY,
    ),
    Row(
        "studios:recruitment_assign",
        pk="round:lz",
        method="POST",
        ok=RECRUITERS,
        also={FORBIDDEN: RECRUITS},
        visibility=CITY,
    ),
    Row(
        "studios:recruitment_close",
        pk="round:lz",
        method="POST",
        ok=RECRUITERS,
        also={FORBIDDEN: RECRUITS},
        visibility=CITY,
    ),
    Row(
        "studios:recruitment_finish",
        pk="round:lz",
        method="POST",
        ok=RECRUITERS,
        also={FORBIDDEN: RECRUITS},
        visibility=CITY,
    ),
    Row("studios:studio_plans", pk="studio:lz.p1", ok=f"{LZ_OVERSIGHT} {P1_TEAM}"),
    Row(
        "studios:plan_edit",
        pk="studio:lz.p1",
        ok="admin lz_p1",
        also={FORBIDDEN: "lz_city lz_ce lz_auditor lz_member"},
    ),
    Row(
        "studios:plan_version",
        pk="studio:lz.p1",
        plan_pk="plan:lz.p1",
        ok=f"{LZ_OVERSIGHT} {P1_TEAM}",
    ),
    # Everyone's own growth file: the page sends each user to theirs.
    Row("studios:my_growth", others=REDIRECT),
    Row(
        "studios:growth_file",
        user_pk="user:lz_member",
        ok="admin lz_city lz_ce lz_p1 lz_member",
        visibility=PERSONAL,
    ),
    Row(
        "studios:studio_growth",
        pk="studio:lz.p1",
        ok="admin lz_city lz_ce lz_p1",
        also={FORBIDDEN: "lz_auditor lz_member"},
    ),
    Row("studios:studio_outputs", pk="studio:lz.p1", ok=f"{LZ_OVERSIGHT} {P1_TEAM}"),
    # A shared output is a resource for the whole city.
    Row("studios:output_file", pk="output:lz.p1", ok=f"admin {LZ}", visibility=CITY),
    Row("studios:resources", ok=EVERYONE),
    # The liaison log: the host, the assistant and advisors (no demo login), and the bureau.
    Row(
        "studios:liaison_list",
        pk="studio:lz.p1",
        ok="admin lz_city lz_ce lz_p1",
        also={FORBIDDEN: "lz_auditor lz_member"},
    ),
    Row(
        "studios:liaison_edit",
        pk="studio:lz.p1",
        entry_pk="liaison:lz.p1",
        ok="admin lz_p1",
        also={FORBIDDEN: "lz_city lz_ce lz_auditor lz_member"},
    ),
    # Advisors (no demo login) and the host comment; an empty post comes back with a message.
    Row(
        "studios:comment_add",
        pk="studio:lz.p1",
        method="POST",
        ok="admin lz_p1",
        also={FORBIDDEN: "lz_city lz_ce lz_auditor lz_member"},
    ),
]
