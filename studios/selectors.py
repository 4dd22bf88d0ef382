"""Reads for studios: the studios a user may open and the public directory."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from accounts.models import User
from accounts.permissions import scope_q

from .models import Membership, Studio
from .permissions import STUDIO_READERS


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
    queryset = Studio.objects.select_related("school", "county", "policy__city").order_by(
        "policy__city", "plaque_number"
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
