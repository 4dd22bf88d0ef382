from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "policies"
    verbose_name = _("Policies")

    def ready(self) -> None:
        from . import panels, permissions  # noqa: F401  (registers the rules and the home panel)
