from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = _("Assessment and inspections")

    def ready(self) -> None:
        from . import portal_hooks

        portal_hooks.register_supervision()
