from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "funding"
    verbose_name = _("Funding")

    def ready(self) -> None:
        # jobs registers the audit export; panels the home panels; selectors the money pages'
        # rules; receivers what funding does on other layers' events (a studio revoked);
        # exports.money the money sheets of the audit workbook
        from . import history, jobs, panels, permissions, receivers, selectors  # noqa: F401
        from .exports import money  # noqa: F401
