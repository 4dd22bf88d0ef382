from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        # eligibility registers its check with applications.eligibility; exports its sheet
        # of the audit workbook with core.exports; agenda its deadlines with accounts.agenda
        from . import (  # noqa: F401
            agenda,
            eligibility,
            exports,
            history,
            panels,
            permissions,
            services,
            tasks,
        )
