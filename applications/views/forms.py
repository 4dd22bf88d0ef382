"""The applicant's side: start, fill, save, attach, submit; and the application page."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.mixins import PermissionRequiredMixin
from accounts.permissions import can
from applications import completeness, form_layout, selectors, services, workflow
from applications.forms import (
    AttachmentForm,
    DocxUploadForm,
    ExtensionForm,
    HostForm,
    OpinionForm,
    TeamFormSet,
    table_prefix,
)
from applications.models import ReviewLevel
from core import clock
from policies.models import TeamRole
from policies.rules import team_rule


def _team_initial(application, table):
    keys = [c.key for c in table.columns]
    return [
        {
            key: getattr(row, key) if c.builtin else (row.extra or {}).get(key, "")
            for key, c in zip(keys, table.columns, strict=True)
        }
        for row in application.team.all()
        if row.role == table.role
    ]


def _max_rows(policy, table) -> int:
    if table.max_rows is not None:
        return table.max_rows
    if table.role == TeamRole.MEMBER:
        high = completeness.member_rows_allowed(policy)[1]
    else:
        rule = team_rule(policy, table.role)
        high = None if rule is None else rule.max_count
    return 50 if high is None else high


class ApplicationStartView(PermissionRequiredMixin, View):
    permission = "applications.view_call"

    def lookup(self, user, pk):
        return selectors.call_for(user, pk)

    def post(self, request, pk):
        try:
            application = services.application_start(actor=request.user, call=self.object)
        except services.ApplicationError as exc:
            messages.error(request, str(exc))
            return redirect("applications:call_detail", pk)
        return redirect("applications:application_edit", application.pk)


class ApplicationEditView(PermissionRequiredMixin, TemplateView):
    """The whole form on one page, as the city's form definition lays it out.
    "Save" keeps a draft; "Submit" saves, then submits."""

    permission = "applications.edit_application"
    template_name = "applications/application_form.html"

    def lookup(self, user, pk):
        return selectors.application_for(user, pk)

    def forms(self, data=None, files=None):
        application = self.object
        policy = application.call.policy
        host = HostForm(data, files, application=application)
        teams = []
        for table in host.definition.tables:
            formset = TeamFormSet(
                data,
                prefix=table_prefix(table.role),
                initial=None if data else _team_initial(application, table),
                table=table,
            )
            formset.max_num = _max_rows(policy, table)
            teams.append(formset)
        return host, teams

    def render_page(self, host, teams, status=200):
        application = self.object
        context = self.get_context_data(
            application=application,
            policy=application.call.policy,
            host_form=host,
            teams=teams,
            attachment_form=AttachmentForm(),
            docx_form=DocxUploadForm(),
            attachments=application.attachments.all(),
            deadline=completeness.deadline_for(application),
            member_limits=completeness.member_rows_allowed(application.call.policy),
        )
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        return self.render_page(*self.forms())

    def post(self, request, *args, **kwargs):
        host, teams = self.forms(request.POST, request.FILES)
        if not (host.is_valid() and all(formset.is_valid() for formset in teams)):
            messages.error(request, _("Some fields could not be read: see the marked fields."))
            return self.render_page(host, teams, status=400)
        custom = {key for key in host.custom_answers() if key != "undertakings"}
        host_data = {k: v for k, v in host.cleaned_data.items() if k != "photo" and k not in custom}
        photo = request.FILES.get("photo")
        rows = {
            formset.table.role: [
                {k: v for k, v in row.items() if k != "DELETE"}
                for row in formset.cleaned_data
                if row and not row.get("DELETE") and any(v for k, v in row.items() if k != "DELETE")
            ]
            for formset in teams
        }
        try:
            application = services.application_save_draft(
                actor=request.user,
                application=self.object,
                host=host_data,
                advisors=rows.get(TeamRole.ADVISOR, []),
                members=rows.get(TeamRole.MEMBER, []),
                others={role: r for role, r in rows.items() if role not in _CORE_ROLES},
                answers=host.custom_answers(),
                photo=photo,
            )
        except services.ApplicationError as exc:
            host.add_error("photo" if photo else None, str(exc))
            return self.render_page(host, teams, status=400)
        if "submit" not in request.POST:
            messages.success(request, _("Draft saved. You can come back and finish it later."))
            return redirect("applications:application_edit", application.pk)
        try:
            workflow.submit(actor=request.user, application=application, today=clock.today())
        except services.ApplicationError as exc:
            self.object = application
            host, teams = self.forms(request.POST, request.FILES)
            host.is_valid(), [formset.is_valid() for formset in teams]
            by_prefix = {formset.prefix: formset for formset in teams}
            for field, problems in exc.problems.items():
                for problem in problems:
                    if field in by_prefix:
                        by_prefix[field]._non_form_errors.append(problem)
                    elif field in host.fields:
                        host.add_error(field, problem)
                    else:
                        host.add_error(None, problem)
            messages.error(
                request, _("Your draft is saved, but it cannot be submitted yet: see below.")
            )
            return self.render_page(host, teams, status=400)
        messages.success(request, _("Submitted. Your school will review it next."))
        return redirect("applications:application_detail", application.pk)


_CORE_ROLES = {TeamRole.ADVISOR, TeamRole.MEMBER}


class ApplicationDetailView(PermissionRequiredMixin, TemplateView):
    permission = "applications.view_application"
    template_name = "applications/application_detail.html"

    def lookup(self, user, pk):
        return selectors.application_for(user, pk)

    def get_context_data(self, **kwargs):
        application, user = self.object, self.request.user
        steps = list(application.review_steps.all())
        current = {s.level: s for s in steps if s.submission_number == application.submission_count}
        can_review = can(user, "applications.review_application", application)
        reveal = can(user, "accounts.view_personal_details", application)
        form = form_layout.definition(application)
        team = list(application.team.all())
        return super().get_context_data(
            application=application,
            policy=application.call.policy,
            # The form as the city's definition lays it out, personal details masked as the
            # reader's permission says.
            form_cells=form_layout.host_cells(application, form, reveal=reveal),
            form_tables=[
                (
                    table,
                    form_layout.table_rows(
                        [r for r in team if r.role == table.role],
                        table,
                        reveal=reveal,
                        blank_rows=0,
                    ),
                )
                for table in form.tables
            ],
            form_sections=[
                (section, "\n".join(form_layout.section_lines(application, section)))
                for section in form.sections
            ],
            form_undertakings=[
                (u.text, form_layout.undertaking_given(application, u.key))
                for u in form.undertakings
            ],
            attachments=application.attachments.all(),
            steps=steps,
            opinions=[(level, current.get(level)) for level in ReviewLevel.values],
            level_labels=dict(ReviewLevel.choices),
            changes=services.changes_since_last_submission(application)
            if application.submission_count > 1
            else [],
            history=selectors.application_history(application, user=user)[:50],
            status_label=selectors.status_for_viewer(application, user),
            can_edit=can(user, "applications.edit_application", application),
            can_review=can_review,
            opinion_form=OpinionForm() if can_review else None,
            can_extend=can(user, "applications.grant_extension", application),
            extension_form=ExtensionForm(),
            deadline=completeness.deadline_for(application),
            **kwargs,
        )


class AttachmentUploadView(PermissionRequiredMixin, View):
    permission = "applications.edit_application"

    def lookup(self, user, pk):
        return selectors.application_for(user, pk)

    def post(self, request, pk):
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, _("Choose a file to attach."))
        else:
            try:
                services.application_attach(
                    actor=request.user,
                    application=self.object,
                    title=form.cleaned_data["title"],
                    upload=form.cleaned_data["file"],
                )
                messages.success(request, _("The file is attached."))
            except services.ApplicationError as exc:
                messages.error(request, str(exc))
        return redirect("applications:application_edit", pk)


class AttachmentDeleteView(PermissionRequiredMixin, View):
    permission = "applications.edit_application"

    def lookup(self, user, pk, **kwargs):
        return selectors.application_for(user, pk)

    def post(self, request, pk, attachment_pk):
        attachment = get_object_or_404(self.object.attachments, pk=attachment_pk)
        try:
            services.application_detach(actor=request.user, attachment=attachment)
            messages.success(request, _("The attachment is removed."))
        except services.ApplicationError as exc:
            messages.error(request, str(exc))
        return redirect("applications:application_edit", pk)
