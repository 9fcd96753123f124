"""Pages of reporting: the dictionary, the channel registry and its county review, the mapping queue, annual plans
and exceptions, the committee's fill-once data sheet and the agencies' received forms. Services decide everything."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException

from core.api import show_errors
from core.audit import record
from core.exports import table_response
from core.models import AuditAction
from core.scoping import get_scoped_object_or_404, restrict
from regions.models import Region

from . import services
from .choices import ChannelKind, ChannelStatus, Frequency
from .filtersets import ChannelFilterSet, ElementFilterSet, SubmissionFilterSet
from .models import DataElement, PlanException, ReportingChannel, ReportingPlan, UnresolvedField


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _table(request: HttpRequest, name: str, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    """CSV or xlsx of a table, every cell through safe_cell."""
    record(AuditAction.EXPORT, user=request.user, request=request, what=name, rows=len(rows))
    return table_response(name, header, rows, request.GET.get("format", "csv"))


def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "reporting/index.html", {
        "can_register": bool(services.registering_orgs(user)),
        "counties": services.review_counties(user) if user.is_authenticated else [],
        "plan_orgs": services.plan_orgs(user),
        "committees": services.committees_of(user),
        "can_decide": bool(services.orgs(user, "approve", ("government",))),
        "can_analyse": services.can_analyse_pasted(user),
    })


def elements(request: HttpRequest) -> HttpResponse:
    filterset = ElementFilterSet(request.GET or None, queryset=restrict(DataElement.objects.all(), request.user))
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(request, "reporting/elements.html", {"filterset": filterset, "page": page})


# --- channels -----------------------------------------------------------------------------------------------------

@login_required
def channel_list(request: HttpRequest) -> HttpResponse:
    qs = restrict(ReportingChannel.objects.select_related("owner", "region").prefetch_related("fields"), request.user)
    filterset = ChannelFilterSet(request.GET or None, queryset=qs)
    if request.GET.get("format") in ("csv", "xlsx"):
        header = [_("Channel"), _("Owner"), _("Kind"), _("Frequency"), _("Days of notice"), _("Fields"),
                  _("Linked list items"), _("Status")]
        rows = [[c.name, c.owner.name, c.get_kind_display(), c.get_frequency_display(), c.notice_days,
                 len(c.fields.all()), "、".join(c.list_items) or _("none (unlisted)"), c.get_status_display()]
                for c in filterset.qs]
        return _table(request, "reporting-channels", header, rows)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(request, "reporting/channel_list.html", {
        "filterset": filterset, "page": page, "query": query.urlencode(),
        "can_register": bool(services.registering_orgs(request.user))})


@login_required
def channel_new(request: HttpRequest) -> HttpResponse:
    owners = services.registering_orgs(request.user)
    if not owners:
        raise Http404
    values: dict[str, Any] = {"frequency": "monthly", "kind": "report", "notice_days": 10, "minutes": 30}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("name", "kind", "frequency", "notice_days", "minutes",
                                                       "list_items", "fields", "description", "owner")}
        owner = next((o for o in owners if str(o.pk) == values["owner"]), owners[0])
        try:
            if not values["name"].strip():
                raise services._invalid("name", _("Give the channel a name."))
            if values["kind"] not in ChannelKind.values:
                raise services._invalid("kind", _("Choose a kind."))
            channel = services.register_channel(
                request.user, owner, name=values["name"], kind=values["kind"], frequency=values["frequency"],
                notice_days=_int(values["notice_days"]) or 0, minutes_per_filing=_int(values["minutes"]) or 0,
                fields=values["fields"], list_items=values["list_items"].replace("，", ",").split(","),
                description=values["description"], request=request)
        except APIException as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Channel registered: the county reviews it before it reaches committees."))
            return redirect("reporting:channel", channel.pk)
    items = []
    from worklists.services import effective_list

    county = owners[0].region
    effective = effective_list(county)
    if effective:
        items = effective.items
    return render(request, "reporting/channel_form.html", {
        "owners": owners, "values": values, "kinds": ChannelKind.choices, "frequencies": Frequency.choices,
        "items": items})


@login_required
def channel_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The owning agency edits its channel; a stale form (someone changed it meanwhile) is shown as an error with
    the values typed kept, never saved over the other change."""
    channel = get_scoped_object_or_404(ReportingChannel.objects.select_related("owner", "region"), request.user,
                                       request=request, pk=pk)
    if not services.can_edit(request.user, channel):
        raise Http404
    values: dict[str, Any] = {
        "name": channel.name, "kind": channel.kind, "frequency": channel.frequency, "notice_days": channel.notice_days,
        "minutes": channel.minutes_per_filing, "list_items": ", ".join(channel.list_items),
        "fields": "\n".join(channel.field_names()), "description": channel.description,
        "lock_version": channel.lock_version}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("name", "kind", "frequency", "notice_days", "minutes",
                                                       "list_items", "fields", "description", "lock_version")}
        try:
            services.edit_channel(
                request.user, channel, lock=_int(values["lock_version"]), request=request, name=values["name"],
                kind=values["kind"], frequency=values["frequency"], notice_days=_int(values["notice_days"]) or 0,
                minutes_per_filing=_int(values["minutes"]) or 0, fields=values["fields"],
                list_items=values["list_items"].replace("，", ",").split(","), description=values["description"])
        except APIException as error:
            show_errors(request, error)
        else:
            messages.success(request, _("Channel saved: the county reviews the changes before they reach committees."))
            return redirect("reporting:channel", channel.pk)
    from worklists.services import effective_list

    effective = effective_list(channel.region)
    return render(request, "reporting/channel_form.html", {
        "channel": channel, "owners": [channel.owner], "values": values, "kinds": ChannelKind.choices,
        "frequencies": Frequency.choices, "items": effective.items if effective else []})


