from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RequestKind(models.TextChoices):
    TASK = "task", _("Work task")
    SECONDMENT = "secondment", _("Secondment of staff (Art. 8(4))")
    PLAQUE = "plaque", _("New plaque (Art. 8(2))")
    MECHANISM = "mechanism", _("New working mechanism (Art. 8(2))")
    POST = "post", _("Dedicated post (Art. 8(2))")


# Kinds that Art. 8(2) allows only with a basis in law, regulation or a national or provincial rule.
NEEDS_LEGAL_BASIS = (RequestKind.PLAQUE, RequestKind.MECHANISM, RequestKind.POST)


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting admission review")
    DECIDED = "decided", _("Admission decided")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Decision(models.TextChoices):
    ADMIT = "admit", _("Admitted")
    REJECT = "reject", pgettext_lazy("admission decision", "Rejected")
    PURCHASE_SERVICE = "purchase_service", _("Purchase of service")


class TargetStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting admission review")
    NOT_ADMITTED = "not_admitted", _("Not admitted")
    AWAITING_CONSENT = "awaiting_consent", _("Awaiting the committee's consent")
    CONSENTED = "consented", _("Consented, awaiting the county's arrangement")
    DECLINED = "declined", _("Declined by the committee")
    DELIVERED = "delivered", _("In the committee's inbox")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused by the committee")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The committee may refuse work in these states with one action (it did not pass admission).
REFUSABLE = (TargetStatus.PENDING, TargetStatus.NOT_ADMITTED, TargetStatus.AWAITING_CONSENT)
CLOSED = (TargetStatus.DECLINED, TargetStatus.COMPLETED, TargetStatus.REFUSED, TargetStatus.WITHDRAWN)


class PurchaseStatus(models.TextChoices):
    AWAITING_ARRANGEMENT = "awaiting", _("Awaiting the county government's arrangement")
    ARRANGED = "arranged", _("Arranged by the county government")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", _("Not paid")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    PAID = "paid", _("Paid")
