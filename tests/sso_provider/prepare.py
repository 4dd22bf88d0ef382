"""Run once before the provider serves: its tables, its people and Mingshi as its client.
The spec (JSON in SSO_PROVIDER_SPEC) is written by ``server.py``."""

import json
import os

import django

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402

from tests.sso_provider.validators import SECOND_FACTOR_GROUP  # noqa: E402

spec = json.loads(os.environ["SSO_PROVIDER_SPEC"])
call_command("migrate", verbosity=0)
second_factor = Group.objects.create(name=SECOND_FACTOR_GROUP)
for person in spec["people"]:
    user = User.objects.create_user(
        person["username"],
        email=person.get("email", ""),
        password=person["password"],
        first_name=person.get("name", ""),
    )
    if person.get("second_factor"):
        user.groups.add(second_factor)
Application.objects.create(
    name="Mingshi",
    client_id=spec["client_id"],
    client_secret=spec["client_secret"],
    client_type=Application.CLIENT_CONFIDENTIAL,
    authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
    redirect_uris=spec["redirect_uri"],
    algorithm=Application.RS256_ALGORITHM,
    skip_authorization=True,
)
