"""Onboarding pages: an administrator invites people (one, all of an organisation, or those
just imported) or prints their activation codes; the invited person sets a password from the
link or the code; anyone may ask for a "forgot password" link.

The person's pages (invitation, activation, password reset) are open to visitors: the secret
in the link or on the sheet is what lets them in. Whatever is wrong with it (used twice,
expired, tampered with) is said in words on the page, with status 400 when a form was sent.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from core.files import file_download
from core.http import as_ids

from . import onboarding, selectors
from .forms import ActivationForm, InvitationPasswordForm, PasswordResetRequestForm
from .mixins import ActionPermissionMixin
from .models import InvitationStatus
from .pdf import render_pdf
from .services import AccountsError

# The people an import just created, kept in the importing administrator's session for the
# page that offers to invite them (an import may hold thousands: too many for a URL or a form).
BATCH_KEY = "_mingshi_onboarding_batch"
# The backend a person is logged in with after setting their password through a link or a code.
BACKEND = "accounts.backends.ModelBackend"


def _logged_in(request, person):
    """Log the person in (a new session: the gates then ask staff for their second factor)."""
    login(request, person, backend=BACKEND)
    messages.success(request, _("Your password is set. Welcome to Mingshi."))
    return redirect("accounts:home")


class InvitationAcceptView(View):
    """The link in an invitation e-mail: choose a password, then you are logged in."""

    template_name = "accounts/onboarding/accept.html"

    def dispatch(self, request, *args, token="", **kwargs):
        self.invitation = onboarding.invitation_for_link(token)
        self.problem = onboarding.invitation_problem(self.invitation)
        return super().dispatch(request, *args, **kwargs)

    def page(self, form, status=200):
        context = {"form": form, "problem": self.problem, "invitation": self.invitation}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        if self.problem:
            return self.page(None)
        return self.page(InvitationPasswordForm(self.invitation.user))

    def post(self, request):
        if self.problem:
            return self.page(None, status=400)
        form = InvitationPasswordForm(self.invitation.user, request.POST)
        if not form.is_valid():
            return self.page(form, status=400)
        try:
            person = onboarding.invitation_accept(
                invitation=self.invitation, password=form.cleaned_data["new_password1"]
            )
        except AccountsError as exc:
            self.problem = str(exc)
            return self.page(None, status=400)
        return _logged_in(request, person)


class ActivationView(View):
    """The page named on a printed sheet: username, activation code, a new password."""

    template_name = "accounts/onboarding/activate.html"

    def get(self, request):
        return render(request, self.template_name, {"form": ActivationForm()})

    def post(self, request):
        form = ActivationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = onboarding.activation_code_redeem(
                    username=data["username"], code=data["code"], password=data["new_password1"]
                )
            except AccountsError as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                form.add_error("new_password2", exc)
            else:
                return _logged_in(request, person)
        return render(request, self.template_name, {"form": form}, status=400)


# --- forgot password: Django's views, our templates and form ---------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def get_extra_email_context(self):
        return {"base_url": settings.MINGSHI_BASE_URL.rstrip("/")}

    def form_valid(self, form):
        self.extra_email_context = self.get_extra_email_context()
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's: the link works once and for PASSWORD_RESET_TIMEOUT. The person is not logged
    in here: they log in as usual, through the lockout and their second factor."""

    form_class = InvitationPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        onboarding.user_password_reset(actor=form.user)
        return response


# --- the administrator's side ----------------------------------------------------------------


def _code_sheet(request, lines, skipped, *, as_pdf: bool, title: str):
    context = {
        "lines": lines,
        "skipped": skipped,
        "title": title,
        "activation_url": onboarding.activation_url(),
        "expires": timezone.localdate() + timedelta(days=settings.MINGSHI_ACTIVATION_CODE_DAYS),
    }
    if as_pdf:
        content = render_pdf("accounts/pdf/activation_codes.html", context)
        return file_download(
            content, filename=_("Activation codes.pdf"), content_type="application/pdf"
        )
    # 201: the codes were made by this post, and the sheet is the one time they are shown
    # (they cannot be shown again: only their hashes are kept).
    return render(request, "accounts/onboarding/code_sheet.html", context, status=201)


def _report(request, outcome: onboarding.BulkOutcome) -> None:
    if outcome.done:
        messages.success(
            request,
            _("Invitations are on their way to %(count)d people.") % {"count": len(outcome.done)},
        )
    elif not outcome.skipped:
        messages.info(request, _("Nobody here is waiting for an invitation."))
    for reason in outcome.skipped[:10]:
        messages.warning(request, reason)
    if len(outcome.skipped) > 10:
        messages.warning(
            request,
            _("… and %(count)d more left out.") % {"count": len(outcome.skipped) - 10},
        )


