import pytest
from django.core.cache import cache

from accounts.models import Organisation, User
from demo.seed import seed_demo


class Demo:
    """The demo data (both cities, one user per role), looked up by stable codes."""

    def user(self, username: str) -> User:
        return User.objects.get(username=username)

    def org(self, code: str, city: str = "liuzhou") -> Organisation:
        return Organisation.objects.get(code=code, city__code=city)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: a database rolled back after a test would leave
    fragments cached from its rows (core/freshness.py) under a generation still current."""
    cache.clear()


@pytest.fixture
def demo(db) -> Demo:
    """Organisations and one user per role (the demo's calls are left out: tests make their own)."""
    seed_demo(with_applications=False)
    return Demo()


@pytest.fixture
def client_for(client):
    """Log the test client in as a demo user: ``client_for("lz_county")``."""

    def login(username: str):
        client.force_login(User.objects.get(username=username))
        return client

    return login


# The people of the test identity provider (tests/sso_provider): the second-factor ones sign in
# there with one, and their tokens say so in ``amr``.
SSO_PASSWORD = "provider-password-1"
SSO_PEOPLE = [
    {"username": "sso_teacher", "name": "张老师", "email": "zhang@school.example"},
    {"username": "sso_staff", "name": "李科长", "second_factor": True},
    {"username": "sso_staff_pwd", "name": "王科员"},
    {"username": "sso_stranger", "name": "陌生人"},
    {"username": "sso_other", "name": "赵老师"},
]


@pytest.fixture(scope="session")
def identity_provider(live_server, tmp_path_factory):
    """A real OpenID Connect provider on loopback, started once: django-oauth-toolkit in a
    process of its own. Mingshi is its client, at the live server (the browser journeys) and
    at the test client's ``testserver`` (the others)."""
    from tests.sso_provider.server import Provider

    callback = "/login/sso/callback/"
    provider = Provider.start(
        tmp_path_factory.mktemp("identity-provider"),
        redirect_uri=f"{live_server.url}{callback} http://testserver{callback}",
        people=[{**person, "password": SSO_PASSWORD} for person in SSO_PEOPLE],
    )
    yield provider
    provider.stop()


@pytest.fixture
def sso(identity_provider, settings):
    """Single sign-on on, against the test provider, for one test."""
    for name, value in identity_provider.mingshi_settings().items():
        setattr(settings, name, value)
    return identity_provider


def pytest_terminal_summary(terminalreporter):
    """One line of the matrix's and the fuzz's figures, so a reader sees the coverage."""
    from tests.matrix import coverage

    line = coverage.summary()
    if line:
        terminalreporter.write_sep("=", line)
