from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        # eligibility registers its check with applications.eligibility
        from . import eligibility, panels, permissions, services, tasks, tasks_term  # noqa: F401
