"""The second factor: required for staff roles where the setting says so (always in
production), optional for teachers; TOTP set-up with a QR code, recovery codes that work once
each, verification after the password, and an administrator's reset."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEntry, Role, User

from .factories import user_with_role
from .urls import plain_paths

pytestmark = pytest.mark.django_db

OPEN = {
    "/login/",
    "/logout/",
    "/language/",
    "/jsi18n/",
    "/healthz",
    "/healthz/live",
    "/admin/logout/",
}
SECOND_FACTOR_PAGES = (reverse("accounts:otp_verify"), reverse("accounts:otp_setup"))


@pytest.fixture
def otp_on(settings):
    settings.MINGSHI_OTP_REQUIRED = True
    return settings


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    """The code the user's phone shows now (``offset`` steps later for a second one)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{value:0{device.digits}d}"


def after_the_throttle_delay(user) -> None:
    """django-otp refuses any code for a few seconds after a wrong one: move that back."""
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user, throttling_failure_timestamp__isnull=False).update(
            throttling_failure_timestamp=timezone.now() - timedelta(minutes=5)
        )


def enrol(client) -> tuple[TOTPDevice, list[str]]:
    page = client.get(reverse("accounts:otp_setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=page.wsgi_request.user, confirmed=False)
    done = client.post(reverse("accounts:otp_setup"), {"token": code_for(device)})
    assert done.status_code == 200, done.content.decode()[:500]
    return device, done.context["codes"]


def password_login(client, username: str):
    response = client.post(
        reverse("accounts:login"),
        {"username": username, "password": django_settings.MINGSHI_DEMO_PASSWORD},
    )
    assert response.status_code == 302 and SESSION_KEY in client.session
    return response


def test_production_settings_require_the_second_factor_for_staff_roles():
    """Loaded in a process of its own: production settings refuse to start without a secret."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.production';"
        "from django.conf import settings as s;"
        "print(s.MINGSHI_OTP_REQUIRED, sorted(s.MINGSHI_OTP_REQUIRED_ROLES),"
        " s.SESSION_COOKIE_AGE, s.AXES_FAILURE_LIMIT)"
    )
    env = {**os.environ, "DJANGO_SECRET_KEY": "x" * 50, "MINGSHI_OTP_REQUIRED": "0"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.split("[")[0].strip() == "True"  # not even the environment turns it off there
    for role in ("municipal_admin", "ce_officer", "county_reviewer", "school_admin"):
        assert role in out
    assert "finance_officer" in out and "auditor" in out and "'teacher'" not in out


@pytest.mark.parametrize(
    "username", ["lz_city", "lz_ce", "lz_county", "lz_school", "lz_auditor", "admin"]
)
def test_a_staff_account_reaches_nothing_but_enrolment_until_it_has_a_device(
    demo, client, otp_on, username
):
    client.force_login(demo.user(username))
    for path in plain_paths():
        if path in OPEN or path in SECOND_FACTOR_PAGES:
            continue
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(reverse("accounts:otp_verify")), path
    # Verification has nothing to verify yet: it sends on to the set-up.
    response = client.get(reverse("accounts:otp_verify"), {"next": "/inbox/"})
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:otp_setup"))
    assert "next=%2Finbox%2F" in response.url


def test_a_finance_officer_is_held_too(demo, client, otp_on):
    officer = user_with_role(Role.FINANCE_OFFICER, demo.org("liucheng-sx"))
    client.force_login(officer)
    assert client.get(reverse("accounts:home")).url.startswith(reverse("accounts:otp_verify"))


def test_htmx_requests_are_sent_to_verification_by_a_full_redirect(demo, client, otp_on):
    client.force_login(demo.user("lz_city"))
    response = client.get(reverse("accounts:inbox"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("accounts:otp_verify")


def test_enrolment_shows_a_qr_code_and_the_key_and_confirms_with_a_code(demo, client, otp_on):
    city = demo.user("lz_city")
    client.force_login(city)
    page = client.get(reverse("accounts:otp_setup"))
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "<script" not in html.split("<main")[1]
    device = TOTPDevice.objects.get(user=city, confirmed=False)
    assert page.context["secret"].replace(" ", "") in device.config_url
    assert "issuer=Mingshi" in device.config_url
    wrong = client.post(
        reverse("accounts:otp_setup"),
        {"token": "000000" if code_for(device) != "000000" else "111111"},
    )
    assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()
    assert client.get(reverse("accounts:home")).status_code == 302  # still held
    done = client.post(reverse("accounts:otp_setup"), {"token": code_for(device)})
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code in done.content.decode() for code in codes)  # shown, this once
    assert client.get(reverse("accounts:home")).status_code == 200  # verified in this session
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(verb="accounts.otp.enrolled", actor=city).exists()
    # The codes are not shown again anywhere: the security page only counts them.
    overview = client.get(reverse("accounts:security")).content.decode()
    assert not any(code in overview for code in codes) and "10" in overview


def test_after_the_password_a_device_holder_gives_a_code_and_recovery_codes_work_once(
    demo, client, otp_on
):
    client.force_login(demo.user("lz_county"))
    device, codes = enrol(client)
    client.logout()

    password_login(client, "lz_county")
    held = client.get(reverse("accounts:inbox"))
    assert held.url.startswith(reverse("accounts:otp_verify"))
    assert client.get(reverse("accounts:otp_verify")).status_code == 200
    bad = client.post(reverse("accounts:otp_verify"), {"token": "nothing"})
    assert bad.status_code == 400
    # Straight after a wrong code even a right one is refused for a moment (throttling).
    assert client.post(reverse("accounts:otp_verify"), {"token": codes[0]}).status_code == 400
    after_the_throttle_delay(demo.user("lz_county"))
    used = client.post(reverse("accounts:otp_verify"), {"token": codes[0], "next": "/inbox/"})
    assert used.status_code == 302 and used.url == "/inbox/"
    assert client.get(reverse("accounts:inbox")).status_code == 200
    assert StaticToken.objects.filter(device__user__username="lz_county").count() == 9
    client.logout()

    password_login(client, "lz_county")
    again = client.post(reverse("accounts:otp_verify"), {"token": codes[0]})
    assert again.status_code == 400  # each recovery code works once
    after_the_throttle_delay(demo.user("lz_county"))
    assert client.get(reverse("accounts:inbox")).status_code == 302
    assert client.post(reverse("accounts:otp_verify"), {"token": codes[1]}).status_code == 302
    assert client.get(reverse("accounts:inbox")).status_code == 200
    verbs = list(
        AuditEntry.objects.filter(verb__startswith="accounts.otp.").values_list("verb", flat=True)
    )
    assert verbs.count("accounts.otp.recovery_code_used") == 2
    assert verbs.count("accounts.otp.failed") == 3


def test_the_app_code_logs_in(demo, client, otp_on):
    client.force_login(demo.user("lz_auditor"))
    device, _codes = enrol(client)
    client.logout()
    password_login(client, "lz_auditor")
    # The enrolment used this step's code; the phone's next one is accepted (and only once).
    device.refresh_from_db()
    token = code_for(device, offset=1)
    assert client.post(reverse("accounts:otp_verify"), {"token": token}).status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 200
    assert AuditEntry.objects.filter(verb="accounts.otp.verified").count() == 1


def test_new_recovery_codes_replace_the_old_ones(demo, client, otp_on):
    client.force_login(demo.user("lz_school"))
    _device, old = enrol(client)
    response = client.post(reverse("accounts:security"))
    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    tokens = set(
        StaticToken.objects.filter(device__user__username="lz_school").values_list(
            "token", flat=True
        )
    )
    assert tokens == set(new)
    assert AuditEntry.objects.filter(verb="accounts.otp.recovery_codes_regenerated").exists()


def test_a_teacher_may_go_without_and_once_enrolled_is_asked_for_it(demo, client, otp_on):
    teacher = demo.user("lz_teacher")
    client.force_login(teacher)
    assert client.get(reverse("accounts:home")).status_code == 200
    assert "可以启用" in client.get(reverse("accounts:security")).content.decode()
    _device, codes = enrol(client)
    client.logout()
    password_login(client, "lz_teacher")
    assert client.get(reverse("accounts:home")).url.startswith(reverse("accounts:otp_verify"))
    assert client.post(reverse("accounts:otp_verify"), {"token": codes[3]}).status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 200


def test_a_device_cannot_be_replaced_without_giving_the_current_one(demo, client, otp_on):
    client.force_login(demo.user("lz_city"))
    enrol(client)
    client.logout()
    password_login(client, "lz_city")
    response = client.get(reverse("accounts:otp_setup"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:otp_verify"))
    assert TOTPDevice.objects.filter(user__username="lz_city").count() == 1


def test_an_administrator_resets_a_lost_phone_and_it_is_recorded(demo, client, otp_on):
    city = demo.user("lz_city")
    client.force_login(city)
    enrol(client)
    client.logout()
    admin = demo.user("admin")
    client.force_login(admin)
    _device, admin_codes = enrol(client)  # the superuser is held like any staff account
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [city.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=city).exists()
    entry = AuditEntry.objects.get(verb="accounts.otp.reset")
    assert entry.actor == admin and entry.object_id == str(city.pk)
    client.logout()
    password_login(client, "lz_city")
    first = client.get(reverse("accounts:home"))
    assert client.get(first.url).url.startswith(reverse("accounts:otp_setup"))  # sets up a new one


def test_the_admin_shows_no_device_secrets(demo, client_for):
    client = client_for("admin")
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


def test_with_the_setting_off_nobody_is_held(demo, client_for, settings):
    settings.MINGSHI_OTP_REQUIRED = False
    assert client_for("lz_city").get(reverse("accounts:home")).status_code == 200


def test_a_user_without_a_role_is_not_held(db, client, otp_on):
    nobody = User.objects.create_user("nobody", password="x-long-password-1")
    client.force_login(nobody)
    assert client.get(reverse("accounts:security")).status_code == 200
