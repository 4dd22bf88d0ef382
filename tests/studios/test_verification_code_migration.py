"""The migration that gives every studio founded before plaques had QR codes its code: run on
real rows of PostgreSQL, backwards to before the codes and forwards again."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from studios.models import VERIFICATION_ALPHABET, Studio

from .factories import published_studios

BEFORE = [("studios", "0003_verification_code_calendar_feed")]


@pytest.mark.django_db(transaction=True)
def test_studios_founded_before_the_codes_get_one_each(demo):
    published_studios(
        "liuzhou-2024", [("liucheng-sx", "host_a"), ("luzhai-sx", "host_b")], city="liuzhou"
    )
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("studios")
    executor.migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE studios_studio SET verification_code = NULL")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)
    codes = list(Studio.objects.values_list("verification_code", flat=True))
    assert len(codes) == 2 and len(set(codes)) == 2
    assert all(len(c) == 12 and set(c) <= set(VERIFICATION_ALPHABET) for c in codes)
