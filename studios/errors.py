"""The one refusal of the studios app (see core.errors)."""

from core.errors import DomainError


class StudioError(DomainError):
    """A studio write was refused; the message is translated and safe to show."""
