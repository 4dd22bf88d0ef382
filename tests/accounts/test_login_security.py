"""Logging in as a bureau's IT office expects: lockout after repeated failures (per account and
per address), idle and absolute session limits, an imposed password changed first, and every
security event in the audit trail."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from accounts import security, services
from accounts.models import AuditEntry, User
from core.http import client_ip

pytestmark = pytest.mark.django_db

WRONG = "not-the-password"
# Documentation addresses (RFC 5737): only ever a REMOTE_ADDR value in the test client.
HOME_ADDRESS, OTHER_ADDRESS = "192.0.2.10", "192.0.2.20"


def attempt(client, username, password, address=HOME_ADDRESS):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def verbs(user, prefix="accounts."):
    return list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User),
            object_id=str(user.pk),
            verb__startswith=prefix,
        )
        .order_by("created_at", "id")
        .values_list("verb", flat=True)
    )


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(demo, client, settings):
    city = demo.user("lz_city")
    for _ in range(4):
        response = attempt(client, "lz_city", WRONG)
        assert response.status_code == 200  # the form again, with Django's message
    locked = attempt(client, "lz_city", WRONG)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "30" in page and "锁定" in page  # says that it is locked, and for how long
    # The right password no longer works, from this address or any other.
    for address in (HOME_ADDRESS, OTHER_ADDRESS):
        refused = attempt(client, "lz_city", settings.MINGSHI_DEMO_PASSWORD, address)
        assert refused.status_code == 429 and not logged_in(client)
    trail = verbs(city, "accounts.login")
    assert (
        trail
        == ["accounts.login.failed"] * 5
        + ["accounts.login.locked_out"]
        + ["accounts.login.refused"] * 2
    )
    entry = AuditEntry.objects.filter(verb="accounts.login.locked_out").get()
    assert entry.organisation == demo.org("lzjyj")  # the city's auditors read it
    assert HOME_ADDRESS in entry.comment


def test_a_name_or_password_longer_than_any_account_is_refused_not_a_500(demo, client):
    """The fuzz logged in with a 10,001-character name: Django's login form does not enforce
    its length limit, and the lockout's counter could not store the name (500)."""
    for username, password in (("长" * 10001, WRONG), ("lz_city", "x" * 10001)):
        response = attempt(client, username, password)
        assert response.status_code == 200 and not logged_in(client)
        assert "请输入一个正确的" in response.content.decode()  # Django's invalid-login message
    assert not AccessAttempt.objects.exists()


def test_an_administrator_unlocks_the_account_and_it_is_recorded(demo, client, settings):
    for _ in range(5):
        attempt(client, "lz_county", WRONG)
    assert attempt(client, "lz_county", settings.MINGSHI_DEMO_PASSWORD).status_code == 429
    admin = demo.user("admin")
    client.force_login(admin)
    changelist = reverse("admin:accounts_user_changelist")
    response = client.post(
        changelist,
        {"action": "unlock_login", "_selected_action": [demo.user("lz_county").pk]},
    )
    assert response.status_code == 302
    client.logout()
    assert attempt(client, "lz_county", settings.MINGSHI_DEMO_PASSWORD).status_code == 302
    assert logged_in(client)
    unlocked = AuditEntry.objects.get(verb="accounts.login.unlocked")
    assert unlocked.actor == admin and unlocked.object_id == str(demo.user("lz_county").pk)


def test_the_lock_lifts_after_the_cooling_period(demo, client, settings):
    for _ in range(5):
        attempt(client, "lz_school", WRONG)
    assert attempt(client, "lz_school", settings.MINGSHI_DEMO_PASSWORD).status_code == 429
    # The counters' clock, moved back past the cooling period.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    )
    assert attempt(client, "lz_school", settings.MINGSHI_DEMO_PASSWORD).status_code == 302


