import pytest
from django.core.exceptions import ValidationError

from accounts.models import OrganisationKind, Role, RoleAssignment
from accounts.services import AccountsError, organisation_ensure, role_assign

from .factories import BureauFactory, CountyFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_school_under_a_county_knows_its_county():
    school = SchoolFactory()
    assert school.county == school.parent
    assert not school.is_bureau_affiliated


def test_school_directly_under_the_bureau_is_bureau_affiliated():
    bureau = BureauFactory()
    school = SchoolFactory(parent=bureau, city=bureau.city)
    assert school.county is None
    assert school.is_bureau_affiliated


def test_tree_rules_are_enforced():
    county = CountyFactory()
    with pytest.raises(AccountsError):
        organisation_ensure(
            city=county.city,
            kind=OrganisationKind.CE_CENTRE,
            code="ce",
            name="中心",
            parent=county,
        )
    other_city_bureau = BureauFactory()
    with pytest.raises(AccountsError):
        organisation_ensure(
            city=county.city,
            kind=OrganisationKind.SCHOOL,
            code="s",
            name="学校",
            parent=other_city_bureau,
        )
    with pytest.raises(AccountsError):
        organisation_ensure(
            city=county.city,
            kind=OrganisationKind.COUNTY_BUREAU,
            code="c2",
            name="县",
            parent=county.parent,
            school_stages=["primary"],
        )


def test_role_must_match_the_kind_of_organisation():
    school = SchoolFactory()
    user = UserFactory()
    with pytest.raises(AccountsError):
        role_assign(actor=None, user=user, role=Role.COUNTY_REVIEWER, organisation=school)
    assignment = role_assign(actor=None, user=user, role=Role.TEACHER, organisation=school)
    assert role_assign(actor=None, user=user, role=Role.TEACHER, organisation=school) == assignment
    assert RoleAssignment.objects.filter(user=user).count() == 1


def test_auditor_may_sit_at_a_city_or_a_county_but_not_a_school():
    school = SchoolFactory()
    RoleAssignment(user=UserFactory(), role=Role.AUDITOR, organisation=school.parent).clean()
    RoleAssignment(user=UserFactory(), role=Role.AUDITOR, organisation=school.parent.parent).clean()
    with pytest.raises(ValidationError):
        RoleAssignment(user=UserFactory(), role=Role.AUDITOR, organisation=school).clean()
