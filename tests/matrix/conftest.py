"""One demo world for the whole package: seeded once, rolled back when the package is done.

Each test then runs inside its own savepoint (pytest-django's ``db``), and each request the
matrix or the fuzz makes runs inside one more, rolled back at once, so that no request sees
what another one did.
"""

import pytest
from django.db import transaction

from .world import build_world


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.conf import settings

    media = tmp_path_factory.mktemp("matrix-media")
    old_media = settings.MEDIA_ROOT
    settings.MEDIA_ROOT = media
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            settings.MEDIA_ROOT = old_media
