import io

import pytest
from django.core.management import call_command

from accounts.models import Organisation, User


class Demo:
    """The demo data (both cities, one user per role), looked up by stable codes."""

    def user(self, username: str) -> User:
        return User.objects.get(username=username)

    def org(self, code: str, city: str = "liuzhou") -> Organisation:
        return Organisation.objects.get(code=code, city__code=city)


@pytest.fixture
def demo(db) -> Demo:
    call_command("seed_demo", stdout=io.StringIO())
    return Demo()


@pytest.fixture
def client_for(client):
    """Log the test client in as a demo user: ``client_for("lz_county")``."""

    def login(username: str):
        client.force_login(User.objects.get(username=username))
        return client

    return login
