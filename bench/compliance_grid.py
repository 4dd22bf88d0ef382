"""Benchmark: the bureau's compliance grid at 1,000 studios, beside a plain list of them.

    DJANGO_SETTINGS_MODULE=config.settings.local .venv/bin/python bench/compliance_grid.py

It creates a throwaway database (Django's test database: in-memory SQLite by default, or
``test_<name>`` on the server of DATABASE_URL) and destroys it at the end. It loads the demo
organisations and both policy presets, builds 1,000 studios (four in five under the pairing
policy, one in five under the per-member one) with a school year of activities — some months,
trainings and visits left out at random so that every colour appears — and semester reports,
then renders through the Django test client, N times each:

* the compliance grid (first page: 50 studios × their quotas),
* a plain list of the same 50 studios (same query, a bare template: the floor),
* the public directory (``studio_directory``, 25 a page) when it exists,
* the grid's .xlsx export (all 1,000 studios),

and prints the median and spread of wall-clock time and the SQL queries of each.
Options: ``--studios 1000 --runs 15``.
"""

import argparse
import contextlib
import os
import random
import statistics
import sys
import time
import types
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import Context, Template  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)
from django.urls import include, path, reverse  # noqa: E402
from django.urls.exceptions import NoReverseMatch  # noqa: E402

TODAY = date(2025, 9, 10)  # the 2024–2025 school year has closed; September 2025 is open
TERM_START = date(2024, 9, 1)
PLAIN = Template(
    "<!DOCTYPE html><html><body><table>"
    "{% for s in studios %}<tr><td>{{ s.name }}</td><td>{{ s.plaque_number }}</td>"
    "<td>{{ s.county.name }}</td><td>{{ s.get_school_stage_display }}</td>"
    "<td>{{ s.term_start }}</td></tr>{% endfor %}</table></body></html>"
)


def plain_list(request):
    """The floor: the grid's own query and page, without any compliance counting."""
    from django.core.paginator import Paginator

    from studios.views.activities import ComplianceFilterForm

    form = ComplianceFilterForm(request.GET, user=request.user)
    page = Paginator(form.studios(request.user), 50).get_page(request.GET.get("page"))
    return HttpResponse(PLAIN.render(Context({"studios": page.object_list})))


bench_urls = types.ModuleType("bench_urls")
bench_urls.urlpatterns = [
    path("bench/plain/", plain_list, name="bench_plain_list"),
    path("", include("config.urls")),
]


