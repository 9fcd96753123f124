from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision and accountability")

    def ready(self) -> None:
        from . import hooks  # noqa: F401 — registers dashboard panels and the committee page section
        from .scorecards import register_builtin_metrics

        register_builtin_metrics()
