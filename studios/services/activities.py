"""Writes (and the absence read) for a studio's activities: logging one with its attendance
and evidence, changing it, and a member confirming their attendance (考勤).

Every rule comes from the studio's policy: which activity kinds it knows, which counties its
pairing assistance serves, how many absences without leave flag a member to the host.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from accounts.permissions import can
from accounts.services import audit_record, notify
from core.uploads import ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES, UploadRefused, checked_upload
from policies.models import ActivityKind, Policy, TeamRole

from ..errors import StudioError
from ..models import (
    Activity,
    ActivityEvidence,
    Attendance,
    AttendanceStatus,
    EvidenceKind,
    Membership,
    Studio,
)
from ..permissions import activity_kinds_for

# The roles whose attendance the host records by default (advisors and the host are optional).
ATTENDING_ROLES = (TeamRole.MEMBER, TeamRole.ASSISTANT, TeamRole.SHADOW)
# What each kind of evidence may be (check_upload reads the content, not just the name): a
# photo is an image; a sign-in sheet a scan, a spreadsheet or a document; slides a deck or its
# PDF; anything else any of those.
EVIDENCE_SUFFIXES = {".jpg", ".jpeg", ".png", ".pdf", ".docx", ".doc", ".xlsx", ".pptx"}
EVIDENCE_TYPES = EVIDENCE_SUFFIXES & set(ATTACHMENT_TYPES)
EVIDENCE_TYPES_BY_KIND = {
    EvidenceKind.PHOTO.value: {".jpg", ".jpeg", ".png"},
    EvidenceKind.SIGN_IN.value: {".jpg", ".jpeg", ".png", ".pdf", ".docx", ".doc", ".xlsx"},
    EvidenceKind.SLIDES.value: {".pptx", ".pdf"},
    EvidenceKind.OTHER.value: EVIDENCE_TYPES,
}


# --- what the policy knows -------------------------------------------------------------------


def policy_activity_kinds(policy: Policy) -> list[str]:
    """The activity kinds a studio of ``policy`` may log, those its quotas count first.

    Kinds a policy counts per member (a member's report-back at their school) are recorded as
    the member's semester summary, not as a studio activity; pairing-assistance visits exist
    only where the policy pairs studios with counties.
    """
    quotas = list(policy.activity_quotas.all())
    per_member = {k for q in quotas if q.per_member for k in q.kinds}
    counted = [k for q in quotas if not q.per_member for k in q.kinds]
    known = []
    for kind in [*counted, *ActivityKind.values]:
        if kind in known or kind in per_member:
            continue
        if kind == ActivityKind.PAIRING_VISIT and not policy.pairing_required:
            continue
        known.append(kind)
    return known


def serving_counties(studio: Studio):
    """The counties an activity of ``studio`` may say it served: the policy's pairing counties."""
    return studio.policy.pairing_counties.order_by("code")


def active_memberships(studio: Studio, day: date):
    return studio.memberships.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day
    ).select_related("user")


# --- validation ------------------------------------------------------------------------------


@dataclass
class _Checked:
    attendance: dict[int, tuple[str, str]]
    memberships: dict[int, Membership]
    evidence: list[tuple[str, str, object]]
    served_county: Organisation | None


