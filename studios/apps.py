from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudiosConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "studios"
    verbose_name = _("Studios and policies")

    def ready(self) -> None:
        from . import panels, permissions, tasks  # noqa: F401
