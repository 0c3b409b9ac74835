from django.apps import AppConfig


class LimsConfig(AppConfig):
    name = "lims"
    verbose_name = "LIMS core"

    def ready(self) -> None:
        from lims import checks  # noqa: F401  (registers system checks)
