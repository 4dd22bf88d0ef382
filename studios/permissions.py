"""Permission rules for studios (registered with the one accounts.permissions module)."""

from accounts.models import Role
from accounts.permissions import has_role, in_scope, role_assignments, rule, works_in_city
from policies.models import TeamRole

from .models import Membership, Studio, StudioStatus


@rule("studios.view_studio_certificate")
def can_view_studio_certificate(user, studio) -> bool:
    """The host (guardian grant on the studio) and the municipal bureau of the studio's city."""

    if user.is_superuser:
        return True
    if in_scope(user, studio.school, roles={Role.MUNICIPAL_ADMIN}):
        return True
    return user.has_perm("studios.manage_studio", studio)


# Roles that oversee studios inside their organisational scope (read everything there).
STUDIO_READERS = {
    Role.MUNICIPAL_ADMIN,
    Role.CE_OFFICER,
    Role.COUNTY_REVIEWER,
    Role.AUDITOR,
    Role.SCHOOL_ADMIN,
}
# Roles that run the programme for the city: team changes, recruitment, the compliance grid.
STUDIO_MANAGERS = {Role.MUNICIPAL_ADMIN, Role.CE_OFFICER}


def is_host(user, studio) -> bool:
    return user.has_perm("studios.manage_studio", studio)


def is_member(user, studio) -> bool:
    """A current member of any role (host, assistant, advisor, member, shadow trainee)."""

    return Membership.objects.filter(studio=studio, user=user, end_date__isnull=True).exists()


@rule("studios.view_studio")
def can_view_studio(user, studio) -> bool:
    """The full studio home: its people, the bureau and the organisations above it."""

    if user.is_superuser or in_scope(user, studio.school, roles=STUDIO_READERS):
        return True
    return is_host(user, studio) or is_member(user, studio)


@rule("studios.manage_studio")
def can_manage_studio(user, studio) -> bool:
    """The host runs an active studio: activities, plans, outputs, reviews of growth files."""

    return studio.status == StudioStatus.ACTIVE and (user.is_superuser or is_host(user, studio))


@rule("studios.oversee_studio")
def can_oversee_studio(user, studio) -> bool:
    """The municipal bureau (and, where the policy says so, the centre) of the studio's city."""

    return user.is_superuser or in_scope(user, studio.school, roles=STUDIO_MANAGERS)


@rule("studios.oversee_studios")
def can_oversee_studios(user, _obj=None) -> bool:
    """Any studio-overseeing role: for the compliance grid and the bureau's lists."""

    return user.is_superuser or has_role(user, STUDIO_READERS - {Role.SCHOOL_ADMIN})


@rule("studios.confirm_attendance")
def can_confirm_attendance(user, attendance) -> bool:
    return attendance.membership.user_id == user.pk and attendance.confirmed_at is None


@rule("studios.browse_resources")
def can_browse_resources(user, _obj=None) -> bool:
    """Shared resources are for every logged-in person working in a city."""
    return user.is_superuser or bool(role_assignments(user))


# --- growth files, plans' readers, outputs and shared resources (studios.views.files) ---------

# The roles that keep a growth file in a studio: the people the studio trains.
GROWTH_ROLES = {"member", "shadow"}


@rule("studios.view_growth_file")
def can_view_growth_file(user, person) -> bool:
    """A growth file follows its person: they, the hosts (and current advisors) of every studio
    they belong or belonged to, and the bureau overseeing those studios read it."""

    if user.is_superuser or user.pk == person.pk:
        return True
    studios = Studio.objects.filter(memberships__user=person).select_related("school").distinct()
    return any(
        is_host(user, s) or can_oversee_studio(user, s) or is_advisor(user, s) for s in studios
    )


@rule("studios.view_studio_growth")
def can_view_studio_growth(user, studio) -> bool:
    """The list of a studio's members' growth files: its host, its advisors (who comment on
    the files) and the bureau overseeing it."""
    return (
        user.is_superuser
        or is_host(user, studio)
        or can_oversee_studio(user, studio)
        or is_advisor(user, studio)
    )


