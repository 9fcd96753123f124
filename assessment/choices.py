"""Choices of the assessment app: plan lifecycle, result bands, visit kinds, finding states."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")


# A plan under which committees may be visited and assessed.
APPROVED_STATUSES = (PlanStatus.APPROVED, PlanStatus.PUBLISHED)


class Band(models.TextChoices):
    """A comprehensive evaluation (综合考核) in words; there are no scores, totals or positions (Art. 7(2))."""

    GOOD = "good", _("Good")
    FAIRLY_GOOD = "fairly_good", _("Fairly good")
    AVERAGE = "average", _("Average")
    NEEDS_IMPROVEMENT = "needs_improvement", _("Needs improvement")


class VisitKind(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")
    CHECK = "check", pgettext_lazy("inspection visit kind", "Check")
    ASSESSMENT = "assessment", _("Assessment")
    RESEARCH = "research", _("Research visit")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DISMISSED = "dismissed", _("Dismissed as a misreading")
