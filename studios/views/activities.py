"""Activities with attendance and evidence; a member's own attendance; the bureau's compliance
grid and its export.

The forms live here with the only views that use them; the services (studios.activities)
decide, the views only read the request and show the result.
"""

from datetime import date

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from accounts.mixins import PermissionRequiredMixin
from accounts.permissions import can
from core import clock, spreadsheets
from core.files import file_download, stored_file_response
from core.http import as_ids, redirect_next
from core.pagination import BoundedPaginationMixin, paginate
from policies.models import ActivityKind, QuotaPeriod
from policies.rules import period_containing, school_year_label, school_year_start
from studios import selectors
from studios.compliance import STATE_COLOURS, compliance_grid, group_by_policy
from studios.errors import StudioError
from studios.forms import KIND_LABELS, ActivityForm, ComplianceFilterForm
from studios.models import (
    ActivityEvidence,
    Attendance,
    AttendanceStatus,
    EvidenceKind,
)
from studios.permissions import activity_kinds_for
from studios.services import activities as activity_services
from studios.services import comments as comment_services
from studios.views.comments import comment_form_for

EVIDENCE_SLOTS = 4
# --- the request's attendance table and evidence slots -----------------------------------------


def attendance_candidates(studio, activity=None):
    """Who the attendance table lists: members (of the attending roles) during the term, and
    anyone already recorded for ``activity``."""
    recorded = (
        set(activity.attendance.values_list("membership_id", flat=True)) if activity else set()
    )
    return [
        m
        for m in studio.memberships.select_related("user").order_by("role", "start_date", "pk")
        if m.pk in recorded
        or (
            m.role in activity_services.ATTENDING_ROLES
            and (m.end_date is None or m.end_date >= studio.term_start)
        )
    ]


def attendance_rows(candidates, *, data=None, initial=None):
    """One row per candidate: the status chosen ("" = not recorded) and the reason for leave."""
    rows = []
    for membership in candidates:
        if data is not None:
            status = data.get(f"att-{membership.pk}", "")
            reason = data.get(f"att-{membership.pk}-reason", "")
        elif initial is not None:
            status, reason = initial.get(membership.pk, ("", ""))
        else:
            status = AttendanceStatus.PRESENT if membership.end_date is None else ""
            reason = ""
        rows.append({"membership": membership, "status": status, "reason": reason})
    return rows


def attendance_from(rows) -> dict[int, tuple[str, str]]:
    return {r["membership"].pk: (r["status"], r["reason"]) for r in rows if r["status"]}


def evidence_from(request) -> list[tuple[str, str, object]]:
    uploads = []
    for i in range(EVIDENCE_SLOTS):
        upload = request.FILES.get(f"ev-{i}-file")
        if upload is None:
            continue
        uploads.append(
            (
                request.POST.get(f"ev-{i}-kind", EvidenceKind.OTHER),
                request.POST.get(f"ev-{i}-title", ""),
                upload,
            )
        )
    return uploads


class StudioMixin(PermissionRequiredMixin):
    def lookup(self, user, pk, **kwargs):
        return selectors.studio_for(user, pk)


class ActivityMixin(PermissionRequiredMixin):
    """The studio inside the user's scope, and one of its activities (404 otherwise)."""

    activity = None

    def lookup(self, user, pk, activity_pk, **kwargs):
        studio = selectors.studio_for(user, pk)
        if studio is None:
            return None
        self.activity = (
            studio.activities.select_related("served_county", "created_by")
            .filter(pk=activity_pk)
            .first()
        )
        return studio if self.activity is not None else None