@login_required
def channel_detail(request: HttpRequest, pk: int) -> HttpResponse:
    channel = get_scoped_object_or_404(ReportingChannel.objects.select_related("owner", "region", "merged_into"),
                                       request.user, request=request, pk=pk)
    can_review = services.can_review(request.user, channel) and channel.status == ChannelStatus.REGISTERED
    targets = ReportingChannel.objects.filter(region=channel.region, status=ChannelStatus.APPROVED).exclude(pk=pk)
    return render(request, "reporting/channel_detail.html", {
        "channel": channel, "fields": channel.fields.select_related("element"), "can_review": can_review,
        "targets": targets, "is_owner": channel.owner in services.registering_orgs(request.user),
        "can_edit": services.can_edit(request.user, channel),
        "exceptions": channel.exceptions.all(), "year": timezone.localdate().year,
        "history": [(h, history_note(h.history_change_reason)) for h in channel.history.select_related(
            "history_user")[:20]]})


# A channel's history rows keep their reason as a stable English code (reporting.services); these say it to people.
_HISTORY_NOTES = {"registered": gettext_lazy("registered"), "approved": gettext_lazy("approved by the county"),
                  "rejected": gettext_lazy("rejected by the county"),
                  "merged": gettext_lazy("merged into another channel")}
_BACK_TO_REVIEW, _DEMO = "; back to county review", " (demo)"


def history_note(reason: str | None) -> str:
    """A channel history row's reason in the reader's language: "edited: name, fields; back to county review" →
    "修改了名称、字段，退回县级审核"."""
    text = reason or ""
    demo, text = text.endswith(_DEMO), text.removesuffix(_DEMO)
    back, code = text.endswith(_BACK_TO_REVIEW), text.removesuffix(_BACK_TO_REVIEW)
    if code.startswith("edited: "):
        labels = [_channel_field_label(name) for name in code.removeprefix("edited: ").split(", ")]
        note = _("edited: %(fields)s") % {"fields": ("、" if get_language().startswith("zh") else ", ").join(labels)}
    elif code.startswith("absorbed channel "):
        note = _("absorbed channel %(number)s") % {"number": code.removeprefix("absorbed channel ")}
    else:
        note = str(_HISTORY_NOTES.get(code, code))
    if back:
        note += _(", back to county review")
    if demo:
        note += f" ({_('sample data')})"
    return note


