"""Writes for annual reports (年度总结与自评), annual assessments (年度考核), rectification
(限期整改) and revocation (撤销/撤牌).

Every rule is read from the studio's policy: who assesses (``annual_assessor``), whether experts
score (``annual_assessment_with_experts``), the scale (pass/fail or scored, with the pass and
commend scores), whether a fail gets a deadline to rectify (``rectification_on_fail``) and how
long (``rectification_days``), and the report window (``annual_report_month``,
``annual_report_days``). No city is named here.

Each write asks ``accounts.permissions.can``, runs in a transaction, guards its source state
with a row lock or a conditional update (two clicks make one transition), records the
transition with ``audit_record`` and tells the people concerned with ``notify``."""

from .annual import (  # noqa: F401
    assessment_decide,
    assessment_open,
    expert_score_submit,
    outcome_for_total,
)
from .rectification import (  # noqa: F401
    rectification_accept,
    rectification_open,
    rectification_reject,
    rectification_submit,
    revocation_propose,
    studio_revoke,
)
from .reports import (  # noqa: F401
    report_accept,
    report_attach,
    report_detach,
    report_open,
    report_return,
    report_save,
    report_submit,
)
from .shared import REPORT_ATTACHMENT_TYPES  # noqa: F401
