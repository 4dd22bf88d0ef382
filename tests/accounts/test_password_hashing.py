"""Passwords are hashed with Argon2 outside the tests, and hashes made before still log in.

The test settings hash with MD5 for speed; these tests put the deployment's list back.
"""

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password
from django.urls import reverse

from config.settings import base

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def deployment_hashers(settings):
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS


def test_a_new_password_is_hashed_with_argon2():
    assert identify_hasher(make_password("正确的密码-2024")).algorithm == "argon2"


def test_a_pbkdf2_hash_from_before_logs_in_and_is_upgraded(demo, client):
    user = demo.user("lz_teacher")
    user.password = make_password("正确的密码-2024", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    response = client.post(
        reverse("accounts:login"), {"username": "lz_teacher", "password": "正确的密码-2024"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password("正确的密码-2024")
