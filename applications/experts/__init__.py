"""Expert review: assigning experts, conflicts of interest, scoring, the ranking, the selection.

Writes (``experts_assign``, ``expert_declare_conflict``, ``scores_submit``, ``selection_save``)
follow the workflow's order: permission → source-state guard (row lock or conditional update)
→ save → audit record → notifications. Reads (``expert_conflicts``, ``ranking``, the expert's
queue) sit in the selectors section at the end and never write."""

from .assignment import (  # noqa: F401
    ONE_DECIMAL,
    RANKED_STATUSES,
    SELECTABLE_STATUSES,
    STATUS_LABELS,
    TRIM_MINIMUM,
    Skipped,
    State,
    experts_assign,
    experts_for_call,
)
from .conflicts import (  # noqa: F401
    ConflictProfile,
    conflict_profiles,
    expert_conflicts,
)
from .ranking import (  # noqa: F401
    CriterionResult,
    ExpertTotal,
    RankedApplication,
    aggregate,
    ranking,
)
from .reads import (  # noqa: F401
    ScoreCard,
    applications_for_assignment,
    assignment_for,
    assignments_for,
    score_cards,
    without_experts,
)
from .scoring import (  # noqa: F401
    check_score,
    expert_declare_conflict,
    score_problems,
    scores_submit,
)
from .selection import (  # noqa: F401
    SELECTION_TITLES,
    SELECTION_VERBS,
    selection_save,
)
