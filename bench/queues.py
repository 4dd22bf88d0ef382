"""Benchmark: the review queue and the home page at 1k and 100k waiting applications.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mingshi_bench \\
        .venv/bin/python bench/queues.py [--quick] [--runs 15]

It creates a throwaway database (Django's test database ``test_<name>`` on the server of
DATABASE_URL; dropped at the end), loads the demo organisations and presets, gives one county
reviewer (lz_county, 柳城县) 1,000 waiting applications, measures, grows the queue to 100,000
(bulk_create, then VACUUM ANALYZE) and measures again, through the Django test client, the median of
``--runs`` interleaved runs:

* the queue's page 1, its last numbered page (p40) and a deep page by cursor (from the middle of
  the queue), at both sizes;
* the waiting count as the queue and the home page take it (bounded) and the exact COUNT;
* the home page beside /healthz/live (a trivial view) and the admin index, the queue beside
  the admin changelist of the same rows (throughput = 1 / median time of one request, one process).

``measure(quick=False) -> list[dict]`` returns the rows (measure, ours, anchor, ratio, goal, met)
for bench/run.py; ``main()`` prints them. ``--quick``: 100 and 10,000 rows.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mingshi_bench")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402


def _median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def interleaved(a, b, runs: int) -> tuple[float, float]:
    """Median milliseconds of ``a`` and ``b``, run A, B, A, B, ... after one warm-up each."""
    a(), b()
    ta, tb = [], []
    for _ in range(runs):
        for fn, times in ((a, ta), (b, tb)):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    return _median_ms(ta), _median_ms(tb)


def get(client: Client, url: str):
    def fetch():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    return fetch


class Queue:
    """One county reviewer's queue, grown in place."""

    def __init__(self):
        from accounts.models import Organisation, User
        from demo.seed import seed_demo
        from policies.models import Policy

        seed_demo(with_applications=False)
        policy = Policy.objects.get(code="liuzhou-2024")
        self.call = self._call(policy)
        self.reviewer = User.objects.get(username="lz_county")
        self.school = Organisation.objects.get(code="liucheng-sx", city__code="liuzhou")
        self.rows = 0

    @staticmethod
    def _call(policy):
        from datetime import date

        from accounts.models import Organisation, OrganisationKind
        from applications.models import Call, CallStatus

        return Call.objects.create(
            policy=policy,
            bureau=Organisation.objects.get(
                city=policy.city, kind=OrganisationKind.MUNICIPAL_BUREAU
            ),
            title="bench queue",
            studio_count=10,
            opens_on=date(2024, 7, 1),
            closes_on=date(2024, 7, 28),
            school_stages=list(policy.school_stages),
            status=CallStatus.OPEN,
        )

    def grow(self, total: int) -> None:
        from datetime import timedelta

        from django.db.models import F
        from django.utils import timezone

        from accounts.models import User
        from applications.models import Application, ApplicationStatus

        start = timezone.now() - timedelta(days=60)
        for first in range(self.rows, total, 10_000):
            last = min(first + 10_000, total)
            users = User.objects.bulk_create(
                [User(username=f"bq-{i}", full_name=f"教师{i}") for i in range(first, last)],
                batch_size=5_000,
            )
            Application.objects.bulk_create(
                [
                    Application(
                        call=self.call,
                        applicant=u,
                        school=self.school,
                        county=self.school.county,
                        school_stage="primary",
                        status=ApplicationStatus.AT_COUNTY,
                        host_name=u.full_name,
                        research_direction="班级管理",
                        submitted_at=start + timedelta(seconds=first + i),
                    )
                    for i, u in enumerate(users)
                ],
                batch_size=5_000,
            )
        # A real queue's rows changed at different times; bulk_create stamps one.
        Application.objects.filter(call=self.call, pk__gt=0).update(updated_at=F("submitted_at"))
        self.rows = max(self.rows, total)
        with connection.cursor() as cursor:  # as autovacuum would have after a big load
            cursor.execute(f"VACUUM ANALYZE {Application._meta.db_table}")
            cursor.execute("ANALYZE")


