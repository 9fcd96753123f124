"""Reporting under Art. 6: the data-element dictionary, learnt mappings and the mapping queue, the registry of
reporting channels (ledgers, report forms, chat groups, apps), annual reporting plans with their exceptions, and the
fill-once value store from which every channel's submission is assembled.

Scoping: a channel is seen inside the subtree of the region it reaches (its county), so the department that owns it,
the county and the levels above see it; values and submissions inside the committee's subtree; published plans are
public (a plan is an announcement to committees)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStamped, history
from regions.models import Organisation, Region

from .choices import ChannelKind, ChannelStatus, ExceptionStatus, Frequency, PlanStatus, QueueStatus


class DataElement(TimeStamped):
    """One datum of the dictionary (数据项), seeded from reporting/data/elements.toml."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("canonical name"), max_length=100)
    category = models.CharField(_("category"), max_length=50, blank=True)
    definition = models.TextField(_("definition"))
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    type = models.CharField(_("type"), max_length=10)
    synonyms = models.JSONField(_("synonyms"), default=list, blank=True)
    source = models.CharField(_("usually asked by"), max_length=100, blank=True)

    history = history()
    scope_code_field = "code"  # never a region code: visibility comes from public_q (the dictionary is public)

    class Meta:
        ordering = ["code"]
        verbose_name = _("data element")
        verbose_name_plural = _("data elements")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @classmethod
    def public_q(cls) -> Q:
        return Q(pk__isnull=False)


class LearntMapping(TimeStamped):
    """A field name a civil-affairs officer confirmed as meaning an element; fed to the resolver as learnt."""

    name = models.CharField(_("field name"), max_length=200, unique=True)
    element = models.ForeignKey(DataElement, on_delete=models.PROTECT, related_name="mappings", verbose_name=_("element"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("confirmed in"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("confirmed by")
    )

    history = history()
    scope_code_field = "region__code"

    class Meta:
        ordering = ["name"]
        verbose_name = _("learnt mapping")
        verbose_name_plural = _("learnt mappings")

    def __str__(self) -> str:
        return f"{self.name} → {self.element.code}"


class UnresolvedField(TimeStamped):
    """A field name no element explains, waiting for the county civil-affairs officer."""

    normalised = models.CharField(_("normalised name"), max_length=200)
    names = models.JSONField(_("wordings seen"), default=list)
    reason = models.CharField(_("reason"), max_length=16, default="unresolved")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("county"))
    channels = models.JSONField(_("channels"), default=list)
    status = models.CharField(_("status"), max_length=16, choices=QueueStatus.choices, default=QueueStatus.OPEN,
                              db_index=True)
    element = models.ForeignKey(DataElement, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("element"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))

    history = history()
    scope_code_field = "region__code"

    class Meta:
        ordering = ["status", "normalised"]
        verbose_name = _("unmapped field")
        verbose_name_plural = _("unmapped fields")
        constraints = [models.UniqueConstraint(fields=["region", "normalised"], name="unique_unresolved_per_county")]

    def __str__(self) -> str:
        return self.normalised


class ReportingChannel(TimeStamped):
    """A ledger, report form, work chat group or mobile app an agency asks committees to use."""

    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="reporting_channels",
                              verbose_name=_("owner"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="reporting_channels",
                               verbose_name=_("county it reaches"))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind.choices)
    frequency = models.CharField(_("frequency"), max_length=16, choices=Frequency.choices)
    notice_days = models.PositiveIntegerField(_("days of notice"), default=10)
    minutes_per_filing = models.PositiveIntegerField(_("estimated minutes per filing"), default=30)
    list_items = models.JSONField(_("linked list items"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ChannelStatus.choices,
                              default=ChannelStatus.REGISTERED, db_index=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged",
                                    verbose_name=_("merged into"))
    review_reason = models.TextField(_("reason of the review"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("registered by"))
    lock_version = models.PositiveIntegerField(_("edit counter"), default=0)

    history = history()
    scope_code_field = "region__code"

    class Meta:
        ordering = ["region__code", "owner__name", "name"]
        verbose_name = _("reporting channel")
        verbose_name_plural = _("reporting channels")

    def __str__(self) -> str:
        return f"{self.owner.name}：{self.name}"

    @property
    def is_unlisted(self) -> bool:
        return not self.list_items

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields.all()]


class ChannelField(models.Model):
    channel = models.ForeignKey(ReportingChannel, on_delete=models.CASCADE, related_name="fields",
                                verbose_name=_("channel"))
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("field name"), max_length=200)
    element = models.ForeignKey(DataElement, null=True, blank=True, on_delete=models.PROTECT, related_name="fields",
                                verbose_name=_("element"))
    resolution = models.CharField(_("how it was resolved"), max_length=16, blank=True)

    scope_code_field = "channel__region__code"

    class Meta:
        ordering = ["channel", "position"]
        verbose_name = _("channel field")
        verbose_name_plural = _("channel fields")

    def __str__(self) -> str:
        return self.name

    @property
    def resolution_label(self) -> str:
        """How the field was matched to its element, for people (``resolution`` is the stable code)."""
        from .elements import REASON_LABELS

        return str(REASON_LABELS.get(self.resolution, self.resolution))


