"""A plaque checked by anyone (no login) and the plaque certificate for the host and bureau."""

from django.views import View
from django.views.generic import TemplateView

from accounts.mixins import PermissionRequiredMixin
from accounts.permissions import can
from core import clock
from core.files import file_download
from studios import selectors
from studios.documents import plaque_certificate_pdf
from studios.models import Studio, StudioStatus


class PlaqueVerifyView(TemplateView):
    template_name = "studios/plaque_verify.html"

    def get_context_data(self, **kwargs):
        number = self.request.GET.get("number", "").strip()[:80]
        studio = selectors.plaque_lookup(number) if number else None
        today = clock.today()
        state = None
        if studio is not None:
            if studio.status == StudioStatus.REVOKED:
                state = "revoked"
            elif studio.status == StudioStatus.ENDED or studio.term_end < today:
                state = "ended"
            else:
                state = "active"
        return super().get_context_data(number=number, studio=studio, state=state, **kwargs)


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
