"""The auditors' workbook from the command line, for scheduled audits.

    python manage.py export_audit --city CODE --county CODE --year 2025 --out audit.xlsx

The same workbook as the web page (``funding.exports.write_workbook``), for a whole city or one
county, without a user: whoever can run the command holds the server.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from funding import exports


class Command(BaseCommand):
    help = "Write the audit workbook (.xlsx) of a city, a county, a batch and/or a year."

    def add_arguments(self, parser):
        parser.add_argument("--city", required=True, help="city code (see the cities in the admin)")
        parser.add_argument("--county", help="county/district bureau code")
        parser.add_argument("--year", type=int, help="calendar year (YYYY)")
        parser.add_argument("--call", type=int, help="batch: the call's id")
        parser.add_argument("--out", required=True, help="the .xlsx file to write")

    def handle(self, *args, city, county, year, call, out, **options):
        try:
            scope = exports.city_scope(city=city, county=county, call=call, year=year)
        except exports.ScopeError as exc:
            raise CommandError(str(exc)) from None
        started = time.perf_counter()
        with open(out, "wb") as handle:
            results = exports.write_workbook(scope, handle)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{scope.label} → {out}")
        for result in results:
            self.stdout.write(f"  {result.title:<12} {result.identifier:<24} {result.rows:>9} rows")
        total = sum(r.rows for r in results)
        self.stdout.write(f"{len(results)} sheets, {total} rows in {elapsed:.2f} s")
