from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdmissionConfig(AppConfig):
    name = "admission"
    verbose_name = _("Admission of work requests")

    def ready(self) -> None:
        from . import portal_hooks

        portal_hooks.register_supervision()
