"""The applicant fills their draft from a Word form they already filled in."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from accounts.mixins import PermissionRequiredMixin
from applications import selectors, services, word
from applications.forms import DocxUploadForm

# How many labels a message lists before it says "and N more".
SHOWN = 12


def _listed(items: list[str]) -> str:
    shown = "、".join(items[:SHOWN])
    if len(items) > SHOWN:
        shown += _(" and %(count)d more") % {"count": len(items) - SHOWN}
    return shown


class DocxUploadView(PermissionRequiredMixin, View):
    permission = "applications.edit_application"

    def lookup(self, user, pk):
        return selectors.application_for(user, pk)

    def post(self, request, pk):
        form = DocxUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, _("Choose the Word file (.docx) to read."))
            return redirect("applications:application_edit", pk)
        try:
            report = word.application_prefill_from_docx(
                actor=request.user, application=self.object, upload=form.cleaned_data["file"]
            )
        except services.ApplicationError as exc:
            messages.error(request, str(exc))
            return redirect("applications:application_edit", pk)
        messages.success(
            request,
            _("Read in: %(read)s. Check the form before you submit it.")
            % {"read": _listed(report.read)},
        )
        if report.problems:
            messages.warning(
                request,
                _("Could not be read: %(problems)s")
                % {"problems": "；".join(report.problems[:SHOWN])}
                + (
                    _(" and %(count)d more") % {"count": len(report.problems) - SHOWN}
                    if len(report.problems) > SHOWN
                    else ""
                ),
            )
        return redirect("applications:application_edit", pk)
