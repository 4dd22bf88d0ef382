from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor: helpers every app may use and that know no app above them."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        from . import freshness, logs  # noqa: PLC0415

        freshness.connect()
        logs.connect()
