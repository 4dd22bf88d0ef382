"""The API's tests: the demo, committed once for the module and served by a live server of the
module's own, with a token of each role that matters for scope.

The demo is committed (not kept in a test's transaction) because the live server answers from
its own thread and connections, as a real client's requests are answered. Each test still runs
in its own transaction (``django_db``), so what a test writes in-process is rolled back; the
module's last step flushes the demo and what the live server wrote, as a transactional test
does. The server is this module's own, not pytest-django's ``live_server``, which would make
every test using it flush the database after itself.
"""

from dataclasses import dataclass, field

import pytest
from django.core.management import call_command

from accounts.models import TokenScope, User

# The roles whose tokens the API is tried with: the bureau of each city, a county bureau's
# reviewer, a host who logs activities, an applicant, and a school's administrator.
TOKEN_ROLES = ("lz_city", "sz_city", "lz_county", "lz_p1", "lz_teacher", "sz_school")


@dataclass
class ApiWorld:
    url: str = ""
    tokens: dict[str, str] = field(default_factory=dict)
    read_only: dict[str, str] = field(default_factory=dict)

    def header(self, role: str, *, read_only: bool = False) -> dict[str, str]:
        secret = (self.read_only if read_only else self.tokens)[role]
        return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(scope="module")
def api_world(django_db_setup, django_db_blocker):
    from pytest_django.live_server_helper import LiveServer

    from accounts.tokens import token_create
    from demo.seed import seed_demo

    with django_db_blocker.unblock():
        seed_demo()
        world = ApiWorld()
        reading = [s for s in TokenScope.values if s != TokenScope.ACTIVITIES_WRITE]
        for role in TOKEN_ROLES:
            user = User.objects.get(username=role)
            _token, world.tokens[role] = token_create(
                actor=user, name="全部", scopes=list(TokenScope.values), days=30
            )
            _token, world.read_only[role] = token_create(
                actor=user, name="只读", scopes=reading, days=30
            )
    server = LiveServer("127.0.0.1:0")
    world.url = server.url
    try:
        yield world
    finally:
        server.stop()
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def api(api_world, db):
    """The API in-process as a role's token: ``api("lz_city").get(url)``."""
    from django.test import Client

    def client_for(role: str, *, read_only: bool = False) -> Client:
        client = Client()
        client.defaults["HTTP_AUTHORIZATION"] = api_world.header(role, read_only=read_only)[
            "Authorization"
        ]
        return client

    return client_for
