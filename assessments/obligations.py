"""The host's obligations checked at each annual assessment.

One seed's measures (《建设与管理办法》), 第六条（一）4: the host "从事班主任工作5年以上，
且在评选为名班主任工作室主持人后继续担任3年班主任任期". The policy stores it as its host
``TeamRule.must_serve_through_term``;
where it is set, each annual report asks the host to confirm "本人仍担任班主任", and the assessing
body sees the answer on the report and the assessment. Which policies ask is read from the rule,
never from the city.

What a failed confirmation does: the measures make it a condition of being the host, and their
only annual sanction is 第十七条 "年度考核分为合格与不合格；“不合格”的限期整改，整改不力的，工作室
予以撤销". They do not make a lapse an automatic 不合格, so it does not block a pass by itself:
the assessment is flagged, and an assessor who passes the studio nonetheless says why in the
comment (``assessment_decide``); failing it goes the 第十七条 way (rectification).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from policies.models import Policy, TeamRole, TeamRule
from policies.rules import team_rule


@dataclass(frozen=True)
class HostObligation:
    rule: TeamRule

    @property
    def question(self):
        return _("I am still a head teacher (本人仍担任班主任)")

    @property
    def requirement(self) -> str:
        """The rule as the city wrote it, shown next to the question."""
        return self.rule.description

    @property
    def source(self) -> str:
        """The clause of the city's document the rule comes from (empty: set by the bureau)."""
        return self.rule.source

    @property
    def role_label(self):
        return self.rule.label or TeamRole.HOST.label


def host_obligation(policy: Policy) -> HostObligation | None:
    """The host's head-teacher obligation of ``policy``, or None where it asks none."""
    rule = team_rule(policy, TeamRole.HOST)
    if rule is None or not rule.must_serve_through_term:
        return None
    return HostObligation(rule)


def obligation_flagged(report) -> bool:
    """A submitted report whose host did not confirm the obligation its policy asks."""
    if report is None or host_obligation(report.studio.policy) is None:
        return False
    return report.host_still_head_teacher is not True
