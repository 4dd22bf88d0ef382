"""URL × role table: the API (the language: tests/matrix/table.py).

The matrix logs in with a session, which the API does not take: every endpoint answers 401
to every role and to the anonymous visitor alike. What a token of each role reaches is
tests/api/test_scope.py's and tests/api/test_schemathesis.py's business. The OpenAPI document,
its browsable docs and a plaque's public check are for everyone.
"""

from tests.matrix.table import PUBLIC, UNAUTHORIZED, Row


def _token_only(name: str, **kwargs) -> Row:
    return Row(name, anon=UNAUTHORIZED, others=UNAUTHORIZED, visibility=PUBLIC, **kwargs)


ROWS = [
    Row("api:schema", visibility=PUBLIC),
    Row("api:docs", visibility=PUBLIC),
    Row("api:plaque", code="plaque_code:lz.p1", visibility=PUBLIC),
    Row(
        "api:plaque",
        variant="a code no plaque has",
        code="abcdefghjkmn",
        visibility=PUBLIC,
        anon=404,
        others=404,
    ),
    # The API's own 404 for any other address under /api/, in JSON.
    Row("api:not_found", visibility=PUBLIC, anon=404, others=404),
    _token_only("api:me"),
    _token_only("api:calls"),
    _token_only("api:call", pk="call:lz.open"),
    _token_only("api:call_results", pk="call:lz.published"),
    _token_only("api:applications"),
    _token_only("api:application", pk="application:lz.published"),
    _token_only("api:studios"),
    _token_only("api:studio", pk="studio:lz.p1"),
    _token_only("api:studio_activities", pk="studio:lz.p1"),
    _token_only("api:studio_compliance", pk="studio:lz.p1"),
    _token_only("api:activity", pk="activity:lz.p1"),
    _token_only("api:activity_evidence", pk="activity:lz.p1", method="POST"),
    _token_only("api:allocations"),
    _token_only("api:assessments"),
]
