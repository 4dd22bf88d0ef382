"""Onboarding without a developer: an administrator invites the people of their scope by e-mail
or prints one-time codes; the person chooses a password (Django's validators) and logs in; a
"forgot password" link works without telling anyone which addresses have accounts."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import onboarding, selectors, services
from accounts.models import AuditEntry, Invitation, InvitationStatus, Role, User
from accounts.permissions import can

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Qiu-shui-2024-chang"  # passes Django's validators
LINK = re.compile(r"https?://[^/\s]+(/invitation/[^/\s]+/)")
RESET_LINK = re.compile(r"https?://[^/\s]+(/password/reset/[^/\s]+/[^/\s]+/)")


def imported(username: str, school, *, email: str = "", role: Role = Role.TEACHER) -> User:
    """A person as the teachers' import leaves them: no usable password, a role at a school."""
    person = services.user_ensure(
        username=username,
        full_name=f"{username}老师",
        email=email,
        must_change_password=True,
    )
    services.role_assign(actor=None, user=person, role=role, organisation=school)
    return person


def link_in(message) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def verbs(obj) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)
        .order_by("id")
        .values_list("verb", flat=True)
    )


def login(client, username, password):
    client.logout()
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def invite(client, organisation, person):
    return client.post(
        reverse("accounts:organisation_people", args=[organisation.pk]),
        {"action": "invite", "person": person.pk},
    )


@pytest.fixture
def school(demo):
    return demo.org("liucheng-sx")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- by e-mail -------------------------------------------------------------------------------


