"""Reminders that chase reviewers: schools, county bureaus, experts and the municipal bureau.

A daily job (``applications.remind_reviewers``, registered in tasks.py) that takes the day, so a
day can be replayed. Each reviewer gets a digest per call and level — how many applications
wait for them, and a link to their queue — never one message per application:

- **before a deadline**: from N days before the level's deadline (the call's
  ``school_review_ends_on``, ``county_review_ends_on``, ``expert_review_ends_on``) to the day
  itself, once per reviewer and deadline, while anything still waits for them. N is the
  policy's ``reminder_days_before``, else ``MINGSHI_REMINDER_DAYS_BEFORE``. The bureau's own
  step has no deadline field, so the bureau is chased by the second kind only.
- **after waiting**: once an application has waited N days at a level (N is the policy's
  ``reminder_waiting_days``, else ``MINGSHI_REMINDER_WAITING_DAYS``), once per application and
  arrival at that level (a returned and resubmitted form waits anew). The arrival is the audit
  entry of the transition that brought the form to its current status; for experts, the time
  of the assignment.

What waits for whom is read through the same selectors as the pages the link opens
(``selectors.review_queue``, ``experts.assignments_for``), so a reminder can never count an
application its reader cannot see. Idempotent: deadline reminders carry a dedupe key per
reviewer and deadline (``reminder_send``); each reminded arrival is recorded in the audit trail
under its own idempotency key and is not counted again.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import AuditEntry, Role, User
from accounts.permissions import can
from accounts.services import audit_record, notify, reminder_send

from . import experts, selectors
from .models import Application, ApplicationStatus, Call, ExpertAssignment

SCHOOL, COUNTY, CITY, EXPERT = "school", "county", "city", "expert"
LEVEL_OF_STATUS = {
    ApplicationStatus.AT_SCHOOL: SCHOOL,
    ApplicationStatus.AT_COUNTY: COUNTY,
    ApplicationStatus.AT_CITY: CITY,
}
# The call's field holding each level's deadline (the bureau's own step has none).
DEADLINE_FIELD = {
    SCHOOL: "school_review_ends_on",
    COUNTY: "county_review_ends_on",
    EXPERT: "expert_review_ends_on",
}
# A digest names at most this many applicants (the queue it links to has them all).
NAMES_LISTED = 10


DEADLINE_TITLES = {
    SCHOOL: gettext_lazy(
        "%(count)d application(s) wait for your review; school review ends on %(date)s."
    ),
    COUNTY: gettext_lazy(
        "%(count)d application(s) wait for your review; county review ends on %(date)s."
    ),
    EXPERT: gettext_lazy(
        "%(count)d application(s) wait for your scores; expert scoring ends on %(date)s."
    ),
}
WAITED_TITLES = {
    SCHOOL: gettext_lazy(
        "%(count)d application(s) have waited %(days)d days or more for your review."
    ),
    EXPERT: gettext_lazy(
        "%(count)d application(s) have waited %(days)d days or more for your scores."
    ),
}
WAITED_TITLES[COUNTY] = WAITED_TITLES[CITY] = WAITED_TITLES[SCHOOL]


def _deadline_title(level: str, count: int, deadline: date) -> str:
    return str(DEADLINE_TITLES[level]) % {"count": count, "date": date_format(deadline)}


def _waited_title(level: str, count: int, days: int) -> str:
    return str(WAITED_TITLES[level]) % {"count": count, "days": days}


def _body(call: Call, names: list[str]) -> str:
    listed = "、".join(names[:NAMES_LISTED])
    if len(names) > NAMES_LISTED:
        listed = _("%(names)s and %(count)d more") % {
            "names": listed,
            "count": len(names) - NAMES_LISTED,
        }
    return _("Call: %(call)s. Applicants: %(names)s.") % {"call": call.title, "names": listed}


@dataclass
class Waiting:
    """One application waiting for one reviewer at one level, since ``arrived_at``."""

    application: Application
    arrived_at: datetime
    # Names this arrival at the level: the item is reminded of once per occasion.
    occasion: str


@dataclass
class Digest:
    user: User
    call: Call
    level: str
    items: list[Waiting] = field(default_factory=list)

    def url(self) -> str:
        if self.level == EXPERT:
            return (
                reverse("applications:expert_queue") + f"?state={ExpertAssignment.State.ASSIGNED}"
            )
        return reverse("applications:review_queue") + f"?call={self.call.pk}"


def days_before(call: Call) -> int:
    value = call.policy.reminder_days_before
    return settings.MINGSHI_REMINDER_DAYS_BEFORE if value is None else value


def waiting_days(call: Call) -> int:
    value = call.policy.reminder_waiting_days
    return settings.MINGSHI_REMINDER_WAITING_DAYS if value is None else value


def _review_candidates() -> list[User]:
    """Holders of a reviewing role at an organisation where something waits now (a first cut;
    each one's own queue is then read through the page's selector)."""
    waiting = Application.objects.filter(status__in=list(LEVEL_OF_STATUS))
    at = Q(
        role_assignments__role=Role.SCHOOL_ADMIN,
        role_assignments__organisation__in=waiting.filter(
            status=ApplicationStatus.AT_SCHOOL
        ).values("school_id"),
    )
    at |= Q(
        role_assignments__role=Role.COUNTY_REVIEWER,
        role_assignments__organisation__in=waiting.filter(
            status=ApplicationStatus.AT_COUNTY
        ).values("county_id"),
    )
    at |= Q(
        role_assignments__role=Role.MUNICIPAL_ADMIN,
        role_assignments__organisation__in=waiting.filter(status=ApplicationStatus.AT_CITY).values(
            "call__bureau_id"
        ),
    )
    return list(User.objects.filter(at, is_active=True).distinct().order_by("pk"))


def _expert_candidates() -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            expert_assignments__state=ExpertAssignment.State.ASSIGNED,
            expert_assignments__application__status=ApplicationStatus.EXPERT_REVIEW,
        )
        .distinct()
        .order_by("pk")
    )


def _arrivals(applications: list[Application]) -> dict[tuple[int, str], AuditEntry]:
    """The audit entry that brought each application to its current status (the latest)."""
    if not applications:
        return {}
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Application),
        object_id__in=[str(a.pk) for a in applications],
        to_state__in=list(LEVEL_OF_STATUS),
    ).order_by("created_at", "pk")
    return {(int(e.object_id), e.to_state): e for e in entries}


def _digests(users_reviewing: list[User], users_scoring: list[User]) -> list[Digest]:
    digests: dict[tuple[int, int, str], Digest] = {}

    def add(user, application, level, item):
        key = (user.pk, application.call_id, level)
        if key not in digests:
            digests[key] = Digest(user, application.call, level)
        digests[key].items.append(item)

    queues = {}
    for user in users_reviewing:
        if can(user, "applications.review_any"):  # the link must open for them
            queues[user] = list(selectors.review_queue(user).select_related("call__policy"))
    arrivals = _arrivals([a for queue in queues.values() for a in queue])
    for user, queue in queues.items():
        for application in queue:
            entry = arrivals.get((application.pk, application.status))
            if entry is not None:
                arrived_at, occasion = entry.created_at, f"entry{entry.pk}"
            else:  # no trail (data from before it): the last change stands in
                arrived_at = application.submitted_at or application.updated_at
                occasion = f"at{arrived_at.isoformat()}"
            level = LEVEL_OF_STATUS[application.status]
            occasion = f"{application.pk}:{application.status}:{occasion}"
            add(user, application, level, Waiting(application, arrived_at, occasion))
    for user in users_scoring:
        if not can(user, "applications.score_any"):
            continue
        assignments = experts.assignments_for(user, state=ExpertAssignment.State.ASSIGNED).filter(
            application__status=ApplicationStatus.EXPERT_REVIEW
        )
        for assignment in assignments.select_related("application__call__policy"):
            occasion = f"assignment:{assignment.pk}"  # an assignment is made once
            item = Waiting(assignment.application, assignment.assigned_at, occasion)
            add(user, assignment.application, EXPERT, item)
    return list(digests.values())


def _deadline_reminder(digest: Digest, today: date) -> str | None:
    field_name = DEADLINE_FIELD.get(digest.level)
    deadline = getattr(digest.call, field_name) if field_name else None
    if deadline is None:
        return None
    if not deadline - timedelta(days=days_before(digest.call)) <= today <= deadline:
        return None
    count = len(digest.items)
    names = [item.application.host_name for item in digest.items]
    sent = reminder_send(
        [digest.user],
        verb="applications.review.deadline_soon",
        title=lambda: _deadline_title(digest.level, count, deadline),
        body=lambda: _body(digest.call, names),
        url=digest.url(),
        obj=digest.call,
        key=(
            f"review-deadline:{digest.call.pk}:{digest.level}:{deadline.isoformat()}"
            f":{digest.user.pk}"
        ),
    )
    if not sent:
        return None
    return (
        f"reminded {digest.user} of {count} application(s) at {digest.level} level "
        f"before {deadline} (call {digest.call.pk})"
    )


def _occasion_key(item: Waiting) -> str:
    return f"reminder:review-waited:{item.occasion}"


def _due_after_waiting(digest: Digest, today: date, reminded: set[str]) -> list[Waiting]:
    days = waiting_days(digest.call)
    return [
        item
        for item in digest.items
        if (today - timezone.localdate(item.arrived_at)).days >= days
        and _occasion_key(item) not in reminded
    ]


def _waited_reminder(digest: Digest, items: list[Waiting], today: date) -> str | None:
    days = waiting_days(digest.call)
    count = len(items)
    names = [item.application.host_name for item in items]
    # Per reviewer, call, level and day; the hash tells two batches of one day apart.
    batch = hashlib.sha1("|".join(sorted(i.occasion for i in items)).encode()).hexdigest()[:12]
    sent = notify(
        [digest.user],
        verb="applications.review.waiting_long",
        title=lambda: _waited_title(digest.level, count, days),
        body=lambda: _body(digest.call, names),
        url=digest.url(),
        obj=digest.call,
        dedupe_key=(f"review-waited:{digest.call.pk}:{digest.level}:{today.isoformat()}:{batch}"),
    )
    if not sent:
        return None
    return (
        f"reminded {digest.user} of {count} application(s) waiting {days}+ days at "
        f"{digest.level} level (call {digest.call.pk})"
    )


@transaction.atomic
def reviewer_reminders_send(*, today: date) -> list[str]:
    """Send the day's digests to every reviewer something waits for (see the module)."""
    digests = _digests(_review_candidates(), _expert_candidates())
    lines = []
    for digest in digests:
        line = _deadline_reminder(digest, today)
        if line:
            lines.append(line)
    keys = {_occasion_key(item) for digest in digests for item in digest.items}
    reminded = set(
        AuditEntry.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    told: dict[str, tuple[Waiting, list[User]]] = {}
    for digest in digests:
        due = _due_after_waiting(digest, today, reminded)
        if not due:
            continue
        line = _waited_reminder(digest, due, today)
        if line:
            lines.append(line)
        for item in due:
            told.setdefault(_occasion_key(item), (item, []))[1].append(digest.user)
    # Recorded once every reviewer of the item was told, so none of them misses it.
    for key, (item, users) in told.items():
        audit_record(
            actor=None,
            obj=item.application,
            verb="applications.review.waiting_long.reminded",
            comment=", ".join(str(u) for u in users),
            idempotency_key=key,
        )
    return lines
