"""Schemathesis against the API's own OpenAPI document, served by a live server, with the token
of each role in tests/api/conftest.py: for every operation, hypothesis draws requests from the
schema (valid ones and, for the checks that ask for it, invalid ones) and every answer must be
no server error, match the schema (status, content type, headers, body), and name no object
outside the token owner's reach.

The reach is checked against the demo's own facts, not against the selectors the API uses:
a city's people see only their city's objects, a county reviewer only their county's, an
applicant only their own applications, a host only their own studio.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from accounts.models import User
from applications.models import Application, Call
from assessments.models import AnnualAssessment
from funding.models import Allocation
from studios.models import Activity, Studio

from .conftest import TOKEN_ROLES

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("MINGSHI_API_EXAMPLES", "12"))


@pytest.fixture(scope="module")
def api_schema(api_world):
    return schemathesis.openapi.from_url(f"{api_world.url}/api/schema/?format=json")


# Every operation of the document, each fuzzed as a test of its own. A new endpoint fails
# test_every_operation_is_fuzzed until it is listed here.
OPERATIONS = [
    ("GET", "/api/v1/me/"),
    ("GET", "/api/v1/calls/"),
    ("GET", "/api/v1/calls/{id}/"),
    ("GET", "/api/v1/calls/{id}/results/"),
    ("GET", "/api/v1/applications/"),
    ("GET", "/api/v1/applications/{id}/"),
    ("GET", "/api/v1/studios/"),
    ("GET", "/api/v1/studios/{id}/"),
    ("GET", "/api/v1/studios/{id}/activities/"),
    ("POST", "/api/v1/studios/{id}/activities/"),
    ("GET", "/api/v1/studios/{id}/compliance/"),
    ("GET", "/api/v1/activities/{id}/"),
    ("POST", "/api/v1/activities/{id}/evidence/"),
    ("GET", "/api/v1/allocations/"),
    ("GET", "/api/v1/assessments/"),
    ("GET", "/api/v1/plaques/{code}/"),
]


def test_every_operation_is_fuzzed(api_schema):
    found = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert found == set(OPERATIONS)


# --- whose objects each role may see, from the demo's facts -----------------------------------


def _studio(obj) -> Studio | None:
    if isinstance(obj, Studio):
        return obj
    return getattr(obj, "studio", None)


def _home(obj) -> tuple[int, int | None, int | None]:
    """(city, county, school) of an object; a call has its city only."""
    if isinstance(obj, Call):
        return obj.bureau.city_id, None, None
    if isinstance(obj, Application):
        return obj.call.bureau.city_id, obj.county_id, obj.school_id
    studio = _studio(obj)
    return studio.school.city_id, studio.county_id, studio.school_id


def reach(role: str):
    """A test ``(obj) -> bool`` of what ``role``'s token may name."""
    user = User.objects.get(username=role)
    assignment = user.role_assignments.select_related("organisation").first()
    city = assignment.organisation.city_id
    county = assignment.organisation_id if assignment.role == "county_reviewer" else None
    school = assignment.organisation_id if assignment.role == "school_admin" else None

    def allowed(obj) -> bool:
        obj_city, obj_county, obj_school = _home(obj)
        if obj_city != city:
            return False
        if isinstance(obj, Call):
            return True
        if county is not None and obj_county != county:
            return False
        if school is not None and obj_school != school:
            return False
        if role in {"lz_teacher", "lz_p1"} and isinstance(obj, Application):
            return obj.applicant_id == user.pk
        if role == "lz_teacher":
            return False
        if role == "lz_p1":
            return _studio(obj).host_id == user.pk
        return True

    return allowed


