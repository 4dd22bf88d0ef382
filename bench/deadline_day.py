"""The deadline day: 200 teachers log in, fill in their form, save a draft and submit, at once.

    .venv/bin/python bench/deadline_day.py [--teachers 200 --window 360 --workers 2]

It creates a fresh PostgreSQL database (Django's test database machinery: ``test_<name>_deadline``
on the server of DATABASE_URL, default ``postgres://postgres@127.0.0.1:5432/mingshi_bench``;
dropped at the end), loads the demo organisations and presets, opens a call of 柳州 for today,
and gives 200 teachers at the city's schools an account (the demo password). It starts gunicorn
on loopback with ``config.settings.production`` (bench/serving.py: DEBUG off, manifest static
files, django-axes on) and a real Celery worker on Redis (db 8 by default), so that what the
submit queues (notifications, the stored PDF) runs as in a deployment.

Then every teacher, in one thread each, all at work together in the last hour before the
deadline, compressed into ``--window`` seconds (360: ten times an hour's density; each
arrives at a random moment of its first 60 %, seeded, and takes a human's pause of 1–4 s
between reading and saving):

  GET /login/ → POST /login/ → GET / → POST /calls/<id>/apply/ → GET the form →
  POST the form with the photo ("save draft") → POST it again with "submit"

The goal (p95 ≤ 500 ms) is on the deadline's own requests, saving the draft and submitting;
the login is reported on its own: its password check costs about a tenth of a second of CPU by
design (Argon2), whatever the load. 200 requests fired in the same millisecond on two cores
would only measure the queue in front of them.

The form data is what a browser would post: it is read from the form page of one application
filled in by the test factories (every field, the formsets' management forms, the undertakings),
with each teacher's own name. It prints p50/p95/p99 per request kind, every error, then counts
in the database: one application per teacher, each submitted once, with its draft's team and
photo, none twice. ``--json`` adds one machine-readable line for bench/run.py.

A plain threads client, not locust: locust brings gevent and its own process model and web UI for
what is here a fixed script of seven requests per user, bounded in count; threads on http.client
keep the bench's dependencies to the standard library and its run deterministic in length.
"""

import argparse
import json
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mingshi_bench")
# Its own database name, so that it never meets bench/run.py's test database.
_url = urlsplit(os.environ["DATABASE_URL"])
if _url.scheme.startswith("postgres") and not _url.path.endswith("_deadline"):
    os.environ["DATABASE_URL"] = urlunsplit(_url._replace(path=_url.path + "_deadline"))
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ["DJANGO_SECRET_KEY"] = "bench-only-secret-key-not-for-deployment-0123456789"
MEDIA = tempfile.mkdtemp(prefix="bench-deadline-media-")
os.environ["DJANGO_MEDIA_ROOT"] = MEDIA

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from lxml import html  # noqa: E402

from bench import serving  # noqa: E402

PASSWORD = "Deadline-Day-2024!"
ERROR_TEXT = re.compile(r'<ul class="errorlist[^"]*"[^>]*>\s*<li>([^<]{0,120})')


