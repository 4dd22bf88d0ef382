"""Single sign-on against a real OpenID Connect provider (tests/sso_provider, started on
loopback by the ``identity_provider`` fixture): the real redirect, the provider's own login
form, the code exchange, the ID token's RS256 signature against the published keys, userinfo.
The browser's part is played by ``requests`` at the provider and the test client at Mingshi;
tests/browser/test_sso.py walks the same way in Chromium."""

import time
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import pytest
import requests
from django.core.exceptions import SuspiciousOperation
from django.urls import reverse

from accounts.models import AuditEntry, ExternalIdentity, Role, RoleAssignment, User
from accounts.sso import ProviderBackend
from tests.accounts.factories import CountyFactory, UserFactory, user_with_role
from tests.conftest import SSO_PASSWORD

pytestmark = pytest.mark.django_db


def sign_in_at_provider(authorize_url: str, username: str, password: str = SSO_PASSWORD) -> str:
    """Play the browser at the provider: its login form, then the authorisation; returns where
    the provider sends the browser back to (Mingshi's callback, with a code and the state)."""
    browser = requests.Session()
    answer = browser.get(authorize_url, allow_redirects=False)
    assert answer.status_code == 302, answer.text[:500]
    login_url = urljoin(authorize_url, answer.headers["Location"])
    form = browser.get(login_url)
    assert form.status_code == 200
    answer = browser.post(
        login_url,
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": browser.cookies["provider_csrftoken"],
            "next": parse_qs(urlsplit(login_url).query)["next"][0],
        },
        allow_redirects=False,
    )
    assert answer.status_code == 302, "the provider refused the login"
    answer = browser.get(urljoin(login_url, answer.headers["Location"]), allow_redirects=False)
    assert answer.status_code == 302, answer.text[:500]
    return answer.headers["Location"]


def start(client, next_url: str = "") -> str:
    answer = client.get(reverse("accounts:sso_start") + (f"?next={next_url}" if next_url else ""))
    assert answer.status_code == 302
    return answer["Location"]


def come_back(client, location: str):
    """Follow the provider's redirect into Mingshi (the test client's host is testserver)."""
    parts = urlsplit(location)
    assert parts.netloc == "testserver" and parts.path == reverse("accounts:sso_callback")
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client, username: str, next_url: str = ""):
    return come_back(client, sign_in_at_provider(start(client, next_url), username))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def logged_in_as(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_the_login_page_offers_single_sign_on_only_when_it_is_set_up(client, settings):
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'data-testid="sso-login"' not in page
    assert client.get(reverse("accounts:sso_start")).status_code == 404
    assert client.get(reverse("accounts:sso_callback")).status_code == 404


def test_a_teacher_signs_in_through_the_provider_and_is_bound_by_sub(client, sso):
    teacher = UserFactory(username="sso_teacher")
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'data-testid="sso-login"' in page and "统一身份认证" in page

    location = start(client, next_url=reverse("accounts:inbox"))
    assert location.startswith(sso.discovery["authorization_endpoint"])
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]

    answer = come_back(client, sign_in_at_provider(location, "sso_teacher"))
    assert answer.status_code == 302 and answer["Location"] == reverse("accounts:inbox")
    assert logged_in_as(client) == teacher
    identity = ExternalIdentity.objects.get(user=teacher)
    assert identity.issuer == sso.issuer and identity.subject and identity.last_login_at
    assert AuditEntry.objects.filter(verb="accounts.sso.linked", object_id=str(teacher.pk)).exists()
    assert AuditEntry.objects.filter(
        verb="accounts.login.succeeded", object_id=str(teacher.pk)
    ).exists()
    assert client.get(reverse("accounts:home")).status_code == 200

    # Renamed in Mingshi afterwards: the binding is by the provider's sub, not the name.
    client.logout()
    User.objects.filter(pk=teacher.pk).update(username="zhang-renamed")
    sign_in(client, "sso_teacher")
    assert logged_in_as(client) == teacher
    assert ExternalIdentity.objects.count() == 1