# What each operation's answer names: the model of its rows (or of itself), and the object its
# path names when the answer is about one (a studio's compliance, a call's results).
ROWS = {
    "/api/v1/calls/": Call,
    "/api/v1/calls/{id}/": Call,
    "/api/v1/applications/": Application,
    "/api/v1/applications/{id}/": Application,
    "/api/v1/studios/": Studio,
    "/api/v1/studios/{id}/": Studio,
    "/api/v1/studios/{id}/activities/": Activity,
    "/api/v1/activities/{id}/": Activity,
    "/api/v1/allocations/": Allocation,
    "/api/v1/assessments/": AnnualAssessment,
}
PATH_OBJECT = {
    "/api/v1/studios/{id}/compliance/": Studio,
    "/api/v1/studios/{id}/activities/": Studio,
    "/api/v1/calls/{id}/results/": Call,
    "/api/v1/activities/{id}/evidence/": Activity,
}


def named_objects(case, body) -> list:
    found = []
    if case.path in PATH_OBJECT:
        found.append(PATH_OBJECT[case.path].objects.get(pk=case.path_parameters["id"]))
    # A call's announced results are the public notice's list: public once announced, so
    # only the call itself is someone's to see.
    model = ROWS.get(case.path)
    if model is not None:
        rows = body.get("results", [body])
        found += [model.objects.get(pk=row["id"]) for row in rows]
    return found


def real_values(path: str) -> list[dict]:
    """Path parameters that name real objects (of every city), so that the fuzz reaches them
    as well as the ids that name nothing."""
    if "{code}" in path:
        return [{"code": c} for c in Studio.objects.values_list("verification_code", flat=True)]
    if "{id}" not in path:
        return []
    model = PATH_OBJECT.get(path) or ROWS[path]
    ids = model.objects.order_by("pk").values_list("pk", flat=True)
    return [{"id": pk} for pk in ids[:: max(1, ids.count() // 8)]]


def strategy(operation, path: str):
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    strategies = [operation.as_strategy(mode) for mode in modes]
    strategies += [
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=values)
        for values in real_values(path)
    ]
    return st.one_of(strategies)


@pytest.mark.parametrize("method, path", OPERATIONS)
def test_the_api_keeps_its_schema_and_its_scope(method, path, api_schema, api_world):
    operation = api_schema[path][method]
    reaches = {role: reach(role) for role in TOKEN_ROLES}

    @given(case=strategy(operation, path))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def fuzz(case):
        for role in TOKEN_ROLES:
            response = case.call_and_validate(
                base_url=api_world.url,
                headers=api_world.header(role),
                # Business rules beyond the schema (a date inside the term, a kind the policy
                # knows, an id that exists) refuse some well-formed requests, on purpose.
                excluded_checks=[openapi_checks.positive_data_acceptance],
            )
            assert response.status_code < 500
            if response.status_code in (200, 201) and path in ROWS | PATH_OBJECT:
                named = named_objects(case, response.json())
                outside = [obj for obj in named if not reaches[role](obj)]
                assert not outside, (role, case.path, outside)

    fuzz()


def test_the_reach_tells_objects_apart(api_world):
    """The scope check above is not vacuous: it refuses what each role must not see."""
    liuzhou = Studio.objects.filter(school__city__code="liuzhou")
    suizhou = Studio.objects.filter(school__city__code="suizhou").first()
    county = User.objects.get(username="lz_county").role_assignments.first().organisation
    own_county, other_county = (
        liuzhou.filter(county=county).first(),
        liuzhou.exclude(county=county).first(),
    )
    assert reach("lz_city")(own_county) and not reach("lz_city")(suizhou)
    assert reach("lz_county")(own_county) and not reach("lz_county")(other_county)
    hosted = Studio.objects.get(host__username="lz_p1")
    assert reach("lz_p1")(hosted) and not reach("lz_p1")(liuzhou.exclude(pk=hosted.pk).first())
    teacher = User.objects.get(username="lz_teacher")
    assert reach("lz_teacher")(Application.objects.filter(applicant=teacher).first())
    assert not reach("lz_teacher")(Application.objects.exclude(applicant=teacher).first())
    assert not reach("sz_city")(Call.objects.filter(bureau__city__code="liuzhou").first())