@rule("studios.keep_growth_file")
def can_keep_growth_file(user, studio) -> bool:
    """A current member (or shadow trainee) of an active studio writes their growth plan and
    semester summaries there."""

    return (
        studio.status == StudioStatus.ACTIVE
        and Membership.objects.filter(
            studio=studio, user=user, end_date__isnull=True, role__in=GROWTH_ROLES
        ).exists()
    )


@rule("studios.write_growth_file")
def can_write_growth_file(user, person) -> bool:
    """One's own growth file, while one is a current member (or shadow trainee) of an active
    studio; which studio a text goes to is checked again by ``keep_growth_file``."""

    return user.pk == person.pk and (
        Membership.objects.filter(
            user=user,
            end_date__isnull=True,
            role__in=GROWTH_ROLES,
            studio__status=StudioStatus.ACTIVE,
        ).exists()
    )


@rule("studios.edit_summary")
def can_edit_summary(user, summary) -> bool:
    """One's own summary, until the host has reviewed it."""
    return (
        summary.person_id == user.pk
        and summary.reviewed_at is None
        and summary.studio is not None
        and can_keep_growth_file(user, summary.studio)
    )


@rule("studios.review_summary")
def can_review_summary(user, summary) -> bool:
    """The host of the summary's (active) studio, once."""
    return (
        summary.studio is not None
        and summary.reviewed_at is None
        and can_manage_studio(user, summary.studio)
    )


@rule("studios.add_output")
def can_add_output(user, studio) -> bool:
    """The host records any output of the studio; a current member records their own."""

    if can_manage_studio(user, studio):
        return True
    return studio.status == StudioStatus.ACTIVE and is_member(user, studio)


@rule("studios.change_output")
def can_change_output(user, output) -> bool:
    studio = output.studio
    if can_manage_studio(user, studio):
        return True
    return (
        output.person_id == user.pk
        and studio.status == StudioStatus.ACTIVE
        and is_member(user, studio)
    )


@rule("studios.delete_output")
def can_delete_output(user, output) -> bool:
    return can_manage_studio(user, output.studio)


@rule("studios.download_output")
def can_download_output(user, output) -> bool:
    """A shared output is for everyone working in the studio's city (资源共享); any other file
    for those who may open the studio."""
    city_id = output.studio.school.city_id
    if output.shared and works_in_city(user, city_id):
        return True
    return can_view_studio(user, output.studio)


# --- activities, attendance and compliance ---------------------------------------------------


@rule("studios.view_my_attendance")
def can_view_my_attendance(user, _obj=None) -> bool:
    """Everyone logged in has a page of their own attendance (empty for non-members)."""
    return True


@rule("studios.keep_calendar_feed")
def can_keep_calendar_feed(user, _obj=None) -> bool:
    """Everyone logged in may have a calendar address of their own: it shows their deadlines
    (none for some) and only the studios they may open anyway."""
    return True


@rule("studios.view_attendance_record")
def can_view_attendance_record(user, attendance) -> bool:
    """A member's own attendance record (confirming it is studios.confirm_attendance)."""
    return attendance.membership.user_id == user.pk


@rule("studios.view_evidence")
def can_view_evidence(user, evidence) -> bool:
    """An activity's evidence files go to whoever may open the studio's page."""
    return can_view_studio(user, evidence.activity.studio)


@rule("studios.view_absences")
def can_view_absences(user, studio) -> bool:
    """Members' absence counts: the host and the organisations overseeing the studio."""

    if user.is_superuser or in_scope(user, studio.school, roles=STUDIO_READERS):
        return True
    return is_host(user, studio)


# --- the team and the bureau's member recruitment (studios/team.py, studios/recruitment.py) ---


@rule("studios.change_team")
def can_change_team(user, studio) -> bool:
    """Add, end or replace memberships: the host of an active studio, or the municipal bureau.
    Which roles and seats each may fill is the policy's answer, checked in studios.team."""
    return can_oversee_studio(user, studio) or can_manage_studio(user, studio)


@rule("studios.run_recruitment")
def can_run_recruitment(user, call_or_round) -> bool:
    """Open, close and assign a recruitment round: the bureau of the batch's city."""

    call = getattr(call_or_round, "call", call_or_round)
    return user.is_superuser or in_scope(user, call.bureau, roles=STUDIO_MANAGERS)


