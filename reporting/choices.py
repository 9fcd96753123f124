from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    LEDGER = "ledger", _("Ledger")
    REPORT = "report", _("Report form")
    GROUP = "group", _("Work chat group")
    APP = "app", _("Mobile app")


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    SEMIANNUAL = "semiannual", _("Every half year")
    ANNUAL = "annual", _("Annual")
    ADHOC = "adhoc", _("Ad hoc")


class ChannelStatus(models.TextChoices):
    REGISTERED = "registered", _("Awaiting county review")
    APPROVED = "approved", _("Approved")
    MERGED = "merged", _("Merged into another channel")
    REJECTED = "rejected", _("Rejected")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ExceptionStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting county approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class QueueStatus(models.TextChoices):
    OPEN = "open", _("Waiting for mapping")
    MAPPED = "mapped", _("Mapped")
    NEW_DATUM = "new_datum", _("Confirmed as a datum of its own")
