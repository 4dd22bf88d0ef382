from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudiosConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "studios"
    verbose_name = _("Studios")

    def ready(self) -> None:
        # exports.sheets registers the studio sheets of the audit workbook (core.exports)
        # agenda registers its deadlines with accounts.agenda (the calendar feed)
        from . import agenda, history, panels, permissions, tasks  # noqa: F401
        from .exports import sheets  # noqa: F401
