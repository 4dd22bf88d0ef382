"""Reads for studios: the studios a user may open, the public directory and pages, plaques,
and the owner of a calendar address."""

import hashlib
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from accounts.models import User
from accounts.permissions import scope_q
from applications.models import CallStatus
from policies.models import TeamRole

from .models import (
    VERIFICATION_ALPHABET,
    VERIFICATION_LENGTH,
    CalendarFeed,
    Membership,
    Studio,
    StudioStatus,
)
from .permissions import STUDIO_READERS

# What the public may see of a studio: only one whose call's results are published. A studio
# is founded by publication in the same transaction, so this holds for every studio there is;
# the condition says so where the public reads, should that ever change.
PUBLISHED = Q(call__status=CallStatus.PUBLISHED)


def studios_for(user: User) -> QuerySet:
    """Studios whose full page the user may open (the same answer as studios.view_studio)."""
    queryset = Studio.objects.select_related("school", "county", "policy", "host", "paired_county")
    if user.is_superuser:
        return queryset
    hosted = get_objects_for_user(user, "studios.manage_studio", klass=Studio, with_superuser=False)
    member = Membership.objects.filter(studio=OuterRef("pk"), user=user, end_date__isnull=True)
    return queryset.filter(
        scope_q(user, roles=STUDIO_READERS, prefix="school__")
        | Q(pk__in=hosted.values("pk"))
        | Q(Exists(member))
    )


def memberships_of(user: User) -> list[Membership]:
    """Every membership of ``user``, current and ended, with its studio: loaded once per user
    object (one query per request), for the home page's panels that each ask about them."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_mingshi_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user)
            .select_related("studio")
            .order_by("studio__name", "pk")
        )
        user._mingshi_memberships = cached
    return cached


def studio_for(user: User, pk: int):
    return studios_for(user).filter(pk=pk).first()


def public_studios(*, query: str = "", city: str = "", stage: str = "") -> QuerySet:
    """The public directory: names, hosts, schools, research directions. No personal data."""
    queryset = (
        Studio.objects.filter(PUBLISHED)
        .select_related("school", "county", "policy__city")
        .order_by("policy__city", "plaque_number")
    )
    if query:
        queryset = queryset.filter(
            Q(name__icontains=query)
            | Q(school__name__icontains=query)
            | Q(research_direction__icontains=query)
        )
    if city:
        queryset = queryset.filter(policy__city__code=city)
    if stage:
        queryset = queryset.filter(school_stage=stage)
    return queryset


def plaque_lookup(number: str) -> Studio | None:
    """The studio whose plaque carries ``number``; brackets typed as ASCII or full-width match."""
    number = "".join((number or "").split())
    if not number:
        return None
    queryset = Studio.objects.select_related("application", "school", "county", "call__bureau")
    studio = queryset.filter(plaque_number=number).first()
    if studio is None:
        normalised = number.translate(str.maketrans("[［【(（", "〔〔〔〔〔")).translate(
            str.maketrans("]］】)）", "〕〕〕〕〕")
        )
        if normalised != number:
            studio = queryset.filter(plaque_number=normalised).first()
    return studio


def public_studio(pk: int) -> Studio | None:
    """A studio's public page: what the directory and the plaque show, nothing personal."""
    return (
        Studio.objects.filter(PUBLISHED, pk=pk)
        .select_related("application", "school", "county", "policy__city", "call__bureau")
        .first()
    )


def public_team_counts(studio: Studio, today: date) -> list[tuple[str, int]]:
    """How many people the studio has in each team role today (counts only: the members'
    names and details are for the studio's people and the bureau)."""
    rows = (
        studio.memberships.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .filter(start_date__lte=today)
        .values("role")
        .annotate(n=Count("pk"))
    )
    counts = {row["role"]: row["n"] for row in rows}
    return [(label, counts[code]) for code, label in TeamRole.choices if counts.get(code)]


def plaque_by_code(code: str) -> Studio | None:
    """The studio whose plaque's QR code carries ``code``. Anything that cannot be a code is
    answered without asking the database."""
    code = (code or "").strip().lower()
    if len(code) != VERIFICATION_LENGTH or set(code) - set(VERIFICATION_ALPHABET):
        return None
    return (
        Studio.objects.filter(PUBLISHED, verification_code=code)
        .select_related("application", "school", "county", "call__bureau")
        .first()
    )


def plaque_state(studio: Studio, today: date) -> str:
    """What a plaque says today: "active", "revoked" (撤牌/撤销) or "ended" (the term is over)."""
    if studio.status == StudioStatus.REVOKED:
        return "revoked"
    if studio.status == StudioStatus.ENDED or studio.term_end < today:
        return "ended"
    return "active"


# --- calendar feeds ---------------------------------------------------------------------------

# Longer than any secret we make (43 characters): a longer one is not worth a digest.
MAX_SECRET = 100


def feed_digest(secret: str) -> str:
    """What is stored of a calendar address's secret. A plain SHA-256 suffices: the secret is
    256 random bits, so there is no dictionary to try against a stolen digest."""
    return hashlib.sha256(secret.encode()).hexdigest()


def calendar_feed_owner(secret: str) -> User | None:
    """The active person whose calendar address carries ``secret``, or None (never made,
    replaced by a newer one, revoked, or the account is disabled)."""
    if not secret or len(secret) > MAX_SECRET:
        return None
    feed = (
        CalendarFeed.objects.filter(secret_hash=feed_digest(secret), user__is_active=True)
        .select_related("user")
        .first()
    )
    return feed.user if feed is not None else None
