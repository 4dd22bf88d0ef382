"""Benchmark: the auditors' workbook at 100,000 activities, beside django-import-export.

    DJANGO_SETTINGS_MODULE=config.settings.local .venv/bin/python bench/audit_export.py

It creates a throwaway database (Django's test database: in-memory SQLite by default, or
``test_<name>`` on the server of DATABASE_URL) and destroys it at the end. It loads the demo
organisations and the presets, builds 100 studios with five members each and 100,000
activities (attendance for the first 10,000), then exports the same rows:

* ``write_workbook`` — the activities sheet alone (typed cells, openpyxl write-only, rows
  streamed from a server-side cursor), and the whole workbook (every sheet);
* django-import-export's ``ActivityResource().export(queryset).xlsx`` of the same activities
  (a tablib Dataset in memory, every cell text).

Each export runs in a forked child, so that the peak resident memory (``ru_maxrss``) is the
export's own: the table shows the child's growth over what it inherited. A second child per
export measures the peak of Python allocations with ``tracemalloc`` (slower, so timed apart).
Options: ``--rows 100000 --studios 100 --no-tracemalloc``.
"""

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

TERM_START = date(2024, 9, 1)


def build(rows: int, studio_count: int) -> None:
    from accounts.models import Organisation, OrganisationKind, User
    from applications.models import Application, ApplicationStatus, Call, CallStatus
    from demo.seed import seed_demo
    from policies.models import ActivityKind, Policy, TeamRole
    from studios.models import (
        Activity,
        Attendance,
        AttendanceStatus,
        Membership,
        MembershipSource,
        Studio,
    )
    from studios.services.founding import term_end_for

    seed_demo(with_applications=False)
    policy = Policy.objects.get(code="liuzhou-2024")
    bureau = Organisation.objects.get(city=policy.city, kind=OrganisationKind.MUNICIPAL_BUREAU)
    schools = list(Organisation.objects.filter(city=policy.city, kind=OrganisationKind.SCHOOL))
    call = Call.objects.create(
        policy=policy,
        bureau=bureau,
        title="bench audit export",
        studio_count=studio_count,
        opens_on=date(2024, 6, 1),
        closes_on=date(2024, 7, 28),
        school_stages=list(policy.school_stages),
        status=CallStatus.PUBLISHED,
        published_on=TERM_START,
    )
    hosts = User.objects.bulk_create(
        [User(username=f"bench-audit-{i}", full_name=f"主持人{i}") for i in range(studio_count)]
    )
    applications = Application.objects.bulk_create(
        [
            Application(
                call=call,
                applicant=host,
                school=schools[i % len(schools)],
                county=schools[i % len(schools)].county,
                school_stage=(schools[i % len(schools)].school_stages or ["primary"])[0],
                status=ApplicationStatus.SELECTED,
                host_name=host.full_name,
            )
            for i, host in enumerate(hosts)
        ]
    )
    studios = Studio.objects.bulk_create(
        [
            Studio(
                policy=policy,
                call=call,
                application=a,
                name=policy.studio_name(a.host_name),
                host=a.applicant,
                school=a.school,
                county=a.county,
                school_stage=a.school_stage,
                term_start=TERM_START,
                term_end=term_end_for(TERM_START, policy.term_years),
                plaque_number=f"bench-audit-{i:05d}",
                published_on=TERM_START,
            )
            for i, a in enumerate(applications)
        ]
    )
    memberships = Membership.objects.bulk_create(
        [
            Membership(
                studio=s,
                role=TeamRole.MEMBER,
                name=f"成员{j}",
                source=MembershipSource.APPLICATION,
                start_date=TERM_START,
            )
            for s in studios
            for j in range(5)
        ]
    )
    kinds = list(ActivityKind.values)
    for first in range(0, rows, 10_000):
        batch = Activity.objects.bulk_create(
            [
                Activity(
                    studio=studios[i % studio_count],
                    kind=kinds[i % len(kinds)],
                    title=f"专题研讨第{i}期",
                    held_on=TERM_START + timedelta(days=i % 700),
                    place="报告厅",
                )
                for i in range(first, min(first + 10_000, rows))
            ],
            batch_size=5_000,
        )
        if first == 0:
            by_studio = {}
            for m in memberships:
                by_studio.setdefault(m.studio_id, []).append(m)
            Attendance.objects.bulk_create(
                [
                    Attendance(activity=a, membership=m, status=AttendanceStatus.PRESENT)
                    for a in batch
                    for m in by_studio[a.studio_id]
                ],
                batch_size=5_000,
            )


def _scope():
    from funding.exports import city_scope

    return city_scope(city="liuzhou")


def ours_activities() -> int:
    from funding.exports import write_workbook

    with tempfile.TemporaryFile() as handle:
        write_workbook(_scope(), handle, sheets=["activities"])
        return handle.tell()


def ours_workbook() -> int:
    from funding.exports import write_workbook

    with tempfile.TemporaryFile() as handle:
        write_workbook(_scope(), handle)
        return handle.tell()


def import_export() -> int:
    from funding.exports import SHEETS, ActivityResource

    queryset = (
        SHEETS["activities"]
        .queryset(_scope())
        .select_related("studio")
        .order_by("studio__plaque_number", "pk")
    )
    return len(ActivityResource().export(queryset=queryset).xlsx)


def _child(fn, traced: bool, queue) -> None:
    try:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        size = fn()
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        queue.put((elapsed, size, before, after, peak))
    finally:
        connections.close_all()


def run(fn, traced: bool) -> tuple:
    connections.close_all()  # the child opens its own connection
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child, args=(fn, traced, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--studios", type=int, default=100)
    parser.add_argument("--no-tracemalloc", action="store_true")
    args = parser.parse_args()

    from studios.models import Activity

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        started = time.perf_counter()
        build(args.rows, args.studios)
        built = time.perf_counter() - started
        print(
            f"database: {connection.vendor} ({connection.settings_dict['NAME']}); "
            f"{Activity.objects.count()} activities in {args.studios} studios, "
            f"built in {built:.1f} s; python {sys.version.split()[0]}, {os.cpu_count()} cores"
        )
        variants = [
            ("write_workbook: activities sheet", ours_activities),
            ("write_workbook: whole workbook", ours_workbook),
            ("import-export ActivityResource .xlsx", import_export),
        ]
        header = (
            f"{'export':38} {'time':>8} {'xlsx':>9} {'maxrss grew':>12} {'maxrss':>9} "
            f"{'tracemalloc peak':>17}"
        )
        print(header)
        for label, fn in variants:
            elapsed, size, before, after, _ = run(fn, traced=False)
            peak = None if args.no_tracemalloc else run(fn, traced=True)[4]
            print(
                f"{label:38} {elapsed:7.1f}s {size / 1e6:7.1f}MB {(after - before) / 1024:9.1f}MB "
                f"{after / 1024:7.1f}MB "
                f"{'—' if peak is None else f'{peak / 1e6:.1f}MB':>17}"
            )
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
