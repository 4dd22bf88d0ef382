"""The one refusal of the funding app (see core.errors)."""

from core.errors import DomainError


class FundingError(DomainError):
    """A money write was refused; the message is translated and safe to show.

    ``problems`` names each studio's problem when a bulk write refuses the whole batch."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []
