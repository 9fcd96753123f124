"""Negative list, certificate catalog (province → city/county derivation), issued certificates and refused demands."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStamped, history
from regions.models import Organisation, Region


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


PUBLIC_STATUSES = (Status.PUBLISHED, Status.SUPERSEDED)


class NegativeListVersion(TimeStamped):
    """A version of the provincial negative list (不应由基层群众性自治组织出具证明事项清单), Art. 9(1)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    source_document = models.CharField(_("source document"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    history = history()

    scope_code_field = "region__code"

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["region", "number"], name="unique_negative_version")]

    @staticmethod
    def public_q() -> Q:
        return Q(status__in=PUBLIC_STATUSES)

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class NegativeItem(models.Model):
    version = models.ForeignKey(NegativeListVersion, on_delete=models.CASCADE, related_name="items", verbose_name=_("version"))
    code = models.CharField(_("code"), max_length=16)
    seq = models.PositiveIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=200)
    handled_by = models.CharField(_("handled instead by"), max_length=300)
    handled_by_verified = models.BooleanField(_("authority verified"), default=False)
    guidance = models.TextField(_("guidance"), blank=True)
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    weak_aliases = models.JSONField(_("weak aliases"), default=list, blank=True)
    combinations = models.JSONField(_("combinations"), default=list, blank=True)
    priority = models.IntegerField(_("priority"), default=0)
    history = history()

    scope_code_field = "version__region__code"

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_negative_item")]

    @staticmethod
    def public_q() -> Q:
        return Q(version__status__in=PUBLIC_STATUSES)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Catalog(TimeStamped):
    """The catalog of certificates committees may issue (出具证明事项指导目录) of a province, city or county."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="certificate_catalog", verbose_name=_("region"))
    title = models.CharField(_("title"), max_length=200)
    is_sample = models.BooleanField(_("sample data"), default=False)
    history = history()

    scope_code_field = "region__code"

    @staticmethod
    def public_q() -> Q:
        return Q(versions__status__in=PUBLIC_STATUSES)

    scope_through_many = True

    def __str__(self) -> str:
        return self.title


class CatalogVersion(TimeStamped):
    catalog = models.ForeignKey(Catalog, on_delete=models.CASCADE, related_name="versions", verbose_name=_("catalog"))
    number = models.PositiveIntegerField(_("version"))
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="derived", verbose_name=_("derived from")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    approval_document = models.CharField(_("approval document"), max_length=200, blank=True)
    # Types of the upper catalog left out locally: code → {"name", "reason"} (Art. 9(2): removals give their reason).
    omissions = models.JSONField(_("types left out, with reasons"), default=dict, blank=True)
    lock_version = models.PositiveIntegerField(default=0)
    history = history()

    scope_code_field = "catalog__region__code"

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["catalog", "number"], name="unique_catalog_version")]

    @staticmethod
    def public_q() -> Q:
        return Q(status__in=PUBLIC_STATUSES)

    def __str__(self) -> str:
        return f"{self.catalog.title} v{self.number}"


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    DATE = "date", _("Date")
    NUMBER = "number", _("Number")
    CHOICE = "choice", _("Choice")


class LocalChange(models.TextChoices):
    NONE = "", _("As in the upper catalog")
    ADDED = "added", _("Added locally")
    MODIFIED = "modified", _("Changed locally")


class CertificateType(models.Model):
    """One certificate type of a catalog version, with its procedure and standard template (式样)."""

    version = models.ForeignKey(CatalogVersion, on_delete=models.CASCADE, related_name="types", verbose_name=_("version"))
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    basis = models.CharField(_("legal basis"), max_length=500, blank=True)
    applies_to = models.CharField(_("applies to"), max_length=16, default="both")
    requesting_authority = models.CharField(_("requesting authority"), max_length=300, blank=True)
    procedure = models.TextField(_("procedure"), blank=True)
    materials = models.JSONField(_("materials"), default=list, blank=True)
    steps = models.JSONField(_("steps"), default=list, blank=True)
    time_limit_days = models.PositiveIntegerField(_("time limit (working days)"), default=0)
    statement = models.TextField(_("certifying statement"), blank=True)
    fields = models.JSONField(_("template fields"), default=list, blank=True)
    local_change = models.CharField(_("local change"), max_length=16, choices=LocalChange.choices, blank=True, default="")
    local_note = models.CharField(_("reason for the local change"), max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)
    history = history()

    scope_code_field = "version__catalog__region__code"

    class Meta:
        ordering = ["position", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_certificate_type")]

    @staticmethod
    def public_q() -> Q:
        return Q(version__status__in=PUBLIC_STATUSES)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def applies_to_kind(self, committee_kind: str) -> bool:
        allowed = {"both": {"village", "residents"}, "village": {"village"}, "community": {"residents"}}
        return not committee_kind or committee_kind in allowed.get(self.applies_to, {"village", "residents"})


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")


class Certificate(TimeStamped):
    """An issued certificate. ID number, phone and the template's field values are stored encrypted (crypto.py)."""

    committee = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("committee"))
    certificate_type = models.ForeignKey(
        CertificateType, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("certificate type")
    )
    type_code = models.CharField(_("type code"), max_length=16)
    title = models.CharField(_("title"), max_length=200)
    serial = models.CharField(_("serial number"), max_length=40, unique=True)
    issued_on = models.DateField(_("issued on"))
    subject_name = models.CharField(_("name of the person"), max_length=100)
    subject_id_encrypted = models.TextField(blank=True)
    subject_id_hash = models.CharField(max_length=64, blank=True, db_index=True)
    subject_phone_encrypted = models.TextField(blank=True)
    values_encrypted = models.TextField(blank=True)
    statement = models.TextField(_("certifying statement"), blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)
    token = models.CharField(_("verification token"), max_length=1024, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=CertificateStatus.choices, default=CertificateStatus.VALID)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("issued by")
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("revoked by")
    )
    revocation_reason = models.CharField(_("reason for revocation"), max_length=300, blank=True)
    print_count = models.PositiveIntegerField(_("prints"), default=1)
    lock_version = models.PositiveIntegerField(default=0)
    history = history(excluded_fields=["subject_id_encrypted", "subject_phone_encrypted", "values_encrypted"])

    scope_code_field = "committee__code"

    class Meta:
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return f"{self.serial} {self.title}"


class RefusedDemand(TimeStamped):
    """A demand for a certificate on the negative list that a committee refused, naming the agency that asked (Art. 9, 10)."""

    committee = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("committee"))
    agency = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("requesting agency")
    )
    agency_name = models.CharField(_("requesting agency"), max_length=200)
    text = models.TextField(_("what was asked"))
    negative_code = models.CharField(_("negative-list item"), max_length=16)
    negative_name = models.CharField(_("negative-list item"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("recorded by")
    )
    history = history()

    scope_code_field = "committee__code"

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.agency_name}: {self.negative_name}"
