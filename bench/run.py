"""Every comparison of issue 12 in one table: ours, the anchor, the ratio, the goal, met or not.

    bash bench/setup.sh            # once: LibreOffice (soffice), wrk
    .venv/bin/python bench/run.py [--quick] [--only queues,pdf,...]

It builds a throwaway database (Django's test database ``test_<name>`` on the PostgreSQL
server of DATABASE_URL, default ``postgres://postgres@127.0.0.1:5432/mingshi_bench``; dropped at
the end) with the demo organisations and presets, then measures, each row by one function:

* queues   — the review queue's SQL queries at 1k / 10k / 100k waiting applications, its first
             page beside the Django admin changelist of the same rows, page 1 at 100k against 1k,
             the last page and the waiting count;
* pdf      — one application's PDF as the applicant gets it (GET of the PDF view), cold and warm,
             beside LibreOffice converting our own .docx of the same form;
* packet   — a call's packet of 50 forms beside LibreOffice converting the 50 .docx, and the
             packet's peak memory at 5 and at 50 forms;
* audit    — the auditors' workbook of 100k rows beside django-import-export
             (bench/audit_export.py);
* http     — throughput under wrk through gunicorn (2 sync workers, production settings,
             PostgreSQL, Redis): the logged-in home page beside /healthz/live and the admin
             index, the review queue beside the admin changelist;
* deadline — bench/deadline_day.py: 200 teachers log in, save and submit at once;
* devsh    — ``bash scripts/dev.sh`` in a copy of the tree: seconds to a served page, lines printed.

Timed pairs run interleaved (A, B, A, B, ...) after one warm-up each, and the table shows medians.
A row that fails prints ``error: ...`` in its place. ``--quick`` uses small sizes (a few minutes).
"""

import argparse
import contextlib
import json
import multiprocessing
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mingshi_bench")
os.environ.setdefault("DJANGO_DEBUG", "0")  # DEBUG's query log would slow every page
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ["DJANGO_SECRET_KEY"] = (
    "bench-only-secret-key-not-for-deployment-0123456789"  # = serving's
)
SCRATCH: list[str] = []  # temporary folders, removed at the end


def scratch(prefix: str) -> str:
    SCRATCH.append(tempfile.mkdtemp(prefix=prefix))
    return SCRATCH[-1]


MEDIA = scratch("bench-media-")
os.environ["DJANGO_MEDIA_ROOT"] = MEDIA

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)
from django.urls import reverse  # noqa: E402

from bench import serving  # noqa: E402

DURING = date(2024, 7, 20)
FULL = {
    "queue_sizes": [1_000, 10_000, 100_000],
    "runs": 9,
    "packet": 50,
    "audit_rows": 100_000,
    "teachers": 200,
    # The last hour at ten times its density (the issue asks for the hour itself). At twenty
    # times (180 s) two cores are near saturation and the p95 was 456-624 ms in three runs.
    "window": 360,
    "wrk_seconds": 10,
    "wrk_rounds": 3,
    "pdf_runs": 7,
}
QUICK = {
    "queue_sizes": [100, 1_000, 10_000],
    "runs": 5,
    "packet": 50,
    "audit_rows": 10_000,
    "teachers": 50,
    "window": 60,
    "wrk_seconds": 3,
    "wrk_rounds": 2,
    "pdf_runs": 3,
}