# Complex by nature: one branch per field of an activity and its attendance.
def _check(  # noqa: C901
    *,
    studio: Studio,
    kind: str,
    title: str,
    held_on: date,
    online: bool,
    place: str,
    served_county: Organisation | None,
    attendance: dict,
    evidence: list,
    today: date,
) -> _Checked:
    problems: list[str] = []
    if kind not in policy_activity_kinds(studio.policy):
        problems.append(_("This studio's policy does not know that kind of activity."))
    if not title.strip():
        problems.append(_("Give the activity a title."))
    if held_on > today:
        problems.append(_("An activity is logged once it has taken place, not before."))
    if not studio.term_start <= held_on <= studio.term_end:
        problems.append(
            _("The date lies outside the studio's term (%(start)s to %(end)s).")
            % {"start": studio.term_start, "end": studio.term_end}
        )
    if not online and not place.strip():
        problems.append(_("Say where the activity took place, or mark it as online."))
    if served_county is None and kind == ActivityKind.PAIRING_VISIT:
        served_county = studio.paired_county
    if served_county is not None:
        allowed = set(serving_counties(studio).values_list("pk", flat=True))
        if studio.paired_county_id:
            allowed.add(studio.paired_county_id)
        if served_county.pk not in allowed:
            problems.append(_("That county is not one this policy's pairing assistance serves."))

    memberships = {m.pk: m for m in active_memberships(studio, held_on)}
    cleaned: dict[int, tuple[str, str]] = {}
    for membership_id, (status, reason) in attendance.items():
        membership = memberships.get(int(membership_id))
        if membership is None:
            former = studio.memberships.filter(pk=membership_id).first()
            problems.append(
                _("%(name)s was not a member of the studio on that day.") % {"name": former.name}
                if former is not None
                else _("Attendance is recorded only for the studio's own members.")
            )
            continue
        if status not in AttendanceStatus.values:
            problems.append(_("Unknown attendance for %(name)s.") % {"name": membership.name})
            continue
        reason = (reason or "").strip()
        if status == AttendanceStatus.LEAVE and not reason:
            problems.append(
                _("Record the reason for %(name)s's leave.") % {"name": membership.name}
            )
        if status != AttendanceStatus.LEAVE:
            reason = ""
        cleaned[membership.pk] = (status, reason[:300])

    files = []
    for evidence_kind, evidence_title, upload in evidence:
        if evidence_kind not in EvidenceKind.values:
            problems.append(_("Unknown kind of evidence for “%(name)s”.") % {"name": upload.name})
            continue
        try:
            upload = checked_upload(
                upload,
                accept=EVIDENCE_TYPES_BY_KIND[evidence_kind] & EVIDENCE_TYPES,
                max_bytes=MAX_ATTACHMENT_BYTES,
            )
        except UploadRefused as exc:
            problems.append(str(exc))
            continue
        files.append((evidence_kind, (evidence_title or "").strip()[:200], upload))

    if problems:
        raise StudioError(" ".join(problems))
    return _Checked(cleaned, memberships, files, served_county)


def _store_evidence(activity: Activity, evidence: list) -> list[ActivityEvidence]:
    return [
        ActivityEvidence.objects.create(
            activity=activity,
            kind=kind,
            title=title or upload.name[:200],
            file=upload,
            original_name=upload.name[:200],
            size=upload.size,
        )
        for kind, title, upload in evidence
    ]


# --- services --------------------------------------------------------------------------------


def _may_log_kind(actor: User, studio: Studio, kind: str) -> None:
    """The assistant organises the pairing activities only (the policy says which kinds)."""
    allowed = activity_kinds_for(actor, studio)
    if allowed is not None and kind not in allowed:
        raise StudioError(
            _("As the studio's assistant you log its pairing-assistance activities only.")
        )


@transaction.atomic
def activity_log(
    *,
    actor: User,
    studio: Studio,
    kind: str,
    title: str,
    held_on: date,
    online: bool = False,
    place: str = "",
    served_county: Organisation | None = None,
    summary: str = "",
    outputs: str = "",
    attendance: dict[int, tuple[str, str]] | None = None,
    evidence: list[tuple[str, str, object]] | None = None,
    today: date,
) -> Activity:
    """The host (or, for the policy's pairing activities, the assistant) logs an activity
    that has taken place, with who came and what proves it.

    A pairing-assistance visit serves the studio's paired county unless another is named.
    Every member with an account is asked to confirm their attendance.
    """
    if not can(actor, "studios.log_activity", studio):
        raise StudioError(_("Only the host of an active studio may log its activities."))
    _may_log_kind(actor, studio, kind)
    checked = _check(
        studio=studio,
        kind=kind,
        title=title,
        held_on=held_on,
        online=online,
        place=place,
        served_county=served_county,
        attendance=attendance or {},
        evidence=evidence or [],
        today=today,
    )
    activity = Activity.objects.create(
        studio=studio,
        kind=kind,
        title=title.strip(),
        held_on=held_on,
        online=online,
        place=place.strip(),
        served_county=checked.served_county,
        summary=summary,
        outputs=outputs,
        created_by=actor,
    )
    Attendance.objects.bulk_create(
        [
            Attendance(activity=activity, membership_id=pk, status=status, leave_reason=reason)
            for pk, (status, reason) in checked.attendance.items()
        ]
    )
    _store_evidence(activity, checked.evidence)
    audit_record(
        actor=actor,
        obj=activity,
        verb="studios.activity.logged",
        to_state=kind,
        comment=_("%(count)d attendance records, %(files)d evidence files")
        % {"count": len(checked.attendance), "files": len(checked.evidence)},
    )
    _ask_to_confirm(actor, activity, [checked.memberships[pk] for pk in checked.attendance])
    _flag_absences(
        studio, [pk for pk, (s, _r) in checked.attendance.items() if s == AttendanceStatus.ABSENT]
    )
    return activity


