"""Permission rules × roles: funding, the audit workbook, imports."""

from tests.matrix.table import RuleRow

OVERSEERS = (
    "admin lz_county lz_county_luzhai lz_city lz_ce lz_auditor lz_auditor_liucheng "
    "sz_county sz_county_suixian sz_city sz_ce sz_auditor sz_auditor_zengdu"
)

RULES = [
    RuleRow("funding.allocate", "studio:lz.p1", ok="admin lz_city"),
    RuleRow("funding.decide_expenditure", "expenditure:lz.p1", ok="lz_finance"),
    RuleRow(
        "funding.export_audit",
        ok="admin lz_city lz_ce lz_auditor lz_auditor_liucheng sz_city sz_ce sz_auditor "
        "sz_auditor_zengdu",
    ),
    RuleRow("funding.import_data", ok="admin lz_city sz_city"),
    RuleRow("funding.manage_allocations", ok="admin lz_city sz_city"),
    RuleRow("funding.manage_assets", "studio:lz.p1", ok="admin lz_p1 lz_finance"),
    RuleRow("funding.manage_special_account", "account:lz.lzgz", ok="admin lz_city lz_finance"),
    RuleRow("funding.record_expenditure", "studio:lz.p1", ok="admin lz_p1"),
    RuleRow("funding.view_dashboard", ok=OVERSEERS),
    RuleRow("funding.view_finance_queue", ok="lz_finance sz_finance"),
    RuleRow(
        "funding.view_funding",
        "studio:lz.p1",
        ok="admin lz_city lz_ce lz_auditor lz_p1 lz_finance lz_member",
    ),
]
