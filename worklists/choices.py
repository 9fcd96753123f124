from django.db import models
from django.utils.translation import gettext_lazy as _


class ListKind(models.TextChoices):
    CATALOG = "catalog", _("Guidance catalog")
    LIST = "list", _("Work list")


class Category(models.TextChoices):
    PERFORM = "perform", _("Performed by law")
    ASSIST = "assist", _("Assisted by law")


class AppliesTo(models.TextChoices):
    VILLAGE = "village", _("Village committees")
    COMMUNITY = "community", _("Residents' committees")
    BOTH = "both", _("Both")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


OPEN_STATUSES = (VersionStatus.DRAFT, VersionStatus.SUBMITTED, VersionStatus.APPROVED)
PUBLIC_STATUSES = (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)


class Origin(models.TextChoices):
    DERIVED = "derived", _("From the upper list")
    LOCAL = "local", _("Local addition")


class FilingStatus(models.TextChoices):
    FILED = "filed", _("Filed, awaiting receipt")
    RECEIVED = "received", _("Received, under review")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned with comments")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("To adjust or confirm")
    CONFIRMED = "confirmed", _("Confirmed still valid")
    ADJUSTED = "adjusted", _("Adjusted in a new version")
