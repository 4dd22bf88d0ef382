"""URL × role table: funding, the audit workbook, imports, the dashboard.

The demo studio ``lz.p1`` is at 柳州高级中学, whose finance officer is ``lz_finance``.
"""

from tests.matrix.table import CITY, FORBIDDEN, PERSONAL, Row

P1_MONEY = "admin lz_city lz_ce lz_auditor lz_p1 lz_finance lz_member"
OVERSEERS = (
    "admin lz_county lz_county_luzhai lz_city lz_ce lz_auditor lz_auditor_liucheng "
    "sz_county sz_county_suixian sz_city sz_ce sz_auditor sz_auditor_zengdu"
)

ROWS = [
    Row("funding:studio_funding", pk="studio:lz.p1", ok=P1_MONEY),
    # Only the school's finance officer decides; the others who see the entry are refused.
    Row(
        "funding:expenditure_decide",
        pk="expenditure:lz.p1",
        method="POST",
        ok="lz_finance",
        also={FORBIDDEN: "admin lz_city lz_ce lz_auditor lz_p1 lz_member"},
    ),
    Row("funding:receipt_file", pk="expenditure:lz.p1", ok=P1_MONEY),
    Row("funding:finance_queue", ok="lz_finance sz_finance"),
    Row("funding:allocations", ok="admin lz_city sz_city"),
    Row("funding:special_account", pk="account:lz.lzgz", ok="admin lz_city lz_finance"),
    Row(
        "funding:audit_export",
        ok="admin lz_city lz_ce lz_auditor lz_auditor_liucheng sz_city sz_ce sz_auditor "
        "sz_auditor_zengdu",
    ),
    Row("funding:data_import", ok="admin lz_city sz_city"),
    # A large import's progress page, its owner's alone (as every background job).
    Row("funding:data_import_job", pk="import_job:lz_city", ok="lz_city", visibility=PERSONAL),
    Row(
        "funding:import_template",
        kind="import_kind:teachers",
        ok="admin lz_city sz_city",
        visibility=CITY,
        others=FORBIDDEN,
    ),
    Row("funding:funding_dashboard", ok=OVERSEERS),
]