@transaction.atomic
def activity_evidence_add(
    *, actor: User, activity: Activity, kind: str, title: str, upload
) -> ActivityEvidence:
    """One more file proving an activity took place (a photo, the sign-in sheet, the slides),
    added by whoever may change the activity: how a phone sends its files, one at a time."""
    activity = Activity.objects.select_for_update().select_related("studio").get(pk=activity.pk)
    if not can(actor, "studios.change_activity", activity):
        raise StudioError(_("Only the host of an active studio may change its activities."))
    if kind not in EvidenceKind.values:
        raise StudioError(_("Unknown kind of evidence for “%(name)s”.") % {"name": upload.name})
    try:
        upload = checked_upload(
            upload,
            accept=EVIDENCE_TYPES_BY_KIND[kind] & EVIDENCE_TYPES,
            max_bytes=MAX_ATTACHMENT_BYTES,
        )
    except UploadRefused as exc:
        raise StudioError(str(exc)) from None
    (evidence,) = _store_evidence(activity, [(kind, (title or "").strip()[:200], upload)])
    audit_record(
        actor=actor,
        obj=activity,
        verb="studios.activity.evidence_added",
        to_state=kind,
        comment=evidence.title,
    )
    return evidence


@transaction.atomic
def activity_update(
    *,
    actor: User,
    activity: Activity,
    kind: str,
    title: str,
    held_on: date,
    online: bool = False,
    place: str = "",
    served_county: Organisation | None = None,
    summary: str = "",
    outputs: str = "",
    attendance: dict[int, tuple[str, str]] | None = None,
    evidence: list[tuple[str, str, object]] | None = None,
    remove_evidence: list[int] | None = None,
    today: date,
) -> Activity:
    """The host (or the assistant, for a pairing activity) corrects an activity. A member
    whose attendance changes confirms it again; a member left out of ``attendance`` loses
    their record."""
    activity = Activity.objects.select_for_update().select_related("studio").get(pk=activity.pk)
    studio = activity.studio
    if not can(actor, "studios.change_activity", activity):
        raise StudioError(_("Only the host of an active studio may change its activities."))
    _may_log_kind(actor, studio, kind)
    checked = _check(
        studio=studio,
        kind=kind,
        title=title,
        held_on=held_on,
        online=online,
        place=place,
        served_county=served_county,
        attendance=attendance or {},
        evidence=evidence or [],
        today=today,
    )
    before = f"{activity.kind} {activity.held_on}"
    activity.kind = kind
    activity.title = title.strip()
    activity.held_on = held_on
    activity.online = online
    activity.place = place.strip()
    activity.served_county = checked.served_county
    activity.summary = summary
    activity.outputs = outputs
    activity.save(
        update_fields=[
            "kind",
            "title",
            "held_on",
            "online",
            "place",
            "served_county",
            "summary",
            "outputs",
        ]
    )

    existing = {a.membership_id: a for a in activity.attendance.all()}
    changed: list[int] = []
    for pk, (status, reason) in checked.attendance.items():
        record = existing.pop(pk, None)
        if record is None:
            Attendance.objects.create(
                activity=activity, membership_id=pk, status=status, leave_reason=reason
            )
            changed.append(pk)
        elif (record.status, record.leave_reason) != (status, reason):
            record.status, record.leave_reason, record.confirmed_at = status, reason, None
            record.save(update_fields=["status", "leave_reason", "confirmed_at"])
            changed.append(pk)
    removed = list(existing.values())
    Attendance.objects.filter(pk__in=[a.pk for a in removed]).delete()

    dropped = list(activity.evidence.filter(pk__in=remove_evidence or []))
    for item in dropped:
        item.file.delete(save=False)
        item.delete()
    _store_evidence(activity, checked.evidence)

    audit_record(
        actor=actor,
        obj=activity,
        verb="studios.activity.updated",
        from_state=before,
        to_state=f"{activity.kind} {activity.held_on}",
        comment=_(
            "%(changed)d attendance records changed, %(removed)d removed; "
            "%(added)d evidence files added, %(dropped)d removed"
        )
        % {
            "changed": len(changed),
            "removed": len(removed),
            "added": len(checked.evidence),
            "dropped": len(dropped),
        },
    )
    _ask_to_confirm(actor, activity, [checked.memberships[pk] for pk in changed])
    _flag_absences(
        studio, [pk for pk in changed if checked.attendance[pk][0] == AttendanceStatus.ABSENT]
    )
    return activity


