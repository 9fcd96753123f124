from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorklistsConfig(AppConfig):
    name = "worklists"
    verbose_name = _("Catalogs and work lists")

    def ready(self) -> None:
        from . import portal_hooks, signals  # noqa: F401 — registers receivers, sections and panels
