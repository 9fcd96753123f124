"""The legal registry: laws, regulations and normative documents, their provisions, and recorded changes to them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStamped, history

from .choices import Jurisdiction, SourceLevel, Status
from .citations import format_article


class LegalSource(TimeStamped):
    """One text of a law or document. A revision that renumbers articles is a new source; the old one is 'amended'."""

    name = models.CharField(_("name"), max_length=200, db_index=True)
    version_label = models.CharField(_("version"), max_length=100, blank=True)
    level = models.CharField(pgettext_lazy("legal source level", "level"), max_length=32, choices=SourceLevel.choices)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=16, choices=Jurisdiction.choices, default=Jurisdiction.NATIONAL)
    issued_by = models.CharField(_("issuing body"), max_length=200, blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    promulgated = models.DateField(_("promulgated"), null=True, blank=True)
    effective = models.DateField(_("effective from"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_FORCE, db_index=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes", verbose_name=_("replaced by")
    )
    note = models.TextField(_("note"), blank=True)

    history = history()

    class Meta:
        ordering = ["name", "-effective", "-id"]
        verbose_name = _("legal source")
        verbose_name_plural = _("legal sources")

    def __str__(self) -> str:
        return f"{self.name}（{self.version_label}）" if self.version_label else self.name

    @staticmethod
    def public_q() -> models.Q:
        return models.Q(pk__isnull=False)


class Provision(TimeStamped):
    """An article, paragraph or item of a source (条、款、项)."""

    source = models.ForeignKey(LegalSource, on_delete=models.PROTECT, related_name="provisions", verbose_name=pgettext_lazy("legal source", "source"))
    article = models.PositiveSmallIntegerField(_("article"))
    paragraph = models.PositiveSmallIntegerField(_("paragraph"), null=True, blank=True)
    item = models.PositiveSmallIntegerField(_("item"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_FORCE, db_index=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes", verbose_name=_("replaced by")
    )

    history = history()

    class Meta:
        ordering = ["source", "article", "paragraph", "item"]
        verbose_name = _("provision")
        verbose_name_plural = _("provisions")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "article", "paragraph", "item"], name="unique_provision",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source.name} {self.label}"

    @property
    def label(self) -> str:
        return format_article(self.article, self.paragraph, self.item)

    @property
    def effective_status(self) -> str:
        """A repealed or amended source makes all its provisions so."""
        if self.source.status == Status.REPEALED or self.status == Status.REPEALED:
            return Status.REPEALED
        if self.source.status == Status.AMENDED or self.status == Status.AMENDED:
            return Status.AMENDED
        return Status.IN_FORCE


class LawChange(models.Model):
    """A recorded change of the law (Art. 4(3)): it flags every item citing the source or provision."""

    source = models.ForeignKey(LegalSource, on_delete=models.PROTECT, related_name="changes", verbose_name=pgettext_lazy("legal source", "source"))
    provision = models.ForeignKey(
        Provision, null=True, blank=True, on_delete=models.PROTECT, related_name="changes", verbose_name=_("provision")
    )
    new_status = models.CharField(_("new status"), max_length=16, choices=Status.choices)
    replacement = models.ForeignKey(
        LegalSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("replaced by")
    )
    effective = models.DateField(_("effective from"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("recorded by")
    )
    flagged_items = models.PositiveIntegerField(_("items flagged"), default=0)

    history = history()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("law change")
        verbose_name_plural = _("law changes")

    def __str__(self) -> str:
        target = str(self.provision) if self.provision else str(self.source)
        return f"{target} → {self.get_new_status_display()}"