class ActivityFormPage(TemplateView):
    template_name = "studios/activities/form.html"
    activity = None

    def page(self, *, form, rows, error="", status=200, activity=None):
        studio = self.object
        context = self.get_context_data(
            studio=studio,
            activity=activity,
            form=form,
            rows=rows,
            error=error,
            statuses=AttendanceStatus.choices,
            evidence_kinds=EvidenceKind.choices,
            evidence_slots=range(EVIDENCE_SLOTS),
            accepted=", ".join(sorted(activity_services.EVIDENCE_TYPES)),
        )
        return self.render_to_response(context, status=status)

    def save(self, form, rows):
        raise NotImplementedError

    def form(self, *args, **kwargs) -> ActivityForm:
        """The kinds offered are those this user may log (all, or the pairing ones)."""
        kinds = activity_kinds_for(self.request.user, self.object)
        return ActivityForm(*args, studio=self.object, kinds=kinds, **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        rows = attendance_rows(self.candidates(), data=request.POST)
        if not form.is_valid():
            return self.page(form=form, rows=rows, status=400, activity=self.activity)
        data = dict(form.cleaned_data)
        data.setdefault("served_county", None)
        try:
            activity = self.save(data, attendance_from(rows))
        except StudioError as exc:
            return self.page(
                form=form, rows=rows, error=str(exc), status=400, activity=self.activity
            )
        messages.success(request, _("The activity is saved; the members are asked to confirm."))
        return redirect("studios:activity_detail", self.object.pk, activity.pk)


class ActivityCreateView(StudioMixin, ActivityFormPage):
    """The host logs any activity, the assistant the policy's pairing ones."""

    permission = "studios.log_activity"

    def candidates(self):
        return attendance_candidates(self.object)

    def get(self, request, pk):
        form = self.form(initial={"held_on": clock.today()})
        return self.page(form=form, rows=attendance_rows(self.candidates()))

    def save(self, data, attendance):
        return activity_services.activity_log(
            actor=self.request.user,
            studio=self.object,
            attendance=attendance,
            evidence=evidence_from(self.request),
            today=clock.today(),
            **data,
        )


class ActivityEditView(ActivityMixin, ActivityFormPage):
    """The host changes any activity, the assistant a pairing one."""

    permission = "studios.change_activity"

    def permissions_needed(self, request):
        yield self.permission, self.activity

    def candidates(self):
        return attendance_candidates(self.object, self.activity)

    def get(self, request, pk, activity_pk):
        activity = self.activity
        form = self.form(
            initial={
                field: getattr(activity, field)
                for field in ("kind", "title", "held_on", "online", "place", "summary", "outputs")
            }
            | {"served_county": activity.served_county_id},
        )
        initial = {a.membership_id: (a.status, a.leave_reason) for a in activity.attendance.all()}
        rows = attendance_rows(self.candidates(), initial=initial)
        return self.page(form=form, rows=rows, activity=activity)

    def get_context_data(self, **kwargs):
        return super().get_context_data(evidence=self.activity.evidence.all(), **kwargs)

    def save(self, data, attendance):
        remove = as_ids(self.request.POST.getlist("remove_evidence"))
        return activity_services.activity_update(
            actor=self.request.user,
            activity=self.activity,
            attendance=attendance,
            evidence=evidence_from(self.request),
            remove_evidence=remove,
            today=clock.today(),
            **data,
        )


class ActivityListView(StudioMixin, BoundedPaginationMixin, ListView):
    permission = "studios.view_studio"
    template_name = "studios/activities/list.html"
    context_object_name = "activities"
    paginate_by = 20

    def school_years(self) -> list[int]:
        studio, policy = self.object, self.object.policy
        first = school_year_start(policy, studio.term_start).year
        last = school_year_start(
            policy, min(max(clock.today(), studio.term_start), studio.term_end)
        ).year
        return list(range(last, first - 1, -1))

    def get_queryset(self):
        studio = self.object
        queryset = (
            studio.activities.select_related("served_county")
            .annotate(
                n_evidence=Count("evidence", distinct=True),
                n_present=Count(
                    "attendance",
                    filter=Q(attendance__status=AttendanceStatus.PRESENT),
                    distinct=True,
                ),
            )
            .order_by("-held_on", "-pk")
        )  # Meta.ordering is not applied to GROUP BY queries
        self.kind = self.request.GET.get("kind", "")
        if self.kind in ActivityKind.values:
            queryset = queryset.filter(kind=self.kind)
        else:
            self.kind = ""
        year = self.request.GET.get("year", "")
        self.year = int(year) if year.isdigit() and int(year) in self.school_years() else None
        if self.year is not None:
            policy = studio.policy
            first_day = date(
                self.year, policy.school_year_start_month, policy.school_year_start_day
            )
            period = period_containing(policy, QuotaPeriod.SCHOOL_YEAR, first_day)
            queryset = queryset.filter(held_on__range=(period.start, period.end))
        return queryset

    def get_context_data(self, **kwargs):
        studio, user = self.object, self.request.user
        query = self.request.GET.copy()
        query.pop("page", None)
        show_absences = can(user, "studios.view_absences", studio)
        return super().get_context_data(
            studio=studio,
            may_log=can(user, "studios.log_activity", studio),
            kinds=[
                (k, KIND_LABELS[k]) for k in activity_services.policy_activity_kinds(studio.policy)
            ],
            years=[(y, school_year_label(y)) for y in self.school_years()],
            filters={"kind": self.kind, "year": self.year},
            querystring=query.urlencode(),
            absences=activity_services.absences(studio) if show_absences else None,
            absence_limit=studio.policy.absence_limit,
            **kwargs,
        )


class ActivityDetailView(ActivityMixin, TemplateView):
    permission = "studios.view_studio"
    template_name = "studios/activities/detail.html"

    def get_context_data(self, **kwargs):
        studio, activity, user = self.object, self.activity, self.request.user
        return super().get_context_data(
            studio=studio,
            activity=activity,
            attendance=activity.attendance.select_related("membership").order_by(
                "membership__role", "membership__start_date", "membership_id"
            ),
            evidence=activity.evidence.all(),
            may_change=can(user, "studios.change_activity", activity),
            comments=comment_services.comments_on(studio, activity=activity),
            comment_form=comment_form_for(user, studio, activity=activity),
            **kwargs,
        )


class MyAttendanceView(PermissionRequiredMixin, BoundedPaginationMixin, ListView):
    """A member's own attendance in every studio they belong or belonged to."""

    permission = "studios.view_my_attendance"
    template_name = "studios/activities/my_attendance.html"
    context_object_name = "records"
    paginate_by = 25

    def get_queryset(self):
        return (
            Attendance.objects.filter(membership__user=self.request.user)
            .select_related("activity__studio", "membership")
            .order_by("-activity__held_on", "-activity_id")
        )

    def get_context_data(self, **kwargs):
        unconfirmed = Attendance.objects.filter(
            membership__user=self.request.user, confirmed_at__isnull=True
        ).count()
        return super().get_context_data(unconfirmed=unconfirmed, **kwargs)


class AttendanceConfirmView(PermissionRequiredMixin, View):
    permission = "studios.view_attendance_record"
    http_method_names = ["post"]

    def lookup(self, user, pk):
        return (
            Attendance.objects.select_related("membership", "activity__studio")
            .filter(pk=pk, membership__user=user)
            .first()
        )

    def post(self, request, pk):
        try:
            activity_services.attendance_confirm(actor=request.user, attendance=self.object)
            messages.success(request, _("Your attendance is confirmed."))
        except StudioError as exc:
            messages.error(request, str(exc))
        return redirect_next(request, reverse("studios:my_attendance"))


class EvidenceFileView(PermissionRequiredMixin, View):
    permission = "studios.view_evidence"

    def lookup(self, user, pk):
        return (
            ActivityEvidence.objects.select_related("activity__studio__school")
            .filter(pk=pk, activity__studio__in=selectors.studios_for(user).values("pk"))
            .first()
        )

    def get(self, request, pk):
        evidence = self.object
        inline = evidence.kind == EvidenceKind.PHOTO
        return stored_file_response(
            evidence.file, evidence.original_name or evidence.title, inline=inline
        )


# --- the bureau's compliance grid ------------------------------------------------------------


class ComplianceGridView(PermissionRequiredMixin, TemplateView):
    """Every studio in scope × its policy's quotas, red/amber/green, 50 studios a page."""

    permission = "studios.oversee_studios"
    template_name = "studios/compliance_grid.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        user = self.request.user
        form = ComplianceFilterForm(self.request.GET, user=user)
        page = paginate(self.request, form.studios(user), self.paginate_by)
        day = clock.today()
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filter_form=form,
            page_obj=page,
            groups=group_by_policy(compliance_grid(page.object_list, day)),
            today=day,
            querystring=query.urlencode(),
            colours=STATE_COLOURS,
            **kwargs,
        )


XLSX_FILLS = {"green": "C8E6C9", "amber": "FFE0B2", "red": "FFCDD2"}


class ComplianceExportView(PermissionRequiredMixin, View):
    """The filtered grid (every page) as an .xlsx: one sheet per policy, Chinese headers."""

    permission = "studios.oversee_studios"

    def get(self, request):
        user = request.user
        form = ComplianceFilterForm(request.GET, user=user)
        day = clock.today()
        studios = form.studios(user)
        groups = group_by_policy(compliance_grid(studios, day))
        workbook = Workbook(write_only=True)
        fills = {c: PatternFill("solid", fgColor=rgb) for c, rgb in XLSX_FILLS.items()}
        bold = Font(bold=True)
        with translation.override("zh-hans"):
            if not groups:
                sheet = workbook.create_sheet(spreadsheets.sheet_title(_("Quota compliance")))
                sheet.freeze_panes = "A2"
                sheet.append(self.header(sheet, [], bold))
            used = set()
            wrapped = Alignment(wrap_text=True, vertical="top")
            for group in groups:
                title = spreadsheets.sheet_title(group.policy.name)
                while title in used:
                    title = f"{title[:28]}-{len(used)}"
                used.add(title)
                sheet = workbook.create_sheet(title)
                sheet.freeze_panes = "A2"
                sheet.append(self.header(sheet, group.quotas, bold))
                for row in group.rows:
                    studio = row.studio
                    cells = [
                        studio.name,
                        studio.plaque_number,
                        studio.county.name if studio.county else _("Bureau-affiliated"),
                        studio.get_school_stage_display(),
                    ]
                    for state in row.states:
                        cells.append(
                            spreadsheets.cell(
                                sheet,
                                self.cell_text(state),
                                fill=fills[state.colour],
                                alignment=wrapped,
                            )
                        )
                    # Names the hosts and bureaus typed: cleaned, never a formula.
                    sheet.append(spreadsheets.row(sheet, cells))
            filename = _("Quota compliance %(day)s.xlsx") % {"day": day.isoformat()}
        response = file_download(
            filename=filename,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        workbook.save(response)
        return response

    @staticmethod
    def header(sheet, quotas, bold):
        titles = [_("Studio"), _("Plaque number"), _("County/district"), _("School stage")]
        widths = [36, 16, 16, 10]
        for quota in quotas:
            titles.append(quota.name)
            widths.append(24)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        return [spreadsheets.cell(sheet, title, font=bold) for title in titles]

    @staticmethod
    def cell_text(state) -> str:
        text = f"{state.ratio} {state.label}"
        if state.missed:
            labels = "、".join(m.period.label for m in state.missed)
            text += "\n" + _("Missed: %(periods)s") % {"periods": labels}
        return text
