import pytest

from studios.models import Studio

from .factories import liuzhou_studio, suizhou_studio

pytestmark = pytest.mark.django_db


def test_published_studios_have_a_host_and_member_accounts(demo):
    lz = liuzhou_studio()
    sz = suizhou_studio()
    assert Studio.objects.count() == 2
    assert lz.memberships.filter(role="member").count() == 5
    assert sz.memberships.filter(role="member").count() == 7
    assert not lz.memberships.filter(user__isnull=True).exists()
    assert lz.host.has_perm("studios.manage_studio", lz)
    assert lz.paired_county.name == "柳城县"