def k(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def median(values) -> float:
    return statistics.median(values)


def interleaved(a, b, runs: int) -> tuple[list[float], list[float]]:
    """Time ``a`` and ``b`` alternately ``runs`` times each, after one warm-up of each."""
    a(), b()
    ta, tb = [], []
    for _ in range(runs):
        for fn, times in ((a, ta), (b, tb)):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    return ta, tb


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def row(measure, ours, anchor, ratio, goal, met, note=""):
    return {
        "measure": measure,
        "ours": ours,
        "anchor": anchor,
        "ratio": ratio,
        "goal": goal,
        "met": met,
        "note": note,
    }


# --- the data -------------------------------------------------------------------------------------


class World:
    """The demo organisations and presets, grown as the rows ask."""

    def __init__(self, sizes: dict):
        from accounts.models import Organisation, OrganisationKind, User
        from core import clock
        from demo.seed import seed_demo
        from policies.models import Policy

        clock.today = lambda: DURING  # the calls' window (tests freeze the day the same way)
        seed_demo(with_applications=False)
        self.sizes = sizes
        self.policy = Policy.objects.get(code="liuzhou-2024")
        self.bureau = Organisation.objects.get(
            city=self.policy.city, kind=OrganisationKind.MUNICIPAL_BUREAU
        )
        self.county = Organisation.objects.get(code="liucheng", city=self.policy.city)
        self.school = Organisation.objects.get(code="liucheng-sx", city=self.policy.city)
        self.reviewer = User.objects.get(username="lz_county")
        self.admin = User.objects.get(username="admin")
        self.waiting = 0
        self._queue_call = None
        self._filled = {}

    def client(self, user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def grow_queue(self, total: int) -> None:
        """Waiting applications at the county bureau of 柳城县, up to ``total``."""
        from accounts.models import User
        from applications.models import Application, ApplicationStatus, Call, CallStatus

        if self._queue_call is None:
            self._queue_call = Call.objects.create(
                policy=self.policy,
                bureau=self.bureau,
                title="bench queue",
                studio_count=10,
                opens_on=date(2024, 6, 1),
                closes_on=date(2024, 7, 28),
                school_stages=list(self.policy.school_stages),
                status=CallStatus.OPEN,
            )
        for first in range(self.waiting, total, 10_000):
            last = min(first + 10_000, total)
            users = User.objects.bulk_create(
                [User(username=f"bench-q-{i}", full_name=f"教师{i}") for i in range(first, last)],
                batch_size=5_000,
            )
            Application.objects.bulk_create(
                [
                    Application(
                        call=self._queue_call,
                        applicant=u,
                        school=self.school,
                        county=self.county,
                        school_stage="primary",
                        status=ApplicationStatus.AT_COUNTY,
                        host_name=u.full_name,
                        research_direction="班级管理",
                    )
                    for u in users
                ],
                batch_size=5_000,
            )
        self.waiting = max(self.waiting, total)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")

    def filled_call(self, count: int):
        """An open call with ``count`` filled, submitted forms, all at the municipal bureau."""
        if count in self._filled:
            return self._filled[count]
        from django.contrib.auth.hashers import make_password

        from accounts.models import User
        from applications.models import Application, ApplicationStatus
        from tests.applications import factories

        call = factories.open_call(title=f"bench packet {count}")
        password = make_password("bench-password-1")
        apps = []
        for i in range(count):
            username = f"bench-p{count}-{i}"
            User.objects.create(username=username, full_name=f"申报人{i}", password=password)
            teacher = factories.teacher_at("liucheng-sx", username)
            apps.append(factories.submitted(call, teacher))
        Application.objects.filter(pk__in=[a.pk for a in apps]).update(
            status=ApplicationStatus.AT_CITY
        )
        self._filled[count] = (call, apps)
        return call, apps


# --- rows: the review queue -----------------------------------------------------------------------


def queue_rows(world: World, sizes: dict) -> list[dict]:
    """Queries, page time, deep page and count at each size; the admin changelist at the largest."""
    queue = reverse("applications:review_queue")
    reviewer = world.client(world.reviewer)
    admin = world.client(world.admin)
    changelist = (
        reverse("admin:applications_application_changelist")
        + f"?status__exact=at_county&county__id__exact={world.county.pk}"
    )
    queries, page1, sizes_done = [], [], []
    out = []
    for size in sizes["queue_sizes"]:
        world.grow_queue(size)
        with CaptureQueriesContext(connection) as captured:
            response = reviewer.get(queue)
        assert response.status_code == 200, response.status_code
        queries.append(len(captured))
        times, _ = interleaved(lambda: reviewer.get(queue), lambda: None, sizes["runs"])
        page1.append(median(times))
        sizes_done.append(size)
    label = " / ".join(k(s) for s in sizes_done)
    out.append(
        row(
            f"review queue queries at {label}",
            " / ".join(map(str, queries)),
            "—",
            "—",
            "≤ 15, constant",
            max(queries) <= 15 and len(set(queries)) == 1,
        )
    )
    # The first page beside the admin changelist of the same rows (the admin shows 100 a page).
    ours, anchor = interleaved(
        lambda: reviewer.get(queue), lambda: admin.get(changelist), sizes["runs"]
    )
    big = k(sizes_done[-1])
    r = median(ours) / median(anchor)
    out.append(
        row(
            f"queue page 1 vs admin changelist ({big} waiting)",
            ms(median(ours)),
            ms(median(anchor)),
            f"{r:.2f}×",
            "≤ 1.0",
            r <= 1.0,
            "queue 25 rows a page, admin 100",
        )
    )
    r = page1[-1] / page1[0]
    out.append(
        row(
            f"queue page 1 at {big} vs {k(sizes_done[0])}",
            ms(page1[-1]),
            ms(page1[0]),
            f"{r:.2f}×",
            "≤ 1.5×",
            r <= 1.5,
        )
    )
    last_page = (sizes_done[-1] + 24) // 25
    deep, first = interleaved(
        lambda: reviewer.get(f"{queue}?page={last_page}"),
        lambda: reviewer.get(queue),
        sizes["runs"],
    )
    r = median(deep) / median(first)
    out.append(
        row(
            f"queue last page (p{last_page}) vs page 1 at {big}",
            ms(median(deep)),
            ms(median(first)),
            f"{r:.2f}×",
            "≤ 1.5×",
            r <= 1.5,
        )
    )
    from applications import selectors

    counted, _ = interleaved(
        lambda: selectors.waiting_count(world.reviewer), lambda: None, sizes["runs"]
    )
    out.append(row(f"waiting count at {big}", ms(median(counted)), "—", "—", "(reported)", None))
    from_module = queues_module_rows(sizes)
    return from_module + out


def queues_module_rows(sizes: dict) -> list[dict]:
    """bench/queues.py's own figures when it offers ``measure()`` (run in a child: its own DB)."""
    path = ROOT / "bench" / "queues.py"
    if not path.exists() or not re.search(r"^def measure\(", path.read_text(), re.M):
        return []
    return child_measure("queues", sizes, "bench/queues.py")


def child_env(suffix: str) -> dict:
    """The environment of a benchmark run in a child, with a database name of its own (the
    test database machinery would otherwise clobber this run's ``test_<name>``)."""
    from urllib.parse import urlsplit, urlunsplit

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_MEDIA_ROOT"}
    url = urlsplit(env["DATABASE_URL"])
    if url.scheme.startswith("postgres"):
        env["DATABASE_URL"] = urlunsplit(url._replace(path=f"{url.path}_{suffix}"))
    return env


def child_measure(module: str, sizes: dict, label: str) -> list[dict]:
    """Run ``bench.<module>.measure()`` in a fresh interpreter; what it returns becomes rows."""
    code = (
        "import inspect, json, sys; sys.path.insert(0, '.');"
        f"import bench.{module} as m;"
        "p = inspect.signature(m.measure).parameters;"
        f"offered = {{'quick': {sizes is QUICK}, 'rows': {sizes['audit_rows']}}};"
        "kw = {k: v for k, v in offered.items() if k in p};"
        "r = m.measure(**kw);"
        "print('BENCH-JSON ' + json.dumps(r, default=str))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=child_env(module),
        capture_output=True,
        text=True,
        timeout=3600,
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("BENCH-JSON ")), None)
    if line is None:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return [row(f"{label} measure()", "error: " + tail[0][:120], "", "", "", False)]
    result = json.loads(line[len("BENCH-JSON ") :])
    items = (
        result
        if isinstance(result, list)
        else result.get("rows", [result])
        if isinstance(result, dict)
        else [result]
    )
    rows = []
    for item in items:
        if not isinstance(item, dict):
            rows.append(row(f"{label}", str(item), "", "", "", None))
            continue
        rows.append(
            row(
                f"{label}: {item.get('measure') or item.get('name') or item.get('label', '')}",
                str(item.get("ours", "")),
                str(item.get("anchor", "")),
                str(item.get("ratio", "")),
                str(item.get("goal", "")),
                item.get("met"),
            )
        )
    return rows


# --- rows: PDFs beside LibreOffice ----------------------------------------------------------------


class LibreOffice:
    def __init__(self):
        self.exe = shutil.which("soffice") or shutil.which("libreoffice")
        if self.exe is None:
            raise RuntimeError("soffice is not installed (bash bench/setup.sh)")
        self.profile = scratch("bench-lo-profile-")
        self.out = scratch("bench-lo-out-")

    def convert(self, paths: list[str]) -> None:
        subprocess.run(
            [
                self.exe,
                f"-env:UserInstallation=file://{self.profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                self.out,
                *paths,
            ],
            check=True,
            capture_output=True,
            timeout=1800,
        )
        for p in paths:
            if not (Path(self.out) / (Path(p).stem + ".pdf")).exists():
                raise RuntimeError(f"soffice made no PDF of {p}")


def write_docx(apps) -> list[str]:
    from applications import word

    folder = scratch("bench-docx-")
    paths = []
    for i, a in enumerate(apps):
        path = Path(folder) / f"form-{i:03d}.docx"
        path.write_bytes(word.application_docx(a, reveal_personal=True))
        paths.append(str(path))
    return paths


def pdf_rows(world: World, sizes: dict) -> list[dict]:
    from accounts.models import User
    from applications import documents
    from tests.applications import factories

    office = LibreOffice()
    call, apps = world.filled_call(sizes["packet"])
    application = apps[0]
    city = world.client(User.objects.get(username="lz_city"))
    url = reverse("applications:application_pdf", args=[application.pk])
    # Cold: a form never rendered (a new draft), its first GET as the applicant, once the PDF
    # engine has loaded its fonts (the first render of a process costs seconds more).
    documents.application_pdf(application)
    colds = []
    for i in range(2):
        draft = factories.draft(call, factories.teacher_at("liucheng-sx", f"bench-pdf-cold{i}"))
        applicant = world.client(draft.applicant)
        started = time.perf_counter()
        ok(applicant.get(reverse("applications:application_pdf", args=[draft.pk])))
        colds.append(time.perf_counter() - started)
    cold = min(colds)
    docx = write_docx([application])
    ours, anchor = interleaved(
        lambda: ok(city.get(url)), lambda: office.convert(docx), sizes["pdf_runs"]
    )
    r = median(ours) / median(anchor)
    return [
        row(
            "one application PDF (GET, as served) vs soffice .docx→pdf",
            ms(median(ours)),
            ms(median(anchor)),
            f"{r:.2f}×",
            "≤ 0.5×",
            r <= 0.5,
        ),
        row(
            "one application PDF, cold (first GET of a new draft)",
            ms(cold),
            ms(median(anchor)),
            f"{cold / median(anchor):.2f}×",
            "(reported)",
            None,
        ),
    ]


def ok(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, response.status_code
    return body


def packet_rows(world: World, sizes: dict) -> list[dict]:
    from accounts.models import User

    office = LibreOffice()
    call, apps = world.filled_call(sizes["packet"])
    small_call, _small = world.filled_call(5)
    city = world.client(User.objects.get(username="lz_city"))
    url = reverse("applications:call_packet", args=[call.pk])
    docx = write_docx(apps)
    runs = max(2, sizes["runs"] // 3)
    ours, anchor = interleaved(lambda: ok(city.get(url)), lambda: office.convert(docx), runs)
    r = median(ours) / median(anchor)
    out = [
        row(
            f"packet of {len(apps)} (GET) vs soffice converting {len(apps)} .docx",
            ms(median(ours)),
            ms(median(anchor)),
            f"{r:.2f}×",
            "≤ 0.5×",
            r <= 0.5,
        )
    ]
    small_url = reverse("applications:call_packet", args=[small_call.pk])
    ok(city.get(small_url))  # as the big one was in its warm-up: any stored copies are made
    small_total, small_added = peak_memory(lambda: ok(city.get(small_url)))
    big_total, big_added = peak_memory(lambda: ok(city.get(url)))
    r = big_total / small_total
    per_form = (big_added - small_added) / (len(apps) - 5)
    out.append(
        row(
            f"packet peak memory, {len(apps)} vs 5 forms (peak RSS)",
            f"{big_total:.0f} MB",
            f"{small_total:.0f} MB",
            f"{r:.2f}×",
            "≤ 1.5× (flat)",
            r <= 1.5,
            f"maxrss of a forked child; above what it inherited {big_added:.0f} vs "
            f"{small_added:.0f} MB, {per_form:+.2f} MB per extra form",
        )
    )
    return out


def _child(fn, queue):
    try:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        fn()
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        queue.put((after / 1024, (after - before) / 1024))
    except Exception as exc:  # noqa: BLE001 (reported in the row)
        queue.put(exc)
    finally:
        connections.close_all()


def peak_memory(fn) -> tuple[float, float]:
    """MB of resident memory at ``fn``'s peak in a forked child, and what it added to it."""
    connections.close_all()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child, args=(fn, queue))
    child.start()
    result = queue.get(timeout=1800)
    child.join()
    if isinstance(result, Exception):
        raise result
    return result


# --- rows: the audit export -----------------------------------------------------------------------


def audit_rows(world: World, sizes: dict) -> list[dict]:
    path = ROOT / "bench" / "audit_export.py"
    if re.search(r"^def measure\(", path.read_text(), re.M):
        return child_measure("audit_export", sizes, "audit export")
    # Before measure(): run the script and read its table (its own database).
    rows = sizes["audit_rows"]
    proc = subprocess.run(
        [sys.executable, str(path), "--rows", str(rows), "--no-tracemalloc"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
        env=child_env("audit"),
    )
    times = dict(
        re.findall(
            r"^(write_workbook: activities sheet|import-export[^\d]*?)\s+([\d.]+)s",
            proc.stdout,
            re.M,
        )
    )
    ours = times.get("write_workbook: activities sheet")
    anchor = next((v for key, v in times.items() if key.startswith("import-export")), None)
    if ours is None or anchor is None:
        raise RuntimeError((proc.stderr or proc.stdout).strip().splitlines()[-1][:150])
    r = float(anchor) / float(ours)
    return [
        row(
            f"audit export {k(rows)} rows: import-export time / ours",
            f"{float(ours):.1f} s",
            f"{float(anchor):.1f} s",
            f"{r:.2f}×",
            "≥ 3×",
            r >= 3,
            "bench/audit_export.py (one run each)",
        )
    ]


# --- rows: throughput through gunicorn ------------------------------------------------------------


def http_rows(world: World, sizes: dict) -> list[dict]:
    from accounts.models import User

    if world.waiting == 0:
        world.grow_queue(sizes["queue_sizes"][-1])
    teacher = User.objects.get(username="lz_teacher")
    cookie = {
        who: f"sessionid={serving.mint_session(user)}"
        for who, user in (
            ("teacher", teacher),
            ("reviewer", world.reviewer),
            ("admin", world.admin),
        )
    }
    changelist = (
        reverse("admin:applications_application_changelist")
        + f"?status__exact=at_county&county__id__exact={world.county.pk}"
    )
    pairs = {
        "home (teacher) vs /healthz/live": (
            ("/", "teacher"),
            ("/healthz/live", None),
            0.2,
            "≥ 20%",
        ),
        "home (county reviewer) vs admin index": (
            ("/", "reviewer"),
            ("/admin/", "admin"),
            3.0,
            "≥ 3×",
        ),
        "review queue vs admin changelist": (
            (reverse("applications:review_queue"), "reviewer"),
            (changelist, "admin"),
            3.0,
            "≥ 3×",
        ),
    }
    out = []
    connections.close_all()
    with serving.Server(serving.database_url(connection.settings_dict), workers=2) as server:
        for name, ((pa, wa), (pb, wb), goal, goal_text) in pairs.items():
            for path, who in ((pa, wa), (pb, wb)):  # each must answer 200 before it is timed
                status, _h, _b = serving.request(
                    server.port, "GET", path, headers={"Cookie": cookie[who]} if who else {}
                )
                if status != 200:
                    where = dict((k.lower(), v) for k, v in _h).get("location", "")
                    raise RuntimeError(f"{path} as {who}: HTTP {status} {where}")
            a, b, bad = [], [], 0
            for _ in range(sizes["wrk_rounds"]):
                for path, who, into in ((pa, wa, a), (pb, wb, b)):
                    res = serving.wrk(
                        server.url(path), cookie=cookie.get(who), seconds=sizes["wrk_seconds"]
                    )
                    into.append(res["rps"])
                    bad += res["bad"]
            r = median(a) / median(b)
            out.append(
                row(
                    f"{name} (req/s)",
                    f"{median(a):.0f}/s",
                    f"{median(b):.0f}/s",
                    f"{r:.2f}×",
                    goal_text,
                    r >= goal and bad == 0,
                    f"wrk 8 conns, {sizes['wrk_rounds']}×{sizes['wrk_seconds']}s "
                    f"interleaved; non-2xx {bad}",
                )
            )
    return out


# --- rows: the deadline day and the demo ----------------------------------------------------------


def deadline_rows(world: World, sizes: dict) -> list[dict]:
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "deadline_day.py"),
            "--teachers",
            str(sizes["teachers"]),
            "--window",
            str(sizes["window"]),
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
        env=child_env("run"),  # deadline_day.py adds _deadline to the name
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("BENCH-JSON ")), None)
    if line is None:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise RuntimeError(" | ".join(tail)[:200])
    r = json.loads(line[len("BENCH-JSON ") :])
    lost_ok = r["submitted"] == r["teachers"] and r["duplicates"] == 0
    return [
        row(
            f"deadline day: {r['teachers']} teachers log in, save, submit "
            f"within {r['window_s']} s (the last hour ×{3600 // r['window_s']})",
            f"saves and submits p95 {r['p95_ms']:.0f} ms, {r['errors']} errors, "
            f"{r['submitted']} submitted",
            "—",
            "—",
            "p95 ≤ 500 ms, 0 errors, none lost",
            r["p95_ms"] <= 500 and r["errors"] == 0 and lost_ok,
            f"p50 {r['p50_ms']:.0f} ms p99 {r['p99_ms']:.0f} ms, {r['wall_s']:.0f} s in all; "
            f"every request p95 {r['p95_all_ms']:.0f} ms, login p95 {r['p95_login_ms']:.0f} ms; "
            "p95 by kind: "
            + ", ".join(f"{kind} {v:.0f}" for kind, v in r["p95_by_kind_ms"].items())
            + " ms; one teacher alone: "
            + ", ".join(f"{kind} {v:.0f}" for kind, v in r["alone_ms"].items())
            + " ms",
        )
    ]


