from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    REDIRECTED = "redirected", _("Outside this channel: redirected")
    IN_CASE = "in_case", _("Being handled as a case")


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    VERIFYING = "verifying", _("Being verified")
    FOUNDED = "founded", _("Verified: burden found")
    DISMISSED = "dismissed", _("Verified: not founded")
    CORRECTION_ORDERED = "correction_ordered", _("Correction ordered")
    RESPONDED = "responded", _("Agency responded")
    CORRECTED = "corrected", _("Corrected")
    ESCALATED = "escalated", _("Escalated")
    SANCTIONED = "sanctioned", _("Publicly criticised")


OPEN_STATUSES = (
    CaseStatus.RECEIVED, CaseStatus.VERIFYING, CaseStatus.FOUNDED, CaseStatus.CORRECTION_ORDERED,
    CaseStatus.RESPONDED, CaseStatus.ESCALATED,
)
CLOSED_STATUSES = (CaseStatus.DISMISSED, CaseStatus.CORRECTED, CaseStatus.SANCTIONED)


class CaseSource(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    SYSTEM = "system", _("Found by the system")


class EventKind(models.TextChoices):
    FILED = "filed", _("Complaint filed")
    REDIRECTED = "redirected", _("Redirected with guidance")
    OPENED = "opened", _("Case opened")
    ASSIGNED = "assigned", _("Assigned for verification")
    DECIDED = "decided", _("Verification decided")
    ORDERED = "ordered", _("Correction ordered")
    REMINDED = "reminded", _("Deadline reminder sent")
    RESPONDED = "responded", _("Agency responded")
    VERIFIED = "verified", _("Correction verified")
    ESCALATED = "escalated", _("Escalated")
    NOTICE = "notice", _("Notice of public criticism issued")
    REFERRED = "referred", _("Referred for discipline")
    FLAGGED = "flagged", _("Flagged: not assigned in time")


class Decision(models.TextChoices):
    FOUNDED = "founded", _("Founded")
    UNFOUNDED = "unfounded", _("Not founded")