def _channel_field_label(name: str) -> str:
    if name == "fields":
        return pgettext("channel history", "fields")
    try:
        return str(ReportingChannel._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - a field renamed since the row was written: show its code
        return name


@login_required
@require_POST
def channel_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    channel = get_scoped_object_or_404(ReportingChannel.objects.all(), request.user, request=request, pk=pk)
    lock, reason = _int(request.POST.get("lock_version")), request.POST.get("reason", "")
    try:
        if step == "approve":
            services.approve_channel(request.user, channel, lock=lock, reason=reason, request=request)
            messages.success(request, _("Channel approved."))
        elif step == "reject":
            services.reject_channel(request.user, channel, lock=lock, reason=reason, request=request)
            messages.success(request, _("Channel rejected."))
        elif step == "merge":
            into_pk = _int(request.POST.get("into"))
            if not into_pk:  # the channel to merge into is chosen, never a default
                messages.error(request, _("Choose the approved channel to merge this one into."))
                return redirect("reporting:channel", pk)
            into = get_scoped_object_or_404(ReportingChannel.objects.all(), request.user, request=request, pk=into_pk)
            services.merge_channel(request.user, channel, into, lock=lock, reason=reason, request=request)
            messages.success(request, _("Channel merged: its agency receives its form from the integrated channel."))
        elif step == "exception":
            services.request_exception(request.user, channel, timezone.localdate().year, reason, request=request)
            messages.success(request, _("Exception requested: the county government decides."))
        else:
            raise Http404
    except APIException as error:
        show_errors(request, error)
    next_url = request.POST.get("next", "")
    if next_url.startswith("/reporting/"):  # only our own pages: no open redirect
        return redirect(next_url)
    return redirect("reporting:channel", pk)


# --- county review ------------------------------------------------------------------------------------------------

@login_required
def review(request: HttpRequest, code: str) -> HttpResponse:
    county = get_object_or_404(Region, code=code, level=3)
    if county not in services.review_counties(request.user) and not request.user.is_superuser:
        raise Http404
    data = services.county_review(request.user, county)
    can_review = bool(services.orgs(request.user, "change", services.REVIEW_KINDS, county))
    approved = [c for c in data["channels"] if c.status == ChannelStatus.APPROVED]
    return render(request, "reporting/review.html", {"county": county, "can_review": can_review, "approved": approved,
                                                     "can_analyse": services.can_analyse_pasted(request.user),
                                                     **_review_rows(data["analysis"], data["by_id"]), **data})


def _review_rows(analysis: dict[str, Any], by_id: dict[str, ReportingChannel]) -> dict[str, Any]:
    """The analysis (its forms are channel ids) as the review page shows it: each wording once with the channels
    that ask it, and rush and unlisted channels by name rather than by number."""
    overlaps = []
    for overlap in analysis["overlaps"]:
        asked: dict[str, list[ReportingChannel]] = {}
        for field in overlap["fields"]:
            channel = by_id.get(field["form"])
            if channel is not None and channel not in asked.setdefault(field["field"], []):
                asked[field["field"]].append(channel)
        overlaps.append({**overlap, "asked_as": [(w, sorted(cs, key=lambda c: c.pk)) for w, cs in asked.items()]})
    rush = [(by_id[r["form"]], r["reasons"]) for r in analysis["rush"] if r["form"] in by_id]
    unlisted = [by_id[u["form"]] for u in analysis["unlisted"] if u["form"] in by_id]
    return {"overlap_rows": overlaps, "rush_rows": rush, "unlisted_rows": unlisted}


@login_required
def mapping(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        item = get_scoped_object_or_404(UnresolvedField.objects.all(), request.user, request=request,
                                        pk=_int(request.POST.get("item")) or 0)
        choice = request.POST.get("element") or ""
        if not choice:  # a datum of its own is an answer too, so it must be chosen, never the default
            messages.error(request, _("Choose a data element, or confirm the wording as a datum of its own."))
            return redirect("reporting:mapping")
        try:
            services.map_field(request.user, item, None if choice == OWN_DATUM else choice, request=request)
            messages.success(request, _("Mapping saved and learnt for every later form."))
        except APIException as error:
            show_errors(request, error)
        return redirect("reporting:mapping")
    return render(request, "reporting/mapping.html", {
        "queue": services.mapping_queue(request.user), "elements": DataElement.objects.order_by("category", "code"),
        "own_datum": OWN_DATUM, "rejected": services.rejected_mappings()})


OWN_DATUM = "own"  # the mapping form's answer "a datum of its own" (no element code is this short)


# --- plans and exceptions -----------------------------------------------------------------------------------------

@login_required
def plan_edit(request: HttpRequest) -> HttpResponse:
    plan_orgs = services.plan_orgs(request.user)
    if not plan_orgs:
        raise Http404
    year = _int(request.GET.get("year") or request.POST.get("year")) or timezone.localdate().year
    try:  # reading writes nothing: the plan is created with its first entry
        plan = services.plan_for(request.user, plan_orgs[0].region, year,
                                 create=request.method == "POST" and request.POST.get("action") != "publish")
    except APIException as error:
        show_errors(request, error)
        return redirect(request.path)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "publish":
                services.publish_plan(request.user, plan, lock=_int(request.POST.get("lock_version")), request=request)
                messages.success(request, _("Plan published: committees see their calendar."))
            else:
                channel = get_object_or_404(services.plannable_channels(plan), pk=_int(request.POST.get("channel")) or 0)
                services.set_plan_entry(request.user, plan, channel, request.POST.get("due", ""),
                                        lock=_int(request.POST.get("lock_version")), request=request)
                messages.success(request, _("Added to the plan."))
        except APIException as error:
            show_errors(request, error)
        return redirect(f"{request.path}?year={year}")
    entries = list(plan.entries.select_related("channel__owner")) if plan.pk else []
    planned = {e.channel_id for e in entries}
    return render(request, "reporting/plan_edit.html", {
        "plan": plan, "entries": entries, "years": services.plan_years(),
        "editable": not services.plan_year_is_over(plan),
        "available": [c for c in services.plannable_channels(plan) if c.pk not in planned]})


def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_scoped_object_or_404(ReportingPlan.objects.select_related("region"), request.user, request=request, pk=pk)
    return render(request, "reporting/plan_detail.html", {
        "plan": plan, "entries": plan.entries.select_related("channel__owner").prefetch_related("channel__fields")})


@login_required
def exceptions(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        exc = get_object_or_404(services.exceptions_to_decide(request.user), pk=_int(request.POST.get("exception")) or 0)
        try:
            services.decide_exception(request.user, exc, request.POST.get("decision") == "approve",
                                      request.POST.get("note", ""), request=request)
            messages.success(request, _("Decision recorded."))
        except APIException as error:
            show_errors(request, error)
        return redirect("reporting:exceptions")
    decided = restrict(PlanException.objects.select_related("channel__owner"), request.user)[:50]
    return render(request, "reporting/exceptions.html", {"pending": services.exceptions_to_decide(request.user),
                                                         "decided": decided})


# --- committees ---------------------------------------------------------------------------------------------------

@login_required
def fill(request: HttpRequest) -> HttpResponse:
    committees = services.committees_of(request.user)
    if not committees:
        raise Http404
    committee = committees[0]
    rows = services.data_sheet(committee)
    if request.method == "POST":
        values = {}
        for row in rows:
            key = f"v-{row.element.code}-{row.period}"
            if key in request.POST:
                values[(row.element.code, row.period)] = (request.POST[key], _int(request.POST.get(f"l-{row.element.code}-{row.period}")))
        try:
            subs = services.fill_sheet(request.user, committee, values, request=request)
            messages.success(request, _("Saved. %(n)d forms assembled and delivered to their agencies.") % {"n": len(subs)})
            return redirect("reporting:fill")
        except APIException as error:
            show_errors(request, error)
    calendar = services.active_channels(committee)
    return render(request, "reporting/fill.html", {
        "committee": committee, "rows": rows, "calendar": calendar,
        "plan": services.committee_plan(committee, timezone.localdate().year),
        "submissions": restrict(committee.reporting_submissions.select_related("channel__owner"), request.user)[:50]})


@login_required
def received(request: HttpRequest) -> HttpResponse:
    filterset = SubmissionFilterSet(request.GET or None, queryset=services.received(request.user))
    agency = next(iter(o for o in services.orgs(request.user, "view") if o.kind == "department"), None)
    if request.GET.get("format") in ("csv", "xlsx"):
        subs = list(filterset.qs.order_by("channel_id", "committee__code"))
        channel_ids = {s.channel_id for s in subs}
        if len(channel_ids) != 1:
            messages.error(request, _("Choose one channel to download its form."))
            return redirect("reporting:received")
        forms = [services.form_for_agency(s, agency) if agency else s.data for s in subs]
        # Columns in the channel's own field order: a form stored as jsonb (PostgreSQL) does not keep key order.
        order = subs[0].channel.field_names() if subs else []
        present = set(forms[0]) if forms else set()
        names = [n for n in order if n in present] + sorted(present.difference(order))
        header = [_("Committee code"), _("Committee"), _("Period"), *names]
        rows = [[s.committee.code, s.committee.name, s.period, *[f.get(n, "") for n in names]] for s, f in zip(subs, forms, strict=True)]
        services.mark_pulled(subs)
        return _table(request, "reporting-forms", header, rows)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(request, "reporting/received.html", {"filterset": filterset, "page": page})


# --- pasted forms -------------------------------------------------------------------------------------------------

@login_required
def analyze_forms(request: HttpRequest) -> HttpResponse:
    """A county officer pastes forms (not registered) and sees the §8 analysis: overlaps, multi-head requests, rush
    and unlisted forms, the burden and the fields no data element explains. Nothing is stored."""
    if not services.can_analyse_pasted(request.user):
        raise Http404
    values: dict[str, Any] = {"text": "", "frequency": "monthly", "deadline_days": 10, "in_annual_plan": False,
                              "list_item": ""}
    result = None
    if request.method == "POST":
        values = {"text": request.POST.get("text", ""), "frequency": request.POST.get("frequency", "monthly"),
                  "deadline_days": _int(request.POST.get("deadline_days")) or 0,
                  "in_annual_plan": request.POST.get("in_annual_plan") == "on",
                  "list_item": request.POST.get("list_item", "")}
        try:
            forms = services.parse_pasted_forms(values["text"], frequency=values["frequency"],
                                                deadline_days=values["deadline_days"],
                                                in_annual_plan=values["in_annual_plan"], list_item=values["list_item"])
            result = services.analyse_pasted(forms)
        except APIException as error:
            show_errors(request, error)
    return render(request, "reporting/analyze.html", {"values": values, "result": result,
                                                      "frequencies": Frequency.choices})
