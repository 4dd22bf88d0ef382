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
    Row("policy_list", ok=EVERYONE),
    Row("policy_detail", code="policy:lz", ok=f"admin {LZ}", visibility=CITY),
    Row("studio_directory", visibility=PUBLIC),
    # A county studio: its county and the city-wide overseers, not the next county.
    Row("studio_home", pk="studio:lz.p2", ok=f"{LZ_OVERSIGHT} lz_county lz_auditor_liucheng"),
    Row("activity_list", pk="studio:lz.p2", ok=f"{LZ_OVERSIGHT} lz_county lz_auditor_liucheng"),
    # The host logs; overseers and members read but may not.
    Row(
        "activity_create",
        pk="studio:lz.p1",
        ok="admin lz_p1",
        also={FORBIDDEN: "lz_city lz_ce lz_auditor lz_member"},
    ),
    Row(
        "activity_detail",
        pk="studio:lz.p1",
        activity_pk="activity:lz.p1",
        ok=f"{LZ_OVERSIGHT} {P1_TEAM}",
    ),
    Row(
        "activity_edit",
        pk="studio:lz.p1",
        activity_pk="activity:lz.p1",
        ok="admin lz_p1",
        also={FORBIDDEN: "lz_city lz_ce lz_auditor lz_member"},
    ),
    Row("my_attendance", ok=EVERYONE),
    Row(
        "attendance_confirm",
        pk="attendance:lz.member",
        method="POST",
        ok="lz_member",
        visibility=PERSONAL,
    ),
    Row("evidence_file", pk="evidence:lz.p1", ok=f"{LZ_OVERSIGHT} {P1_TEAM}"),
    Row("compliance_grid", ok=OVERSEERS),
    Row("compliance_export", ok=OVERSEERS),
    Row("studio_team", pk="studio:lz.p2", ok=f"{LZ_OVERSIGHT} lz_county lz_auditor_liucheng"),
    Row("recruitment_list", ok=f"{RECRUITERS} {RECRUITS} sz_city sz_ce sz_teacher sz_p1 sz_member"),
    Row("recruitment_detail", pk="round:lz", ok=f"{RECRUITERS} {RECRUITS}", visibility=CITY),
    Row(
        "seat_request",
        pk="round:lz",
        method="POST",
        ok="lz_teacher",
        # An empty request comes back with its errors; lz_teacher, who has filed already, is
        # sent back to the round with a message.
        also={FORBIDDEN: RECRUITERS, BAD_REQUEST: "lz_p1 lz_member"},
        visibility=CITY,
    ),
    Row(
        "recruitment_assign",
        pk="round:lz",
        method="POST",
        ok=RECRUITERS,
        also={FORBIDDEN: RECRUITS},
        visibility=CITY,
    ),
    Row(
        "recruitment_close",
        pk="round:lz",
        method="POST",
        ok=RECRUITERS,
        also={FORBIDDEN: RECRUITS},
        visibility=CITY,
    ),
    Row(
        "recruitment_finish",
        pk="round:lz",
        method="POST",
        ok=RECRUITERS,
        also={FORBIDDEN: RECRUITS},
        visibility=CITY,
    ),
    Row("studio_plans", pk="studio:lz.p1", ok=f"{LZ_OVERSIGHT} {P1_TEAM}"),
    Row(
        "plan_edit",
        pk="studio:lz.p1",
        ok="admin lz_p1",
        also={FORBIDDEN: "lz_city lz_ce lz_auditor lz_member"},
    ),
    Row(
        "plan_version",
        pk="studio:lz.p1",
        plan_pk="plan:lz.p1",
        ok=f"{LZ_OVERSIGHT} {P1_TEAM}",
    ),
    # Everyone's own growth file: the page sends each user to theirs.
    Row("my_growth", others=REDIRECT),
    Row(
        "growth_file",
        user_pk="user:lz_member",
        ok="admin lz_city lz_ce lz_p1 lz_member",
        visibility=PERSONAL,
    ),
    Row(
        "studio_growth",
        pk="studio:lz.p1",
        ok="admin lz_city lz_ce lz_p1",
        also={FORBIDDEN: "lz_auditor lz_member"},
    ),
    Row("studio_outputs", pk="studio:lz.p1", ok=f"{LZ_OVERSIGHT} {P1_TEAM}"),
    # A shared output is a resource for the whole city.
    Row("output_file", pk="output:lz.p1", ok=f"admin {LZ}", visibility=CITY),
    Row("resources", ok=EVERYONE),
]