def build(teachers: int):
    """An open call of 柳州 and ``teachers`` teachers who may apply; the form data to post."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import Organisation, OrganisationKind, Role, RoleAssignment, User
    from applications import services
    from core import clock
    from demo.seed import seed_demo
    from tests.applications import factories

    seed_demo(with_applications=False)
    today = clock.today()
    call = factories.open_call(
        opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=20)
    )
    stages = set(call.school_stages)
    schools = [
        s
        for s in Organisation.objects.filter(city=call.bureau.city, kind=OrganisationKind.SCHOOL)
        if set(s.school_stages) & stages
    ]
    # One sample form per school, filled by the factories and read back from its page as a
    # browser would post it (the school decides the stage, the paired county, the work unit).
    fields = {}
    for school in schools:
        sample_teacher = factories.teacher_at(school.code, f"bench-sample-{school.code}")
        sample = factories.fill(services.application_start(actor=sample_teacher, call=call))
        client = Client()
        client.force_login(sample_teacher)
        action = reverse("applications:application_edit", args=[sample.pk])
        page = client.get(action)
        assert page.status_code == 200, page.status_code
        doc = html.fromstring(page.content.decode())
        form = next(
            f for f in doc.forms if f.get("action") in (None, "", action) and f.inputs.keys()
        )
        fields[school.pk] = [
            (k, v) for k, v in form.form_values() if k not in ("csrfmiddlewaretoken", "photo")
        ]
    # Each teacher: one account (one password hash, computed once), a teacher at a school.
    hashed = make_password(PASSWORD)
    users = User.objects.bulk_create(
        [
            User(username=f"deadline-{i:04d}", full_name=f"教师{i:04d}", password=hashed)
            for i in range(teachers + 1)  # the first one goes alone, before the crowd
        ]
    )
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=u, role=Role.TEACHER, organisation=schools[i % len(schools)])
            for i, u in enumerate(users)
        ]
    )
    return call, fields, users, {u.pk: schools[i % len(schools)].pk for i, u in enumerate(users)}


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors: list[str] = []

    def timed(self, kind, fn, expect):
        started = time.perf_counter()
        try:
            status, location, body = fn()
        except Exception as exc:  # noqa: BLE001 (an error of the run, counted)
            with self.lock:
                self.times[kind].append(time.perf_counter() - started)
                self.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
            return None, None, b""
        elapsed = time.perf_counter() - started
        with self.lock:
            self.times[kind].append(elapsed)
            if status not in expect:
                said = ERROR_TEXT.findall(body.decode(errors="replace"))[:1] if body else []
                self.errors.append(
                    f"{kind}: HTTP {status} {location or ''} {' '.join(said)}".strip()
                )
        return status, location, body


def teacher(
    port, user, call_pk, fields, photo, barrier, rec: Recorder, stop_at: float, plan=(0, 0, 0)
):
    """``plan``: seconds to wait after the start, before saving, before submitting."""
    arrive, think_save, think_submit = plan
    browser = serving.Browser(port)
    try:
        barrier.wait()
        time.sleep(arrive)
        rec.timed("GET /login/", lambda: browser.get("/login/"), {200})
        status, location, _ = rec.timed(
            "POST /login/",
            lambda: browser.post("/login/", {"username": user.username, "password": PASSWORD}),
            {302},
        )
        if status != 302 or time.time() > stop_at:
            return
        rec.timed("GET / (home)", lambda: browser.get("/"), {200})
        status, location, _ = rec.timed(
            "POST apply", lambda: browser.post(f"/calls/{call_pk}/apply/", {}), {302}
        )
        if status != 302 or "/edit/" not in (location or ""):
            rec.errors.append(f"apply: went to {location}")
            return
        edit = urlsplit(location).path
        rec.timed("GET form", lambda: browser.get(edit), {200})
        time.sleep(think_save)
        mine = [(k, user.full_name if k == "host_name" else v) for k, v in fields]
        rec.timed(
            "POST save draft",
            lambda: browser.post(edit, [*mine, ("save", "1")], files={"photo": photo}),
            {302},
        )
        if time.time() > stop_at:
            return
        time.sleep(think_submit)
        rec.timed("POST submit", lambda: browser.post(edit, [*mine, ("submit", "1")]), {302})
    finally:
        browser.close()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def count_rows(call, users) -> dict:
    from django.db.models import Count

    from applications.models import Application, ApplicationStatus, Submission

    mine = Application.objects.filter(call=call, applicant__in=users)
    return {
        "applications": mine.count(),
        "submitted": mine.exclude(status=ApplicationStatus.DRAFT).count(),
        "drafts_with_team_and_photo": mine.exclude(photo="")
        .filter(team__isnull=False)
        .distinct()
        .count(),
        "submissions": Submission.objects.filter(application__in=mine).count(),
        "duplicates": mine.values("applicant").annotate(n=Count("pk")).filter(n__gt=1).count()
        + Submission.objects.filter(application__in=mine)
        .values("application")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=200)
    parser.add_argument("--window", type=int, default=360, help="seconds for the last hour")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="per worker, with gthread")
    parser.add_argument("--max-seconds", type=int, default=600, help="stop starting requests then")
    parser.add_argument("--eager", action="store_true", help="no Celery worker: tasks in gunicorn")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import redis

    from tests.core import files

    if not args.eager:  # nothing left queued by an earlier run (its database is gone)
        redis.Redis.from_url(serving.REDIS_URL).flushdb()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        started = time.perf_counter()
        call, fields, users, school_of = build(args.teachers)
        print(
            f"database {connection.settings_dict['NAME']}: call {call.pk}, {len(users)} teachers, "
            f"{len(fields)} schools; built in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        connections.close_all()
        server = serving.Server(
            serving.database_url(connection.settings_dict),
            workers=args.workers,
            worker_class=args.worker_class,
            threads=args.threads,
            celery=not args.eager,
            media_root=os.environ["DJANGO_MEDIA_ROOT"],
        )
        if args.eager:
            server.env.pop("CELERY_BROKER_URL", None)
        photo = ("photo.png", files.png(size=(300, 400)), "image/png")
        rec = Recorder()
        solo, users = users[0], users[1:]
        with server:
            # One teacher alone first: what each request costs when nobody else is waiting.
            alone = Recorder()
            teacher(
                server.port,
                solo,
                call.pk,
                fields[school_of[solo.pk]],
                photo,
                threading.Barrier(1),
                alone,
                time.time() + 120,
            )
            barrier = threading.Barrier(len(users))
            rng = random.Random(2024)
            plans = [
                (rng.uniform(0, 0.6 * args.window), rng.uniform(1, 4), rng.uniform(1, 4))
                for _ in users
            ]
            stop_at = time.time() + args.max_seconds
            threads = [
                threading.Thread(
                    target=teacher,
                    args=(
                        server.port,
                        u,
                        call.pk,
                        fields[school_of[u.pk]],
                        photo,
                        barrier,
                        rec,
                        stop_at,
                        plan,
                    ),
                    daemon=True,
                )
                for u, plan in zip(users, plans, strict=True)
            ]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=max(1, stop_at + 300 - time.time()))
            wall = time.perf_counter() - t0
            alive = sum(t.is_alive() for t in threads)
            time.sleep(2)  # let the worker take what the last submits queued
        everything = [x for v in rec.times.values() for x in v]
        print(
            f"{len(users)} teachers, {len(everything)} requests in {wall:.1f} s "
            f"(gunicorn {args.workers} {args.worker_class} workers"
            f"{f' × {args.threads} threads' if args.worker_class == 'gthread' else ''}, "
            f"{'Celery eager' if args.eager else 'a Celery worker on Redis'}); unfinished {alive}"
        )
        print(f"{'request':18} {'alone':>8} {'n':>5} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
        for kind, values in rec.times.items():
            solo_ms = alone.times[kind][0] * 1000 if alone.times.get(kind) else float("nan")
            print(
                f"{kind:18} {solo_ms:6.0f}ms {len(values):5d} "
                f"{percentile(values, 50) * 1000:6.0f}ms "
                f"{percentile(values, 95) * 1000:6.0f}ms {percentile(values, 99) * 1000:6.0f}ms "
                f"{max(values) * 1000:6.0f}ms"
            )
        if alone.errors:
            print(f"the teacher alone: {len(alone.errors)} errors: {alone.errors[:3]}")
        writes = rec.times["POST save draft"] + rec.times["POST submit"]
        p50, p95, p99 = (percentile(writes, p) * 1000 for p in (50, 95, 99))
        print(f"{'saves and submits':18} {len(writes):5d} {p50:6.0f}ms {p95:6.0f}ms {p99:6.0f}ms")
        all95 = percentile(everything, 95) * 1000
        login95 = percentile(rec.times["POST /login/"], 95) * 1000
        print(f"every request: p95 {all95:.0f} ms; the login alone: p95 {login95:.0f} ms")
        print(f"errors: {len(rec.errors)}")
        for line, n in sorted(
            ((e, rec.errors.count(e)) for e in set(rec.errors)), key=lambda x: -x[1]
        )[:10]:
            print(f"  {n:4d} × {line}")
        counts = count_rows(call, users)
        print(
            "in the database: "
            + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items())
            + f" (expected {len(users)} applications, {len(users)} submitted, 0 duplicates)"
        )
        if args.json:
            slowest = max(rec.times.items(), key=lambda kv: percentile(kv[1], 95))
            print(
                "BENCH-JSON "
                + json.dumps(
                    {
                        "teachers": len(users),
                        "requests": len(everything),
                        "p50_ms": p50,
                        "p95_ms": p95,
                        "p99_ms": p99,
                        "p95_all_ms": all95,
                        "p95_login_ms": login95,
                        "window_s": args.window,
                        "errors": len(rec.errors) + alive,
                        "slowest": f"{slowest[0]} p95 {percentile(slowest[1], 95) * 1000:.0f} ms",
                        "wall_s": wall,
                        "alone_ms": {k: v[0] * 1000 for k, v in alone.times.items()},
                        "p95_by_kind_ms": {
                            k: percentile(v, 95) * 1000 for k, v in rec.times.items()
                        },
                        **counts,
                    }
                )
            )
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        shutil.rmtree(MEDIA, ignore_errors=True)


if __name__ == "__main__":
    main()
