"""A studio's outputs (成果) and the city's shared resources."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.mixins import ActionPermissionMixin, PermissionRequiredMixin
from accounts.models import User
from accounts.permissions import can
from core import clock
from core.files import stored_file_response
from core.http import as_id
from core.pagination import paginate
from studios.errors import StudioError
from studios.forms import (
    OutputForm,
)
from studios.models import (
    OutputKind,
    OutputLevel,
)
from studios.services import outputs
from studios.views.mixins import StudioMixin


class StudioOutputsView(StudioMixin, ActionPermissionMixin, TemplateView):
    """The studio's outputs with filters; the host and the members add and change them."""

    permission = "studios.view_studio"
    action_permissions = {"save": "studios.add_output", "delete": "studios.delete_output"}
    template_name = "studios/outputs/studio_outputs.html"

    def action_object(self, action: str):
        if action != "delete":
            return self.object
        output = self.object.outputs.filter(pk=as_id(self.request.POST.get("output")) or 0)
        return get_object_or_404(output)

    def people(self) -> list[tuple[int, str]]:
        seen = {}
        for m in self.object.memberships.filter(user__isnull=False).order_by("role", "name"):
            seen.setdefault(m.user_id, m.name)
        return list(seen.items())

    def output_form(self, *args, **kwargs) -> OutputForm:
        host = can(self.request.user, "studios.manage_studio", self.object)
        return OutputForm(*args, host=host, people=self.people() if host else [], **kwargs)

    def editing(self, pk):
        output = self.object.outputs.select_related("studio").filter(pk=pk).first()
        if output is None or not can(self.request.user, "studios.change_output", output):
            raise Http404
        return output

    def get_context_data(self, form=None, editing=None, **kwargs):
        studio, user, request = self.object, self.request.user, self.request
        kind = request.GET.get("kind", "")
        level = request.GET.get("level", "")
        kind = kind if kind in OutputKind.values else ""
        level = level if level in OutputLevel.values else ""
        page = paginate(request, outputs.studio_outputs(studio, kind=kind, level=level), 25)
        is_host = can(user, "studios.manage_studio", studio)
        can_add = can(user, "studios.add_output", studio)
        for output in page:
            # The same answers as studios.change_output / delete_output, without a query a row.
            output.can_change = is_host or (can_add and output.person_id == user.pk)
            output.can_delete = is_host
        if form is None and can_add:
            edit_pk = as_id(request.GET.get("edit"))
            if edit_pk:
                editing = self.editing(edit_pk)
                form = self.output_form(
                    initial={
                        "kind": editing.kind,
                        "title": editing.title,
                        "authors": editing.authors,
                        "level": editing.level,
                        "topic_status": editing.topic_status,
                        "produced_on": editing.produced_on,
                        "description": editing.description,
                        "person": editing.person_id,
                        "shared": editing.shared,
                    }
                )
            else:
                form = self.output_form(initial={"produced_on": clock.today()})
        querystring = request.GET.copy()
        querystring.pop("page", None)
        querystring.pop("edit", None)
        return super().get_context_data(
            studio=studio,
            page_obj=page,
            outputs=page,
            form=form,
            editing=editing,
            is_host=is_host,
            kinds=OutputKind.choices,
            levels=OutputLevel.choices,
            filters={"kind": kind, "level": level},
            querystring=querystring.urlencode(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        studio = self.object
        if request.POST.get("action") == "delete":
            output = self.action_object("delete")
            try:
                outputs.output_delete(actor=request.user, output=output)
            except StudioError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("“%(title)s” is removed.") % {"title": output.title})
            return redirect("studios:studio_outputs", studio.pk)
        editing = None
        output_pk = as_id(request.POST.get("output"))
        if output_pk:
            editing = self.editing(output_pk)
        form = self.output_form(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            person = None
            if data.get("person"):
                person = User.objects.filter(pk=data["person"]).first()
            try:
                saved = outputs.output_save(
                    actor=request.user,
                    studio=studio,
                    output=editing,
                    kind=data["kind"],
                    title=data["title"],
                    authors=data["authors"],
                    level=data["level"],
                    topic_status=data["topic_status"],
                    produced_on=data["produced_on"],
                    description=data["description"],
                    shared=data.get("shared", False),
                    person=person,
                    upload=data["file"],
                    today=clock.today(),
                )
            except StudioError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("“%(title)s” is saved.") % {"title": saved.title})
                return redirect("studios:studio_outputs", studio.pk)
        context = self.get_context_data(form=form, editing=editing)
        return self.render_to_response(context, status=400)


class OutputFileView(PermissionRequiredMixin, View):
    """An output's file: shared ones for the city's people, the others for the studio's."""

    permission = "studios.download_output"

    def lookup(self, user, pk):
        return outputs.output_for(user, pk)

    def get(self, request, pk):
        output = self.object
        return stored_file_response(output.file, output.original_name or output.title)


class ResourcesView(PermissionRequiredMixin, TemplateView):
    """资源共享: the shared outputs of the studios in the user's city, searchable."""

    permission = "studios.browse_resources"
    template_name = "studios/outputs/resources.html"

    def get_context_data(self, **kwargs):
        request = self.request
        query = request.GET.get("q", "").strip()[:100]
        kind = request.GET.get("kind", "")
        kind = kind if kind in OutputKind.values else ""
        resources = outputs.shared_resources(request.user, query=query, kind=kind)
        page = paginate(request, resources, 25)
        querystring = request.GET.copy()
        querystring.pop("page", None)
        return super().get_context_data(
            page_obj=page,
            resources=page,
            kinds=OutputKind.choices,
            filters={"q": query, "kind": kind},
            querystring=querystring.urlencode(),
            **kwargs,
        )
