"""The language of the URL × role tables (one table per app, in ``tests/<app>/url_table.py``).

A row names a URL pattern, the demo objects its arguments stand for, and who gets what::

    Row("applications:application_detail", pk="application:lz.at_city",
        ok="admin lz_county lz_city lz_ce lz_auditor",
        visibility=SCOPED)

Everyone not named in ``ok`` (or in ``also``) gets ``others`` (404 by default for a page about
an object, 403 for a page about none); anonymous visitors are sent to the login page unless
the row says otherwise. ``method="POST"`` rows are posted to with no data: the allowed roles
get what a refused or accepted action answers (a redirect back, or the form again), the others
get ``others``.

``visibility`` adds checks that hold whatever the table says: a SCOPED object answers 200 to
nobody of another city or (for county- and school-level roles) another county; a CITY object
to nobody of another city; PUBLIC pages are for everyone, anonymous visitors included.
"""

from dataclasses import dataclass, field

OK = 200
REDIRECT = 302
BAD_REQUEST = 400
UNAUTHORIZED = 401
FORBIDDEN = 403
NOT_FOUND = 404
NOT_ALLOWED = 405
# Not a status: a redirect to the login page (with ?next=).
LOGIN = "accounts:login"

PUBLIC, CITY, SCOPED, PERSONAL = "public", "city", "scoped", "personal"

# Every demo login (``seed_demo``'s list) and the anonymous visitor. A new demo role fails the
# completeness test until it is added here, so that every row says what it gets.
ROLES = (
    "anon",
    "admin",
    "lz_teacher",
    "lz_school",
    "lz_county",
    "lz_county_luzhai",
    "lz_city",
    "lz_ce",
    "lz_expert",
    "lz_auditor",
    "lz_auditor_liucheng",
    "lz_p1",
    "lz_finance",
    "lz_member",
    "sz_teacher",
    "sz_school",
    "sz_county",
    "sz_county_suixian",
    "sz_city",
    "sz_ce",
    "sz_expert",
    "sz_auditor",
    "sz_auditor_zengdu",
    "sz_p1",
    "sz_finance",
    "sz_member",
)

# Shorthands for the tables: who works in each city.
LZ = " ".join(r for r in ROLES if r.startswith("lz_"))
SZ = " ".join(r for r in ROLES if r.startswith("sz_"))
EVERYONE = " ".join(r for r in ROLES if r != "anon")


def users(spec: str) -> set[str]:
    names = set(spec.split())
    unknown = names - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles in a URL table: {sorted(unknown)}")
    return names


@dataclass
class Row:
    name: str
    ok: str = ""
    others: int | str | None = None
    anon: int | str = LOGIN
    also: dict = field(default_factory=dict)
    method: str = "GET"
    visibility: str = SCOPED
    variant: str = ""
    query: str = ""
    kwargs: dict = field(default_factory=dict)

    def __init__(
        self,
        name: str,
        *,
        ok: str = "",
        others: int | str | None = None,
        anon: int | str | None = None,
        also: dict | None = None,
        method: str = "GET",
        visibility: str | None = None,
        variant: str = "",
        query: str = "",
        **kwargs,
    ):
        self.name = name
        self.ok = ok
        self.method = method
        self.kwargs = kwargs
        self.variant = variant
        self.query = query
        self.also = {status: users(spec) for status, spec in (also or {}).items()}
        default_visibility = SCOPED if kwargs else CITY
        self.visibility = visibility or default_visibility
        public = self.visibility == PUBLIC
        self.anon = anon if anon is not None else (OK if public else LOGIN)
        if others is None:
            others = OK if public else (NOT_FOUND if kwargs else FORBIDDEN)
        self.others = others
        users(ok)

    @property
    def id(self) -> str:
        return f"{self.name}[{self.variant}]" if self.variant else self.name

    def expected(self, role: str) -> int | str:
        if role == "anon":
            return self.anon
        for status, names in self.also.items():
            if role in names:
                return status
        if role in users(self.ok):
            return REDIRECT if self.method == "POST" else OK
        return self.others


@dataclass
class RuleRow:
    """A permission rule asked about one demo object: who may (``ok``); everyone else may not.

    ``visibility`` adds the same checks as the URL table: no SCOPED or CITY object is allowed
    to a user of another city, no SCOPED one to a county- or school-level user of another
    county.
    """

    name: str
    obj: str | None = None
    ok: str = ""
    visibility: str = SCOPED
    variant: str = ""

    def __post_init__(self):
        users(self.ok)
        if self.obj is None and self.visibility == SCOPED:
            self.visibility = CITY

    @property
    def id(self) -> str:
        return f"{self.name}[{self.variant}]" if self.variant else self.name

    def expected(self, role: str) -> bool:
        return role in users(self.ok)
