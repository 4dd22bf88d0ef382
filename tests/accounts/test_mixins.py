"""The permission mixins: a page's rule first, then the rule of what a post does."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.views import View

from accounts.mixins import ActionPermissionMixin
from accounts.models import User
from accounts.permissions import rule

pytestmark = pytest.mark.django_db

ASKED: list[tuple[str, object]] = []


@rule("tests.read_page")
def _read_page(user, obj) -> bool:
    ASKED.append(("tests.read_page", obj))
    return user.username != "outsider"


@rule("tests.do_thing")
def _do_thing(user, obj) -> bool:
    ASKED.append(("tests.do_thing", obj))
    return user.username == "doer"


class Page(ActionPermissionMixin, View):
    permission = "tests.read_page"
    action_permissions = {"thing": "tests.do_thing"}

    def lookup(self, user, **kwargs):
        return "the page"

    def action_object(self, action):
        return f"the {action}"

    def get(self, request):
        return HttpResponse("read")

    def post(self, request):
        return HttpResponse(f"did {request.POST['action']}")


def _call(username: str, method: str = "get", data=None):
    user = User.objects.create_user(username=username)
    request = getattr(RequestFactory(), method)("/page/", data or {})
    request.user = user
    ASKED.clear()
    return Page.as_view()(request)


def test_reading_needs_only_the_page_rule():
    assert _call("reader").content == b"read"
    assert ASKED == [("tests.read_page", "the page")]


def test_an_action_needs_its_own_rule_on_its_own_object():
    assert _call("doer", "post", {"action": "thing"}).content == b"did thing"
    assert ASKED == [("tests.read_page", "the page"), ("tests.do_thing", "the thing")]
    with pytest.raises(PermissionDenied):
        _call("reader", "post", {"action": "thing"})


def test_an_unknown_action_is_a_bad_request_but_only_for_who_may_read_the_page():
    response = _call("doer", "post", {"action": "other"})
    assert response.status_code == 400
    assert "此页面没有这个按钮".encode() in response.content
    with pytest.raises(PermissionDenied):
        _call("outsider", "post", {"action": "other"})
    assert ASKED == [("tests.read_page", "the page")]  # refused before the action is looked at
