from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        # The token's security scheme, for the OpenAPI document (drf-spectacular finds it here).
        from . import authentication  # noqa: F401