def test_an_invitation_sets_the_password_and_the_person_logs_in(
    demo, client_for, school, django_capture_on_commit_callbacks
):
    person = imported("t_zhao", school, email="zhao@example.org")
    client = client_for("lz_school")
    page = client.get(reverse("accounts:organisation_people", args=[school.pk]))
    assert page.status_code == 200 and "t_zhao" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, school, person)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["zhao@example.org"]
    assert "密码" in message.subject and "t_zhao" in message.body  # in the person's Chinese
    invitation = Invitation.objects.get(user=person)
    assert invitation.status == InvitationStatus.OPEN and invitation.secret_hash
    path = link_in(message)
    assert path.split("/")[2] not in invitation.secret_hash  # only a hash is kept

    client.logout()
    form = client.get(path)
    assert form.status_code == 200 and "t_zhao" in form.content.decode()
    weak = client.post(path, {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 400  # Django's validators: too common, entirely numeric
    person.refresh_from_db()
    assert not person.has_usable_password()

    done = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == reverse("accounts:home")
    assert client.session[SESSION_KEY] == str(person.pk)
    # Their own password now: the "change the password someone else set" gate stays quiet.
    assert client.get(reverse("accounts:home")).status_code == 200
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD) and not person.must_change_password
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED and invitation.accepted_at
    assert verbs(invitation) == ["accounts.invitation.sent", "accounts.invitation.accepted"]
    sent = AuditEntry.objects.get(verb="accounts.invitation.sent")
    assert sent.actor == demo.user("lz_school") and sent.organisation == school

    assert login(client, "t_zhao", NEW_PASSWORD).status_code == 302
    assert client.session[SESSION_KEY] == str(person.pk)


def test_the_mail_is_in_the_recipients_language(demo, school, django_capture_on_commit_callbacks):
    person = imported("t_en", school, email="en@example.org")
    person.language = "en"
    person.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        onboarding.invitation_send(actor=demo.user("lz_school"), person=person)
    assert "choose your password" in mail.outbox[0].subject
    assert "密码" not in mail.outbox[0].body


def _invited(demo, school, django_capture_on_commit_callbacks, username="t_qian"):
    person = imported(username, school, email=f"{username}@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        onboarding.invitation_send(actor=demo.user("lz_school"), person=person)
    return person, link_in(mail.outbox[-1])


def _set(client, path, password=NEW_PASSWORD):
    return client.post(path, {"new_password1": password, "new_password2": password})


def test_a_link_used_twice_says_so_and_changes_nothing(
    demo, client, school, django_capture_on_commit_callbacks
):
    person, path = _invited(demo, school, django_capture_on_commit_callbacks)
    assert _set(client, path).status_code == 302
    client.logout()
    again = client.get(path)
    assert again.status_code == 200
    assert "已经使用过" in again.content.decode()
    second = _set(client, path, "Another-pass-2024-x")
    assert second.status_code == 400 and "已经使用过" in second.content.decode()
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert SESSION_KEY not in client.session


def test_an_expired_link_says_so_and_changes_nothing(
    demo, client, school, django_capture_on_commit_callbacks
):
    person, path = _invited(demo, school, django_capture_on_commit_callbacks)
    Invitation.objects.filter(user=person).update(expires_at=timezone.now() - timedelta(1))
    page = client.get(path)
    assert page.status_code == 200 and "已过期" in page.content.decode()
    response = _set(client, path)
    assert response.status_code == 400 and "已过期" in response.content.decode()
    person.refresh_from_db()
    assert not person.has_usable_password() and SESSION_KEY not in client.session
    assert Invitation.objects.get(user=person).status == InvitationStatus.OPEN


def test_a_tampered_link_says_so_and_changes_nothing(
    demo, client, school, django_capture_on_commit_callbacks
):
    person, path = _invited(demo, school, django_capture_on_commit_callbacks)
    token = path.split("/")[2]
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x", "长" * 300):
        bad_path = reverse("accounts:invitation_accept", args=[bad])
        page = client.get(bad_path)
        assert page.status_code == 200 and "链接无效" in page.content.decode()
        assert _set(client, bad_path).status_code == 400
    person.refresh_from_db()
    assert not person.has_usable_password()


def test_a_newer_invitation_replaces_the_older_link(
    demo, client, school, django_capture_on_commit_callbacks
):
    person, first = _invited(demo, school, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        onboarding.invitation_send(actor=demo.user("lz_school"), person=person)
    second = link_in(mail.outbox[-1])
    assert "不再有效" in client.get(first).content.decode()
    assert _set(client, second).status_code == 302
    statuses = sorted(Invitation.objects.filter(user=person).values_list("status", flat=True))
    assert statuses == [InvitationStatus.ACCEPTED, InvitationStatus.WITHDRAWN]


def test_the_mail_is_sent_once_even_if_the_task_runs_twice(
    demo, school, django_capture_on_commit_callbacks
):
    person, _path = _invited(demo, school, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(user=person)
    assert onboarding.invitation_mail(invitation_id=invitation.pk) is False
    assert len(mail.outbox) == 1


# --- scope -------------------------------------------------------------------------------------


def test_an_administrator_invites_only_inside_their_scope(
    demo, client_for, school, django_capture_on_commit_callbacks
):
    elsewhere = demo.org("liucheng-zx")  # another school of the same county
    other = imported("t_sun", elsewhere, email="sun@example.org")
    client = client_for("lz_school")
    # The other school's people page is out of reach, and so is its teacher through ours.
    page = client.get(reverse("accounts:organisation_people", args=[elsewhere.pk]))
    assert page.status_code in (403, 404)
    with django_capture_on_commit_callbacks(execute=True):
        assert invite(client, elsewhere, other).status_code in (403, 404)
        response = invite(client, school, other)
    assert response.status_code == 302
    assert not Invitation.objects.filter(user=other).exists() and not mail.outbox
    with pytest.raises(services.AccountsError):
        onboarding.invitation_send(actor=demo.user("lz_school"), person=other)
    # The county bureau and the city reach them; Suizhou's bureau does not.
    assert can(demo.user("lz_county"), "accounts.invite_user", other)
    assert can(demo.user("lz_city"), "accounts.invite_user", other)
    assert not can(demo.user("sz_city"), "accounts.invite_user", other)
    assert not can(demo.user("lz_teacher"), "accounts.invite_user", other)
    assert not can(demo.user("lz_expert"), "accounts.invite_user", other)


def test_a_person_with_a_role_outside_the_scope_is_not_invited_by_the_school(demo, school):
    person = imported("t_both", school, email="both@example.org")
    services.role_assign(actor=None, user=person, role=Role.EXPERT, organisation=demo.org("lzjyj"))
    assert not can(demo.user("lz_school"), "accounts.invite_user", person)
    assert person not in selectors.people_to_onboard(demo.user("lz_school"))
    assert can(demo.user("lz_city"), "accounts.invite_user", person)
    assert person in selectors.people_to_onboard(demo.user("lz_city"))


def test_someone_who_already_has_a_password_is_not_invited(demo, school):
    with pytest.raises(services.AccountsError):
        onboarding.invitation_send(actor=demo.user("lz_school"), person=demo.user("lz_teacher"))
    assert not Invitation.objects.exists()


# --- printed codes -----------------------------------------------------------------------------


def _sheet(client, school, person=None, action="codes"):
    data = {"action": action}
    if person is not None:
        data["person"] = person.pk
    return client.post(reverse("accounts:organisation_people", args=[school.pk]), data)


def _codes(page) -> dict[str, str]:
    html = page.content.decode()
    rows = re.findall(
        r"<td>[^<]*</td><td>([^<]+)</td><td><code data-testid=\"code\">([^<]+)<", html
    )
    return dict(rows)


def test_a_printed_code_works_once(demo, client_for, school):
    without = imported("t_zhou", school)  # no e-mail: the sheet is for them
    with_mail = imported("t_wu", school, email="wu@example.org")
    client = client_for("lz_school")
    page = _sheet(client, school)
    assert page.status_code == 201  # made by this post, shown this once
    codes = _codes(page)
    assert set(codes) == {"t_zhou"}  # everyone waiting without an address, nobody else
    assert reverse("accounts:activate") in page.content.decode()
    code = codes["t_zhou"]
    invitation = Invitation.objects.get(user=without)
    assert code.replace("-", "") not in invitation.secret_hash
    assert not Invitation.objects.filter(user=with_mail).exists()

    client.logout()
    activate = reverse("accounts:activate")
    data = {
        "username": "t_zhou",
        "code": code.lower().replace("-", " "),  # as typed from paper
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    assert client.post(activate, data).status_code == 302
    assert client.session[SESSION_KEY] == str(without.pk)
    without.refresh_from_db()
    assert without.check_password(NEW_PASSWORD) and not without.must_change_password
    assert verbs(invitation) == [
        "accounts.activation_code.issued",
        "accounts.invitation.accepted",
    ]
    client.logout()
    other = "Other-2024-pass-x"
    again = client.post(activate, {**data, "new_password1": other, "new_password2": other})
    assert again.status_code == 400 and "已经使用过" in again.content.decode()
    without.refresh_from_db()
    assert without.check_password(NEW_PASSWORD)


def test_a_code_for_someone_out_of_reach_is_not_made(demo, client_for, school):
    imported("t_lu", school)  # waiting, without e-mail: a bad row id must not print theirs
    other = imported("t_ma", demo.org("liucheng-zx"))
    client = client_for("lz_school")
    for person in (other.pk, -1, "x"):
        response = client.post(
            reverse("accounts:organisation_people", args=[school.pk]),
            {"action": "codes", "person": person},
        )
        assert response.status_code == 302
    assert not Invitation.objects.exists()


def test_wrong_codes_say_nothing_about_the_account_and_block_the_code(
    demo, client, school, settings
):
    person = imported("t_zheng", school)
    lines, _skipped = onboarding.activation_codes_issue(
        actor=demo.user("lz_school"), people=[person]
    )
    right = lines[0].code
    activate = reverse("accounts:activate")
    base = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    unknown = client.post(activate, {**base, "username": "nobody", "code": "ABCD-EFGH"})
    wrong = client.post(activate, {**base, "username": "t_zheng", "code": "ABCD-EFGH"})
    assert unknown.status_code == wrong.status_code == 400
    assert unknown.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()
    for _i in range(settings.MINGSHI_ACTIVATION_CODE_MAX_ATTEMPTS - 1):
        client.post(activate, {**base, "username": "t_zheng", "code": "ABCD-EFGH"})
    blocked = client.post(activate, {**base, "username": "t_zheng", "code": right})
    assert blocked.status_code == 400 and "不再有效" in blocked.content.decode()
    person.refresh_from_db()
    assert not person.has_usable_password()
    assert Invitation.objects.get(user=person).status == InvitationStatus.WITHDRAWN
    assert AuditEntry.objects.filter(verb="accounts.activation_code.blocked").count() == 1


def test_an_expired_code_says_so(demo, client, school):
    person = imported("t_feng", school)
    lines, _ = onboarding.activation_codes_issue(actor=demo.user("lz_school"), people=[person])
    Invitation.objects.filter(user=person).update(expires_at=timezone.now() - timedelta(1))
    response = client.post(
        reverse("accounts:activate"),
        {
            "username": "t_feng",
            "code": lines[0].code,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400 and "已过期" in response.content.decode()


def test_the_code_sheet_as_pdf(demo, client_for, school):
    imported("t_chen", school)
    response = _sheet(client_for("lz_school"), school, action="codes_pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert Invitation.objects.filter(user__username="t_chen").count() == 1


# --- forgot password ---------------------------------------------------------------------------


def test_forgot_password_end_to_end_without_telling_who_has_an_account(demo, client):
    teacher = demo.user("lz_teacher")
    teacher.email = "wei@example.org"
    teacher.save(update_fields=["email"])
    login_page = client.get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:password_reset") in login_page and "忘记密码" in login_page

    known = client.post(reverse("accounts:password_reset"), {"email": "WEI@example.org"})
    unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["wei@example.org"]
    assert "密码" in mail.outbox[0].subject
    path = RESET_LINK.search(mail.outbox[0].body).group(1)

    form = client.get(path, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == reverse("accounts:password_reset_complete")
    assert SESSION_KEY not in client.session  # logged in only through the login page
    teacher.refresh_from_db()
    assert teacher.check_password(NEW_PASSWORD)
    assert "accounts.password.reset" in verbs(teacher)
    used = client.get(path, follow=True)
    assert not used.context["validlink"] and "无效" in used.content.decode()
    assert login(client, "lz_teacher", NEW_PASSWORD).status_code == 302


def test_an_imported_person_with_an_address_can_get_a_first_password_by_reset(demo, client, school):
    imported("t_he", school, email="he@example.org")
    client.post(reverse("accounts:password_reset"), {"email": "he@example.org"})
    assert len(mail.outbox) == 1


def test_reset_respects_the_lockout_and_the_second_factor(demo, client, settings):
    settings.MINGSHI_OTP_REQUIRED = True
    city = demo.user("lz_city")
    city.email = "city@example.org"
    city.save(update_fields=["email"])
    TOTPDevice.objects.create(user=city, name="phone", confirmed=True)
    # A confirmed second factor: after the reset, logging in still asks for it.
    client.post(reverse("accounts:password_reset"), {"email": "city@example.org"})
    path = RESET_LINK.search(mail.outbox[0].body).group(1)
    set_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response = login(client, "lz_city", NEW_PASSWORD)
    assert response.status_code == 302
    home = client.get(reverse("accounts:home"))
    assert home.status_code == 302 and home.url.startswith(reverse("accounts:otp_verify"))
    assert TOTPDevice.objects.filter(user=city, confirmed=True).exists()
    # A locked-out account stays locked after a reset: the lockout is not a reset's to lift.
    client.logout()
    for _i in range(settings.AXES_FAILURE_LIMIT):
        login(client, "lz_city", "wrong-password")
    client.post(reverse("accounts:password_reset"), {"email": "city@example.org"})
    path = RESET_LINK.search(mail.outbox[-1].body).group(1)
    set_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(
        set_url, {"new_password1": "Yet-another-2024-x", "new_password2": "Yet-another-2024-x"}
    )
    assert login(client, "lz_city", "Yet-another-2024-x").status_code == 429


# --- first login -------------------------------------------------------------------------------


def test_invited_staff_still_enrol_their_second_factor(
    demo, client, settings, django_capture_on_commit_callbacks
):
    """The password gate does not fire again (the person chose it); the second-factor gate
    does, for a staff role."""
    settings.MINGSHI_OTP_REQUIRED = True
    school = demo.org("liucheng-zx")
    person = imported("a_new", school, email="admin@example.org", role=Role.SCHOOL_ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        onboarding.invitation_send(actor=demo.user("lz_city"), person=person)
    assert _set(client, link_in(mail.outbox[0])).status_code == 302
    home = client.get(reverse("accounts:home"))
    assert home.status_code == 302 and home.url.startswith(reverse("accounts:otp_verify"))
    setup = client.get(home.url, follow=True)
    assert setup.redirect_chain[-1][0].startswith(reverse("accounts:otp_setup"))
    assert not setup.redirect_chain[-1][0].startswith(reverse("accounts:password_change"))


# --- right after an import ---------------------------------------------------------------------


def test_after_an_import_the_bureau_invites_or_prints_for_the_people_imported(
    demo, client_for, django_capture_on_commit_callbacks
):
    from tests.funding.test_imports import TEACHER_HEADERS, confirm, upload, workbook

    client = client_for("lz_city")
    rows = [
        ["t_li", "李老师", "", "li@example.org", "liucheng-sx"],
        ["t_wang", "王老师", "", "", "lzgz"],
        ["lz_teacher", "韦丽华", "", "", "liucheng-zx"],  # has a password already
    ]
    preview = upload(client, "teachers", workbook(TEACHER_HEADERS, rows))
    done = confirm(client, preview)
    assert done.status_code == 302 and done.url == reverse("accounts:onboarding_batch")
    page = client.get(done.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "t_li" in html and "t_wang" in html and "lz_teacher" not in html
    assert "邀请这些人员" in html and "打印激活码" in html
    with django_capture_on_commit_callbacks(execute=True):
        invited = client.post(done.url, {"action": "invite_all"})
    assert invited.status_code == 302
    assert [m.to for m in mail.outbox] == [["li@example.org"]]
    sheet = client.post(done.url, {"action": "codes"})
    assert set(_codes(sheet)) == {"t_wang"}
