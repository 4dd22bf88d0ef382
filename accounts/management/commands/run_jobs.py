from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.scheduling import job_names, run_jobs


class Command(BaseCommand):
    help = "Run the daily jobs for a given day (default today) and print what each did."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day to run for, YYYY-MM-DD")
        parser.add_argument("--only", action="append", help="a job name (repeatable)")
        parser.add_argument("--list", action="store_true", help="list the jobs and stop")

    def handle(self, *args, today=None, only=None, list=False, **options):
        if list:
            for name in job_names():
                self.stdout.write(name)
            return
        try:
            day = date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--today must be YYYY-MM-DD: {exc}") from exc
        try:
            reports = run_jobs(today=day, only=only)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Jobs for {day.isoformat()}:")
        for report in reports:
            if not report.lines:
                self.stdout.write(f"  {report.name}: nothing to do")
                continue
            self.stdout.write(f"  {report.name}: {len(report.lines)}")
            for line in report.lines:
                self.stdout.write(f"    - {line}")