def test_roles_stay_mingshis_own(client, sso):
    county = CountyFactory()
    reviewer = user_with_role(Role.COUNTY_REVIEWER, county, username="sso_teacher")
    sign_in(client, "sso_teacher")
    assert logged_in_as(client) == reviewer
    assert list(RoleAssignment.objects.filter(user=reviewer).values_list("role", flat=True)) == [
        Role.COUNTY_REVIEWER
    ]
    reviewer.refresh_from_db()
    assert not reviewer.is_staff and not reviewer.is_superuser
    assert not reviewer.groups.exists()


def test_a_provider_account_without_a_mingshi_account_is_refused_clearly(client, sso):
    users_before = User.objects.count()
    answer = sign_in(client, "sso_stranger")
    assert answer.status_code == 302 and answer["Location"] == reverse("accounts:login")
    assert logged_in_as(client) is None
    assert User.objects.count() == users_before
    assert not ExternalIdentity.objects.exists()
    page = client.get(answer["Location"]).content.decode()
    assert "没有名师系统账号" in page and "sso_stranger" in page


def test_a_switched_off_account_is_refused(client, sso):
    UserFactory(username="sso_teacher", is_active=False)
    answer = sign_in(client, "sso_teacher")
    assert logged_in_as(client) is None
    assert "没有名师系统账号" in " ".join(messages_of(answer))

    # Bound while active, switched off later: refused by the binding too.
    person = User.objects.get(username="sso_teacher")
    User.objects.filter(pk=person.pk).update(is_active=True)
    sign_in(client, "sso_teacher")
    client.logout()
    User.objects.filter(pk=person.pk).update(is_active=False)
    answer = sign_in(client, "sso_teacher")
    assert logged_in_as(client) is None
    assert "已停用" in " ".join(messages_of(answer))


def test_an_account_bound_to_another_provider_account_is_not_taken_over(client, sso):
    teacher = UserFactory(username="sso_teacher")
    ExternalIdentity.objects.create(user=teacher, issuer=sso.issuer, subject="somebody-else")
    answer = sign_in(client, "sso_teacher")
    assert logged_in_as(client) is None
    assert "已关联另一个" in " ".join(messages_of(answer))
    assert ExternalIdentity.objects.get(user=teacher).subject == "somebody-else"


def test_a_callback_works_once(client, sso):
    UserFactory(username="sso_teacher")
    location = sign_in_at_provider(start(client), "sso_teacher")
    assert come_back(client, location).status_code == 302
    client.logout()
    answer = come_back(client, location)
    assert answer["Location"] == reverse("accounts:login")
    assert logged_in_as(client) is None
    assert "已失效或已使用" in " ".join(messages_of(answer))


@pytest.mark.parametrize(
    "query",
    [
        "",
        "code=x",
        "state=unknown",
        "code=x&state=unknown",
        "code=%00&state=%00",
        "error=access_denied&state=unknown",
        "error=access_denied&error_description=%E2%80%AE",
        "code=" + "x" * 5000 + "&state=" + "y" * 5000,
    ],
)
def test_hostile_callbacks_end_on_the_login_page(client, sso, query):
    answer = client.get(f"{reverse('accounts:sso_callback')}?{query}")
    assert answer.status_code in (302, 400)
    if answer.status_code == 302:
        assert answer["Location"] == reverse("accounts:login")
        assert messages_of(answer)
    assert logged_in_as(client) is None


def test_a_tampered_state_is_refused(client, sso):
    UserFactory(username="sso_teacher")
    location = sign_in_at_provider(start(client), "sso_teacher")
    forged = location.replace("state=", "state=forged")
    answer = come_back(client, forged)
    assert logged_in_as(client) is None
    assert answer["Location"] == reverse("accounts:login")


def test_a_token_from_an_issuer_mingshi_does_not_trust_is_refused(client, sso, settings):
    UserFactory(username="sso_teacher")
    location = sign_in_at_provider(start(client), "sso_teacher")
    settings.MINGSHI_OIDC_ISSUER = "https://another-platform.example/o"
    answer = come_back(client, location)
    assert logged_in_as(client) is None
    assert "无法核验" in " ".join(messages_of(answer))


def signed_by_the_provider(sso, **claims) -> str:
    """An ID token signed with the provider's own key, as its published keys name it."""
    published = requests.get(sso.discovery["jwks_uri"], timeout=5).json()["keys"][0]
    now = int(time.time())
    payload = {"iss": sso.issuer, "aud": sso.client_id, "sub": "1", "iat": now, "exp": now + 60}
    return jwt.encode(
        {**payload, **claims},
        sso.key_file.read_bytes(),
        algorithm="RS256",
        headers={"kid": published["kid"]},
    )


