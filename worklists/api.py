"""Worklist API: the public effective-list contract (DESIGN.md §8), published versions with diffs, and the
lifecycle steps for integrations (the same services as the web pages)."""

from datetime import date
from typing import Any

from django.db.models import DateField, Q, QuerySet
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.choices import Action
from core import httpcache
from core.api import ApiError
from core.scoping import get_scoped_object_or_404, restrict
from legal.models import LegalSource, Provision
from regions.api import region_or_error
from regions.choices import Level
from regions.codes import InvalidCode, normalise
from regions.models import Region

from . import io as imports
from . import services
from .choices import PUBLIC_STATUSES
from .models import Filing, ListVersion
from .views_public import public_validators


def _date(request: Request) -> date | None:
    if not request.META.get("QUERY_STRING"):  # the usual request: no query string to parse
        return None
    query = getattr(request, "query_params", request.GET)  # a DRF request, or Django's before DRF's dispatch
    text = query.get("date") or query.get("on")
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApiError("invalid_date", _("Dates are written YYYY-MM-DD.")) from None


def _committee_worklist_stamp() -> dict[str, QuerySet]:
    param = httpcache.param
    chain = Q(worklist__region__code=param("province")) | Q(worklist__region__code=param("city")) | Q(
        worklist__region__code=param("county"))
    version = ListVersion.objects.filter(
        chain, status__in=PUBLIC_STATUSES, effective_from__lte=param("on", DateField()),
    ).order_by("-worklist__region__level", "-number")
    return {
        "committee": httpcache.first(Region.objects.filter(code=param("code"), level=Level.VILLAGE), "pk"),
        "version": httpcache.row(version, "pk", "cache_token", "updated_at"),
        **httpcache.history_stamp(Region, LegalSource, Provision),
    }


def committee_worklist_validators(request: Request, code: str) -> httpcache.Validators | None:
    """The version the answer comes from, as the payload cache keys it (id, cache token, time), the committee (its
    kind filters the items) and the legal registry (names in legal_basis): one query (compiled once), no payload built."""
    try:
        code12 = normalise(code)
    except InvalidCode:
        return None
    try:
        on = _date(request) or timezone.localdate()
    except ApiError:
        return None  # the view answers the malformed date
    values = httpcache.compiled_scalars(
        "worklists:committee", _committee_worklist_stamp, code=code12, province=code12[:2] + "0" * 10,
        city=code12[:4] + "0" * 8, county=code12[:6] + "0" * 6, on=on,
    )
    if values["committee"] is None or values["version"] is None:
        return None
    return httpcache.validators_from(values, on)


class CommitteeWorklistView(APIView):
    """The effective work list of a committee on a date (today by default).

    Published data, served from the per-version cache: not throttled, so that it keeps the throughput DESIGN.md
    §10 asks of it (the rate-limited endpoints are the POST checks)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        summary="Effective work list of a committee",
        parameters=[OpenApiParameter("date", str, description="YYYY-MM-DD; default today")],
        responses={200: dict},
    )
    def get(self, request: Request, code: str) -> Response:
        region = region_or_error(code)
        if region.level != Level.VILLAGE:
            raise ApiError("not_a_committee", _("%(code)s is not a village or residents' committee.") % {"code": region.code}, 404)
        payload = services.effective_list_payload(region, _date(request))
        if payload is None:
            raise ApiError("no_list", _("No work list is published for this committee yet."), 404)
        return Response({"committee": {"code": region.code, "name": region.name, "kind": region.committee_kind}, **payload})


# The conditional GET wraps the whole view, not its `get`: a stored answer for an anonymous client is then served before
# DRF's dispatch (request wrapping, authentication, permissions), which cost as much as the rest (DESIGN §10). Signed-in
# and token clients still go through the view; the view allows anonymous reads, so nothing is bypassed.
committee_worklist = httpcache.conditional(committee_worklist_validators, page=False)(CommitteeWorklistView.as_view())


def _version(request: Request, pk: int, action: str = Action.VIEW) -> ListVersion:
    return get_scoped_object_or_404(
        ListVersion.objects.select_related("worklist__region"), request.user, action, request=request, pk=pk,
    )


class VersionListView(APIView):
    """Versions the caller may see: every published one, and drafts within the caller's scope."""

    permission_classes = [AllowAny]

    @extend_schema(summary="Catalog and list versions", responses={200: dict}, operation_id="worklists_versions_list")
    @method_decorator(httpcache.conditional(public_validators, page=False))
    def get(self, request: Request) -> Response:
        versions = restrict(ListVersion.objects.select_related("worklist__region"), request.user).order_by("worklist__region__code", "-number")
        if region := request.query_params.get("region"):
            versions = versions.filter(worklist__region__code=region)
        return Response({"results": [services.version_summary(v) for v in versions[:500]]})


class VersionDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="One version with its items", responses={200: dict})
    @method_decorator(httpcache.conditional(public_validators, page=False))
    def get(self, request: Request, pk: int) -> Response:
        version = _version(request, pk)
        items = services.items_with_citations(version)
        body = {"list": services.version_summary(version), "items": [services.item_payload(i) for i in items],
                "omissions": [{"code": o.upper_item.code, "name": o.upper_item.name, "reason": o.reason}
                              for o in version.omissions.select_related("upper_item")]}
        if version.status not in PUBLIC_STATUSES:
            body["validation"] = services.validate_version(version).as_dict()
            body["lock"] = version.lock
        return Response(body)


class VersionDiffView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="Differences from another version (default: the previous one)",
                   parameters=[OpenApiParameter("against", int)], responses={200: dict})
    @method_decorator(httpcache.conditional(public_validators, page=False))
    def get(self, request: Request, pk: int) -> Response:
        version = _version(request, pk)
        against = request.query_params.get("against")
        if against:
            if not against.isdigit():
                raise ApiError("invalid", _("`against` is a version id."))
            other: ListVersion | None = _version(request, int(against))
        else:
            other = version.previous
        return Response({
            "from": services.version_summary(other) if other else None, "to": services.version_summary(version),
            **services.diff_versions(other, version),
        })


class WorklistStepSerializer(serializers.Serializer):
    document = serializers.CharField(required=False, allow_blank=True, max_length=100)
    approved_on = serializers.DateField(required=False)
    comments = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    source = serializers.ChoiceField(choices=["previous", "upper", "empty"], required=False)


class VersionStepView(APIView):
    """POST /worklists/versions/{id}/{step}: submit, send_back, approve, publish, file."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=WorklistStepSerializer, responses={200: dict}, summary="A lifecycle step")
    def post(self, request: Request, pk: int, step: str) -> Response:
        data = WorklistStepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        version = _version(request, pk)
        user = request.user
        try:
            if step == "submit":
                version = services.submit(user, version)
            elif step == "send_back":
                version = services.send_back(user, version, values.get("comments", ""))
            elif step == "approve":
                version = services.approve(user, version, document=values.get("document", ""), approved_on=values.get("approved_on"))
            elif step == "publish":
                version = services.publish(user, version)
            elif step == "file":
                services.file_version(user, version)
            elif step == "adjust":
                version = services.create_draft(user, version.worklist.region, source=values.get("source", "previous"),
                                                change_note=values.get("comments", ""))
            else:
                raise ApiError("not_found", _("Unknown step."), 404)
        except services.ValidationFailed as failed:
            return Response(
                {"error": {"code": "validation_failed", "message": str(failed.detail), "fields": {}},
                 "validation": failed.report.as_dict()}, status=400,
            )
        return Response(services.version_summary(version))


class VersionImportView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(summary="Replace a draft's items with an xlsx workbook (all or nothing)", request=dict, responses={200: dict})
    def post(self, request: Request, pk: int) -> Response:
        version = _version(request, pk)
        upload = request.FILES.get("file")
        if upload is None:
            raise ApiError("invalid", _("Send the workbook in the field `file`."))
        try:
            count = imports.import_items(request.user, version, upload, lock=request.data.get("lock"))
        except imports.ImportFailed as failed:
            return Response({"error": {"code": "import_failed", "message": _("Nothing was imported: %(n)d errors.") % {"n": len(failed.errors)},
                                       "fields": {"rows": failed.errors}}}, status=400)
        return Response({"imported": count})


class FilingStepView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=WorklistStepSerializer, responses={200: dict}, summary="Receive, accept or return a filing")
    def post(self, request: Request, pk: int, decision: str) -> Response:
        filing = get_scoped_object_or_404(Filing.objects.all(), request.user, Action.VIEW, request=request, pk=pk)
        comments = str(request.data.get("comments", "")) if hasattr(request.data, "get") else ""
        filing = services.review_filing(request.user, filing, decision, comments)
        return Response({"id": filing.pk, "status": filing.status, "comments": filing.comments})