def _figures(queue: Queue, runs: int) -> dict:
    from applications import selectors
    from applications.models import Application
    from applications.permissions import waiting_for_q

    reviewer = Client()
    reviewer.force_login(queue.reviewer)
    url = reverse("applications:review_queue")
    applications = selectors.review_queue(queue.reviewer)
    middle = applications.values_list("pk", flat=True)[queue.rows // 2]
    last_numbered = min(40, (queue.rows + 24) // 25)
    page1, deep_cursor = interleaved(
        get(reviewer, url), get(reviewer, f"{url}?after={middle}"), runs
    )
    last, _ = interleaved(get(reviewer, f"{url}?page={last_numbered}"), lambda: None, runs)
    # Each on its own: interleaved, the bounded count at 100k ran straight after a full COUNT
    # of the table (35 ms, the caches full of other pages) and measured that, not itself.
    bounded, _ = interleaved(
        lambda: selectors.waiting_count(queue.reviewer), lambda: None, runs * 3
    )
    exact, _ = interleaved(
        lambda: Application.objects.filter(waiting_for_q(queue.reviewer)).count(),
        lambda: None,
        runs,
    )
    from core.pagination import keyset_q

    keyset = applications.filter(keyset_q(applications, middle, forward=True))
    sql = {
        "sql_page1": _sql_ms(applications[:26], runs),
        "sql_cursor": _sql_ms(keyset[:26], runs),
        "sql_offset": _sql_ms(applications[queue.rows // 2 : queue.rows // 2 + 26], runs),
        # The count as Django runs it: the keys only, no joins of select_related.
        "sql_bounded": _sql_ms(applications.order_by().values("pk")[:1001], runs, count=True),
        "sql_exact": _sql_ms(applications.order_by().values("pk"), runs, count=True),
    }
    return sql | {
        "page1": page1,
        "deep_cursor": deep_cursor,
        "last_numbered": last,
        "last_number": last_numbered,
        "bounded_count": bounded,
        "exact_count": exact,
    }


def _sql_ms(queryset, runs: int, *, count: bool = False) -> float:
    """The database's own execution time of a query (EXPLAIN ANALYZE), median of ``runs``: less
    sensitive to a busy machine than a page's wall-clock time."""
    sql, params = queryset.query.sql_with_params()
    if count:
        sql = f"SELECT COUNT(*) FROM ({sql}) counted"
    times = []
    with connection.cursor() as cursor:
        for _ in range(runs + 1):
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
            plan = plan[0] if isinstance(plan, list) else plan
            times.append(plan["Execution Time"])
    return statistics.median(times[1:])


def _row(measure, ours, anchor, ratio, goal, met) -> dict:
    return {
        "measure": measure,
        "ours": ours,
        "anchor": anchor,
        "ratio": ratio,
        "goal": goal,
        "met": met,
    }


def _k(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 else str(n)


def measure(quick: bool = False, runs: int | None = None) -> list[dict]:
    small, large = (100, 10_000) if quick else (1_000, 100_000)
    runs = runs or (5 if quick else 15)
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        with override_settings(DEBUG=False, ALLOWED_HOSTS=["*"]):
            return _measure(small, large, runs)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def _measure(small: int, large: int, runs: int) -> list[dict]:
    from accounts.models import User

    queue = Queue()
    queue.grow(small)
    at_small = _figures(queue, runs)
    queue.grow(large)
    at_large = _figures(queue, runs)
    s, big = _k(small), _k(large)
    rows = []

    def flat(label, key, anchor_key=None):
        ours, anchor = at_large[key], at_small[anchor_key or key]
        ratio = ours / anchor
        rows.append(
            _row(
                label, f"{ours:.1f} ms", f"{anchor:.1f} ms", f"{ratio:.2f}×", "≤ 1.5×", ratio <= 1.5
            )
        )

    flat(f"queue page 1 at {big} vs {s}", "page1")
    flat(
        f"queue p{at_large['last_number']} at {big} vs p{at_small['last_number']} at {s}",
        "last_numbered",
    )
    flat(
        f"queue deep page by cursor (row {large // 2}) at {big} vs page 1 at {s}",
        "deep_cursor",
        "page1",
    )
    flat(f"waiting count (bounded) at {big} vs {s}", "bounded_count")
    flat(f"SQL of page 1 at {big} vs {s} (EXPLAIN ANALYZE)", "sql_page1")
    flat(
        f"SQL of a cursor page (row {large // 2}) at {big} vs page 1 at {s}",
        "sql_cursor",
        "sql_page1",
    )
    flat(f"SQL of the bounded count at {big} vs {s}", "sql_bounded")
    for label, ours_key, anchor_key in (
        (f"SQL at {big}: cursor page vs OFFSET {large // 2}", "sql_cursor", "sql_offset"),
        (f"SQL at {big}: bounded count vs exact COUNT", "sql_bounded", "sql_exact"),
    ):
        ours, anchor = at_large[ours_key], at_large[anchor_key]
        rows.append(
            _row(
                label,
                f"{ours:.2f} ms",
                f"{anchor:.2f} ms",
                f"{anchor / ours:.0f}× faster",
                "(reported)",
                None,
            )
        )
    ratio = at_large["exact_count"] / at_large["bounded_count"]
    rows.append(
        _row(
            f"waiting count at {big}: bounded vs exact COUNT",
            f"{at_large['bounded_count']:.2f} ms",
            f"{at_large['exact_count']:.2f} ms",
            f"{ratio:.1f}× faster",
            "(reported)",
            None,
        )
    )

    # Throughput beside Django's own pages: the home page of the reviewer with the big queue.
    reviewer = Client()
    reviewer.force_login(queue.reviewer)
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    home, healthz = interleaved(
        get(reviewer, reverse("accounts:home")), get(Client(), "/healthz/live"), runs
    )
    home, admin_index = interleaved(
        get(reviewer, reverse("accounts:home")), get(admin, reverse("admin:index")), runs
    )
    ratio = healthz / home
    rows.append(
        _row(
            f"home page throughput vs /healthz/live (reviewer, {big} waiting), one process",
            f"{1000 / home:.0f}/s",
            f"{1000 / healthz:.0f}/s",
            f"{ratio:.2f}",
            # The goal is held through gunicorn with the shared cache (bench/run.py, http):
            # here the test client renders every time, in one process, with no cache.
            "(reported)",
            None,
        )
    )
    ratio = admin_index / home
    rows.append(
        _row(
            "home page throughput vs admin index, one process",
            f"{1000 / home:.0f}/s",
            f"{1000 / admin_index:.0f}/s",
            f"{ratio:.2f}×",
            "(reported)",
            None,
        )
    )
    changelist = (
        reverse("admin:applications_application_changelist")
        + f"?status__exact=at_county&county__id__exact={queue.school.county_id}"
    )
    ours, anchor = interleaved(
        get(reviewer, reverse("applications:review_queue")), get(admin, changelist), runs
    )
    ratio = anchor / ours
    rows.append(
        _row(
            f"review queue throughput vs admin changelist ({big} rows), one process",
            f"{1000 / ours:.0f}/s",
            f"{1000 / anchor:.0f}/s",
            f"{ratio:.2f}×",
            "(reported)",
            None,
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args()
    rows = measure(quick=args.quick, runs=args.runs)
    width = max(len(r["measure"]) for r in rows)
    print(f"{'measure':{width}}  {'ours':>12} {'anchor':>12} {'ratio':>12}  goal      met")
    for r in rows:
        met = "—" if r["met"] is None else ("yes" if r["met"] else "NO")
        print(
            f"{r['measure']:{width}}  {r['ours']:>12} {r['anchor']:>12} {r['ratio']:>12}  "
            f"{r['goal']:9} {met}"
        )


if __name__ == "__main__":
    main()
