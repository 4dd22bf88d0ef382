"""The one refusal of the assessments app (see core.errors)."""

from core.errors import DomainError


class AssessmentError(DomainError):
    """A write in assessments was refused; the message is translated and safe to show."""
