"""Permission rules × roles: policies and running a studio.

``lz.p1`` is 柳州高级中学's studio (bureau-affiliated; host lz_p1, member lz_member, finance
officer lz_finance), ``lz.p2`` 柳城县中学's.
"""

from tests.matrix.table import CITY, EVERYONE, LZ, PERSONAL, RuleRow

RULES = [
    RuleRow("studios.add_output", "studio:lz.p1", ok="admin lz_p1 lz_member"),
    RuleRow("policies.browse_policies", ok=EVERYONE),
    RuleRow(
        "studios.browse_recruitment",
        ok="admin lz_teacher lz_city lz_ce lz_p1 lz_member sz_teacher sz_city sz_ce sz_p1 "
        "sz_member",
    ),
    RuleRow("studios.browse_resources", ok=EVERYONE),
    RuleRow("studios.change_output", "output:lz.p1", ok="admin lz_p1"),
    # The bureau and the centre change a team; its host does too, for their own studio.
    RuleRow("studios.change_team", "studio:lz.p2", ok="admin lz_city lz_ce"),
    RuleRow(
        "studios.confirm_attendance", "attendance:lz.member", ok="lz_member", visibility=PERSONAL
    ),
    RuleRow("studios.delete_output", "output:lz.p1", ok="admin lz_p1"),
    RuleRow("studios.download_output", "output:lz.p1", ok=f"admin {LZ}", visibility=CITY),
    RuleRow("studios.edit_summary", "summary:lz.member", ok="lz_member", visibility=PERSONAL),
    RuleRow("studios.keep_calendar_feed", ok=EVERYONE),
    RuleRow("studios.keep_growth_file", "studio:lz.p1", ok="lz_member"),
    RuleRow("studios.manage_studio", "studio:lz.p1", ok="admin lz_p1"),
    RuleRow("studios.open_recruitment_rounds", ok="admin lz_city lz_ce sz_city sz_ce"),
    RuleRow("studios.oversee_studio", "studio:lz.p2", ok="admin lz_city lz_ce"),
    RuleRow(
        "studios.oversee_studios",
        ok="admin lz_county lz_county_luzhai lz_city lz_ce lz_auditor lz_auditor_liucheng "
        "sz_county sz_county_suixian sz_city sz_ce sz_auditor sz_auditor_zengdu",
    ),
    RuleRow("studios.request_seat", "round:lz", ok="lz_teacher lz_p1 lz_member", visibility=CITY),
    RuleRow("studios.review_summary", "summary:lz.member", ok="admin lz_p1"),
    RuleRow("studios.run_recruitment", "round:lz", ok="admin lz_city lz_ce", visibility=CITY),
    RuleRow("studios.view_absences", "studio:lz.p1", ok="admin lz_city lz_ce lz_auditor lz_p1"),
    RuleRow(
        "studios.view_attendance_record",
        "attendance:lz.member",
        ok="lz_member",
        visibility=PERSONAL,
    ),
    RuleRow(
        "studios.view_evidence",
        "evidence:lz.p1",
        ok="admin lz_city lz_ce lz_auditor lz_p1 lz_member",
    ),
    RuleRow(
        "studios.view_growth_file",
        "user:lz_member",
        ok="admin lz_city lz_ce lz_p1 lz_member",
        visibility=PERSONAL,
    ),
    RuleRow("studios.view_my_attendance", ok=EVERYONE),
    RuleRow("studios.write_growth_file", "user:lz_member", ok="lz_member", visibility=PERSONAL),
    RuleRow("policies.view_policy", "policy_obj:lz", ok=f"admin {LZ}", visibility=CITY),
    RuleRow("policies.manage_policies", ok="admin lz_city sz_city"),
    RuleRow("policies.manage_policy", "policy_obj:lz", ok="admin lz_city", visibility=CITY),
    RuleRow(
        "studios.view_recruitment",
        "round:lz",
        ok="admin lz_teacher lz_city lz_ce lz_p1 lz_member",
        visibility=CITY,
    ),
    RuleRow(
        "studios.view_studio",
        "studio:lz.p2",
        ok="admin lz_county lz_city lz_ce lz_auditor lz_auditor_liucheng",
    ),
    RuleRow("studios.view_studio_certificate", "studio:lz.p1", ok="admin lz_city lz_p1"),
    RuleRow("studios.view_studio_growth", "studio:lz.p1", ok="admin lz_city lz_ce lz_p1"),
    # The assistant's and advisors' rules (tests/studios/test_roles.py has them as those roles).
    RuleRow("studios.log_activity", "studio:lz.p1", ok="admin lz_p1"),
    RuleRow("studios.change_activity", "activity:lz.p1", ok="admin lz_p1"),
    RuleRow("studios.view_liaison", "studio:lz.p1", ok="admin lz_city lz_ce lz_p1"),
    RuleRow("studios.keep_liaison", "studio:lz.p1", ok="admin lz_p1"),
    RuleRow("studios.comment_in_studio", "studio:lz.p1", ok="admin lz_p1"),
]
