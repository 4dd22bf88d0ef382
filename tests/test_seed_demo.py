import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def snapshot():
    """Every row of every model of ours, as plain values."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label in {"accounts", "studios", "guardian", "applications"}:
            fields = [f.attname for f in model._meta.concrete_fields if f.name != "last_login"]
            rows[model._meta.label] = list(model.objects.order_by("pk").values(*fields))
    return rows


def test_seed_demo_prints_logins_and_is_idempotent():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "lz_county" in out.getvalue() and "sz_ce" in out.getvalue()
    assert "Second factor: OFF" in out.getvalue()  # the demo says it runs without 2FA
    first = snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert snapshot() == first
    assert len(first["applications.Application"]) == 39
    statuses = {row["status"] for row in first["applications.Application"]}
    assert statuses >= {
        "draft",
        "at_school",
        "at_county",
        "at_city",
        "returned",
        "rejected",
        "expert_review",
        "selected",
        "published",
    }
    assert len(first["studios.Studio"]) == 6


def test_seed_demo_has_the_real_counties():
    from accounts.models import Organisation, OrganisationKind

    call_command("seed_demo", stdout=io.StringIO())
    liuzhou = set(
        Organisation.objects.filter(
            city__code="liuzhou", kind=OrganisationKind.COUNTY_BUREAU
        ).values_list("name", flat=True)
    )
    assert liuzhou == {
        "城中区",
        "鱼峰区",
        "柳南区",
        "柳北区",
        "柳江区",
        "柳城县",
        "鹿寨县",
        "融安县",
        "融水苗族自治县",
        "三江侗族自治县",
    }
    suizhou = set(
        Organisation.objects.filter(
            city__code="suizhou", kind=OrganisationKind.COUNTY_BUREAU
        ).values_list("name", flat=True)
    )
    assert {"曾都区", "随县", "广水市"} <= suizhou


def test_seed_demo_has_every_step_walkable_today():
    """On the day it is seeded, each city has a call at each step, and the bureau may take
    that step today (asked of the same rules the services and pages ask)."""
    from accounts.models import User
    from accounts.permissions import can
    from applications import publication, workflow
    from applications.models import ApplicationStatus, Call, CallStatus
    from core import clock

    call_command("seed_demo", stdout=io.StringIO())
    today = clock.today()
    for city, prefix in (("liuzhou", "lz"), ("suizhou", "sz")):
        bureau = User.objects.get(username=f"{prefix}_city")
        calls = Call.objects.filter(bureau__city__code=city)
        for call in calls:
            assert can(bureau, "applications.manage_call", call)

        # Open, with drafts: a teacher may still fill the form in.
        (open_call,) = calls.filter(status=CallStatus.OPEN, closes_on__gte=today)
        assert open_call.applications.filter(status=ApplicationStatus.DRAFT).exists()
        assert open_call.accepts_submissions_on(today)
        teacher = User.objects.get(username=f"{prefix}_teacher")
        assert can(teacher, "applications.apply_to_call", open_call)

        # Its closing date was yesterday: the bureau closes it today, reviewers have work.
        (just_closed,) = calls.filter(status=CallStatus.OPEN, closes_on__lt=today)
        assert just_closed.closes_on == today - timedelta(days=1)
        waiting = just_closed.applications.filter(
            status__in=[
                ApplicationStatus.AT_SCHOOL,
                ApplicationStatus.AT_COUNTY,
                ApplicationStatus.AT_CITY,
            ]
        )
        assert {a.status for a in waiting} == {"at_school", "at_county", "at_city"}
        for application in waiting:
            (reviewer, *_others) = workflow.reviewers_for(application)
            assert can(reviewer, "applications.review_application", application)

        # In expert review: one application still without experts, the others selectable.
        (in_review,) = calls.filter(status=CallStatus.CLOSED)
        unassigned = in_review.applications.filter(
            status=ApplicationStatus.EXPERT_REVIEW, expert_assignments__isnull=True
        )
        assert unassigned.exists()
        assert in_review.applications.filter(status=ApplicationStatus.SELECTED).exists()
        if in_review.policy.public_notice:
            assert publication.notice_start_refusal(in_review, today) is None
        else:
            assert publication.publication_refusal(in_review, today) is None

        assert calls.filter(status=CallStatus.PUBLISHED).exists()

    # Suizhou publishes after a notice: one ended yesterday (publish today), one still runs.
    notices = Call.objects.filter(bureau__city__code="suizhou", status=CallStatus.NOTICE)
    ended = [c for c in notices if c.notice_ends_on == today - timedelta(days=1)]
    running = [c for c in notices if publication.notice_running(c, today)]
    assert len(ended) == 1 and len(running) == 1
    assert publication.publication_refusal(ended[0], today) is None
    assert publication.publication_refusal(running[0], today) is not None
