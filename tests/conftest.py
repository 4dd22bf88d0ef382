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


def pytest_terminal_summary(terminalreporter):
    """One line of the matrix's and the fuzz's figures, so a reader sees the coverage."""
    from tests.matrix import coverage

    line = coverage.summary()
    if line:
        terminalreporter.write_sep("=", line)
