"""Complaints (投诉举报), cases (问责案件), correction orders (责令改正), notices (通报) and discipline referrals (Art. 10)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStamped, history
from regions.models import Organisation, Region

from .choices import CaseSource, CaseStatus, ComplaintStatus, Decision, EventKind


class Complaint(TimeStamped):
    """A report through the 减负直通车 channel. The reporter's identity is sealed and shown to the handling bureau only."""

    tracking_hash = models.CharField(max_length=64, unique=True, editable=False)
    category = models.CharField(_("category"), max_length=40)
    article = models.PositiveSmallIntegerField(_("article"), default=0)
    clause = models.PositiveSmallIntegerField(_("clause"), default=0)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    agency = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints_against",
        verbose_name=_("agency complained of"),
    )
    agency_name = models.CharField(_("agency named by the reporter"), max_length=150, blank=True)
    text = models.TextField(_("what happened"))
    status = models.CharField(_("status"), max_length=20, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED)
    guidance = models.TextField(_("guidance"), blank=True)
    bureau = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints_handled",
        verbose_name=_("responsible civil-affairs bureau"),
    )
    anonymous = models.BooleanField(_("anonymous"), default=True)
    # Identity: never serialised to agencies; names and contacts are encrypted.
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    reporter_org = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reporter_name_sealed = models.TextField(blank=True)
    reporter_contact_sealed = models.TextField(blank=True)

    history = history(excluded_fields=["reporter_name_sealed", "reporter_contact_sealed", "reporter_user", "reporter_org", "text"])
    scope_code_field = "region__code"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self) -> str:
        return f"#{self.pk} {self.category}"


class Attachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    original_name = models.CharField(_("file name"), max_length=200)
    stored_name = models.CharField(max_length=100, unique=True, editable=False)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_code_field = "complaint__region__code"

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class Case(TimeStamped):
    """An accountability case handled by the county-level civil-affairs bureau over the matter's region."""

    number = models.CharField(_("case number"), max_length=40, unique=True)
    source = models.CharField(_("source"), max_length=16, choices=CaseSource.choices, default=CaseSource.COMPLAINT)
    source_name = models.CharField(_("source module"), max_length=40, blank=True)
    source_ref = models.CharField(_("source record"), max_length=100, blank=True)
    complaint = models.OneToOneField(Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="case")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    bureau = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cases_handled", verbose_name=_("handling bureau"))
    agency = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="cases_against", verbose_name=_("agency"),
    )
    category = models.CharField(_("category"), max_length=40)
    article = models.PositiveSmallIntegerField(_("article"), default=0)
    clause = models.PositiveSmallIntegerField(_("clause"), default=0)
    facts = models.TextField(_("facts found"), blank=True)
    status = models.CharField(_("status"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.RECEIVED, db_index=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("handler"),
    )
    decision = models.CharField(pgettext_lazy("complaint check", "decision"), max_length=16, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("reasons"), blank=True)
    outcome = models.TextField(_("outcome told to the complainant"), blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    flagged_at = models.DateTimeField(null=True, blank=True)

    history = history()
    scope_code_field = "region__code"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(
                fields=["source_name", "source_ref"], condition=~models.Q(source_ref=""), name="one_case_per_violation",
            )
        ]

    def __str__(self) -> str:
        return self.number


class CorrectionOrder(TimeStamped):
    """责令改正: what the agency must correct, by when, its response and the bureau's verification."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="orders")
    requirement = models.TextField(_("what must be corrected"))
    deadline = models.DateField(pgettext_lazy("correction order", "deadline"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(_("agency's response"), blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    response_late = models.BooleanField(_("late"), default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_ok = models.BooleanField(null=True)
    verification_note = models.TextField(_("verification"), blank=True)

    history = history()
    scope_code_field = "case__region__code"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("correction order")
        verbose_name_plural = _("correction orders")

    def __str__(self) -> str:
        return f"{self.case.number} · {self.deadline}"


class Notice(TimeStamped):
    """通报批评 of an agency for a case."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notices")
    number = models.CharField(_("notice number"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    history = history()
    scope_code_field = "case__region__code"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return self.number


class DisciplineReferral(TimeStamped):
    """依法依规给予处分: the referral of the responsible persons to the body that decides discipline."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    referred_to = models.CharField(_("referred to"), max_length=150)
    persons = models.CharField(_("responsible persons"), max_length=300)
    reason = models.TextField(_("reasons"))
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    history = history()
    scope_code_field = "case__region__code"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("discipline referral")
        verbose_name_plural = _("discipline referrals")

    def __str__(self) -> str:
        return f"{self.case.number} → {self.referred_to}"


class CaseEvent(models.Model):
    """One step of a complaint or case. ``public_note`` is what the complainant reads; ``note`` stays inside."""

    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("step"), max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_org = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    public_note = models.TextField(blank=True)
    public = models.BooleanField(default=True)

    scope_code_field = "case__region__code"

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"