class OnboardingActions(ActionPermissionMixin, View):
    """What both administrator pages do with a set of people: invite them by e-mail, or print
    a sheet of codes (a page to print, or a PDF). Subclasses say who the people are."""

    permission = "accounts.onboard_people"
    action_permissions = {
        "invite": "accounts.onboard_people",
        "invite_all": "accounts.onboard_people",
        "codes": "accounts.onboard_people",
        "codes_pdf": "accounts.onboard_people",
    }

    def people(self):
        raise NotImplementedError

    def back(self):
        raise NotImplementedError

    def sheet_title(self) -> str:
        return _("Activation codes")

    def post(self, request, **kwargs):
        action = request.POST["action"]
        waiting = selectors.not_yet_activated(self.people())
        chosen = as_ids(request.POST.getlist("person"))
        if action == "invite":
            people = waiting.filter(pk__in=chosen)
            if not chosen or not people.exists():
                messages.error(request, _("This person is not waiting for an invitation."))
                return redirect(self.back())
            _report(request, onboarding.invitations_send(actor=request.user, people=people))
            return redirect(self.back())
        if action == "invite_all":
            people = waiting.exclude(email="")
            _report(request, onboarding.invitations_send(actor=request.user, people=people))
            return redirect(self.back())
        # Codes: the one person of a row's button, or everyone waiting with no e-mail address.
        one = "person" in request.POST
        people = waiting.filter(pk__in=chosen) if one else waiting.filter(email="")
        people = list(people.order_by("full_name", "username"))
        if not people:
            if one:
                messages.error(request, _("This person is not waiting for an activation code."))
            else:
                messages.info(request, _("Nobody here is waiting for an activation code."))
            return redirect(self.back())
        lines, skipped = onboarding.activation_codes_issue(actor=request.user, people=people)
        if lines and action != "codes_pdf":  # shown on the sheet itself
            messages.success(
                request,
                _("%(count)d new activation codes: print them now.") % {"count": len(lines)},
            )
        return _code_sheet(
            request, lines, skipped, as_pdf=action == "codes_pdf", title=self.sheet_title()
        )


def _days() -> dict:
    return {
        "invitation_days": settings.MINGSHI_INVITATION_DAYS,
        "code_days": settings.MINGSHI_ACTIVATION_CODE_DAYS,
    }


def _rows(people):
    """Each person with what the page says about their account."""
    now = timezone.now()
    rows = []
    for person in people:
        usable = [
            i
            for i in person.invitations.all()
            if i.status == InvitationStatus.OPEN and i.expires_at > now
        ]
        rows.append(
            {
                "person": person,
                "activated": person.has_usable_password(),
                "invitation": usable[0] if usable else None,
                "roles": [ra.get_role_display() for ra in person.role_assignments.all()],
            }
        )
    return rows


class OrganisationPeopleView(OnboardingActions):
    """An organisation's people and whether each can log in yet; invite one, or all."""

    template_name = "accounts/onboarding/people.html"

    def lookup(self, user, pk, **kwargs):
        return selectors.organisation_for(user, pk)

    def people(self):
        return selectors.organisation_people(self.request.user, self.object)

    def back(self):
        return self.request.path

    def sheet_title(self) -> str:
        return _("Activation codes · %(organisation)s") % {"organisation": self.object.name}

    def get(self, request, pk):
        rows = _rows(self.people())
        waiting = [row for row in rows if not row["activated"]]
        context = {
            **_days(),
            "organisation": self.object,
            "rows": rows,
            "waiting_with_email": sum(1 for row in waiting if row["person"].email),
            "waiting_without_email": sum(1 for row in waiting if not row["person"].email),
        }
        return render(request, self.template_name, context)


def onboarding_after_import(request, usernames: list[str]) -> HttpResponse | None:
    """After an import of people: keep those of them the administrator may invite and who have
    no password yet, and send the administrator to the page that offers to invite them (None
    when there is nobody to invite)."""
    people = selectors.not_yet_activated(selectors.people_to_onboard(request.user))
    ids = list(people.filter(username__in=usernames).values_list("pk", flat=True))
    if not ids:
        return None
    request.session[BATCH_KEY] = ids
    return redirect("accounts:onboarding_batch")


class OnboardingBatchView(OnboardingActions):
    """The people of the last import who cannot log in yet: invite those with an e-mail
    address, print codes for those without."""

    template_name = "accounts/onboarding/batch.html"

    def people(self):
        ids = self.request.session.get(BATCH_KEY) or []
        return selectors.people_to_onboard(self.request.user).filter(pk__in=ids)

    def back(self):
        return self.request.path

    def sheet_title(self) -> str:
        return _("Activation codes · imported people")

    def get(self, request):
        people = list(
            self.people()
            .prefetch_related("role_assignments", "invitations")
            .order_by("full_name", "username")
        )
        rows = _rows(people)
        waiting = [row for row in rows if not row["activated"]]
        context = {
            **_days(),
            "rows": rows,
            "has_batch": bool(request.session.get(BATCH_KEY)),
            "waiting_with_email": sum(1 for row in waiting if row["person"].email),
            "waiting_without_email": sum(1 for row in waiting if not row["person"].email),
        }
        return render(request, self.template_name, context)
