"""Comments of a studio's advisors (and its host) on its plans, its activities and its
members' growth files: the advisors' guidance (the seed notice 柳教思政〔2024〕35号:
指导老师"负责给予……指导").
A comment is never edited: it stays as written, in order, with its author and time."""

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import can
from accounts.services import audit_record, notify

from ..errors import StudioError
from ..models import Activity, Membership, Studio, StudioComment, StudioPlan
from ..permissions import GROWTH_ROLES

MAX_COMMENT = 3000


def target_url(studio: Studio, *, plan=None, activity=None, person=None) -> str:
    """The page a comment's target is shown on."""
    if plan is not None:
        return reverse("studios:plan_version", args=[studio.pk, plan.pk])
    if activity is not None:
        return reverse("studios:activity_detail", args=[studio.pk, activity.pk])
    return reverse("studios:growth_file", args=[person.pk])


@transaction.atomic
def comment_add(
    *,
    actor: User,
    studio: Studio,
    text: str,
    plan: StudioPlan | None = None,
    activity: Activity | None = None,
    person: User | None = None,
) -> StudioComment:
    """An advisor (or the host) comments on one plan version, activity or member's growth file
    of ``studio``. The host is told (and, for a growth file, its member)."""
    if not can(actor, "studios.comment_in_studio", studio):
        raise StudioError(_("Only the studio's advisors and its host comment here."))
    targets = [t for t in (plan, activity, person) if t is not None]
    if len(targets) != 1:
        raise StudioError(_("Say what the comment is about."))
    if plan is not None and plan.studio_id != studio.pk:
        raise StudioError(_("That plan is not this studio's."))
    if activity is not None and activity.studio_id != studio.pk:
        raise StudioError(_("That activity is not this studio's."))
    if (
        person is not None
        and not Membership.objects.filter(
            studio=studio, user=person, role__in=GROWTH_ROLES
        ).exists()
    ):
        raise StudioError(_("That person keeps no growth file in this studio."))
    text = (text or "").strip()
    if not text:
        raise StudioError(_("Write the comment."))
    if len(text) > MAX_COMMENT:
        raise StudioError(_("A comment has at most %(count)d characters.") % {"count": MAX_COMMENT})
    comment = StudioComment.objects.create(
        studio=studio, plan=plan, activity=activity, person=person, author=actor, text=text
    )
    audit_record(actor=actor, obj=comment, verb="studios.comment.added", comment=text[:200])
    recipients = [studio.host] + ([person] if person is not None else [])
    recipients = [u for u in recipients if u.pk != actor.pk]
    if recipients:
        author, name = actor.get_full_name() or actor.username, studio.name
        notify(
            recipients,
            verb="studios.comment.added",
            title=lambda: (
                _("%(author)s commented in %(studio)s") % {"author": author, "studio": name}
            ),
            body=text[:500],
            url=target_url(studio, plan=plan, activity=activity, person=person),
            obj=comment,
        )
    return comment


def comments_on(studio: Studio, **target) -> list[StudioComment]:
    """The comments on one target (``plan=``, ``activity=`` or ``person=``), oldest first."""
    return list(
        StudioComment.objects.filter(studio=studio, **target)
        .select_related("author")
        .order_by("created_at", "pk")
    )
