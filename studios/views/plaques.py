"""A plaque checked by anyone (no login): by the number printed on it, or through the link its
QR code carries; and the plaque certificate for the host and bureau."""

from django.http import Http404
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from accounts.mixins import PermissionRequiredMixin
from accounts.permissions import can
from core import clock
from core.files import file_download
from studios import selectors
from studios.documents import plaque_certificate_pdf
from studios.models import Studio


class PlaqueVerifyView(TemplateView):
    template_name = "studios/plaque_verify.html"

    def get_context_data(self, **kwargs):
        number = self.request.GET.get("number", "").strip()[:80]
        studio = selectors.plaque_lookup(number) if number else None
        state = selectors.plaque_state(studio, clock.today()) if studio is not None else None
        return super().get_context_data(number=number, studio=studio, state=state, **kwargs)


class PlaqueCheckView(TemplateView):
    """The page a plaque's QR code opens: that one plaque's answer, by its unguessable code
    (an unknown code is a 404 like any address that does not exist)."""

    template_name = "studios/plaque_check.html"

    def get_context_data(self, code, **kwargs):
        studio = selectors.plaque_by_code(code)
        if studio is None:
            raise Http404
        return super().get_context_data(
            studio=studio,
            state=selectors.plaque_state(studio, clock.today()),
            public_page=reverse("studios:studio_public", args=[studio.pk]),
            **kwargs,
        )


class StudioCertificateView(PermissionRequiredMixin, View):
    permission = "studios.view_studio_certificate"

    def lookup(self, user, pk):
        studio = (
            Studio.objects.select_related("application", "school", "policy", "call__bureau")
            .filter(pk=pk)
            .first()
        )
        if studio is None or not can(user, self.permission, studio):
            return None  # outside the user's reach: 404, the id says nothing
        return studio

    def get(self, request, pk):
        studio = self.object
        return file_download(
            plaque_certificate_pdf(studio),
            filename=f"{studio.name}.pdf",
            content_type="application/pdf",
            inline=True,
        )
