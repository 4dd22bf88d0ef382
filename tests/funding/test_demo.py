"""The demo money: seeded through the services, twice without change."""

from datetime import date

import pytest
from django.conf import settings

from accounts.models import Role, User
from funding import selectors
from funding.demo import seed_funding
from funding.models import Allocation, Expenditure, ExpenditureStatus, FixedAsset, SpecialAccount
from tests.studios.factories import liuzhou_studio, suizhou_studio

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 20)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_seed_funding_is_idempotent_and_follows_each_policy(demo):
    lz, sz = liuzhou_studio(), suizhou_studio()
    for _ in range(2):
        seed_funding(lz.policy, "lz", TODAY)
        seed_funding(sz.policy, "sz", TODAY)
    for studio, prefix in ((lz, "lz"), (sz, "sz")):
        officer = User.objects.get(username=f"{prefix}_finance")
        assert officer.check_password(settings.MINGSHI_DEMO_PASSWORD)
        assert officer.role_assignments.get().role == Role.FINANCE_OFFICER
        assert SpecialAccount.objects.filter(school=studio.school).count() == 1
        years = list(Allocation.objects.filter(studio=studio).values_list("year", flat=True))
        assert sorted(years) == [2024, 2025, 2026]
        entries = Expenditure.objects.filter(studio=studio)
        assert entries.filter(status=ExpenditureStatus.PENDING).count() == 2
        assert (
            entries.filter(reverses__isnull=False, status=ExpenditureStatus.CONFIRMED).count() == 1
        )
        assert len(set(entries.values_list("category", flat=True))) >= 3
        assert selectors.balance(studio, 2026).remaining > 0
    amounts = set(Allocation.objects.filter(studio=lz).values_list("amount", flat=True))
    assert amounts == {lz.policy.funding_min + (lz.policy.funding_max - lz.policy.funding_min) / 2}
    assert FixedAsset.objects.filter(studio=sz).count() == 2
    assert FixedAsset.objects.filter(studio=sz, disposed_on__isnull=False).count() == 1
    assert not FixedAsset.objects.filter(studio=lz).exists()


def test_the_seeded_pages_render_for_each_reader(
    demo, client, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr("core.clock.today", lambda: TODAY)
    studio = suizhou_studio()
    seed_funding(studio.policy, "sz", TODAY)
    url = f"/studios/{studio.pk}/funding/?year=2025"
    for username in ("sz_finance", "sz_city", studio.host.username):
        client.force_login(User.objects.get(username=username))
        with django_assert_max_num_queries(25):
            page = client.get(url)
        assert page.status_code == 200, username
        text = page.content.decode()
        assert "4,680.00" in text and "15,000.00" in text
    client.force_login(User.objects.get(username="sz_finance"))
    assert client.get("/finance/").context["entries"]
    client.force_login(User.objects.get(username="sz_city"))
    assert client.get("/allocations/?year=2026").status_code == 200
    assert client.get(f"/schools/{studio.school_id}/account/").status_code == 200