@transaction.atomic
def attendance_confirm(*, actor: User, attendance: Attendance) -> Attendance:
    """The member confirms what the host recorded for them, once."""
    if attendance.membership.user_id != actor.pk:
        raise StudioError(_("Only the member themselves may confirm their attendance."))
    if not can(actor, "studios.confirm_attendance", attendance):
        raise StudioError(_("You have already confirmed this attendance."))
    now = timezone.now()
    claimed = Attendance.objects.filter(pk=attendance.pk, confirmed_at__isnull=True).update(
        confirmed_at=now
    )
    if not claimed:
        raise StudioError(_("You have already confirmed this attendance."))
    attendance.confirmed_at = now
    audit_record(
        actor=actor,
        obj=attendance.activity,
        verb="studios.attendance.confirmed",
        from_state="",
        to_state=attendance.status,
        comment=attendance.membership.name,
    )
    return attendance


def _ask_to_confirm(actor: User, activity: Activity, memberships: list[Membership]) -> None:
    recipients = [m.user for m in memberships if m.user_id and m.user_id != actor.pk]
    if not recipients:
        return
    title, held_on = activity.title, activity.held_on
    notify(
        recipients,
        verb="studios.attendance.to_confirm",
        title=lambda: _("Please confirm your attendance: %(title)s") % {"title": title},
        body=lambda: _("%(studio)s, %(date)s") % {"studio": activity.studio.name, "date": held_on},
        url=reverse("studios:my_attendance"),
        obj=activity,
    )


# --- absences --------------------------------------------------------------------------------


@dataclass
class AbsenceRow:
    membership: Membership
    recorded: int
    present: int
    leave: int
    absent: int
    flagged: bool

    @property
    def rate(self) -> int | None:
        """Attendance rate in per cent (present of recorded); None before any record."""
        return round(100 * self.present / self.recorded) if self.recorded else None


def absences(studio: Studio) -> list[AbsenceRow]:
    """Per membership: recorded activities, present, on leave, absent without leave, and
    whether the absences reached the policy's limit (never flagged when it sets none)."""
    limit = studio.policy.absence_limit
    memberships = (
        studio.memberships.annotate(
            recorded=Count("attendance"),
            n_present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
            n_leave=Count("attendance", filter=Q(attendance__status=AttendanceStatus.LEAVE)),
            n_absent=Count("attendance", filter=Q(attendance__status=AttendanceStatus.ABSENT)),
        )
        .filter(Q(recorded__gt=0) | Q(end_date__isnull=True, role__in=ATTENDING_ROLES))
        .order_by("role", "start_date", "pk")
    )
    return [
        AbsenceRow(
            membership=m,
            recorded=m.recorded,
            present=m.n_present,
            leave=m.n_leave,
            absent=m.n_absent,
            flagged=bool(limit) and m.n_absent >= limit,
        )
        for m in memberships
    ]


def _flag_absences(studio: Studio, membership_ids: list[int]) -> None:
    """Tell the host, once per count, about members whose absences reach the policy's limit."""
    limit = studio.policy.absence_limit
    if not limit or not membership_ids:
        return
    counted = Membership.objects.filter(pk__in=membership_ids).annotate(
        n_absent=Count("attendance", filter=Q(attendance__status=AttendanceStatus.ABSENT))
    )
    for membership in counted:
        if membership.n_absent < limit:
            continue
        key = f"studios.absence_flag:{membership.pk}:{membership.n_absent}"
        audit_record(
            actor=None,
            obj=membership,
            verb="studios.membership.absence_flagged",
            to_state=str(membership.n_absent),
            comment=str(limit),
            idempotency_key=key,
        )
        notify(
            [studio.host],
            verb="studios.membership.absence_flagged",
            title=_absence_title(membership.name, membership.n_absent),
            url=reverse("studios:activity_list", args=[studio.pk]),
            obj=membership,
            dedupe_key=key,
        )


def _absence_title(name: str, count: int):
    """Formatted in each recipient's language when the notification is stored."""
    return lambda: (
        _("%(name)s has missed %(count)d activities without leave")
        % {
            "name": name,
            "count": count,
        }
    )
