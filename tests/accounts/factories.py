import factory

from accounts.models import City, Organisation, OrganisationKind, Role, RoleAssignment, User


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"city{n}")
    name = factory.Sequence(lambda n: f"测试市{n}")


class BureauFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    city = factory.SubFactory(CityFactory)
    kind = OrganisationKind.MUNICIPAL_BUREAU
    code = factory.Sequence(lambda n: f"bureau{n}")
    name = factory.LazyAttribute(lambda o: f"{o.city.name}教育局")


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    parent = factory.SubFactory(BureauFactory)
    city = factory.SelfAttribute("parent.city")
    kind = OrganisationKind.COUNTY_BUREAU
    code = factory.Sequence(lambda n: f"county{n}")
    name = factory.Sequence(lambda n: f"测试县{n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    parent = factory.SubFactory(CountyFactory)
    city = factory.SelfAttribute("parent.city")
    kind = OrganisationKind.SCHOOL
    code = factory.Sequence(lambda n: f"school{n}")
    name = factory.Sequence(lambda n: f"测试学校{n}")
    school_stages = factory.LazyFunction(lambda: ["primary"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("pw-for-tests")


def user_with_role(role: Role, organisation: Organisation, **kwargs) -> User:
    user = UserFactory(**kwargs)
    RoleAssignment.objects.create(user=user, role=role, organisation=organisation)
    return user
