"""Work requests to committees (准入), their per-committee targets, purchases of services, and attachments.

Scoping: a request is seen inside the subtree of its sender's region (the sender, its county civil-affairs reviewer and
government); a target is seen inside the subtree of its committee (the committee and every level above it)."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStamped, history
from regions.models import Organisation, Region

from .choices import Decision, PaymentStatus, PurchaseStatus, RequestKind, RequestStatus, TargetStatus


class WorkRequest(TimeStamped):
    kind = models.CharField(_("type"), max_length=16, choices=RequestKind.choices, default=RequestKind.TASK)
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content of the request"))
    sender = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="work_requests", verbose_name=_("sender"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    # Whose civil-affairs department reviews: the county of the sender (the sender's own region above county level).
    review_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("reviewing region"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.DRAFT, db_index=True)
    submitted_at = models.DateTimeField(_("submitted for admission at"), null=True, blank=True, db_index=True)
    notice_days = models.IntegerField(_("days of notice"), null=True, blank=True)
    short_notice = models.BooleanField(_("short notice"), default=False)
    # Art. 8(4): the approving city or county people's government and its document.
    approval_body = models.CharField(_("approving government"), max_length=150, blank=True)
    approval_document = models.CharField(_("approval document"), max_length=100, blank=True)
    # Art. 8(2): plaques, mechanisms and dedicated posts need a legal basis.
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    check_decision = models.CharField(_("result of the check"), max_length=16, choices=Decision.choices, blank=True)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True, db_index=True)
    overridden = models.BooleanField(_("check overridden"), default=False)
    review_reason = models.TextField(_("reason of the reviewer"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("reviewed by")
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    lock_version = models.PositiveIntegerField(_("edit counter"), default=0)

    history = history()
    scope_code_field = "sender__region__code"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("work request")
        verbose_name_plural = _("work requests")

    def __str__(self) -> str:
        return self.title

    @property
    def is_secondment(self) -> bool:
        return self.kind == RequestKind.SECONDMENT


class RequestTarget(TimeStamped):
    """One committee a request goes to: its own check result (its own list and kind) and what it did."""

    request = models.ForeignKey(WorkRequest, on_delete=models.CASCADE, related_name="targets", verbose_name=_("request"))
    committee = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="work_requests", verbose_name=_("committee"))
    status = models.CharField(_("status"), max_length=20, choices=TargetStatus.choices, default=TargetStatus.PENDING, db_index=True)
    check_decision = models.CharField(_("result of the check"), max_length=16, choices=Decision.choices, blank=True)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    check_result = models.JSONField(_("check result"), default=dict, blank=True)
    list_version = models.ForeignKey(
        "worklists.ListVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("list version")
    )
    # The matched list item with its Art. 5 support, copied when admitted (lists change; the promise does not).
    item = models.JSONField(_("matched list item"), default=dict, blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    note = models.TextField(_("note of the committee"), blank=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("last acted by")
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    refused_at = models.DateTimeField(_("refused at"), null=True, blank=True)
    consent_at = models.DateTimeField(_("consent given or declined at"), null=True, blank=True)
    lock_version = models.PositiveIntegerField(_("edit counter"), default=0)

    history = history()
    scope_code_field = "committee__code"

    class Meta:
        ordering = ["committee__code"]
        verbose_name = _("request to a committee")
        verbose_name_plural = _("requests to committees")
        constraints = [models.UniqueConstraint(fields=["request", "committee"], name="unique_request_target")]

    def __str__(self) -> str:
        return f"{self.request} → {self.committee}"

    @property
    def findings(self) -> list[dict[str, Any]]:
        return list(self.check_result.get("findings") or [])


class ServicePurchase(TimeStamped):
    """Art. 5(2): the county government arranges the purchase; the contract with the consenting committees."""

    request = models.OneToOneField(WorkRequest, on_delete=models.CASCADE, related_name="purchase", verbose_name=_("request"))
    status = models.CharField(
        _("status"), max_length=16, choices=PurchaseStatus.choices, default=PurchaseStatus.AWAITING_ARRANGEMENT, db_index=True
    )
    arranged_by = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("arranged by")
    )
    arrangement_document = models.CharField(_("arrangement document"), max_length=100, blank=True)
    arranged_at = models.DateTimeField(_("arranged at"), null=True, blank=True)
    price = models.DecimalField(_("price (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    period_start = models.DateField(_("contract period from"), null=True, blank=True)
    period_end = models.DateField(_("contract period to"), null=True, blank=True)
    deliverables = models.TextField(_("deliverables"), blank=True)
    payment_status = models.CharField(
        _("payment status"), max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    lock_version = models.PositiveIntegerField(_("edit counter"), default=0)

    history = history()
    scope_code_field = "request__sender__region__code"

    class Meta:
        verbose_name = _("purchase of service")
        verbose_name_plural = _("purchases of services")

    def __str__(self) -> str:
        return str(self.request)


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Stored under a random name (the sender's name is kept in `name` for display and download): a name chosen by
    # the uploader never becomes a path on the server.
    import uuid

    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    extension = extension if extension.isalnum() and len(extension) <= 5 else "bin"
    return f"admission/{instance.request_id}/{uuid.uuid4().hex}.{extension}"


class Attachment(models.Model):
    request = models.ForeignKey(WorkRequest, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("request"))
    file = models.FileField(_("file"), upload_to=attachment_path)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"), default=0)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    scope_code_field = "request__sender__region__code"

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name