@rule("studios.open_recruitment_rounds")
def can_open_recruitment_rounds(user, _obj=None) -> bool:
    """The form to open a round is for the bureau (each call is checked again)."""

    return user.is_superuser or has_role(user, STUDIO_MANAGERS)


@rule("studios.request_seat")
def can_request_seat(user, recruitment_round) -> bool:
    """A teacher of the round's city may request a bureau-assigned seat."""
    city_id = recruitment_round.call.bureau.city_id
    return not user.is_superuser and works_in_city(user, city_id, roles={Role.TEACHER})


@rule("studios.view_recruitment")
def can_view_recruitment(user, recruitment_round) -> bool:
    return can_run_recruitment(user, recruitment_round) or can_request_seat(user, recruitment_round)


@rule("studios.browse_recruitment")
def can_browse_recruitment(user, _obj=None) -> bool:
    return user.is_superuser or has_role(user, STUDIO_MANAGERS | {Role.TEACHER})


# --- the assistant's and the advisors' work (studios.services.liaison, .comments) -------------
#
# The seed notice 柳教思政〔2024〕35号: the assistant (协助者) "负责进行工作室行政上的联络交流、
# 宣传讲座、“手拉手”结对帮扶活动的组织协调"; the advisors (指导老师) "负责给予……指导".
# Which activities are the
# pairing ones is the policy's answer (its quotas counted in the paired county), never a list here.


def holds_role(user, studio, role: str) -> bool:
    """A current membership of ``role`` in ``studio``."""
    return Membership.objects.filter(
        studio=studio, user=user, role=role, end_date__isnull=True
    ).exists()


def is_assistant(user, studio) -> bool:
    return holds_role(user, studio, TeamRole.ASSISTANT)


def is_advisor(user, studio) -> bool:
    return holds_role(user, studio, TeamRole.ADVISOR)


def pairing_kinds(policy) -> list[str]:
    """The activity kinds of the policy's quotas that count only in the paired county (the
    结对帮扶 activities the assistant organises); empty where the policy pairs no counties."""
    kinds: list[str] = []
    for quota in policy.activity_quotas.all():
        if quota.in_paired_county and not quota.per_member:
            kinds += [k for k in quota.kinds if k not in kinds]
    return kinds


def activity_kinds_for(user, studio) -> list[str] | None:
    """Which kinds of activity ``user`` may log or change in ``studio``: None for every kind
    the policy knows (the host), the pairing kinds for its assistant, [] for anyone else."""
    if can_manage_studio(user, studio):
        return None
    if studio.status == StudioStatus.ACTIVE and is_assistant(user, studio):
        return pairing_kinds(studio.policy)
    return []


@rule("studios.log_activity")
def can_log_activity(user, studio) -> bool:
    """The host logs any activity; the assistant logs the policy's pairing activities."""
    kinds = activity_kinds_for(user, studio)
    return kinds is None or bool(kinds)


@rule("studios.change_activity")
def can_change_activity(user, activity) -> bool:
    """The host changes any activity; the assistant a pairing activity."""
    kinds = activity_kinds_for(user, activity.studio)
    return kinds is None or activity.kind in kinds


@rule("studios.view_liaison")
def can_view_liaison(user, studio) -> bool:
    """The liaison log: the host, the assistant, the advisors and the bureau overseeing it."""
    if user.is_superuser or is_host(user, studio) or can_oversee_studio(user, studio):
        return True
    return Membership.objects.filter(
        studio=studio,
        user=user,
        end_date__isnull=True,
        role__in=[TeamRole.ASSISTANT, TeamRole.ADVISOR],
    ).exists()


@rule("studios.keep_liaison")
def can_keep_liaison(user, studio) -> bool:
    """Writing the liaison log of an active studio: its assistant and its host."""
    return can_manage_studio(user, studio) or (
        studio.status == StudioStatus.ACTIVE and is_assistant(user, studio)
    )


@rule("studios.comment_in_studio")
def can_comment_in_studio(user, studio) -> bool:
    """Comments on the plans, activities and members' growth files of an active studio: its
    advisors (their guidance) and its host. Members and the assistant read them."""
    return can_manage_studio(user, studio) or (
        studio.status == StudioStatus.ACTIVE and is_advisor(user, studio)
    )
