"""The one base of every refusal a service gives: ``DomainError``.

A service refuses a write by raising a subclass of its own app (``ApplicationError``,
``StudioError``…); the message is translated and safe to show, and ``problems`` maps form
fields to messages where the refusal is about fields, so a view can put each beside its field.
Views that serve several apps may catch ``DomainError`` itself.
"""


class DomainError(Exception):
    def __init__(self, message: str = "", problems: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.problems = problems or {}
