"""The studios app's forms: they check what was typed; services decide."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation, SchoolStage, User
from accounts.permissions import counties_for
from applications.models import Gender
from core import forms as core_forms
from core.dates import BIRTH
from policies.models import ActivityKind
from policies.rules import school_year_label
from policies.selectors import policies_for
from studios import selectors
from studios.models import (
    Membership,
    OutputKind,
    OutputLevel,
    PlanKind,
    StudioStatus,
    TopicStatus,
)
from studios.services import activities as activity_services
from studios.services import liaison as liaison_services
from studios.services import team

MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d"]


def month_field(label, required: bool = False) -> forms.DateField:
    """A birth month (checked against the BIRTH window)."""
    field = forms.DateField(
        label=label,
        required=required,
        input_formats=MONTH_FORMATS,
        widget=core_forms.MonthInput(),
    )
    field.window = BIRTH
    return field


def day_field(label) -> forms.DateField:
    return forms.DateField(label=label, widget=core_forms.DateInput())


KIND_LABELS = dict(ActivityKind.choices)


class ActivityForm(core_forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    held_on = forms.DateField(label=gettext_lazy("Date"), widget=core_forms.DateInput())
    online = forms.BooleanField(label=gettext_lazy("Held online"), required=False)
    place = forms.CharField(label=gettext_lazy("Place"), max_length=200, required=False)
    served_county = forms.ModelChoiceField(
        label=gettext_lazy("County served (pairing assistance)"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=gettext_lazy("— none —"),
    )
    summary = forms.CharField(
        label=gettext_lazy("Activity summary"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )
    outputs = forms.CharField(
        label=gettext_lazy("Outputs"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, studio, kinds: list[str] | None = None, **kwargs):
        """``kinds``: the kinds this user may log (the assistant's pairing kinds); None: all
        the policy knows."""
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (k, KIND_LABELS[k])
            for k in activity_services.policy_activity_kinds(studio.policy)
            if kinds is None or k in kinds
        ]
        counties = activity_services.serving_counties(studio)
        if counties.exists():
            self.fields["served_county"].queryset = counties
            if studio.paired_county_id:
                self.fields["served_county"].help_text = _(
                    "A pairing-assistance visit serves the studio's paired county (%(county)s) "
                    "unless you choose another."
                ) % {"county": studio.paired_county.name}
        else:
            del self.fields["served_county"]


class ComplianceFilterForm(core_forms.Form):
    policy = forms.ModelChoiceField(
        label=gettext_lazy("Policy"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("All policies"),
    )
    county = forms.ModelChoiceField(
        label=gettext_lazy("County/district"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("All counties"),
    )
    stage = forms.ChoiceField(label=gettext_lazy("School stage"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)

    def __init__(self, data, *, user):
        data = data.copy()
        if "status" not in data:
            data["status"] = StudioStatus.ACTIVE
        super().__init__(data)
        counties = counties_for(user)
        self.fields["policy"].queryset = policies_for(user)
        self.fields["county"].queryset = counties.order_by("city", "code")
        self.fields["stage"].choices = [("", _("All stages")), *SchoolStage.choices]
        self.fields["status"].choices = [("", _("Every status")), *StudioStatus.choices]

    def studios(self, user):
        queryset = selectors.studios_for(user).order_by(
            "policy__city", "policy__code", "plaque_number"
        )
        if not self.is_valid():
            return queryset.filter(status=StudioStatus.ACTIVE)
        data = self.cleaned_data
        if data["policy"]:
            queryset = queryset.filter(policy=data["policy"])
        if data["county"]:
            queryset = queryset.filter(county=data["county"])
        if data["stage"]:
            queryset = queryset.filter(school_stage=data["stage"])
        if data["status"]:
            queryset = queryset.filter(status=data["status"])
        return queryset


class PlanChoiceForm(core_forms.Form):
    """Which plan to edit: the kind and, for yearly and training plans, the school year."""

    kind = forms.ChoiceField(label=gettext_lazy("Plan"), choices=PlanKind.choices)
    school_year = forms.TypedChoiceField(
        label=gettext_lazy("School year"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_year"].choices = [("", "—")] + [
            (year, school_year_label(year)) for year in years
        ]


class PlanForm(PlanChoiceForm):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    text = forms.CharField(label=gettext_lazy("Plan"), widget=forms.Textarea(attrs={"rows": 18}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget = forms.HiddenInput()
        self.fields["school_year"].widget = forms.HiddenInput()
        self.fields["title"].help_text = gettext_lazy("Empty: the plan's usual name.")


class GrowthPlanForm(core_forms.Form):
    studio = forms.TypedChoiceField(label=gettext_lazy("Written in"), coerce=int)
    text = forms.CharField(
        label=gettext_lazy("My growth plan"), widget=forms.Textarea(attrs={"rows": 10})
    )

    def __init__(self, *args, memberships: list[Membership], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["studio"].choices = [(m.studio_id, m.studio.name) for m in memberships]
        if len(memberships) == 1:
            self.fields["studio"].widget = forms.HiddenInput()
            self.fields["studio"].initial = memberships[0].studio_id


class SummaryForm(core_forms.Form):
    semester = forms.ChoiceField(label=gettext_lazy("Semester"))
    summary = forms.CharField(
        label=gettext_lazy("Semester summary"), widget=forms.Textarea(attrs={"rows": 8})
    )
    report_date = forms.DateField(
        label=gettext_lazy("Report-back at my school: date"),
        required=False,
        widget=core_forms.DateInput(),
    )
    report_place = forms.CharField(
        label=gettext_lazy("Report-back at my school: place"), max_length=200, required=False
    )

    def __init__(self, *args, membership: Membership, semesters: list[tuple[int, int, str]], **kw):
        super().__init__(*args, **kw)
        self.membership = membership
        self.fields["semester"].choices = [(f"{y}-{s}", label) for y, s, label in semesters]

    def clean_semester(self) -> tuple[int, int]:
        year, semester = self.cleaned_data["semester"].split("-")
        return int(year), int(semester)


class ReviewForm(core_forms.Form):
    summary = forms.IntegerField(widget=forms.HiddenInput())
    comment = forms.CharField(
        label=gettext_lazy("Your review"), widget=forms.Textarea(attrs={"rows": 3})
    )


class OutputForm(core_forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=OutputKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    authors = forms.CharField(label=gettext_lazy("Authors"), max_length=200, required=False)
    level = forms.ChoiceField(
        label=gettext_lazy("Level"), choices=[("", "—"), *OutputLevel.choices], required=False
    )
    topic_status = forms.ChoiceField(
        label=gettext_lazy("Research topic status"),
        choices=[("", "—"), *TopicStatus.choices],
        required=False,
        help_text=gettext_lazy("For research topics (课题) only."),
    )
    produced_on = forms.DateField(label=gettext_lazy("Date"), widget=core_forms.DateInput())
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    person = forms.TypedChoiceField(
        label=gettext_lazy("Member"), coerce=int, required=False, empty_value=None
    )
    shared = forms.BooleanField(
        label=gettext_lazy("Share with every teacher of the city (资源共享)"), required=False
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        required=False,
        help_text=gettext_lazy("PDF, Word, Excel, JPEG or PNG, at most 20 MB."),
    )

    def __init__(self, *args, host: bool, people: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        if host:
            self.fields["person"].choices = [("", "—"), *people]
        else:  # a member records their own work; sharing is the host's decision
            del self.fields["person"]
            del self.fields["shared"]


class PersonForm(core_forms.Form):
    """Who joins: an account in the studio's city, or just a name, with the form's details."""

    username = forms.CharField(
        label=gettext_lazy("Account (login name)"),
        required=False,
        max_length=150,
        help_text=gettext_lazy("Needed for teachers and for the assistant; optional otherwise."),
    )
    name = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=40)
    gender = forms.ChoiceField(label=gettext_lazy("Gender"), required=False)
    birth_month = month_field(gettext_lazy("Birth month"))
    head_teacher_years = forms.IntegerField(
        label=gettext_lazy("Years as head teacher"), required=False, min_value=0, max_value=60
    )
    work_unit = forms.CharField(label=gettext_lazy("Work unit"), required=False, max_length=120)
    professional_title = forms.CharField(
        label=gettext_lazy("Professional title"), required=False, max_length=60
    )
    post = forms.CharField(label=gettext_lazy("Post"), required=False, max_length=60)
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=30)

    def __init__(self, *args, studio, **kwargs):
        super().__init__(*args, **kwargs)
        self.studio = studio
        self.fields["gender"].choices = [("", "—"), *Gender.choices]

    def clean(self):
        data = super().clean()
        username = (data.get("username") or "").strip()
        data["user"] = None
        if username:
            user = (
                User.objects.filter(
                    username=username,
                    is_active=True,
                    role_assignments__organisation__city_id=self.studio.school.city_id,
                )
                .distinct()
                .first()
            )
            if user is None:
                self.add_error(
                    "username", _("No account “%(name)s” in this city.") % {"name": username}
                )
            data["user"] = user
        elif not (data.get("name") or "").strip():
            self.add_error("name", _("Give a name or an account."))
        return data

    def person(self) -> team.Person:
        data = self.cleaned_data
        return team.Person(
            user=data["user"],
            name=(data.get("name") or "").strip(),
            gender=data.get("gender") or "",
            birth_month=data.get("birth_month"),
            head_teacher_years=data.get("head_teacher_years"),
            work_unit=data.get("work_unit") or "",
            professional_title=data.get("professional_title") or "",
            post=data.get("post") or "",
            phone=data.get("phone") or "",
        )


class MembershipAddForm(PersonForm):
    role = forms.ChoiceField(label=gettext_lazy("Role"))
    start_date = day_field(gettext_lazy("Joined"))
    field_order = ["role", "start_date"]

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles


class MembershipEndForm(core_forms.Form):
    end_date = day_field(gettext_lazy("Last day"))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class MembershipReplaceForm(PersonForm):
    date = day_field(gettext_lazy("The replacement starts on"))
    reason = forms.CharField(label=gettext_lazy("Why the membership ends"), max_length=300)
    field_order = ["date", "reason"]


class RoundOpenForm(core_forms.Form):
    call = forms.TypedChoiceField(label=gettext_lazy("Batch"), coerce=int)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    opens_on = day_field(gettext_lazy("Opens on"))
    closes_on = day_field(gettext_lazy("Closes on"))

    def __init__(self, *args, calls, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = {call.pk: call for call in calls}
        self.fields["call"].choices = [(call.pk, call.title) for call in calls]

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("The round closes before it opens."))
        return data


class SeatRequestForm(core_forms.Form):
    studio = forms.TypedChoiceField(label=gettext_lazy("Studio"), coerce=int)
    school = forms.TypedChoiceField(label=gettext_lazy("Your school"), coerce=int)
    birth_month = month_field(gettext_lazy("Birth month"), required=True)
    head_teacher_years = forms.IntegerField(
        label=gettext_lazy("Years as head teacher"), min_value=0, max_value=60
    )
    professional_title = forms.CharField(
        label=gettext_lazy("Professional title"), required=False, max_length=60
    )
    statement = forms.CharField(
        label=gettext_lazy("Why this studio"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, studios, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.studios = {s.pk: s for s in studios}
        self.schools = {s.pk: s for s in schools}
        self.fields["studio"].choices = [(s.pk, f"{s.name}（{s.school.name}）") for s in studios]
        self.fields["school"].choices = [(s.pk, s.name) for s in schools]


class LiaisonForm(core_forms.Form):
    """One entry of the liaison log (联络记录)."""

    happened_on = forms.DateField(label=gettext_lazy("Date"), widget=core_forms.DateInput())
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("County or school"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=gettext_lazy("— none —"),
    )
    contact = forms.CharField(
        label=gettext_lazy("With whom"),
        max_length=120,
        help_text=gettext_lazy("The person or office, e.g. 柳城县教育局德育股 李老师."),
    )
    subject = forms.CharField(
        label=gettext_lazy("What was discussed"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    follow_up = forms.CharField(
        label=gettext_lazy("Follow-up"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, studio, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = liaison_services.liaison_organisations(studio)


class CommentForm(core_forms.Form):
    """An advisor's (or the host's) comment; what it is about travels in hidden fields."""

    text = forms.CharField(
        label=gettext_lazy("Your comment"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    plan = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    activity = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