def test_five_failures_from_one_address_lock_that_address_for_every_account(demo, client, settings):
    for username in ("lz_teacher", "lz_school", "lz_county", "lz_ce", "no_such_user"):
        attempt(client, username, WRONG)
    # A sixth account, never tried, with its right password: refused from that address...
    assert attempt(client, "lz_expert", settings.MINGSHI_DEMO_PASSWORD).status_code == 429
    assert not logged_in(client)
    # ...and accepted from another one.
    ok = attempt(client, "lz_expert", settings.MINGSHI_DEMO_PASSWORD, OTHER_ADDRESS)
    assert ok.status_code == 302 and logged_in(client)
    # The unknown name is on record too, against the failure counter.
    assert AuditEntry.objects.filter(
        verb="accounts.login.failed", comment__contains="no_such_user"
    ).exists()
    # Unlocking the address lets everyone in again.
    services.user_login_unlock(actor=demo.user("admin"), ip_address=HOME_ADDRESS)
    client.logout()
    assert attempt(client, "lz_teacher", settings.MINGSHI_DEMO_PASSWORD).status_code == 302


def test_login_and_logout_are_recorded_with_the_address(demo, client, settings):
    teacher = demo.user("lz_teacher")
    assert attempt(client, "lz_teacher", settings.MINGSHI_DEMO_PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"), REMOTE_ADDR=HOME_ADDRESS)
    assert verbs(teacher) == ["accounts.login.succeeded", "accounts.logout"]
    entry = AuditEntry.objects.get(verb="accounts.login.succeeded", object_id=str(teacher.pk))
    assert entry.actor == teacher and HOME_ADDRESS in entry.comment
    assert entry.organisation == demo.org("liucheng-sx")


def test_the_lockout_entry_is_read_by_the_right_auditors_only(demo, client, client_for):
    for _ in range(5):
        attempt(client, "lz_teacher", WRONG)
    # The county auditor of the teacher's county and the city auditor see it; the other
    # city's auditor does not.
    for username, sees in (
        ("lz_auditor_liucheng", True),
        ("lz_auditor", True),
        ("sz_auditor", False),
    ):
        page = client_for(username).get(
            reverse("accounts:audit_trail"), {"verb": "accounts.login.locked_out"}
        )
        assert (demo.user("lz_teacher").full_name in page.content.decode()) is sees, username


def test_proxy_address_is_the_one_the_proxy_appended(settings, rf):
    settings.MINGSHI_TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 192.0.2.33", REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == "192.0.2.33"  # the left one was written by the client
    settings.MINGSHI_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "127.0.0.1"


# --- sessions ------------------------------------------------------------------------------


def age_session(client, *, idle=timedelta(0), since_login=timedelta(0)):
    session = client.session
    now = timezone.now().timestamp()
    session[security.LAST_ACTIVITY_KEY] = int(now - idle.total_seconds())
    session[security.LOGIN_AT_KEY] = int(now - since_login.total_seconds())
    session.save()


def test_staff_are_logged_out_after_thirty_idle_minutes(demo, client_for, settings):
    assert settings.MINGSHI_IDLE_TIMEOUT_MINUTES == 30
    client = client_for("lz_county")
    age_session(client, idle=timedelta(minutes=29), since_login=timedelta(minutes=29))
    assert client.get(reverse("accounts:home")).status_code == 200
    age_session(client, idle=timedelta(minutes=31), since_login=timedelta(minutes=40))
    response = client.get(reverse("accounts:inbox"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert not logged_in(client)
    login_page = client.get(response.url).content.decode()
    assert "30 分钟" in login_page  # says why
    assert "accounts.session.expired" in verbs(demo.user("lz_county"))


def test_teachers_keep_their_session_when_idle_but_not_past_the_working_day(
    demo, client_for, settings
):
    client = client_for("lz_teacher")
    age_session(client, idle=timedelta(hours=2), since_login=timedelta(hours=2))
    assert client.get(reverse("accounts:home")).status_code == 200
    assert settings.SESSION_COOKIE_AGE <= 10 * 3600  # a working day, not two weeks
    age_session(client, idle=timedelta(minutes=1), since_login=timedelta(hours=10))
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302 and not logged_in(client)


def test_the_idle_limit_is_a_setting(demo, client_for, settings):
    settings.MINGSHI_IDLE_TIMEOUT_MINUTES = 5
    client = client_for("lz_auditor")  # the limit is fixed at login
    age_session(client, idle=timedelta(minutes=6), since_login=timedelta(minutes=6))
    assert client.get(reverse("accounts:home")).status_code == 302


def test_activity_is_written_at_most_once_a_minute(demo, client_for):
    client = client_for("lz_city")
    age_session(client, idle=timedelta(seconds=10))
    before = client.session[security.LAST_ACTIVITY_KEY]
    client.get(reverse("accounts:inbox"))
    assert client.session[security.LAST_ACTIVITY_KEY] == before
    age_session(client, idle=timedelta(minutes=2))
    client.get(reverse("accounts:inbox"))
    assert client.session[security.LAST_ACTIVITY_KEY] > before


# --- an imposed password is changed first --------------------------------------------------


def test_imported_teachers_must_change_their_password(demo):
    from tablib import Dataset

    from accounts.imports import ROW_NUMBER, import_run
    from accounts.models import Organisation, OrganisationKind

    dataset = Dataset(headers=["用户名", "姓名", "手机号", "电子邮箱", "学校代码", ROW_NUMBER])
    dataset.append(["t_imported", "导入老师", "", "t@example.org", "liucheng-sx", 2])
    dataset.append(["lz_teacher", "韦丽华", "", "", "liucheng-zx", 3])  # an existing account
    bureau = Organisation.objects.get(city__code="liuzhou", kind=OrganisationKind.MUNICIPAL_BUREAU)
    outcome = import_run(
        actor=demo.user("lz_city"), bureau=bureau, kind="teachers", dataset=dataset, dry_run=False
    )
    assert outcome.saved, outcome.errors
    assert User.objects.get(username="t_imported").must_change_password
    assert not User.objects.get(username="lz_teacher").must_change_password  # left as it was


def test_an_imposed_password_is_changed_before_anything_else(demo, client):
    user = services.user_ensure(
        username="t_new", full_name="新老师", password="first-pass-2024", must_change_password=True
    )
    services.role_assign(
        actor=None, user=user, role="teacher", organisation=demo.org("liucheng-sx")
    )
    response = attempt(client, "t_new", "first-pass-2024")
    assert response.status_code == 302
    for name in ("accounts:home", "accounts:inbox", "accounts:preferences"):
        gated = client.get(reverse(name))
        assert gated.status_code == 302 and gated.url.startswith(
            reverse("accounts:password_change")
        )
    page = client.get(reverse("accounts:password_change"))
    assert page.status_code == 200 and "自行设置" in page.content.decode()
    changed = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "first-pass-2024",
            "new_password1": "my-own-secret-77",
            "new_password2": "my-own-secret-77",
        },
    )
    assert changed.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("my-own-secret-77")
    assert (
        client.get(reverse("accounts:home")).status_code == 200
    )  # still logged in, and free to go
    assert "accounts.password.changed" in verbs(user)


def test_demo_users_have_no_imposed_password(demo):
    assert not User.objects.filter(must_change_password=True).exists()


def test_a_password_an_administrator_types_must_be_changed(demo, client_for):
    teacher = demo.user("lz_teacher")
    client = client_for("admin")
    response = client.post(
        reverse("admin:auth_user_password_change", args=[teacher.pk]),
        {"password1": "set-by-admin-2024", "password2": "set-by-admin-2024"},
    )
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.check_password("set-by-admin-2024") and teacher.must_change_password


# --- downloads ----------------------------------------------------------------------------


def test_every_export_download_is_recorded(demo, client_for):
    client = client_for("lz_city")
    response = client.get("/compliance/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    entry = AuditEntry.objects.get(verb="accounts.export.downloaded")
    assert entry.actor == demo.user("lz_city") and "/compliance/export.xlsx" in entry.comment
    assert entry.organisation == demo.org("lzjyj")
    # Pages are not downloads.
    client.get(reverse("accounts:home"))
    assert AuditEntry.objects.filter(verb="accounts.export.downloaded").count() == 1
