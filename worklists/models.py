"""Catalogs and work lists as versioned documents (Art. 4), their items, citations, filings, flags and notifications."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStamped, history
from regions.models import Organisation, Region

from .choices import (
    PUBLIC_STATUSES,
    AppliesTo,
    Category,
    FilingStatus,
    FlagStatus,
    ListKind,
    Origin,
    VersionStatus,
)


class WorkList(TimeStamped):
    """The catalog of the province or the list of a city or county: a series of versions."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="worklist", verbose_name=_("region"))
    kind = models.CharField(_("kind"), max_length=16, choices=ListKind.choices)
    title = models.CharField(_("title"), max_length=200)

    history = history()
    scope_code_field = "region__code"
    scope_through_many = True  # public_q crosses to the versions

    class Meta:
        ordering = ["region__code"]
        verbose_name = _("work list")
        verbose_name_plural = _("work lists")

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def public_q() -> models.Q:
        return models.Q(versions__status__in=PUBLIC_STATUSES)


class ListVersion(TimeStamped):
    """One version of a catalog or list. Published versions are immutable; an adjustment is a new version."""

    worklist = models.ForeignKey(WorkList, on_delete=models.PROTECT, related_name="versions", verbose_name=_("work list"))
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT, db_index=True)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("previous version")
    )
    upper = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="derived_versions",
        verbose_name=_("derived from"),
    )
    change_note = models.TextField(_("reason for this version"), blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approval_document = models.CharField(_("approval document number"), max_length=100, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("approved by")
    )
    approving_body = models.CharField(_("approving body"), max_length=150, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    effective_from = models.DateField(_("in force from"), null=True, blank=True, db_index=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    # Optimistic lock: every edit of the draft bumps it; an edit based on an older value is refused (409).
    lock = models.PositiveIntegerField(_("edit counter"), default=0)
    # Changes whenever cached renderings must be rebuilt (law-change flags).
    cache_token = models.PositiveIntegerField(default=0)

    history = history()
    scope_code_field = "worklist__region__code"

    class Meta:
        ordering = ["worklist", "-number"]
        verbose_name = _("list version")
        verbose_name_plural = _("list versions")
        constraints = [models.UniqueConstraint(fields=["worklist", "number"], name="unique_version_number")]

    def __str__(self) -> str:
        return f"{self.title}（第{self.number}版）"

    @staticmethod
    def public_q() -> models.Q:
        return models.Q(status__in=PUBLIC_STATUSES)

    @property
    def region(self) -> Region:
        return self.worklist.region

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT


class WorkItem(TimeStamped):
    """A work item (工作事项) of a catalog or list version."""

    version = models.ForeignKey(ListVersion, on_delete=models.CASCADE, related_name="items", verbose_name=_("version"))
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    content = models.TextField(pgettext_lazy("work item", "content"))
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    applies_to = models.CharField(_("applies to"), max_length=16, choices=AppliesTo.choices, default=AppliesTo.BOTH)
    agency = models.CharField(_("serving agency"), max_length=100, blank=True)
    support_funding = models.TextField(_("funding (Art. 5)"), blank=True)
    support_conditions = models.TextField(_("working conditions (Art. 5)"), blank=True)
    support_information = models.TextField(_("information support (Art. 5)"), blank=True)
    support_guidance = models.TextField(_("guidance (Art. 5)"), blank=True)
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices, default=Origin.DERIVED)
    derived_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="derivations",
        verbose_name=_("upper item"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    history = history()
    scope_code_field = "version__worklist__region__code"

    class Meta:
        ordering = ["version", "position", "code"]
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        indexes = [models.Index(fields=["version", "code"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @staticmethod
    def public_q() -> models.Q:
        return models.Q(version__status__in=PUBLIC_STATUSES)

    def applies_to_kind(self, committee_kind: str) -> bool:
        """'village' items never for residents' committees, 'community' items never for village committees."""
        if self.applies_to == AppliesTo.BOTH or not committee_kind:
            return True
        return (self.applies_to == AppliesTo.VILLAGE) == (committee_kind == "village")


class Citation(models.Model):
    """The legal basis of an item: a provision, or a whole source when the article is not confirmed yet."""

    item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="citations", verbose_name=_("work item"))
    source = models.ForeignKey("legal.LegalSource", on_delete=models.PROTECT, related_name="citations", verbose_name=pgettext_lazy("legal source", "source"))
    provision = models.ForeignKey(
        "legal.Provision", null=True, blank=True, on_delete=models.PROTECT, related_name="citations", verbose_name=_("provision")
    )
    position = models.PositiveSmallIntegerField(default=0)

    history = history()
    scope_code_field = "item__version__worklist__region__code"

    class Meta:
        ordering = ["item", "position", "id"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")

    def __str__(self) -> str:
        return f"{self.source.name} {self.article_label}".strip()

    @property
    def article_label(self) -> str:
        return self.provision.label if self.provision_id else ""

    @property
    def article_unconfirmed(self) -> bool:
        return self.provision_id is None


class Omission(models.Model):
    """An item of the upper list that this version leaves out, with the reason (Art. 4(2): 结合本地实际)."""

    version = models.ForeignKey(ListVersion, on_delete=models.CASCADE, related_name="omissions", verbose_name=_("version"))
    upper_item = models.ForeignKey(WorkItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("upper item"))
    reason = models.TextField(_("reason"), blank=True)

    history = history()
    scope_code_field = "version__worklist__region__code"

    class Meta:
        verbose_name = _("omitted upper item")
        verbose_name_plural = _("omitted upper items")
        constraints = [models.UniqueConstraint(fields=["version", "upper_item"], name="unique_omission")]

    def __str__(self) -> str:
        return str(self.upper_item)

    @staticmethod
    def public_q() -> models.Q:
        return models.Q(version__status__in=PUBLIC_STATUSES)


class Filing(TimeStamped):
    """备案: a published city or county list filed with the civil-affairs department one level up."""

    version = models.OneToOneField(ListVersion, on_delete=models.PROTECT, related_name="filing", verbose_name=_("version"))
    filed_with = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("filed with"))
    status = models.CharField(_("status"), max_length=16, choices=FilingStatus.choices, default=FilingStatus.FILED)
    filed_at = models.DateTimeField(_("filed at"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("filed by")
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("reviewed by")
    )
    comments = models.TextField(_("comments"), blank=True)

    history = history()
    # Visible where the list is visible: its own region and every level above (the reviewer among them).
    scope_code_field = "version__worklist__region__code"

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = _("filing")
        verbose_name_plural = _("filings")

    def __str__(self) -> str:
        return f"{self.version} → {self.filed_with}"

    @staticmethod
    def public_q() -> models.Q:
        return models.Q(status=FilingStatus.ACCEPTED)


class ItemFlag(TimeStamped):
    """A law change touched the basis of this item: the owning department must adjust the list or confirm it."""

    item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="flags", verbose_name=_("work item"))
    change = models.ForeignKey("legal.LawChange", on_delete=models.PROTECT, related_name="flags", verbose_name=_("law change"))
    status = models.CharField(_("status"), max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("resolved by")
    )
    resolution = models.TextField(_("resolution"), blank=True)

    history = history()
    scope_code_field = "item__version__worklist__region__code"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("law-change flag")
        verbose_name_plural = _("law-change flags")
        constraints = [models.UniqueConstraint(fields=["item", "change"], name="unique_item_flag")]

    def __str__(self) -> str:
        return f"{self.item} · {self.change}"

    @staticmethod
    def public_q() -> models.Q:
        return models.Q(item__version__status__in=PUBLIC_STATUSES)


class Notification(models.Model):
    """An in-app notice to an organisation: the next step of a workflow waits for it.

    An inbox message, not a domain record: it has no history (the workflow steps it announces are audited and
    historised on the versions and filings themselves)."""

    recipient = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient"))
    text = models.CharField(_("text"), max_length=300)
    link = models.CharField(_("link"), max_length=300, blank=True)
    read = models.BooleanField(_("read"), default=False, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    scope_code_field = "recipient__region__code"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.text
