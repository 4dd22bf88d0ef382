"""The liaison log (联络记录): its list with the form for a new entry, and an entry's edit page."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.mixins import ActionPermissionMixin, PermissionRequiredMixin
from accounts.permissions import can
from core import clock
from studios import selectors
from studios.errors import StudioError
from studios.forms import LiaisonForm
from studios.services import liaison as liaison_services

FIELDS = ("happened_on", "organisation", "contact", "subject", "follow_up")


class LiaisonListView(ActionPermissionMixin, TemplateView):
    """Every entry, newest first; the assistant and the host add one from the same page."""

    permission = "studios.view_liaison"
    post_permission = "studios.keep_liaison"
    template_name = "studios/liaison/list.html"

    def lookup(self, user, pk, **kwargs):
        return selectors.studio_for(user, pk)

    def get_context_data(self, form=None, **kwargs):
        studio = self.object
        may_keep = can(self.request.user, "studios.keep_liaison", studio)
        if may_keep and form is None:
            form = LiaisonForm(studio=studio, initial={"happened_on": clock.today()})
        return super().get_context_data(
            studio=studio,
            entries=studio.liaison_entries.select_related("organisation", "created_by"),
            may_keep=may_keep,
            form=form if may_keep else None,
            **kwargs,
        )

    def post(self, request, pk):
        studio = self.object
        form = LiaisonForm(request.POST, studio=studio)
        if form.is_valid():
            try:
                liaison_services.liaison_record(
                    actor=request.user, studio=studio, today=clock.today(), **form.cleaned_data
                )
            except StudioError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The liaison is recorded."))
                return redirect("studios:liaison_list", studio.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LiaisonEditView(PermissionRequiredMixin, TemplateView):
    permission = "studios.keep_liaison"
    template_name = "studios/liaison/edit.html"
    entry = None

    def lookup(self, user, pk, entry_pk, **kwargs):
        studio = selectors.studio_for(user, pk)
        if studio is None:
            return None
        self.entry = studio.liaison_entries.filter(pk=entry_pk).first()
        return studio if self.entry is not None else None

    def get_context_data(self, **kwargs):
        return super().get_context_data(studio=self.object, entry=self.entry, **kwargs)

    def get(self, request, *args, **kwargs):
        entry = self.entry
        initial = {field: getattr(entry, field) for field in FIELDS}
        form = LiaisonForm(studio=self.object, initial=initial)
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = LiaisonForm(request.POST, studio=self.object)
        if form.is_valid():
            try:
                liaison_services.liaison_update(
                    actor=request.user, entry=self.entry, today=clock.today(), **form.cleaned_data
                )
            except StudioError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The liaison entry is saved."))
                return redirect("studios:liaison_list", self.object.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)
