from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "applications"
    verbose_name = _("Applications")

    def ready(self) -> None:
        # agenda registers its deadlines with accounts.agenda (the calendar feed)
        from . import agenda, history, jobs, panels, permissions, tasks  # noqa: F401
