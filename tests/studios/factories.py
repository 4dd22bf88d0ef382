"""Published studios for tests, founded through the real journey's services."""

from datetime import date

from django.conf import settings

from accounts.models import Role, RoleAssignment, User
from applications import experts, publication
from applications.models import ApplicationStatus
from studios.models import Membership, Studio
from tests.applications.factories import (
    BUREAU_ADMIN,
    advance,
    open_call,
    submitted,
    teacher_at,
)

FOUNDED = {"liuzhou-2024": date(2024, 9, 1), "suizhou": date(2024, 9, 1)}


def published_studios(policy_code: str, hosts: list[tuple[str, str]], *, city: str) -> list[Studio]:
    """Found one studio per (school code, host username); members get user accounts.

    Liuzhou studios pair with the first pairing county by code (柳城县 in the demo data).
    """
    admin = User.objects.get(username=BUREAU_ADMIN[policy_code])
    call = open_call(policy_code, studio_count=len(hosts), notice_days=1)
    chosen = []
    for school_code, username in hosts:
        teacher = teacher_at(school_code, username, city)
        application = submitted(call, teacher, host_name=teacher.full_name)
        chosen.append(advance(application, ApplicationStatus.EXPERT_REVIEW))
    experts.selection_save(actor=admin, call=call, application_ids=[a.pk for a in chosen])
    call.refresh_from_db()
    if call.policy.public_notice:
        publication.notice_start(actor=admin, call=call, today=date(2024, 8, 1))
    studios = publication.call_publish(actor=admin, call=call, today=FOUNDED[policy_code])
    for studio in studios:
        give_members_accounts(studio)
    return studios


def give_members_accounts(studio: Studio) -> None:
    """Link every named member to a teacher account at the host's school, as a real studio has."""
    for membership in studio.memberships.filter(user__isnull=True):
        user = User.objects.create_user(
            f"m{studio.pk}_{membership.pk}",
            password=settings.MINGSHI_DEMO_PASSWORD,
            full_name=membership.name,
            email="",
        )
        RoleAssignment.objects.create(user=user, role=Role.TEACHER, organisation=studio.school)
        Membership.objects.filter(pk=membership.pk).update(user=user)


def liuzhou_studio(host: str = "lz_host") -> Studio:
    [studio] = published_studios("liuzhou-2024", [("liucheng-sx", host)], city="liuzhou")
    return studio


def suizhou_studio(host: str = "sz_host") -> Studio:
    [studio] = published_studios("suizhou", [("zengdu-sx", host)], city="suizhou")
    return studio
