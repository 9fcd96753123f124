"""Assessment plans (考核方案) with indicators tied to list items, their Art. 7 findings, results in bands, and the
registry of inspection visits (Art. 7)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStamped, history
from regions.models import Organisation, Region

from .choices import Band, FindingStatus, PlanStatus, VisitKind


class AssessmentPlan(TimeStamped):
    """A township's (or county's) plan for assessing the committees in its area on the items of their work list."""

    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="assessment_plans", verbose_name=_("drawn up by"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="assessment_plans", verbose_name=_("area assessed"))
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    method = models.TextField(_("method of assessment"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT, db_index=True)
    list_version = models.ForeignKey(
        "worklists.ListVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("work list checked against"),
    )
    checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    comments = models.TextField(_("comments of the approver"), blank=True)
    # Optimistic lock: every change to the plan or its indicators bumps it; a change based on an older value is a 409.
    lock_version = models.PositiveIntegerField(_("edit counter"), default=0)

    history = history()
    scope_code_field = "region__code"

    class Meta:
        ordering = ["-year", "region__code", "title"]
        verbose_name = _("assessment plan")
        verbose_name_plural = _("assessment plans")

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def public_q() -> models.Q:
        # Published plans are public: committees and residents can read what is assessed and how.
        return models.Q(status=PlanStatus.PUBLISHED)

    @property
    def is_editable(self) -> bool:
        return self.status == PlanStatus.DRAFT


class Indicator(models.Model):
    """One indicator (考核指标) with its weight, the list items it assesses, method and means of verification."""

    plan = models.ForeignKey(AssessmentPlan, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("plan"))
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=1)
    method = models.TextField(_("method"), blank=True)
    evidence = models.TextField(_("means of verification"), blank=True, help_text=_("One per line."))
    items = models.ManyToManyField("worklists.WorkItem", blank=True, related_name="+", verbose_name=_("list items assessed"))

    history = history(m2m_fields=[items])
    scope_code_field = "plan__region__code"

    class Meta:
        ordering = ["plan", "position", "id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def public_q() -> models.Q:
        return models.Q(plan__status=PlanStatus.PUBLISHED)

    def evidence_lines(self) -> list[str]:
        return [line.strip() for line in self.evidence.splitlines() if line.strip()]


class PlanFinding(TimeStamped):
    """An Art. 7 finding of the last check of a plan: open until the plan is fixed, or dismissed with a reason."""

    plan = models.ForeignKey(AssessmentPlan, on_delete=models.CASCADE, related_name="findings", verbose_name=_("plan"))
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.CASCADE, related_name="findings", verbose_name=_("indicator"))
    article = models.PositiveSmallIntegerField(_("article"))
    clause = models.PositiveSmallIntegerField(_("clause"))
    rule = models.CharField(_("rule"), max_length=64)
    message = models.TextField(_("message"))
    evidence = models.CharField(_("evidence"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=FindingStatus.choices, default=FindingStatus.OPEN, db_index=True)
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("dismissed by"))
    dismissal_reason = models.TextField(_("reason for dismissal"), blank=True)

    history = history()
    scope_code_field = "plan__region__code"

    class Meta:
        ordering = ["plan", "indicator__position", "clause", "id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return f"Art. {self.article}({self.clause}) {self.rule}"

    @property
    def citation(self) -> str:
        from .conf import citation

        return citation(self.article, self.clause)


class AssessmentResult(TimeStamped):
    """The comprehensive evaluation of one committee under a published plan: a band with reasons, never a score."""

    plan = models.ForeignKey(AssessmentPlan, on_delete=models.PROTECT, related_name="results", verbose_name=_("plan"))
    committee = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="assessment_results", verbose_name=_("committee"))
    band = models.CharField(_("evaluation"), max_length=32, choices=Band.choices)
    reasons = models.TextField(_("reasons"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("recorded by"))
    lock_version = models.PositiveIntegerField(_("edit counter"), default=0)

    history = history()
    # The committee itself sees its result; so do the township and every level above.
    scope_code_field = "committee__code"

    class Meta:
        # Committees by code, never by result (Art. 7(2)).
        ordering = ["plan", "committee__code"]
        verbose_name = _("assessment result")
        verbose_name_plural = _("assessment results")
        constraints = [models.UniqueConstraint(fields=["plan", "committee"], name="unique_result_per_committee")]

    def __str__(self) -> str:
        return f"{self.committee.name} · {self.get_band_display()}"


class InspectionVisit(TimeStamped):
    """One inspection, check, assessment or research visit by an agency to a committee."""

    agency = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="inspection_visits", verbose_name=_("agency"))
    committee = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="inspection_visits", verbose_name=_("committee"))
    visited_on = models.DateField(_("date of visit"), db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=VisitKind.choices)
    purpose = models.CharField(pgettext_lazy("inspection visit", "purpose"), max_length=500)
    plan = models.ForeignKey(
        AssessmentPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="visits", verbose_name=_("under plan"),
    )
    visitors = models.CharField(_("who visited"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("recorded by"))
    repeat_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("repeats the visit of"),
    )
    is_repeat = models.BooleanField(_("repeat visit"), default=False, db_index=True)
    is_unplanned = models.BooleanField(_("outside any approved plan"), default=False, db_index=True)

    history = history()
    scope_code_field = "committee__code"

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("inspection visit")
        verbose_name_plural = _("inspection visits")
        indexes = [models.Index(fields=["agency", "committee", "visited_on"])]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.agency.name} → {self.committee.name}"

    @property
    def is_flagged(self) -> bool:
        return self.is_repeat or self.is_unplanned
