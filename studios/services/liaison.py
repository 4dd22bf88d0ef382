"""The liaison log (联络记录) of a studio: the administrative liaison its assistant keeps with
the paired county, schools and the bureau (the seed notice 柳教思政〔2024〕35号: the
assistant "负责进行工作室行政上的联络交流"). The host may keep it too; the advisors and the
bureau read it."""

from datetime import date

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Organisation, OrganisationKind, User
from accounts.permissions import can
from accounts.services import audit_record

from ..errors import StudioError
from ..models import LiaisonEntry, Studio


def liaison_organisations(studio: Studio) -> QuerySet[Organisation]:
    """Whom an entry may name: the county bureaus of the studio's city, and the schools of its
    paired county and of the policy's pairing counties."""
    counties = [c.pk for c in studio.policy.pairing_counties.all()]
    if studio.paired_county_id:
        counties.append(studio.paired_county_id)
    return Organisation.objects.filter(
        Q(kind=OrganisationKind.COUNTY_BUREAU)
        | Q(kind=OrganisationKind.SCHOOL, county_id__in=counties),
        city_id=studio.school.city_id,
    ).order_by("kind", "code")


def _check(
    actor: User,
    studio: Studio,
    *,
    happened_on: date,
    organisation: Organisation | None,
    contact: str,
    subject: str,
    today: date,
) -> None:
    """Who may keep the log, then what a liaison must be: the same for a new one and an edit."""
    if not can(actor, "studios.keep_liaison", studio):
        raise StudioError(_("Only the studio's assistant or host keeps its liaison log."))
    problems = []
    if happened_on > today:
        problems.append(_("A liaison is recorded once it has happened, not before."))
    if not studio.term_start <= happened_on <= studio.term_end:
        problems.append(
            _("The date lies outside the studio's term (%(start)s to %(end)s).")
            % {"start": studio.term_start, "end": studio.term_end}
        )
    if (
        organisation is not None
        and not liaison_organisations(studio).filter(pk=organisation.pk).exists()
    ):
        problems.append(_("Choose a county or school of this studio's city and pairing."))
    if not contact.strip():
        problems.append(_("Say with whom."))
    if not subject.strip():
        problems.append(_("Say what was discussed."))
    if problems:
        raise StudioError(" ".join(problems))


@transaction.atomic
def liaison_record(
    *,
    actor: User,
    studio: Studio,
    happened_on: date,
    organisation: Organisation | None,
    contact: str,
    subject: str,
    follow_up: str = "",
    today: date,
) -> LiaisonEntry:
    """The assistant (or host) records one liaison of an active studio."""
    _check(
        actor,
        studio,
        happened_on=happened_on,
        organisation=organisation,
        contact=contact,
        subject=subject,
        today=today,
    )
    entry = LiaisonEntry.objects.create(
        studio=studio,
        happened_on=happened_on,
        organisation=organisation,
        contact=contact.strip()[:120],
        subject=subject.strip(),
        follow_up=follow_up.strip(),
        created_by=actor,
    )
    audit_record(actor=actor, obj=entry, verb="studios.liaison.recorded", comment=entry.contact)
    return entry


@transaction.atomic
def liaison_update(
    *,
    actor: User,
    entry: LiaisonEntry,
    happened_on: date,
    organisation: Organisation | None,
    contact: str,
    subject: str,
    follow_up: str = "",
    today: date,
) -> LiaisonEntry:
    """The assistant (or host) corrects an entry, or adds how it was followed up."""
    entry = LiaisonEntry.objects.select_for_update().select_related("studio").get(pk=entry.pk)
    studio = entry.studio
    _check(
        actor,
        studio,
        happened_on=happened_on,
        organisation=organisation,
        contact=contact,
        subject=subject,
        today=today,
    )
    before = f"{entry.happened_on} {entry.contact}"
    entry.happened_on = happened_on
    entry.organisation = organisation
    entry.contact = contact.strip()[:120]
    entry.subject = subject.strip()
    entry.follow_up = follow_up.strip()
    entry.save(
        update_fields=[
            "happened_on",
            "organisation",
            "contact",
            "subject",
            "follow_up",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        obj=entry,
        verb="studios.liaison.updated",
        from_state=before,
        to_state=f"{entry.happened_on} {entry.contact}",
    )
    return entry
