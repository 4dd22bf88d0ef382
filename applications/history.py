"""The phrases of applications' audit verbs and the labels of its states (see accounts.history)."""

from django.utils.translation import gettext_lazy as _

from accounts.history import register_states, register_verbs
from accounts.models import Role

from .models import Application, ApplicationStatus, Call, CallStatus, ExpertAssignment, Objection

register_states(Call, CallStatus.choices)
register_states(Application, ApplicationStatus.choices)
register_states(ExpertAssignment, ExpertAssignment.State.choices)
register_states(Objection, Objection.State.choices)

# policies' phrases sit here until policies has a history module of its own.
register_verbs(
    {
        "policies.policy.loaded": _("loaded the city's policy"),
        "policies.policy.created": _("created the policy"),
        "policies.policy.versioned": _("made a new version of the policy (%(to)s)"),
        "policies.policy.edited": _("edited the policy"),
        "policies.policy.form_edited": _("edited the policy's application form"),
    }
)

REVIEWERS = (Role.SCHOOL_ADMIN, Role.COUNTY_REVIEWER, Role.MUNICIPAL_ADMIN)

register_verbs(
    {
        "applications.call.created": _("created the call"),
        "applications.call.opened": _("opened the call for applications"),
        "applications.call.closed": _("closed the call for applications"),
        "applications.call.closed_early": _("closed the call early"),
        "applications.call.notice_started": _("started the public notice"),
        "applications.call.notice_ended": _("ended the public notice"),
        "applications.call.published": _("published the results"),
        "applications.application.started": _("started an application"),
        "applications.application.submitted": _("submitted the application"),
        "applications.application.resubmitted": _("submitted the revised application"),
        "applications.application.waiting": _("told the reviewers it waits for them"),
        "applications.application.approved": _("recommended it: now “%(to)s”"),
        "applications.application.returned": _("returned it for revision"),
        "applications.application.rejected": _("did not recommend it"),
        "applications.application.selected": _("marked it as selected"),
        "applications.application.not_selected": _("marked it as not selected"),
        "applications.application.published": _("published it: the studio is founded"),
        "applications.application.removed_after_objection": _(
            "removed it from the list after an objection"
        ),
        "applications.application.extension_granted": _("granted more time to submit"),
        "applications.application.deadline_soon": _("the application deadline is near"),
        "applications.review.deadline_soon": _("a review deadline is near"),
        "applications.review.waiting_long": _("applications have waited long for review"),
        "applications.objection.filed": _("filed an objection"),
        "applications.objection.upheld": _("upheld the objection"),
        "applications.objection.dismissed": _("dismissed the objection"),
        "applications.expert.assigned": _("assigned an expert to score it"),
        "applications.expert.conflict": _("declined to score it: conflict of interest"),
        "applications.expert.conflict_declared": _("declared a conflict of interest"),
        "applications.expert.scored": _("submitted the scores"),
        "applications.expert.scoring_complete": _("recorded that every expert has scored"),
    },
    roles={
        "applications.application.started": (Role.TEACHER,),
        "applications.application.submitted": (Role.TEACHER,),
        "applications.application.resubmitted": (Role.TEACHER,),
        "applications.application.approved": REVIEWERS,
        "applications.application.returned": REVIEWERS,
        "applications.application.rejected": REVIEWERS,
        "applications.expert.conflict": (Role.EXPERT,),
        "applications.expert.conflict_declared": (Role.EXPERT,),
        "applications.expert.scored": (Role.EXPERT,),
    },
)
