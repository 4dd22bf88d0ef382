"""Benchmark: the auditors' workbook at 100,000 activities, beside django-import-export.

    DJANGO_SETTINGS_MODULE=config.settings.local .venv/bin/python bench/audit_export.py

or, from another script, ``measure(rows=100_000, runs=3)`` (bench/run.py), which returns the
rows of the issue's table: time and peak memory of ours against the anchor, with the goals.

It creates a throwaway database once (Django's test database: a temporary SQLite file by
default, or ``test_<name>`` on the server of DATABASE_URL) and destroys it at the end. It loads
the demo organisations and the presets, builds 100 studios with five members each and 100,000
activities (attendance for the first 10,000), then exports the same rows:

* ours: ``funding.exports.write_workbook`` with the activities sheet alone (typed cells, rows
  streamed from a server-side cursor into the sheet's XML, ``core.xlsx``);
* the anchor: django-import-export's ``ActivityResource().export(queryset).xlsx`` of the same
  activities (a tablib Dataset in memory, every cell text) — the "plain export".

The database is built in a forked child, so that the process every export forks from holds
Django and nothing else. Every export runs in its own forked child, so that its peak resident
memory (``ru_maxrss``: what it inherited plus what it grew) is its own; ours and the anchor
alternate, ``runs`` times each, and the table gives the median time and the median peak.
The command line also times the whole workbook (every sheet) and, unless
``--no-tracemalloc``, the peak of Python allocations of each export (slower, so timed apart).
Options: ``--rows 100000 --studios 100 --runs 3 --no-tracemalloc``.
"""

import argparse
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import DEFAULT_DB_ALIAS, connection, connections  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

TERM_START = date(2024, 9, 1)
STUDIOS = 100
TIME_GOAL = 3.0  # ours at least this many times faster than the anchor
MEMORY_GOAL = 0.2  # ours at most this fraction of the anchor's peak resident memory


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
        queue.put((elapsed, size, before * 1024, after * 1024, peak))
    except BaseException as exc:
        queue.put(exc)
        raise
    finally:
        connections.close_all()


def run(fn, traced: bool = False) -> tuple:
    """``fn`` in a forked child: (seconds, bytes written, maxrss at start, peak maxrss, traced
    peak), memory in bytes."""
    connections.close_all()  # the child opens its own connection
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child, args=(fn, traced, queue))
    child.start()
    result = queue.get()
    child.join()
    if isinstance(result, BaseException):
        raise RuntimeError(f"{fn.__name__} failed in its child") from result
    return result


def _create_and_build(rows: int, studios: int) -> tuple[str, float]:
    """In a child: create the test database (migrations), fill it; its name and the time."""
    started = time.perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False, serialize=False)
    build(rows, studios)
    return connection.settings_dict["NAME"], time.perf_counter() - started


class _Database:
    """The throwaway database, created and filled once, in a child: the process that every
    export forks from then holds Django and nothing else (migrations and the build would
    otherwise stay in every export's resident memory)."""

    def __init__(self, rows: int, studios: int):
        self.rows, self.studios = rows, studios

    def __enter__(self):
        setup_test_environment()
        self._tmp = None
        if connection.vendor == "sqlite":
            # A file, not memory: the children that build and export are other processes.
            self._tmp = tempfile.TemporaryDirectory(prefix="bench-audit-")
            test = connection.settings_dict.setdefault("TEST", {})
            test["NAME"] = str(Path(self._tmp.name) / "bench.sqlite3")
        self.old_name = connection.settings_dict["NAME"]
        name, self.built = run(lambda: _create_and_build(self.rows, self.studios))[1]
        connection.settings_dict["NAME"] = settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"] = name
        return self

    def __exit__(self, *exc):
        connections.close_all()
        connection.creation.destroy_test_db(self.old_name, verbosity=0)
        teardown_test_environment()
        if self._tmp is not None:
            self._tmp.cleanup()

    def describe(self) -> str:
        return (
            f"database: {connection.vendor} ({connection.settings_dict['NAME']}); "
            f"{self.rows} activities in {self.studios} studios, built in {self.built:.1f} s; "
            f"python {sys.version.split()[0]}, {os.cpu_count()} cores"
        )