def build(count: int, seed: int = 2024) -> None:
    """``count`` studios with their hosts, members, a school year of activities and reports."""
    from accounts.models import Organisation, OrganisationKind, User
    from applications.models import Application, ApplicationStatus, Call, CallStatus
    from demo.seed import seed_demo
    from policies.models import Policy, TeamRole
    from studios.models import Activity, Membership, MembershipSource, SemesterSummary, Studio
    from studios.services.founding import term_end_for

    rng = random.Random(seed)
    seed_demo(with_applications=False)
    policies = {p.code: p for p in Policy.objects.all()}
    pairing = next(p for p in policies.values() if p.pairing_required)
    per_member = next(p for p in policies.values() if not p.pairing_required)
    plan = [(pairing, count - count // 5), (per_member, count // 5)]

    for policy, n in plan:
        bureau = Organisation.objects.get(city=policy.city, kind=OrganisationKind.MUNICIPAL_BUREAU)
        schools = list(Organisation.objects.filter(city=policy.city, kind=OrganisationKind.SCHOOL))
        paired = list(policy.pairing_counties.order_by("code"))
        call = Call.objects.create(
            policy=policy,
            bureau=bureau,
            title=f"bench {policy.code}",
            studio_count=n,
            opens_on=date(2024, 6, 1),
            closes_on=date(2024, 7, 28),
            school_stages=list(policy.school_stages),
            status=CallStatus.PUBLISHED,
            published_on=TERM_START,
        )
        hosts = User.objects.bulk_create(
            [User(username=f"bench-{policy.code}-{i}", full_name=f"主持人{i}") for i in range(n)]
        )
        places = [
            (schools[i % len(schools)], paired[i % len(paired)] if paired else None)
            for i in range(n)
        ]
        applications = Application.objects.bulk_create(
            [
                Application(
                    call=call,
                    applicant=host,
                    school=school,
                    county=school.county,
                    paired_county=county,
                    school_stage=school.school_stages[0] if school.school_stages else "primary",
                    status=ApplicationStatus.SELECTED,
                    host_name=host.full_name,
                )
                for host, (school, county) in zip(hosts, places, strict=True)
            ]
        )
        studios = Studio.objects.bulk_create(
            [
                Studio(
                    policy=policy,
                    call=call,
                    application=a,
                    name=policy.studio_name(a.host_name),
                    host=a.applicant,
                    school=a.school,
                    county=a.county,
                    paired_county=a.paired_county,
                    school_stage=a.school_stage,
                    term_start=TERM_START,
                    term_end=term_end_for(TERM_START, policy.term_years),
                    plaque_number=f"bench-{policy.code}-{i:05d}",
                    published_on=TERM_START,
                )
                for i, a in enumerate(applications)
            ]
        )
        size = 7 if policy is per_member else 5
        member_users = User.objects.bulk_create(
            [
                User(username=f"bench-{policy.code}-{i}-m{j}", full_name=f"成员{j}")
                for i in range(n)
                for j in range(size)
            ]
        )
        memberships = [
            Membership(
                studio=s,
                role=TeamRole.HOST,
                user=s.host,
                name=s.host.full_name,
                source=MembershipSource.APPLICATION,
                start_date=TERM_START,
            )
            for s in studios
        ]
        memberships += [
            Membership(
                studio=s,
                role=TeamRole.MEMBER,
                user=member_users[i * size + j],
                name=f"成员{j}",
                source=MembershipSource.APPLICATION,
                start_date=TERM_START,
            )
            for i, s in enumerate(studios)
            for j in range(size)
        ]
        Membership.objects.bulk_create(memberships, batch_size=2000)

        activities = []
        for s in studios:
            activities += _school_year(rng, policy, s, Activity)
        Activity.objects.bulk_create(activities, batch_size=2000)
        if policy is per_member:
            SemesterSummary.objects.bulk_create(
                [
                    SemesterSummary(
                        person=u,
                        school_year=2024,
                        semester=semester,
                        summary="学期总结",
                        report_date=report,
                    )
                    for u in member_users
                    for semester, report in ((1, date(2025, 1, 15)), (2, date(2025, 7, 5)))
                    if rng.random() < 0.9
                ],
                batch_size=2000,
            )


def _school_year(rng, policy, studio, Activity) -> list:
    """A school year of activities (1 September 2024 – 31 August 2025), each kept at random."""
    rows = []

    def add(kind, day, county=None, keep=0.92):
        if rng.random() < keep:
            rows.append(
                Activity(studio=studio, kind=kind, title=kind, held_on=day, served_county=county)
            )

    if policy.pairing_required:
        for month in range(12):
            first = date(2024 + (month + 8) // 12, (month + 8) % 12 + 1, 1)
            add(rng.choice(["thematic_seminar", "online_salon"]), first + timedelta(days=9))
        for day in (date(2024, 11, 20), date(2025, 4, 16), date(2025, 10, 9)):
            add("training", day)
        add("onsite_seminar", date(2024, 12, 3))
        add("onsite_seminar", date(2025, 5, 21))
        for day in (date(2024, 10, 15), date(2025, 1, 8), date(2025, 3, 12), date(2025, 6, 4)):
            add("pairing_visit", day, studio.paired_county, keep=0.85)
        add("lecture", date(2025, 9, 3), studio.paired_county)
    else:
        add("cross_studio_exchange", date(2024, 11, 12))
        add("cross_studio_exchange", date(2025, 5, 14))
        add("training", date(2025, 3, 3))
    return [a for a in rows if a.held_on <= TODAY]


def measure(client, url: str, runs: int) -> tuple[list[float], int, int]:
    client.get(url)  # warm up: templates, translations, URL resolvers
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return times, len(queries), len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studios", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    from unittest import mock

    from accounts.models import User
    from studios.models import Activity, Studio

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        started = time.perf_counter()
        build(args.studios)
        built = time.perf_counter() - started
        print(
            f"database: {connection.vendor} ({connection.settings_dict['NAME']}); "
            f"{Studio.objects.count()} studios, {Activity.objects.count()} activities, "
            f"built in {built:.1f} s; today = {TODAY}"
        )
        with (
            override_settings(ROOT_URLCONF=bench_urls, DEBUG=False),
            mock.patch("applications.services.today", lambda: TODAY),
        ):
            client = Client()
            client.force_login(User.objects.get(username="admin"))
            pages = [
                ("compliance grid (50 studios × quotas)", reverse("studios:compliance_grid")),
                ("plain list of the same 50 studios", reverse("bench_plain_list")),
            ]
            with contextlib.suppress(NoReverseMatch):  # the directory may not exist yet
                pages.append(("public directory (25 a page)", reverse("studios:studio_directory")))
            pages.append(
                (f"grid export .xlsx (all {args.studios})", reverse("studios:compliance_export"))
            )
            print(f"{'page':44} {'median':>9} {'min':>9} {'max':>9} {'queries':>8} {'bytes':>9}")
            for label, url in pages:
                times, queries, size = measure(client, url, args.runs)
                print(
                    f"{label:44} {statistics.median(times) * 1000:7.1f}ms "
                    f"{min(times) * 1000:7.1f}ms {max(times) * 1000:7.1f}ms "
                    f"{queries:8d} {size:9d}"
                )

            from studios.compliance import compliance_grid

            studios = list(Studio.objects.select_related("county", "paired_county"))
            times = []
            for _ in range(max(3, args.runs // 3)):
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as queries:
                    compliance_grid(studios, TODAY)
                times.append(time.perf_counter() - started)
            print(
                f"{'compliance_grid() alone, all ' + str(len(studios)):44} "
                f"{statistics.median(times) * 1000:7.1f}ms {min(times) * 1000:7.1f}ms "
                f"{max(times) * 1000:7.1f}ms {len(queries):8d}"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