def devsh_rows(world: World, sizes: dict) -> list[dict]:
    """``bash scripts/dev.sh`` in a copy of the working tree (its own db.sqlite3 and media)."""
    copy = Path(tempfile.mkdtemp(prefix="bench-devsh-"))
    try:
        subprocess.run(
            [
                "rsync",
                "-a",
                "--exclude",
                ".venv",
                "--exclude",
                ".git",
                "--exclude",
                "media",
                "--exclude",
                "staticfiles",
                "--exclude",
                "db.sqlite3",
                "--exclude",
                "__pycache__",
                "--exclude",
                "node_modules",
                f"{ROOT}/",
                f"{copy}/",
            ],
            check=True,
        )
        (copy / ".venv").symlink_to(ROOT / ".venv")
        port = next(serving.PORTS)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))
        }
        env["PORT"] = str(port)
        lines: list[str] = []
        serving_at: list[float] = []
        started = time.perf_counter()
        proc = subprocess.Popen(
            ["bash", "scripts/dev.sh"],
            cwd=copy,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        import threading

        def read():
            for raw in proc.stdout:
                lines.append(raw.decode(errors="replace"))
                if "serving http" in lines[-1]:
                    serving_at.append(time.perf_counter() - started)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        served = None
        try:
            while time.perf_counter() - started < 300 and proc.poll() is None:
                try:
                    status, _h, _b = serving.request(port, "GET", "/login/", timeout=5)
                    if status == 200:
                        served = time.perf_counter() - started
                        break
                except OSError:
                    pass
                time.sleep(0.2)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 15)
            proc.wait(timeout=30)
            reader.join(timeout=5)
        if served is None:
            raise RuntimeError("no page served: " + "".join(lines[-3:]).strip()[:150])
        count = len(lines)
        return [
            row(
                "bash scripts/dev.sh: seconds to a served page / lines printed",
                f"{served:.1f} s / {count} lines",
                "—",
                "—",
                "≤ 30 s, ≤ 60 lines",
                served <= 30 and count <= 60,
                f"fresh SQLite in a copy of the tree; 'serving' printed at "
                f"{serving_at[0] if serving_at else float('nan'):.1f} s (setup, migrate, seed)",
            )
        ]
    finally:
        shutil.rmtree(copy, ignore_errors=True)


ROWS = {
    "queues": queue_rows,
    "pdf": pdf_rows,
    "packet": packet_rows,
    "audit": audit_rows,
    "http": http_rows,
    "deadline": deadline_rows,
    "devsh": devsh_rows,
}


def print_table(rows: list[dict]) -> None:
    def met(value):
        return "yes" if value is True else "NO" if value is False else "—"

    header = ["measure", "ours", "anchor", "ratio", "goal", "met"]
    cells = [
        [r["measure"], r["ours"], r["anchor"], r["ratio"], r["goal"], met(r["met"])] for r in rows
    ]
    widths = [max(len(str(c[i])) for c in [header, *cells]) for i in range(len(header))]
    line = " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line)
    print("-|-".join("-" * w for w in widths))
    for c in cells:
        print(" | ".join(str(x).ljust(w) for x, w in zip(c, widths, strict=True)))
    notes = [f"  {r['measure']}: {r['note']}" for r in rows if r.get("note")]
    if notes:
        print("notes:")
        print("\n".join(notes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a few minutes")
    parser.add_argument("--only", default="", help=f"comma-separated: {','.join(ROWS)}")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    chosen = [n.strip() for n in args.only.split(",") if n.strip()] or list(ROWS)
    unknown = set(chosen) - set(ROWS)
    if unknown:
        parser.error(f"unknown rows: {', '.join(sorted(unknown))}")

    started = time.perf_counter()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    rows: list[dict] = []
    try:
        world = World(sizes)
        for name in chosen:
            t = time.perf_counter()
            try:
                got = ROWS[name](world, sizes)
            except Exception as exc:  # noqa: BLE001 (one row's failure is that row's result)
                if os.environ.get("BENCH_TRACEBACK"):
                    traceback.print_exc()
                got = [row(name, f"error: {type(exc).__name__}: {exc}"[:160], "", "", "", False)]
            rows.extend(got)
            print(f"  [{name}: {time.perf_counter() - t:.0f} s]", file=sys.stderr, flush=True)
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        for folder in SCRATCH:
            shutil.rmtree(folder, ignore_errors=True)
    print(
        f"bench/run.py{' --quick' if args.quick else ''} — "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{connection.vendor}; python {sys.version.split()[0]}; {os.cpu_count()} cores; "
        f"{time.perf_counter() - started:.0f} s"
    )
    print_table(rows)


if __name__ == "__main__":
    main()