def _interleaved(fns: dict, runs: int) -> dict[str, list[tuple]]:
    """Each export ``runs`` times, alternating (and the order flipped each round, so that
    neither always runs on a warmer cache)."""
    results: dict[str, list[tuple]] = {name: [] for name in fns}
    names = list(fns)
    for round_ in range(runs):
        for name in names if round_ % 2 == 0 else reversed(names):
            results[name].append(run(fns[name]))
    return results


def _mb(value: float) -> str:
    return f"{value / 2**20:.1f} MB"


def _rows(results: dict[str, list[tuple]], rows: int) -> list[dict]:
    ours_s = statistics.median(r[0] for r in results["ours"])
    anchor_s = statistics.median(r[0] for r in results["anchor"])
    ours_rss = statistics.median(r[3] for r in results["ours"])
    anchor_rss = statistics.median(r[3] for r in results["anchor"])
    rows_text = f"{rows:,}"
    return [
        {
            "measure": f"audit export of {rows_text} activity rows vs django-import-export",
            "ours": round(ours_s, 2),
            "anchor": round(anchor_s, 2),
            "ratio": round(anchor_s / ours_s, 2),
            "goal": f"≥ {TIME_GOAL:g}× faster",
            "met": anchor_s / ours_s >= TIME_GOAL,
        },
        {
            "measure": f"peak RSS of that export ({rows_text} rows) vs django-import-export",
            "ours": _mb(ours_rss),
            "anchor": _mb(anchor_rss),
            "ratio": round(ours_rss / anchor_rss, 3),
            "goal": f"≤ {MEMORY_GOAL:g}",
            "met": ours_rss / anchor_rss <= MEMORY_GOAL,
        },
    ]


def measure(rows: int = 100_000, runs: int = 3) -> list[dict]:
    """Ours and the anchor, interleaved ``runs`` times each on one database built once: the
    median time and median peak RSS of each, as rows of measure, ours, anchor, ratio, goal,
    met (time ratio anchor/ours, memory ratio ours/anchor)."""
    with _Database(rows, STUDIOS):
        results = _interleaved({"ours": ours_activities, "anchor": import_export}, runs)
    return _rows(results, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--studios", type=int, default=STUDIOS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-tracemalloc", action="store_true")
    args = parser.parse_args()

    with _Database(args.rows, args.studios) as database:
        print(database.describe())
        results = _interleaved(
            {"ours": ours_activities, "anchor": import_export, "workbook": ours_workbook},
            args.runs,
        )
        labels = {
            "ours": "write_workbook: activities sheet",
            "workbook": "write_workbook: whole workbook",
            "anchor": "import-export ActivityResource .xlsx",
        }
        fns = {"ours": ours_activities, "workbook": ours_workbook, "anchor": import_export}
        print(
            f"{'export (median of ' + str(args.runs) + ')':38} {'time':>7} {'min':>7} "
            f"{'max':>7} {'xlsx':>8} {'peak rss':>9} {'grew':>8} {'tracemalloc':>12}"
        )
        for name in ("ours", "workbook", "anchor"):
            runs = results[name]
            times = [r[0] for r in runs]
            peak = statistics.median(r[3] for r in runs)
            grew = statistics.median(r[3] - r[2] for r in runs)
            traced = None if args.no_tracemalloc else run(fns[name], traced=True)[4]
            print(
                f"{labels[name]:38} {statistics.median(times):6.2f}s {min(times):6.2f}s "
                f"{max(times):6.2f}s {runs[0][1] / 1e6:6.1f}MB {peak / 2**20:7.1f}MB "
                f"{grew / 2**20:6.1f}MB "
                f"{'—' if traced is None else f'{traced / 1e6:.1f}MB':>12}"
            )
    print()
    for row in _rows(results, args.rows):
        print(
            f"{row['measure']}: ours {row['ours']}, anchor {row['anchor']}, ratio "
            f"{row['ratio']} (goal {row['goal']}): {'met' if row['met'] else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