class ReportingPlan(TimeStamped):
    """The annual reporting plan of a township or street (Art. 6(1)): what each committee reports, to whom, how
    often and when, fixed at the start of the year."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="reporting_plans",
                               verbose_name=_("township or street"))
    year = models.PositiveIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT,
                              db_index=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("published by"))
    lock_version = models.PositiveIntegerField(_("edit counter"), default=0)

    history = history()
    scope_code_field = "region__code"

    class Meta:
        ordering = ["-year", "region__code"]
        verbose_name = _("annual reporting plan")
        verbose_name_plural = _("annual reporting plans")
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="unique_plan_per_year")]

    def __str__(self) -> str:
        return f"{self.region.name} {self.year}"

    @classmethod
    def public_q(cls) -> Q:
        return Q(status=PlanStatus.PUBLISHED)


class PlanEntry(models.Model):
    plan = models.ForeignKey(ReportingPlan, on_delete=models.CASCADE, related_name="entries", verbose_name=_("plan"))
    channel = models.ForeignKey(ReportingChannel, on_delete=models.PROTECT, related_name="plan_entries",
                                verbose_name=_("channel"))
    frequency = models.CharField(_("frequency"), max_length=16, choices=Frequency.choices)
    due = models.CharField(_("when it is due"), max_length=100)

    history = history()
    scope_code_field = "plan__region__code"

    class Meta:
        ordering = ["plan", "channel__owner__name", "channel__name"]
        verbose_name = _("plan entry")
        verbose_name_plural = _("plan entries")
        constraints = [models.UniqueConstraint(fields=["plan", "channel"], name="unique_channel_per_plan")]

    def __str__(self) -> str:
        return f"{self.plan}: {self.channel}"

    @classmethod
    def public_q(cls) -> Q:
        return Q(plan__status=PlanStatus.PUBLISHED)


class PlanException(TimeStamped):
    """一事一报: a channel outside the annual plan may reach committees only on an exception the county approves."""

    channel = models.ForeignKey(ReportingChannel, on_delete=models.CASCADE, related_name="exceptions",
                                verbose_name=_("channel"))
    year = models.PositiveIntegerField(_("year"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=16, choices=ExceptionStatus.choices,
                              default=ExceptionStatus.REQUESTED, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("requested by"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("note of the decision"), blank=True)

    history = history()
    scope_code_field = "channel__region__code"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("exception to the plan")
        verbose_name_plural = _("exceptions to the plan")

    def __str__(self) -> str:
        return f"{self.channel} ({self.year})"


class ElementValue(TimeStamped):
    """A committee's value of one element for one period: entered once, used by every channel that asks for it."""

    # Indexes cost every one of a burst's 50 rows per submission: the unique constraint below serves lookups by
    # committee, and a user or element is found by a scan only on its rare deletion. On PostgreSQL the committee and
    # element keys are checked by triggers once per statement, not by constraints row by row (migration 0004).
    committee = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="element_values",
                                  verbose_name=_("committee"), db_index=False)
    element = models.ForeignKey(DataElement, on_delete=models.PROTECT, related_name="values", verbose_name=_("element"))
    period = models.CharField(_("period"), max_length=12)
    value = models.CharField(_("value"), max_length=500)
    # Who entered it: no foreign-key check in the database (Django still nulls it if the user is deleted), since
    # PostgreSQL checks each key row by row and a burst writes 50 values with 50 history rows per submission.
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("entered by"), db_index=False, db_constraint=False)
    lock_version = models.PositiveIntegerField(_("edit counter"), default=0)

    # Looked up by id, date or user; the history keeps its user id unchecked, like any history row should outlive
    # what it names.
    history = history(no_db_index=["committee", "element", "entered_by"], user_db_constraint=False)
    scope_code_field = "committee__code"

    class Meta:
        ordering = ["committee__code", "element__code", "-period"]
        verbose_name = _("value of a data element")
        verbose_name_plural = _("values of data elements")
        constraints = [models.UniqueConstraint(fields=["committee", "element", "period"], name="unique_value_per_period")]

    def __str__(self) -> str:
        return f"{self.committee.code} {self.element.code} {self.period}"


class Submission(TimeStamped):
    """One channel's filing by one committee for one period, assembled from the value store."""

    channel = models.ForeignKey(ReportingChannel, on_delete=models.PROTECT, related_name="submissions",
                                verbose_name=_("channel"))
    committee = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="reporting_submissions",
                                  verbose_name=_("committee"))
    period = models.CharField(_("period"), max_length=12)
    data = models.JSONField(_("data"), default=dict)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("submitted by"))
    pulled_at = models.DateTimeField(_("received by the agency at"), null=True, blank=True)

    history = history(user_db_constraint=False)  # as ElementValue's
    scope_code_field = "committee__code"

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [models.UniqueConstraint(fields=["channel", "committee", "period"], name="unique_submission")]

    def __str__(self) -> str:
        return f"{self.channel} · {self.committee.name} · {self.period}"


class IdempotencyRecord(models.Model):
    """The answer given to a client-supplied idempotency key: a retry or a double click gets the same answer."""

    key = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    response = models.JSONField(default=dict)
    status_code = models.PositiveIntegerField(default=200)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_code_field = "key"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="unique_idempotency_key")]

    def __str__(self) -> str:
        return self.key
