"""The phrases of studios' audit verbs and the labels of its states (see accounts.history)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.history import register_states, register_verbs
from accounts.models import Role
from policies.models import ActivityKind, TeamRole

from .models import (
    Activity,
    Attendance,
    AttendanceStatus,
    Membership,
    Output,
    RecruitmentRound,
    RecruitmentStatus,
    SeatRequest,
    SeatRequestStatus,
    SemesterSummary,
    Studio,
    StudioStatus,
)

register_states(Studio, [*StudioStatus.choices, ("missed", pgettext_lazy("state", "Quota missed"))])
register_states(RecruitmentRound, RecruitmentStatus.choices)
register_states(SeatRequest, SeatRequestStatus.choices)
# A membership's "state" in the trail is its team role, then "ended".
register_states(Membership, [*TeamRole.choices, ("ended", pgettext_lazy("state", "Ended"))])
register_states(Attendance, AttendanceStatus.choices)
# An activity's entries record its kind.
register_states(Activity, ActivityKind.choices)
register_states(Output, [("shared", pgettext_lazy("state", "Shared"))])
register_states(
    SemesterSummary,
    [
        ("submitted", pgettext_lazy("state", "Submitted")),
        ("reviewed", pgettext_lazy("state", "Reviewed")),
    ],
)

register_verbs(
    {
        "studios.studio.founded": _("founded the studio"),
        "studios.studio.revoked": _("revoked the studio"),
        "studios.studio.ended": _("ended the studio's term"),
        "studios.quota.missed": _("recorded a missed activity quota"),
        "studios.activity.logged": _("logged an activity"),
        "studios.activity.updated": _("corrected the activity"),
        "studios.activity.evidence_added": _("added evidence to the activity"),
        "studios.attendance.to_confirm": _("asked the members to confirm attendance"),
        "studios.attendance.confirm": _("attendance waits for confirmation"),
        "studios.attendance.confirmed": _("confirmed attendance"),
        "studios.membership.added": _("added a team member as “%(to)s”"),
        "studios.membership.ended": _("ended the membership"),
        "studios.membership.replaced": _("replaced the team member"),
        "studios.membership.absence_flagged": _("flagged repeated absence (%(to)s absences)"),
        "studios.output.created": _("added an output"),
        "studios.output.updated": _("changed the output"),
        "studios.output.deleted": _("deleted the output"),
        "studios.plan.saved": _("saved the plan (%(to)s)"),
        "studios.growth_plan.saved": _("saved the growth plan (%(to)s)"),
        "studios.semester_summary.submitted": _("submitted the semester summary"),
        "studios.semester_summary.updated": _("changed the semester summary"),
        "studios.semester_summary.reviewed": _("reviewed the semester summary"),
        "studios.recruitment.opened": _("opened member recruitment"),
        "studios.recruitment.closed": _("closed member recruitment"),
        "studios.recruitment.done": _("finished member recruitment"),
        "studios.recruitment.members_assigned": _("assigned the recruited members"),
        "studios.seat_request.filed": _("asked for a seat in the studio"),
        "studios.seat_request.assigned": _("assigned the seat"),
        "studios.seat_request.not_assigned": _("did not assign the seat"),
        "studios.comment.added": _("commented on the studio"),
        "studios.liaison.recorded": _("recorded a liaison contact"),
        "studios.liaison.updated": _("changed the liaison record"),
        "studios.calendar_feed.made": _("made a calendar address"),
        "studios.calendar_feed.replaced": _("made a new calendar address (the old one ended)"),
        "studios.calendar_feed.revoked": _("revoked the calendar address"),
    },
    roles={
        "studios.seat_request.filed": (Role.TEACHER,),
        "studios.attendance.confirmed": (Role.TEACHER,),
        "studios.semester_summary.submitted": (Role.TEACHER,),
    },
)