def test_only_the_providers_tokens_for_mingshi_pass(sso):
    backend = ProviderBackend()
    assert backend.verify_token(signed_by_the_provider(sso, nonce="n"), nonce="n")["sub"] == "1"
    for forged in (
        {"aud": "another-client"},
        {"aud": ["another-client", "and-another"]},
        {"iss": "https://another-platform.example/o"},
    ):
        with pytest.raises(SuspiciousOperation):
            backend.verify_token(signed_by_the_provider(sso, nonce="n", **forged), nonce="n")
    with pytest.raises(SuspiciousOperation):  # another login's nonce: a replayed token
        backend.verify_token(signed_by_the_provider(sso, nonce="old"), nonce="n")
    with pytest.raises(jwt.ExpiredSignatureError):
        backend.verify_token(signed_by_the_provider(sso, nonce="n", exp=1), nonce="n")


def test_an_unreachable_provider_is_a_message_not_an_error(client, sso, settings):
    UserFactory(username="sso_teacher")
    location = sign_in_at_provider(start(client), "sso_teacher")
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/o/token/"  # discard port: refused
    answer = come_back(client, location)
    assert answer.status_code == 302 and answer["Location"] == reverse("accounts:login")
    assert logged_in_as(client) is None
    assert "无法核验" in " ".join(messages_of(answer))


def test_an_unsafe_next_is_dropped(client, sso):
    UserFactory(username="sso_teacher")
    answer = sign_in(client, "sso_teacher", next_url="https://evil.example/")
    assert answer["Location"] == reverse("accounts:home")


class TestSecondFactor:
    """Staff must give a second factor (MINGSHI_OTP_REQUIRED); the provider's word counts only
    when the bureau says which of its claims do."""

    @pytest.fixture
    def staff(self, settings):
        settings.MINGSHI_OTP_REQUIRED = True
        county = CountyFactory()
        return {
            name: user_with_role(Role.COUNTY_REVIEWER, county, username=name)
            for name in ("sso_staff", "sso_staff_pwd")
        }

    def test_without_the_setting_staff_still_give_mingshis_own(self, client, sso, staff):
        sign_in(client, "sso_staff")
        assert logged_in_as(client) == staff["sso_staff"]
        answer = client.get(reverse("accounts:home"))
        assert answer.status_code == 302
        assert answer["Location"].startswith(reverse("accounts:otp_verify"))

    def test_a_trusted_assertion_skips_it(self, client, sso, staff, settings):
        settings.MINGSHI_OIDC_SECOND_FACTOR_CLAIMS = ["amr:mfa"]
        sign_in(client, "sso_staff")
        assert client.get(reverse("accounts:home")).status_code == 200
        assert AuditEntry.objects.filter(
            verb="accounts.sso.second_factor_by_provider",
            object_id=str(staff["sso_staff"].pk),
        ).exists()

    def test_a_password_only_sign_in_does_not(self, client, sso, staff, settings):
        settings.MINGSHI_OIDC_SECOND_FACTOR_CLAIMS = ["amr:mfa"]
        sign_in(client, "sso_staff_pwd")
        assert logged_in_as(client) == staff["sso_staff_pwd"]
        answer = client.get(reverse("accounts:home"))
        assert answer["Location"].startswith(reverse("accounts:otp_verify"))


def test_password_login_still_works_beside_it(client, sso):
    UserFactory(username="sso_teacher")
    answer = client.post(
        reverse("accounts:login"), {"username": "sso_teacher", "password": "pw-for-tests"}
    )
    assert answer.status_code == 302
    assert logged_in_as(client).username == "sso_teacher"


def test_an_administrator_removes_a_wrong_binding_on_record(client, sso, admin_user):
    teacher = UserFactory(username="sso_teacher")
    sign_in(client, "sso_teacher")
    identity = ExternalIdentity.objects.get(user=teacher)
    client.force_login(admin_user)
    url = reverse("admin:accounts_externalidentity_delete", args=[identity.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not ExternalIdentity.objects.exists()
    assert AuditEntry.objects.filter(
        verb="accounts.sso.unlinked", object_id=str(teacher.pk)
    ).exists()
