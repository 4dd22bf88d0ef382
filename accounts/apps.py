from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self) -> None:
        # Registering rules and home panels is an import side effect; do it once, here.
        # Every workflow's transitions are recorded in the audit trail, which lives here.
        from core.workflow import record_transitions_with

        from . import history, panels, permissions, security, tasks  # noqa: F401
        from .permissions import can
        from .services import audit_record

        record_transitions_with(audit_record, can)
