"""Benchmark: one application's PDF (WeasyPrint options, stored vs laid out) and a call's packet.

    DJANGO_SETTINGS_MODULE=config.settings.local .venv/bin/python bench/pdf_renditions.py

Options: ``--forms 50 --runs 5``.

Builds a throwaway database (Django's test database, as the other benchmarks) with the demo
organisations and one application through the real services (a 1200×1600 JPEG photo, as a
phone takes), then ``--forms - 1`` copies of it under other applicants (team rows and opinions
copied), all at the municipal bureau. It prints:

1. one form laid out with each WeasyPrint ``write_pdf`` option (median time, bytes, and whether
   the text is the same as with the defaults);
2. the form's download (ApplicationPdfView) when stored, against laying it out;
3. the packet of all forms: merged from the stored PDFs (time, tracemalloc peak, growth of the
   resident set), the same with nothing stored yet (every form laid out first), and the former
   way (each form laid out by WeasyPrint, then all the pages written as one document).
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

# full_fonts is left out: it embeds the whole CJK font (one run: 17 s and 44 MB a form).
OPTIONS = [
    ("defaults", {}),
    ("optimize_images", {"optimize_images": True}),
    ("optimize_images + jpeg_quality=80", {"optimize_images": True, "jpeg_quality": 80}),
    ("optimize_images + dpi=300", {"optimize_images": True, "dpi": 300}),
    ("dpi=300 + jpeg_quality=85", {"optimize_images": True, "dpi": 300, "jpeg_quality": 85}),
    ("hinting", {"hinting": True}),
    ("presentational_hints", {"presentational_hints": True}),
    ("uncompressed_pdf", {"uncompressed_pdf": True}),
]


def jpeg_photo():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    image = Image.radial_gradient("L").resize((1200, 1600)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def build(forms: int):
    from accounts.models import User
    from applications import documents
    from applications.models import Application, ApplicationStatus, ReviewStep, TeamEntry
    from demo.seed import seed_demo
    from tests.applications import factories

    seed_demo(with_applications=False)
    call = factories.open_call()
    teacher = User.objects.get(username="lz_teacher")
    application = factories.draft(call, teacher)
    factories.fill(application)
    from applications import services

    services.application_save_draft(
        actor=teacher,
        application=application,
        host={},
        advisors=factories.team_rows(call.policy, "advisor", 1),
        members=factories.team_rows(call.policy, "member", 5),
        answers=factories.answers_for(call.policy),
        photo=jpeg_photo(),
    )
    application = factories.workflow.submit(
        actor=teacher, application=application, today=factories.DURING
    )
    first = factories.advance(application, ApplicationStatus.AT_CITY)
    team = list(TeamEntry.objects.filter(application=first))
    steps = list(ReviewStep.objects.filter(application=first))
    for i in range(forms - 1):
        clone = Application.objects.get(pk=first.pk)
        clone.pk = None
        clone.applicant = User.objects.create_user(f"bench_teacher_{i}")
        clone.host_name = f"主持人{i:03d}"
        clone.save()
        for row in team:
            row.pk, row.application = None, clone
        TeamEntry.objects.bulk_create(team)
        for step in steps:
            step.pk, step.application = None, clone
        ReviewStep.objects.bulk_create(steps)
    return call, list(documents.packet_applications(call))


def timed(fn, runs: int):
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def text(content: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def options_table(application, runs: int) -> None:
    from accounts.pdf import pdf_document
    from applications import documents

    documents.prefetch_form_data([application])
    started = time.perf_counter()
    html = documents.application_html(application)
    html_ms = (time.perf_counter() - started) * 1000
    print(f"\n1. one form, laid out ({runs} runs each; its HTML takes {html_ms:.1f} ms to build)")
    print(f"{'write_pdf options':38} {'min':>8} {'median':>8} {'bytes':>9}  same text")
    pdf_document(html).write_pdf()  # fonts loaded once, outside the timings
    # Round-robin, so that a busy moment of the machine falls on every option alike.
    times = {label: [] for label, _ in OPTIONS}
    contents = {}
    for _ in range(runs):
        for label, options in OPTIONS:
            started = time.perf_counter()
            contents[label] = pdf_document(html).write_pdf(**options)
            times[label].append(time.perf_counter() - started)
    reference = text(contents["defaults"])
    for label, _ in OPTIONS:
        content = contents[label]
        print(
            f"{label:38} {min(times[label]) * 1000:6.0f}ms "
            f"{statistics.median(times[label]) * 1000:6.0f}ms {len(content):9d}  "
            f"{text(content) == reference}"
        )


def download_table(application, runs: int) -> None:
    from accounts.models import User
    from applications import documents
    from applications.models import RenderedPdf

    client = Client()
    client.force_login(User.objects.get(username="lz_city"))
    url = reverse("applications:application_pdf", args=[application.pk])

    def get():
        response = client.get(url)
        assert response.status_code == 200
        return b"".join(response.streaming_content)

    RenderedPdf.objects.filter(application=application).delete()
    first, _ = timed(get, 1)
    stored, content = timed(get, runs * 4)
    rendered, _ = timed(lambda: documents.application_pdf(application), runs)
    print(f"\n2. the form's download (GET {url}), {len(content)} bytes")
    print(f"{'GET, stored and current (served)':44} {stored * 1000:8.1f}ms")
    print(f"{'GET, nothing stored (laid out, stored)':44} {first * 1000:8.1f}ms")
    print(f"{'application_pdf() (laid out, not stored)':44} {rendered * 1000:8.1f}ms")


def status_mb(field: str) -> float:
    """A line of /proc/self/status in MB: VmRSS (resident now), VmHWM (its peak)."""
    with open("/proc/self/status") as handle:
        line = next(line for line in handle if line.startswith(field + ":"))
    return int(line.split()[1]) / 1024


def in_child(fn, *, traced: bool = False) -> tuple:
    """Run ``fn`` in a forked child (the in-memory test database comes along): its time, how
    far its resident set rose from where it started (VmHWM − VmRSS; pages the child shares with
    the parent but has not touched, like the mapped CJK fonts, count once touched), the tracemalloc
    peak when ``traced`` (then the time is the traced one), and what ``fn`` returned."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        base = status_mb("VmRSS")
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if traced else -1
        os.write(write, repr((seconds, status_mb("VmHWM") - base, peak, result)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as handle:
        data = handle.read()
    os.waitpid(pid, 0)
    import ast

    return ast.literal_eval(data)


def packet_table(call, applications) -> None:
    from accounts.pdf import pdf_document
    from applications import documents, renditions
    from applications.models import RenderedPacket, RenderedPdf

    forms = len(applications)
    print(f"\n3. the packet of {forms} forms (each way in a forked child)")
    print(
        f"{'way':50} {'time':>8} {'maxrss grew':>12} {'traced':>8} {'tracemalloc':>12} "
        f"{'bytes':>10} {'pages':>6}"
    )

    def row(label, fn, *, trace: bool = True):
        seconds, grew, _, (size, pages) = in_child(fn)
        traced = "-" * 8 + " " + "-" * 12
        if trace:  # a second run under tracemalloc (slower: its own time is shown)
            traced_seconds, _, peak, _ = in_child(fn, traced=True)
            traced = f"{traced_seconds:7.1f}s {peak / 2**20:10.1f}MB"
        print(f"{label:50} {seconds:7.1f}s {grew:10.1f}MB {traced} {size:10d} {pages:6d}")

    def merged():
        packet = renditions.call_packet(call, applications)
        return packet.size, packet.pages

    def former():
        fresh = list(documents.packet_applications(call))
        documents.prefetch_form_data(fresh)
        rendered = [pdf_document(documents.application_html(a)).render() for a in fresh]
        pages = [page for document in rendered for page in document.pages]
        with tempfile.TemporaryFile() as out:
            rendered[0].copy(pages).write_pdf(out)
            return out.tell(), len(pages)

    RenderedPdf.objects.all().delete()
    RenderedPacket.objects.all().delete()
    row("nothing stored: each form laid out, then merged", merged, trace=False)
    renditions.call_packet(call, applications)  # stores every form (in this process)
    RenderedPacket.objects.all().delete()
    row("forms stored and current: merged only", merged)
    renditions.call_packet(call, applications)
    row("packet stored and current: nothing to do", merged)
    row("former: WeasyPrint lays out all, one PDF", former)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=["options", "download", "packet"], default=None)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        with (
            tempfile.TemporaryDirectory() as media,
            override_settings(MEDIA_ROOT=media, DEBUG=False),
        ):
            started = time.perf_counter()
            call, applications = build(args.forms)
            print(
                f"database: {connection.vendor}; {len(applications)} forms built in "
                f"{time.perf_counter() - started:.1f} s; python {sys.version.split()[0]}, "
                f"{os.cpu_count()} cores"
            )
            import weasyprint

            print(f"WeasyPrint {weasyprint.__version__}")
            if args.only in (None, "options"):
                options_table(applications[0], args.runs)
            if args.only in (None, "download"):
                download_table(applications[0], args.runs)
            if args.only in (None, "packet"):
                packet_table(call, applications)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
