"""Outputs and resources (成果/资源): papers, books, courses, cases, resource packs and research
topics (课题). Shared ones are the city's resources (资源共享): every logged-in person working in
the studio's city finds them.
"""

from datetime import date

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import can, cities_for
from accounts.services import audit_record
from core import clock
from core.uploads import UploadRefused, checked_upload

from ..errors import StudioError
from ..models import Membership, Output, OutputKind, OutputLevel, Studio, TopicStatus
from ..selectors import studios_for

# What an output's file may be (core.uploads checks the content against the name).
OUTPUT_FILE_TYPES = {".pdf", ".doc", ".docx", ".xlsx", ".jpg", ".jpeg", ".png"}
MAX_OUTPUT_BYTES = 20 * 1024 * 1024
TITLE_MAX = Output._meta.get_field("title").max_length
AUTHORS_MAX = Output._meta.get_field("authors").max_length


def _check_file(upload):
    """The file to store for ``upload`` (re-encoded if an image), or StudioError."""
    try:
        return checked_upload(upload, accept=OUTPUT_FILE_TYPES, max_bytes=MAX_OUTPUT_BYTES)
    except UploadRefused as exc:
        raise StudioError(str(exc)) from None


def _delete_file_on_commit(storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
# Complex by nature: one branch per field of an output and its file.
def output_save(  # noqa: C901
    *,
    actor: User,
    studio: Studio,
    output: Output | None = None,
    kind: str,
    title: str,
    authors: str = "",
    level: str = "",
    topic_status: str = "",
    produced_on: date | None,
    description: str = "",
    shared: bool = False,
    person: User | None = None,
    upload=None,
    today: date | None = None,
) -> Output:
    """Record a new output of ``studio`` or change ``output``.

    The host records any output and decides what is shared with the city; a current member
    records and changes their own (``person`` is then always the member). A research topic
    needs its status. A file is checked by extension, first bytes and size.
    """
    day = today or clock.today()
    if output is None:
        if not can(actor, "studios.add_output", studio):
            raise StudioError(_("Only the host and the current members record outputs."))
    elif output.studio_id != studio.pk or not can(actor, "studios.change_output", output):
        raise StudioError(_("You may not change this output."))
    host = can(actor, "studios.manage_studio", studio)

    if kind not in OutputKind.values:
        raise StudioError(_("Choose the kind of output."))
    title = (title or "").strip()
    if not title:
        raise StudioError(_("Give the output a title."))
    if len(title) > TITLE_MAX:
        raise StudioError(_("The title is too long."))
    authors = (authors or "").strip()
    if len(authors) > AUTHORS_MAX:
        raise StudioError(_("The list of authors is too long."))
    level = level or ""
    if level and level not in OutputLevel.values:
        raise StudioError(_("Choose a level from the list."))
    if kind == OutputKind.RESEARCH_TOPIC:
        if topic_status not in TopicStatus.values:
            raise StudioError(_("A research topic needs its status."))
    else:
        topic_status = ""
    if produced_on is None:
        raise StudioError(_("Give the output's date."))
    if produced_on > day:
        raise StudioError(_("The output's date is in the future."))

    if host:
        belongs = Membership.objects.filter(studio=studio, user=person).exists()
        if person is not None and not belongs:
            raise StudioError(_("The output's member must belong or have belonged to the studio."))
    else:
        person = actor  # a member records only their own work
        shared = output.shared if output is not None else False  # sharing is the host's call
    if upload is not None:
        upload = _check_file(upload)

    creating = output is None
    if creating:
        output = Output(studio=studio, created_by=actor)
    was_shared = output.shared
    replaced = output.file.name if upload is not None and output.file else ""
    output.kind = kind
    output.title = title
    output.authors = authors
    output.level = level
    output.topic_status = topic_status
    output.produced_on = produced_on
    output.description = (description or "").strip()
    output.shared = bool(shared)
    output.person = person
    if upload is not None:
        output.file = upload
        output.original_name = upload.name[:200]
    output.save()
    if replaced:
        _delete_file_on_commit(output.file.storage, replaced)
    audit_record(
        actor=actor,
        obj=output,
        verb="studios.output.created" if creating else "studios.output.updated",
        to_state="shared" if output.shared else "",
        from_state="" if creating else ("shared" if was_shared else ""),
        comment=output.title,
        organisation=studio.school,
    )
    return output


@transaction.atomic
def output_delete(*, actor: User, output: Output) -> None:
    """The host removes an output, and its file once the removal is committed."""
    if not can(actor, "studios.delete_output", output):
        raise StudioError(_("Only the host of an active studio removes its outputs."))
    audit_record(
        actor=actor,
        obj=output,
        verb="studios.output.deleted",
        from_state="shared" if output.shared else "",
        comment=output.title,
        organisation=output.studio.school,
    )
    _delete_file_on_commit(output.file.storage, output.file.name)
    output.delete()


# --- reads ------------------------------------------------------------------------------------


def _search(queryset: QuerySet[Output], query: str) -> QuerySet[Output]:
    for word in query.split():
        queryset = queryset.filter(
            Q(title__icontains=word) | Q(authors__icontains=word) | Q(description__icontains=word)
        )
    return queryset


def shared_resources(user: User, query: str = "", kind: str = "") -> QuerySet[Output]:
    """The shared outputs of the studios in the user's city or cities, newest first; every word
    of ``query`` must appear in the title, the authors or the description."""
    queryset = Output.objects.filter(shared=True).select_related(
        "studio", "studio__school", "person"
    )
    if not user.is_superuser:
        queryset = queryset.filter(studio__school__city__in=cities_for(user))
    if kind:
        queryset = queryset.filter(kind=kind)
    return _search(queryset, query.strip()).order_by("-produced_on", "-id")


def studio_outputs(studio: Studio, *, kind: str = "", level: str = "") -> QuerySet[Output]:
    queryset = studio.outputs.select_related("person", "studio", "studio__school")
    if kind:
        queryset = queryset.filter(kind=kind)
    if level:
        queryset = queryset.filter(level=level)
    return queryset.order_by("-produced_on", "-id")


def output_for(user: User, pk: int) -> Output | None:
    """One output the user may reach: shared in their city, or of a studio they may open."""

    queryset = Output.objects.select_related("studio", "studio__school", "studio__policy")
    if not user.is_superuser:
        queryset = queryset.filter(
            Q(shared=True, studio__school__city__in=cities_for(user))
            | Q(studio__in=studios_for(user).values("pk"))
        )
    return queryset.filter(pk=pk).first()
