"""What stops an application from being submitted, read against its call's policy and form.

Pure reads: each rule comes from the policy (team rules, limits) or the city's form definition
(which fields, tables and sections it asks); messages name the field in the user's language.
"""

from datetime import date

from django.utils.translation import gettext as _

from policies.application_form import definition_for, section_limit
from policies.models import Policy, TeamRole
from policies.rules import age_on, team_rule, text_length

from . import eligibility
from .models import Application, CallStatus


def deadline_for(application: Application) -> date:
    extension = application.extension_until
    closes = application.call.closes_on
    return max(closes, extension) if extension else closes


# Complex by nature: one branch per field of the form the policy asks for.
def application_problems(application: Application, *, today: date) -> dict[str, list[str]]:  # noqa: C901
    """Everything that stops ``application`` from being submitted, by form field.

    Every rule comes from the call's policy; messages name the field in the user's language.
    """
    call = application.call
    policy = call.policy
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if call.status != CallStatus.OPEN or today < call.opens_on:
        add("__all__", _("This call is not open for applications."))
    elif today > deadline_for(application):
        add(
            "__all__",
            _("The deadline (%(date)s) has passed; ask the bureau for an extension.")
            % {"date": deadline_for(application).isoformat()},
        )

    for reason in eligibility.refusals(application, today):
        add("__all__", reason)

    form = definition_for(policy)
    for field in form.host_fields:
        if field.key in ("photo", "paired_county", "party_member"):
            continue
        value = (
            getattr(application, field.key)
            if field.builtin
            else (application.form_data or {}).get(field.key)
        )
        if value in (None, ""):
            add(field.key, _("“%(field)s” is required.") % {"field": field.label})
    if form.has_host_field("party_member") and application.party_member is None:
        add("party_member", _("Say whether you are a party member."))
    if form.has_host_field("photo") and not application.photo:
        add("photo", _("Upload a recent one-inch photo."))
    if application.school_stage not in call.school_stages:
        add("school_stage", _("This call is not for that school stage."))
    _check_sections(application, form, add)
    given = (application.form_data or {}).get("undertakings", {})
    for undertaking in form.undertakings:
        if not given.get(undertaking.key):
            add(
                f"undertaking_{undertaking.key}",
                _("Tick the undertaking to submit: %(text)s") % {"text": undertaking.text},
            )

    host_rule = team_rule(policy, TeamRole.HOST)
    years = application.head_teacher_years
    minimum = host_rule.min_head_teacher_years if host_rule else None
    if minimum and years is not None and years < minimum:
        add(
            "head_teacher_years",
            _("The host needs at least %(years)d years as head teacher.") % {"years": minimum},
        )

    if policy.pairing_required and form.has_host_field("paired_county"):
        paired = application.paired_county
        allowed = {c.pk for c in policy.pairing_counties.all()}
        if paired is None:
            add("paired_county", _("Choose the county your studio will pair with."))
        elif paired.pk not in allowed:
            add("paired_county", _("This county is not one of the policy's pairing counties."))

    team = list(application.team.all())
    for table in form.tables:
        _check_team(policy, team, table, add, today)
    return problems


def _check_sections(application: Application, form, add) -> None:
    """Each text section the form has: filled in (but the existing-studio one, which only
    applies to some), and within its character limit."""
    policy = application.call.policy
    for section in form.sections:
        if section.key == "existing_studio":
            continue
        text = (
            getattr(application, section.key)
            if section.builtin
            else (application.form_data or {}).get(section.key, "")
        ) or ""
        if not text.strip():
            add(section.key, _("“%(field)s” is required.") % {"field": section.title})
            continue
        limit = section_limit(policy, section)
        length = text_length(policy, text)
        if limit and length > limit:
            add(
                section.key,
                _("%(section)s has %(length)d characters; the limit is %(limit)d.")
                % {"section": section.title, "length": length, "limit": limit},
            )


def member_rows_allowed(policy: Policy) -> tuple[int, int | None]:
    """How many members the application names: the host's recruits, not the bureau's seats."""
    rule = team_rule(policy, TeamRole.MEMBER)
    if rule is None:
        return 0, 0
    assigned = policy.members_assigned_by_bureau
    low = max(rule.min_count - assigned, 0)
    high = None if rule.max_count is None else rule.max_count - assigned
    if policy.members_recruited_by_host is not None:
        high = (
            policy.members_recruited_by_host
            if high is None
            else min(high, policy.members_recruited_by_host)
        )
    return low, high


def table_rows_allowed(policy: Policy, table) -> tuple[int, int | None]:
    """How many rows a team table takes: the form's own limits, else the team rule's."""
    if table.role == TeamRole.MEMBER:
        low, high = member_rows_allowed(policy)
    else:
        rule = team_rule(policy, table.role)
        low, high = (0, 0) if rule is None else (rule.min_count, rule.max_count)
    if table.min_rows is not None:
        low = table.min_rows
    if table.max_rows is not None:
        high = table.max_rows
    return low, high


# Complex by nature: one branch per rule of the team the policy sets.
def _check_team(policy, team, table, add, today) -> None:  # noqa: C901
    role = table.role
    field = f"{role}s"
    rows = [row for row in team if row.role == role]
    rule = team_rule(policy, role)
    label = rule.role_label if rule else TeamRole(role).label
    low, high = table_rows_allowed(policy, table)
    count = len(rows)
    if count < low or (high is not None and count > high):
        if high is None:
            limit = _("at least %(low)d") % {"low": low}
        elif low == high:
            limit = str(low)
        else:
            limit = _("%(low)d to %(high)d") % {"low": low, "high": high}
        add(
            field,
            _("The %(role)s table has %(count)d rows; the policy asks for %(limit)s.")
            % {"role": label, "count": count, "limit": limit},
        )
    if rule is None:
        return
    # A requirement is checked only where the form asks for what it needs: a city whose
    # table has no column for the years leaves that check to its reviewers.
    columns = {c.key for c in table.columns}
    for index, row in enumerate(rows, start=1):
        where = _("%(role)s row %(n)d (%(name)s)") % {
            "role": label,
            "n": index,
            "name": row.name or "—",
        }
        if not row.name:
            add(field, _("%(where)s: the name is missing.") % {"where": where})
        if rule.max_age is not None and "birth_month" in columns:
            if row.birth_month is None:
                add(field, _("%(where)s: the birth month is missing.") % {"where": where})
            elif age_on(row.birth_month, today) > rule.max_age:
                add(
                    field,
                    _("%(where)s: must be %(age)d or younger.")
                    % {"where": where, "age": rule.max_age},
                )
        if rule.min_head_teacher_years and "head_teacher_years" in columns:
            if row.head_teacher_years is None:
                add(
                    field,
                    _("%(where)s: the years as head teacher are missing.") % {"where": where},
                )
            elif row.head_teacher_years < rule.min_head_teacher_years:
                add(
                    field,
                    _("%(where)s: needs at least %(years)d years as head teacher.")
                    % {"where": where, "years": rule.min_head_teacher_years},
                )
