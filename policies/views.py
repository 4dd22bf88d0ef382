"""The rule book in the browser: the policies of the user's cities, one policy's rules, and the
editor in which a municipal bureau sets up and changes its own city's policy."""

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import DetailView, ListView, TemplateView

from accounts.mixins import PermissionRequiredMixin
from accounts.permissions import can

from . import selectors, services
from .application_form import BUILTIN
from .forms import (
    FIELDSETS,
    NO_SOURCE,
    ROW_FORMSETS,
    SOURCE_SUFFIX,
    NewPolicyForm,
    PolicyForm,
    StartForm,
)
from .forms.application_form import DEFINITION_FORMSETS, FormHeadForm, definition_initial
from .models import Policy
from .services import PolicyEdit, PolicyError

ROW_PREFIXES = {
    "team_rules": "team",
    "activity_quotas": "quotas",
    "indicators": "indicators",
    "categories": "categories",
}


class PolicyListView(PermissionRequiredMixin, ListView):
    permission = "policies.browse_policies"
    template_name = "policies/policy_list.html"
    context_object_name = "policies"

    def get_queryset(self):
        return selectors.current_policies_for(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = can(self.request.user, "policies.manage_policies")
        return context


def _shown(policy: Policy, name: str) -> str:
    """One value as the policy page prints it."""
    field = Policy._meta.get_field(name)
    if name == "pairing_counties":
        return "、".join(c.name for c in policy.pairing_counties.all()) or "—"
    if name == "school_stages":
        return "、".join(map(str, policy.get_school_stages_display())) or "—"
    if name == "expenditure_categories":
        categories = policy.expenditure_categories or []
        return "、".join(str(c.get("name", "")) for c in categories if isinstance(c, dict)) or "—"
    value = getattr(policy, name)
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(getattr(policy, f"get_{name}_display")())
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def policy_groups(policy: Policy) -> list[dict]:
    """The policy page's groups: each value with its label and where it comes from."""
    groups = []
    for group in FIELDSETS:
        facts = [
            {
                "label": Policy._meta.get_field(name).verbose_name,
                "value": _shown(policy, name),
                "source": policy.source_of(name),
                "sourced": name not in NO_SOURCE,
            }
            for name in group["fields"]
        ]
        groups.append({**group, "facts": facts})
    return groups


class PolicyDetailView(PermissionRequiredMixin, DetailView):
    permission = "policies.view_policy"
    template_name = "policies/policy_detail.html"
    context_object_name = "policy"

    def lookup(self, user, code):
        return selectors.policy_for(user, code)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        policy = self.object
        versions = selectors.policy_versions(policy)
        context.update(
            groups=policy_groups(policy),
            versions=versions,
            newest=versions[-1],
            uses=selectors.policy_uses(policy),
            can_edit=can(self.request.user, "policies.manage_policy", policy),
        )
        return context


# --- the editor ----------------------------------------------------------------------------


class PolicyEditorMixin:
    template_name = "policies/policy_form.html"

    def build(self, data, edit: PolicyEdit, *, city, instance: Policy, new: bool) -> dict:
        initial = {k: v for k, v in edit.values.items() if k != "expenditure_categories"}
        initial["pairing_counties"] = [c.pk for c in edit.pairing_counties]
        initial.update({k + SOURCE_SUFFIX: v for k, v in edit.sources.items()})
        form_class = NewPolicyForm if new else PolicyForm
        form = form_class(
            data,
            instance=instance,
            initial=initial,
            counties=selectors.county_bureaus_of(city),
        )
        categories = [
            {"code": c.get("code", ""), "name": c.get("name", "")}
            for c in edit.values.get("expenditure_categories") or []
            if isinstance(c, dict)
        ]
        initial_rows = {
            "team_rules": edit.team_rules,
            "activity_quotas": edit.activity_quotas,
            "indicators": edit.indicators,
            "categories": categories,
        }
        rowsets = {
            name: formset(data, initial=initial_rows[name], prefix=ROW_PREFIXES[name])
            for name, formset in ROW_FORMSETS.items()
        }
        return {"form": form, "rowsets": rowsets, "row_problems": {}}

    def context_extra(self) -> dict:
        return {}

    def valid(self, forms: dict) -> bool:
        # Every form is cleaned, so that every message shows at once.
        results = [forms["form"].is_valid()] + [fs.is_valid() for fs in forms["rowsets"].values()]
        return all(results)

    def edit_of(self, forms: dict) -> PolicyEdit:
        form, rowsets = forms["form"], forms["rowsets"]
        values = form.values()
        values["expenditure_categories"] = rowsets["categories"].rows()
        return PolicyEdit(
            values=values,
            sources=form.sources(),
            pairing_counties=list(form.cleaned_data["pairing_counties"]),
            team_rules=rowsets["team_rules"].rows(),
            activity_quotas=rowsets["activity_quotas"].rows(),
            indicators=rowsets["indicators"].rows(),
        )

    def refused(self, forms: dict, exc: PolicyError):
        """Put each of the service's messages beside what it is about."""
        form = forms["form"]
        for key, problems in (exc.problems or {"__all__": [str(exc)]}).items():
            if key in form.fields and key not in form.errors:
                form.add_error(key, problems)
            elif key == "expenditure_categories":
                forms["row_problems"].setdefault("categories", []).extend(problems)
            elif key in ROW_PREFIXES:
                forms["row_problems"].setdefault(key, []).extend(problems)
            else:
                form.add_error(None, problems)
        return self.show(forms, status=200)

    def show(self, forms: dict, status=200, **extra):
        form = forms["form"]
        groups = []
        for group in FIELDSETS:
            fields = [
                {"field": form[name], "source": form.source_field(name)}
                for name in group["fields"]
                if name in form.fields
            ]
            if group["key"] == "funding":
                fields = [f for f in fields if f["field"].name != "expenditure_categories"]
            rows = group.get("rows")
            groups.append(
                {
                    **group,
                    "bound": fields,
                    "rowset": forms["rowsets"].get(rows) if rows else None,
                    "row_problems": forms["row_problems"].get(rows, []),
                    "category_source": form.source_field("expenditure_categories")
                    if group["key"] == "funding"
                    else None,
                }
            )
        has_errors = bool(form.errors) or any(
            fs.is_bound and (fs.errors and any(fs.errors) or fs.non_form_errors())
            for fs in forms["rowsets"].values()
        )
        context = {
            **forms,
            **self.context_extra(),
            "groups": groups,
            "has_errors": has_errors or bool(forms["row_problems"]),
            **extra,
        }
        return self.render_to_response(context, status=status)


class PolicyCreateView(PolicyEditorMixin, PermissionRequiredMixin, TemplateView):
    """新建政策规则: choose a preset or a blank page, then fill in the editor."""

    permission = "policies.manage_policies"

    def start(self, request):
        cities = selectors.administered_cities(request.user)
        presets = [(code, services.preset_data(code)["name"]) for code in services.preset_codes()]
        data = request.GET if "start" in request.GET else None
        if data is not None and "city" not in data and cities.count() == 1:
            data = {**data.dict(), "city": str(cities.get().pk)}
        chooser = StartForm(data, presets=presets, cities=cities, initial={"start": "blank"})
        if data is None or not chooser.is_valid():
            return chooser, None, None
        return chooser, chooser.cleaned_data["start"], chooser.cleaned_data["city"]

    def edit_for(self, start, city) -> PolicyEdit:
        if start == "blank":
            return services.blank_edit()
        return services.preset_as_edit(start, city)

    def get(self, request, *args, **kwargs):
        chooser, start, city = self.start(request)
        if start is None:
            return self.render_to_response(
                {"chooser": chooser, "template_choice": True}, status=200
            )
        self.city, self.start_code = city, start
        forms = self.build(
            None, self.edit_for(start, city), city=city, instance=Policy(city=city), new=True
        )
        return self.show(forms)

    def post(self, request, *args, **kwargs):
        chooser, start, city = self.start(request)
        if start is None:
            messages.error(request, _("Choose where the new policy starts from."))
            return self.render_to_response({"chooser": chooser, "template_choice": True})
        self.city, self.start_code = city, start
        forms = self.build(
            request.POST,
            self.edit_for(start, city),
            city=city,
            instance=Policy(city=city),
            new=True,
        )
        if not self.valid(forms):
            return self.show(forms)
        try:
            policy = services.policy_create(
                actor=request.user,
                city=city,
                code=forms["form"].cleaned_data["code"],
                edit=self.edit_of(forms),
            )
        except PolicyError as exc:
            return self.refused(forms, exc)
        messages.success(request, _("The policy “%(name)s” was created.") % {"name": policy})
        return redirect("policies:policy_detail", policy.code)

    def context_extra(self) -> dict:
        start_name = _("A blank policy")
        if self.start_code != "blank":
            start_name = services.preset_data(self.start_code)["name"]
        return {"new": True, "city": self.city, "start": self.start_code, "start_name": start_name}


class PolicyEditView(PolicyEditorMixin, PermissionRequiredMixin, TemplateView):
    """Edit every rule: in place while nothing uses the policy, else as a new version."""

    permission = "policies.manage_policy"

    def lookup(self, user, code):
        return selectors.policy_for(user, code)

    def superseded(self):
        newest = selectors.newest_version(self.object)
        if newest.pk == self.object.pk:
            return None
        messages.warning(
            self.request,
            _("Version %(old)s has been replaced; you are editing the newest, version %(new)s.")
            % {"old": self.object.version, "new": newest.version},
        )
        return redirect("policies:policy_edit", newest.code)

    def context_extra(self) -> dict:
        return {
            "policy": self.object,
            "uses": selectors.policy_uses(self.object),
            "new": False,
        }

    def get(self, request, *args, **kwargs):
        moved = self.superseded()
        if moved:
            return moved
        policy = self.object
        forms = self.build(
            None, services.policy_as_edit(policy), city=policy.city, instance=policy, new=False
        )
        return self.show(forms)

    def post(self, request, *args, **kwargs):
        moved = self.superseded()
        if moved:
            return moved
        policy = self.object
        # The form works on a copy: the page's object stays as saved for what it shows.
        working = Policy.objects.get(pk=policy.pk)
        forms = self.build(
            request.POST,
            services.policy_as_edit(policy),
            city=policy.city,
            instance=working,
            new=False,
        )
        if not self.valid(forms):
            return self.show(forms)
        try:
            saved = services.policy_save(
                actor=request.user, policy=policy, edit=self.edit_of(forms)
            )
        except PolicyError as exc:
            return self.refused(forms, exc)
        if saved.pk == policy.pk:
            messages.success(request, _("The policy was saved."))
        else:
            messages.success(
                request,
                _(
                    "Calls or studios use version %(old)s, so the changes were saved as "
                    "version %(new)s; what uses version %(old)s keeps it unchanged."
                )
                % {"old": policy.version, "new": saved.version},
            )
        return redirect("policies:policy_detail", saved.code)


DEFINITION_PARTS = [
    ("host_fields", _lazy("The host's fields"), _lazy("Add a field")),
    ("tables", _lazy("Team tables"), _lazy("Add a table")),
    ("sections", _lazy("Text sections"), _lazy("Add a section")),
    ("undertakings", _lazy("Undertakings"), _lazy("Add an undertaking")),
    ("opinions", _lazy("Opinion boxes"), _lazy("Add an opinion box")),
]


class PolicyApplicationFormView(PermissionRequiredMixin, TemplateView):
    """The application form (申报表) as the city prints it: its fields, tables, sections,
    undertakings and opinion boxes; saved under the same version rule as the rules."""

    permission = "policies.manage_policy"
    template_name = "policies/application_form_edit.html"

    def lookup(self, user, code):
        return selectors.policy_for(user, code)

    def build(self, data):
        stored = self.object.application_form or BUILTIN
        initial = definition_initial(stored)
        head = FormHeadForm(
            data,
            initial={
                "title": stored.get("title", BUILTIN["title"]),
                "host_title": stored.get("host_title", BUILTIN["host_title"]),
            },
        )
        parts = {
            name: formset(data, initial=initial[name], prefix=f"form_{name}")
            for name, formset in DEFINITION_FORMSETS.items()
        }
        return head, parts

    def show(self, head, parts, problems=(), status=200):
        context = {
            "policy": self.object,
            "head": head,
            "parts": [
                {"name": name, "title": title, "add_label": add, "rowset": parts[name]}
                for name, title, add in DEFINITION_PARTS
            ],
            "problems": list(problems),
            "uses": selectors.policy_uses(self.object),
            "builtin": not self.object.application_form,
        }
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        newest = selectors.newest_version(self.object)
        if newest.pk != self.object.pk:
            return redirect("policies:policy_form_edit", newest.code)
        return self.show(*self.build(None))

    def post(self, request, *args, **kwargs):
        newest = selectors.newest_version(self.object)
        if newest.pk != self.object.pk:
            messages.warning(
                request, _("This version has already been replaced; edit the newest version.")
            )
            return redirect("policies:policy_form_edit", newest.code)
        head, parts = self.build(request.POST)
        valid = [head.is_valid()] + [p.is_valid() for p in parts.values()]
        if not all(valid):
            return self.show(
                head, parts, [_("The form was not saved: please correct the fields marked below.")]
            )
        definition = {
            "title": head.cleaned_data["title"],
            "host_title": head.cleaned_data["host_title"],
            **{name: formset.items() for name, formset in parts.items()},
        }
        try:
            saved = services.policy_form_save(
                actor=request.user, policy=self.object, definition=definition
            )
        except PolicyError as exc:
            return self.show(head, parts, exc.problems.get("__all__") or [str(exc)])
        if saved.pk == self.object.pk:
            messages.success(request, _("The application form was saved."))
        else:
            messages.success(
                request,
                _(
                    "Calls or studios use version %(old)s, so the changes were saved as "
                    "version %(new)s; what uses version %(old)s keeps it unchanged."
                )
                % {"old": self.object.version, "new": saved.version},
            )
        return redirect("policies:policy_detail", saved.code)
