from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The top floor: the demo orchestrator and ``seed_demo``. It may import every app (each
    app's ``demo.py`` seeds its own part); nothing imports it but the tests and the bench."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = _("Demo data")
