"""Stored PDFs: an application's form is laid out once per version and never served stale; the
call's packet is merged from the stored forms with memory that does not grow with them."""

import io
import threading
import tracemalloc
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import User
from applications import documents, renditions, services, tasks, workflow
from applications.models import (
    Application,
    ApplicationStatus,
    PdfVariant,
    RenderedPacket,
    RenderedPdf,
    ReviewStep,
)
from core.files import stored_kind
from core.pdf_merge import Part, merge_pdfs
from tests.core import files

from .factories import DURING, advance, answers_for, draft, open_call, submitted, team_rows

pytestmark = pytest.mark.django_db

HOST_PHONE = "13800000000"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def text_of(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def download(client, application) -> bytes:
    response = client.get(reverse("applications:application_pdf", args=[application.pk]))
    assert response.status_code == 200
    content = response.getvalue()
    assert stored_kind(content[:8], "x.pdf").code == "pdf"
    return content


def stored(application, variant=PdfVariant.FULL) -> RenderedPdf:
    return RenderedPdf.objects.get(application=application, variant=variant)


def exists(name: str) -> bool:
    from django.core.files.storage import default_storage

    return default_storage.exists(name)


def save_plan(application: Application, plan: str) -> Application:
    policy = application.call.policy
    return services.application_save_draft(
        actor=application.applicant,
        application=application,
        host={"plan": plan},
        advisors=team_rows(policy, "advisor", 1),
        members=team_rows(policy, "member", application.team.filter(role="member").count()),
        answers=answers_for(policy),
    )


def test_the_stored_pdf_is_replaced_when_a_field_or_an_opinion_changes(
    demo, client_for, django_capture_on_commit_callbacks
):
    teacher = demo.user("lz_teacher")
    application = draft(open_call(), teacher, plan="初稿：立德树人。")
    applicant = client_for("lz_teacher")

    assert "初稿：立德树人。" in text_of(download(applicant, application))
    first = stored(application)
    download(applicant, application)  # unchanged: served as stored, not laid out again
    assert stored(application).rendered_at == first.rendered_at
    assert stored(application).file.name == first.file.name

    application = save_plan(application, "修改稿：培养骨干班主任。")
    with django_capture_on_commit_callbacks(execute=True):
        text = text_of(download(applicant, application))
    assert "修改稿：培养骨干班主任。" in text and "初稿" not in text
    second = stored(application)
    assert second.pk == first.pk and second.version != first.version
    assert not exists(first.file.name) and exists(second.file.name)  # the old file is gone

    application = workflow.submit(actor=teacher, application=application, today=DURING)
    workflow.approve(actor=demo.user("lz_school"), application=application, opinion="学校同意推荐")
    with django_capture_on_commit_callbacks(execute=True):
        text = text_of(download(applicant, application))
    assert "学校同意推荐" in text and "草稿" not in text
    third = stored(application)
    assert third.pk == first.pk and third.version not in (first.version, second.version)
    assert not exists(second.file.name)
    assert RenderedPdf.objects.filter(application=application).count() == 1


def test_a_stale_pdf_is_never_served_even_when_nothing_told_us(demo, client_for):
    """The version is computed from what the form is now, not from a change having been
    announced: a change made behind the services' back is printed too."""
    application = advance(
        submitted(open_call(), demo.user("lz_teacher")), ApplicationStatus.AT_CITY
    )
    city = client_for("lz_city")
    assert "同意推荐。" in text_of(download(city, application))
    before = stored(application)

    ReviewStep.objects.filter(application=application, level="county").update(
        opinion="县局：材料翔实，同意上报"
    )
    Application.objects.filter(pk=application.pk).update(research_direction="家校共育研究")
    text = text_of(download(city, application))
    assert "县局：材料翔实，同意上报" in text and "家校共育研究" in text
    assert stored(application).version != before.version


def test_the_masked_variant_never_shows_what_the_full_one_does(demo, client_for):
    from applications.experts import experts_assign

    call = open_call()
    application = advance(submitted(call, demo.user("lz_teacher")))
    experts_assign(
        actor=demo.user("lz_city"),
        call=call,
        experts=[demo.user("lz_expert")],
        applications=[application],
    )
    full = text_of(download(client_for("lz_city"), application))
    masked = text_of(download(client_for("lz_expert"), application))
    assert HOST_PHONE in full and "1980年5月" in full
    assert HOST_PHONE not in masked and "1980年5月" not in masked and "1980年**月" in masked
    rows = {row.variant: row for row in RenderedPdf.objects.filter(application=application)}
    assert set(rows) == {PdfVariant.FULL, PdfVariant.MASKED}
    assert rows[PdfVariant.FULL].file.name != rows[PdfVariant.MASKED].file.name
    # Served again from storage, each reader still gets their own variant.
    assert HOST_PHONE not in text_of(download(client_for("lz_expert"), application))
    assert HOST_PHONE in text_of(download(client_for("lz_city"), application))


def test_a_submission_and_a_decision_prerender_and_a_second_run_renders_nothing(
    demo, settings, django_capture_on_commit_callbacks
):
    settings.MINGSHI_PDF_PRERENDER = True
    teacher = demo.user("lz_teacher")
    application = draft(open_call(), teacher)
    assert not RenderedPdf.objects.exists()  # draft saves do not render in the background
    with django_capture_on_commit_callbacks(execute=True):
        application = workflow.submit(actor=teacher, application=application, today=DURING)
    rows = {row.variant: row for row in RenderedPdf.objects.filter(application=application)}
    assert set(rows) == {PdfVariant.FULL, PdfVariant.MASKED}

    lines = tasks.prerender_application_pdfs.delay(application.pk).get()
    assert lines == [f"{application.pk}/full: current", f"{application.pk}/masked: current"]
    again = {row.variant: row for row in RenderedPdf.objects.filter(application=application)}
    for variant, row in rows.items():
        assert (again[variant].pk, again[variant].file.name) == (row.pk, row.file.name)
        assert again[variant].rendered_at == row.rendered_at

    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(actor=demo.user("lz_school"), application=application, opinion="同意")
    after = stored(application)
    assert after.version != rows[PdfVariant.FULL].version
    assert "同意" in text_of(after.file.open("rb").read())


@pytest.mark.django_db(transaction=True)
def test_two_renders_at_once_store_one_row_per_variant(demo):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    application = submitted(open_call(), demo.user("lz_teacher"))
    start, outcomes = threading.Barrier(2), []

    def refresh():
        try:
            start.wait()
            outcomes.append(renditions.application_pdfs_refresh(application_id=application.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2
    assert RenderedPdf.objects.filter(application=application).count() == 2
    # The second waited on the row lock and found the version stored: one render per variant.
    lines = sorted(line for outcome in outcomes for line in outcome)
    assert [line.split(": ")[1] for line in lines].count("rendered") == 2
    folder = Path(RenderedPdf.objects.first().file.storage.path("renderedpdf"))
    assert len(list(folder.rglob("*.pdf"))) == 2


# --- the packet ------------------------------------------------------------------------------


def many_at_city(demo, count: int) -> tuple:
    """One application through the real services, then ``count - 1`` copies of its row under
    other applicants, each with a stored PDF of the current version (one laid-out file reused:
    the merge does not read what the pages say)."""
    call = open_call()
    first = advance(submitted(call, demo.user("lz_teacher")), ApplicationStatus.AT_CITY)
    for i in range(count - 1):
        clone = Application.objects.get(pk=first.pk)
        clone.pk = None
        clone.applicant = User.objects.create_user(f"packet_teacher_{i}")
        clone.host_name = f"主持人{i:02d}"
        clone.save()
    applications = list(documents.packet_applications(call))
    content = documents.application_pdf(applications[0])
    documents.prefetch_form_data(applications)
    for application in applications:
        html = documents.application_html(application)
        RenderedPdf.objects.create(
            application=application,
            variant=PdfVariant.FULL,
            version=renditions.pdf_version(application, html),
            file=ContentFile(content, name="form.pdf"),
            size=len(content),
            rendered_at=timezone.now(),
        )
    return call, applications, len(PdfReader(io.BytesIO(content)).pages)


class _Discard:
    """Where the measured merge writes: the packet goes to a temporary file, not to memory."""

    def write(self, data: bytes) -> int:
        return len(data)


def merge_peak(rows: list[RenderedPdf]) -> tuple[int, int]:
    """The peak of Python allocations while merging the stored files of ``rows``, and pages."""
    parts = [Part(row.file.open, str(row.pk)) for row in rows]
    tracemalloc.start()
    try:
        pages = merge_pdfs(parts, _Discard())
        return tracemalloc.get_traced_memory()[1], pages
    finally:
        tracemalloc.stop()


def test_the_packet_is_merged_from_stored_pdfs_with_flat_memory(
    demo, django_assert_max_num_queries
):
    call, applications, pages_each = many_at_city(demo, 50)
    assert len(applications) == 50

    # Nothing is laid out again: every stored form is current.
    before = {row.pk: row.rendered_at for row in RenderedPdf.objects.all()}
    # Team rows, steps, stored forms, the packet's row, then storing it: whatever the count.
    with django_assert_max_num_queries(9):
        packet = renditions.call_packet(call, applications)
    assert {row.pk: row.rendered_at for row in RenderedPdf.objects.all()} == before
    with packet.file.open("rb") as handle:
        reader = PdfReader(handle)
        assert len(reader.pages) == packet.pages == 50 * pages_each
        assert [item.title for item in reader.outline] == [a.host_name for a in applications]

    rows = [RenderedPdf.objects.get(application=a) for a in applications]
    few, few_pages = merge_peak(rows[:5])
    many, many_pages = merge_peak(rows)
    assert (few_pages, many_pages) == (5 * pages_each, 50 * pages_each)
    assert many < 1.5 * few, (few, many)


def test_the_packet_is_merged_again_only_when_a_part_changed(demo):
    call, applications, pages_each = many_at_city(demo, 3)
    packet = renditions.call_packet(call, applications)
    assert renditions.call_packet(call, applications).file.name == packet.file.name

    first = applications[0]
    first.refresh_from_db()
    workflow_opinion = "市局同意进入专家评审"
    first = workflow.approve(
        actor=demo.user("lz_city"), application=first, opinion=workflow_opinion
    )
    selection = list(documents.packet_applications(call))
    renewed = renditions.call_packet(call, selection)
    assert renewed.file.name != packet.file.name
    assert RenderedPacket.objects.filter(call=call).count() == 1
    with renewed.file.open("rb") as handle:
        assert workflow_opinion in text_of(handle.read())


def test_merge_leaves_out_a_broken_part_and_keeps_the_rest():
    out = io.BytesIO()
    parts = [
        Part(lambda: io.BytesIO(files.pdf(2)), "a"),
        Part(lambda: io.BytesIO(b"%PDF-1.4 broken")),
        Part(lambda: io.BytesIO(files.pdf(1)), "b"),
    ]
    assert merge_pdfs(parts, out) == 3
    reader = PdfReader(io.BytesIO(out.getvalue()))
    assert len(reader.pages) == 3
    assert [item.title for item in reader.outline] == ["a", "b"]
