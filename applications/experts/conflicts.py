"""Conflicts of interest: an expert's own school, county and declared conflicts."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts.models import RoleAssignment, User

from ..models import (
    Application,
    ExpertConflict,
)


@dataclass
class ConflictProfile:
    """What an expert's data says about their ties: their roles and their declared conflicts."""

    roles: list[RoleAssignment] = field(default_factory=list)
    declared: list[ExpertConflict] = field(default_factory=list)

    def reasons(self, application: Application) -> list[str]:
        """Why this expert may not score ``application`` (empty: no conflict).

        ``application.school`` and ``application.county`` should be loaded (select_related).
        """
        found: list[str] = []
        county_id = application.county_id
        for ra in self.roles:
            org = ra.organisation
            role = ra.get_role_display()
            if org.pk == application.school_id:
                found.append(
                    _("%(role)s at the applicant's school, %(school)s.")
                    % {"role": role, "school": org.name}
                )
            elif county_id is not None and org.pk == county_id:
                found.append(
                    _("%(role)s at the applicant's county bureau, %(county)s.")
                    % {"role": role, "county": org.name}
                )
            elif county_id is not None and org.county_id == county_id:
                found.append(
                    _("%(role)s at %(school)s, a school in the same county (%(county)s).")
                    % {"role": role, "school": org.name, "county": application.county.name}
                )
        for conflict in self.declared:
            if conflict.organisation_id in (application.school_id, county_id):
                found.append(
                    _("Declared a conflict of interest with %(organisation)s: %(reason)s")
                    % {"organisation": conflict.organisation.name, "reason": conflict.reason}
                )
        return found


def conflict_profiles(expert_ids: Iterable[int]) -> dict[int, ConflictProfile]:
    """Profiles for many experts in two queries, so a batch or a page checks every pair."""
    ids = list(set(expert_ids))
    profiles = {pk: ConflictProfile() for pk in ids}
    for ra in RoleAssignment.objects.filter(user_id__in=ids).select_related("organisation"):
        profiles[ra.user_id].roles.append(ra)
    for conflict in ExpertConflict.objects.filter(expert_id__in=ids).select_related("organisation"):
        profiles[conflict.expert_id].declared.append(conflict)
    return profiles


def expert_conflicts(expert: User, application: Application) -> list[str]:
    """Conflicts of interest detected from the data: a role at the applicant's school, at its
    county bureau or at another school of the same county, or a conflict the expert declared
    with the school or the county. Returns the reasons, translated; empty means none."""
    return conflict_profiles([expert.pk])[expert.pk].reasons(application)
