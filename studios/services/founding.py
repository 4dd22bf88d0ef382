"""Writes for studios: founding a studio at publication."""

from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from accounts.models import User
from accounts.services import audit_record
from applications.models import ApplicationStatus
from policies.models import TeamRole

from ..errors import StudioError
from ..models import Membership, MembershipSource, Studio, StudioStatus

# --- founding a studio (publication of a call's results) ----------------------------------


def term_end_for(start: date, years: int) -> date:
    """The last day of a term of ``years`` starting on ``start``: the same day ``years`` later,
    minus one (1 September 2024, 3 years → 31 August 2027; 29 February → 28 February)."""
    try:
        same_day = start.replace(year=start.year + years)
    except ValueError:  # 29 February in a year that has none: the term ends on 28 February
        same_day = date(start.year + years, 3, 1)
    return same_day - timedelta(days=1)


_MEMBER_FIELDS = [
    "name",
    "gender",
    "birth_month",
    "work_unit",
    "professional_title",
    "post",
    "phone",
    "head_teacher_years",
]


@transaction.atomic
def studio_found(*, actor: User, application, seq: int, published_on: date) -> Studio:
    """Found the studio of a selected application: named after its host, based at the host's
    school, for the policy's term from ``published_on``, with plaque number ``seq`` of the year.

    The host, the advisors and the members named in the application become its first
    memberships; the host gets the per-object ``studios.manage_studio`` grant. The caller
    (publication) checks the bureau's permission and the call's state.
    """

    if application.status != ApplicationStatus.SELECTED:
        raise StudioError(_("Only a selected application founds a studio."))
    if Studio.objects.filter(application_id=application.pk).exists():
        raise StudioError(_("This application has already founded a studio."))
    call = application.call
    policy = call.policy
    term_start = published_on
    studio = Studio.objects.create(
        policy=policy,
        call=call,
        application=application,
        name=policy.studio_name(application.host_name),
        host=application.applicant,
        school=application.school,
        county=application.county,
        paired_county=application.paired_county,
        school_stage=application.school_stage,
        research_direction=application.research_direction,
        term_start=term_start,
        term_end=term_end_for(term_start, policy.term_years),
        plaque_number=policy.plaque_number(year=published_on.year, seq=seq),
        published_on=published_on,
    )
    host = Membership(
        studio=studio,
        role=TeamRole.HOST,
        user=application.applicant,
        source=MembershipSource.APPLICATION,
        start_date=term_start,
        **{field: getattr(application, field) for field in _MEMBER_FIELDS if field != "name"},
    )
    host.name = application.host_name
    team = [
        Membership(
            studio=studio,
            role=entry.role,
            source=MembershipSource.APPLICATION,
            start_date=term_start,
            **{field: getattr(entry, field) for field in _MEMBER_FIELDS},
        )
        for entry in sorted(application.team.all(), key=lambda e: (e.role, e.position, e.pk))
        if entry.role in (TeamRole.ADVISOR, TeamRole.MEMBER)
    ]
    Membership.objects.bulk_create([host, *team])
    assign_perm("studios.manage_studio", application.applicant, studio)
    audit_record(
        actor=actor,
        obj=studio,
        verb="studios.studio.founded",
        to_state=StudioStatus.ACTIVE,
        comment=studio.plaque_number,
    )
    return studio
