"""Reporting API: the public analysis (DESIGN.md §8 POST /api/v1/reporting/analyze), the dictionary, the channel
registry and its review, idempotent submissions by committees and the agencies' pull of what they receive."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.fields import SkipField, empty
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core.api import ApiError, call_service
from core.audit import client_ip
from core.scoping import get_scoped_object_or_404, restrict

from . import services
from .analysis import analyze
from .choices import ChannelKind, Frequency
from .filtersets import ChannelFilterSet, ElementFilterSet, SubmissionFilterSet
from .models import DataElement, ReportingChannel, Submission

MAX_FORMS = 5000
MAX_FORM_FIELDS = 500




# --- the public analysis ------------------------------------------------------------------------------------------

class FormSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=200, allow_blank=True)
    agency = serializers.CharField(max_length=200, allow_blank=True)
    name = serializers.CharField(max_length=500, allow_blank=True)
    kind = serializers.ChoiceField(choices=ChannelKind.values)
    frequency = serializers.ChoiceField(choices=Frequency.values)
    deadline_days = serializers.IntegerField(min_value=0)
    in_annual_plan = serializers.BooleanField()
    list_item = serializers.CharField(max_length=200, allow_blank=True, required=False)
    fields = serializers.ListField(child=serializers.CharField(max_length=200, allow_blank=True, trim_whitespace=False),
                                   max_length=MAX_FORM_FIELDS)


class AnalyzeRequestSerializer(serializers.Serializer):
    forms = FormSerializer(many=True, max_length=MAX_FORMS)


class OverlapFieldSerializer(serializers.Serializer):
    form = serializers.CharField()
    field = serializers.CharField()


class OverlapSerializer(serializers.Serializer):
    element = serializers.CharField()
    fields = OverlapFieldSerializer(many=True)
    agencies = serializers.ListField(child=serializers.CharField())
    multi_head = serializers.BooleanField()


class RushSerializer(serializers.Serializer):
    form = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())


class UnlistedSerializer(serializers.Serializer):
    form = serializers.CharField()


class BurdenSerializer(serializers.Serializer):
    fields_total = serializers.IntegerField()
    fields_unique = serializers.IntegerField()
    filings_per_year = serializers.IntegerField()


class AnalyzeResponseSerializer(serializers.Serializer):
    overlaps = OverlapSerializer(many=True)
    rush = RushSerializer(many=True)
    unlisted = UnlistedSerializer(many=True)
    burden = BurdenSerializer()


class AnalyzeView(APIView):
    """Overlap (duplicate, multi-head), rush and unlisted reporting and the burden of a set of forms (Art. 6).
    Public, no login, rate-limited per client; nothing is stored."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public_check"

    @extend_schema(request=AnalyzeRequestSerializer, responses={200: AnalyzeResponseSerializer},
                   summary="Analyse the forms committees are asked to fill (Art. 6)")
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise ApiError("invalid", _("Send a JSON object with a list `forms`."))
        serializer = AnalyzeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        forms = [dict(f) for f in serializer.validated_data["forms"]]
        return Response(analyze(forms, resolver=services.resolver()))


# --- dictionary ---------------------------------------------------------------------------------------------------

class ElementSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataElement
        fields = ["code", "name", "category", "definition", "unit", "type", "synonyms"]


class ElementListView(generics.ListAPIView):
    """The data-element dictionary (public)."""

    permission_classes = [AllowAny]
    serializer_class = ElementSerializer
    filterset_class = ElementFilterSet

    def get_queryset(self) -> Any:
        return restrict(DataElement.objects.all(), self.request.user)


# --- channels -----------------------------------------------------------------------------------------------------

class ChannelSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.name", read_only=True)
    county = serializers.CharField(source="region.code", read_only=True)
    fields = serializers.SerializerMethodField(method_name="field_rows")
    unlisted = serializers.BooleanField(source="is_unlisted", read_only=True)

    class Meta:
        model = ReportingChannel
        fields = ["id", "name", "owner", "county", "kind", "frequency", "notice_days", "minutes_per_filing",
                  "list_items", "status", "merged_into", "unlisted", "fields", "lock_version"]

    def field_rows(self, obj: ReportingChannel) -> list[dict[str, Any]]:
        return [{"name": f.name, "element": f.element.code if f.element else None, "resolution": f.resolution}
                for f in obj.fields.all()]


class ChannelCreateSerializer(serializers.Serializer):
    owner = serializers.IntegerField(required=False, help_text="Organisation id; defaults to your agency")
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ChannelKind.values)
    frequency = serializers.ChoiceField(choices=Frequency.values)
    notice_days = serializers.IntegerField(min_value=0, max_value=366)
    minutes_per_filing = serializers.IntegerField(min_value=0, max_value=10000)
    list_items = serializers.ListField(child=serializers.CharField(max_length=32), required=False, default=list)
    fields = serializers.ListField(child=serializers.CharField(max_length=200), min_length=1, max_length=services.MAX_FIELDS)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class ChannelListView(generics.ListCreateAPIView):
    """Channels reaching committees in your scope; POST registers a channel for your agency."""

    serializer_class = ChannelSerializer
    filterset_class = ChannelFilterSet

    def get_queryset(self) -> Any:
        return restrict(ReportingChannel.objects.select_related("owner", "region").prefetch_related("fields__element"),
                        self.request.user)

    @extend_schema(request=ChannelCreateSerializer, responses={201: ChannelSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ChannelCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        owners = services.registering_orgs(request.user)
        owner_id = values.pop("owner", None)
        owner = next((o for o in owners if owner_id in (None, o.pk)), None)
        if owner is None:
            raise ApiError("permission_denied", _("You do not have permission to do this."), 403)
        channel = call_service(services.register_channel, request.user, owner, request=request, **values)
        return Response(ChannelSerializer(channel).data, status=201)


class ChannelEditSerializer(serializers.Serializer):
    lock_version = serializers.IntegerField(help_text="The edit counter of the version you edited (409 when stale)")
    name = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=ChannelKind.values, required=False)
    frequency = serializers.ChoiceField(choices=Frequency.values, required=False)
    notice_days = serializers.IntegerField(min_value=0, max_value=366, required=False)
    minutes_per_filing = serializers.IntegerField(min_value=0, max_value=10000, required=False)
    list_items = serializers.ListField(child=serializers.CharField(max_length=32), required=False)
    fields = serializers.ListField(child=serializers.CharField(max_length=200), min_length=1,
                                   max_length=services.MAX_FIELDS, required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class ChannelDetailView(generics.RetrieveAPIView):
    """GET a channel; PATCH: its owning agency edits it (only the keys sent change; lock_version required). Editing
    an approved channel sends it back to the county's review."""

    serializer_class = ChannelSerializer

    def get_object(self) -> ReportingChannel:
        return get_scoped_object_or_404(ReportingChannel.objects.all(), self.request.user, request=self.request,
                                        pk=self.kwargs["pk"])

    @extend_schema(request=ChannelEditSerializer, responses={200: ChannelSerializer},
                   operation_id="reporting_channels_edit")
    def patch(self, request: Request, pk: int) -> Response:
        channel = self.get_object()
        data = ChannelEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        lock = values.pop("lock_version")
        channel = call_service(services.edit_channel, request.user, channel, lock=lock, request=request, **values)
        return Response(ChannelSerializer(channel).data)


class ReviewSerializer(serializers.Serializer):
    lock_version = serializers.IntegerField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    into = serializers.IntegerField(required=False, allow_null=True, default=None)


class ChannelReviewView(APIView):
    """County review of a channel: approve, merge (into another approved channel) or reject."""

    @extend_schema(request=ReviewSerializer, responses={200: ChannelSerializer}, operation_id="reporting_channels_review")
    def post(self, request: Request, pk: int, step: str) -> Response:
        channel = get_scoped_object_or_404(ReportingChannel.objects.all(), request.user, request=request, pk=pk)
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if step == "approve":
            channel = call_service(services.approve_channel, request.user, channel, lock=v["lock_version"], reason=v["reason"],
                           request=request)
        elif step == "reject":
            channel = call_service(services.reject_channel, request.user, channel, lock=v["lock_version"], reason=v["reason"],
                           request=request)
        elif step == "merge":
            into = get_scoped_object_or_404(ReportingChannel.objects.all(), request.user, request=request, pk=v["into"] or 0)
            channel = call_service(services.merge_channel, request.user, channel, into, lock=v["lock_version"],
                           reason=v["reason"], request=request)
        else:
            raise ApiError("not_found", _("Not found."), 404)
        return Response(ChannelSerializer(channel).data)


# --- submissions --------------------------------------------------------------------------------------------------

class SubmissionSerializer(serializers.ModelSerializer):
    channel_name = serializers.CharField(source="channel.name", read_only=True)
    agency = serializers.CharField(source="channel.owner.name", read_only=True)
    committee = serializers.CharField(source="committee.code", read_only=True)
    committee_name = serializers.CharField(source="committee.name", read_only=True)

    class Meta:
        model = Submission
        fields = ["id", "channel", "channel_name", "agency", "committee", "committee_name", "period", "data",
                  "revision", "created_at", "updated_at", "pulled_at"]


_moment = serializers.DateTimeField()


def submission_body(sub: Submission) -> dict[str, Any]:
    """SubmissionSerializer's answer built directly (a burst answers hundreds a second); a test keeps the two equal."""
    moment = _moment.to_representation
    return {"id": sub.pk, "channel": sub.channel_id, "channel_name": sub.channel.name, "agency": sub.channel.owner.name,
            "committee": sub.committee.code, "committee_name": sub.committee.name, "period": sub.period,
            "data": sub.data, "revision": sub.revision, "created_at": moment(sub.created_at),
            "updated_at": moment(sub.updated_at), "pulled_at": moment(sub.pulled_at) if sub.pulled_at else None}


class SubmitSerializer(serializers.Serializer):
    channel = serializers.IntegerField()
    committee = serializers.CharField(max_length=12)
    period = serializers.RegexField(r"^\d{4}(-(\d{2}|Q[1-4]|H[12]|W\d{2}|\d{2}-\d{2}))?$", max_length=12)
    # Each value is checked by the service against its element (text or number, length, type): once, not twice.
    values = serializers.DictField(allow_empty=False, help_text="element code or field name → text or number")
    revision = serializers.IntegerField(required=False, allow_null=True, default=None,
                                        help_text="The revision you are replacing (required once a submission exists)")


def parse_submit(data: Any) -> dict[str, Any]:
    """What ``SubmitSerializer(data=data)`` validates, with its very fields and errors, without building a serializer
    per request (DRF deep-copies every field for each one): every committee's submission passes here in a burst.
    A test holds the two equal on arbitrary bodies. Anything but a JSON object goes through the serializer itself."""
    if type(data) is not dict:
        serializer = SubmitSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)
    validated, errors = {}, {}
    for name, field in _SUBMIT_FIELDS.items():  # the class's declared fields, never bound: run_validation keeps no state
        try:
            validated[name] = field.run_validation(data.get(name, empty))
        except serializers.ValidationError as error:
            errors[name] = error.detail
        except SkipField:
            pass
    if errors:
        raise serializers.ValidationError(errors)
    return validated


_SUBMIT_FIELDS = SubmitSerializer._declared_fields


class SubmissionListView(generics.ListAPIView):
    """POST: a committee submits one channel's values (Idempotency-Key header: a retry creates nothing new).
    GET: the submissions your agency receives (pull); `?new=true` for the ones not yet received."""

    serializer_class = SubmissionSerializer
    filterset_class = SubmissionFilterSet

    def get_queryset(self) -> Any:
        return services.received(self.request.user).order_by("id")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        page = [row["id"] for row in response.data.get("results", [])]
        services.mark_pulled(list(Submission.objects.filter(pk__in=page)))
        return response

    @extend_schema(request=SubmitSerializer, responses={201: SubmissionSerializer, 200: SubmissionSerializer},
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)])
    def post(self, request: Request) -> Response:
        v = parse_submit(request.data)
        committee = services.committee_for_submission(request.user, v["committee"])
        channel = services.channel_for_submission(request.user, v["channel"], committee)
        body, code = call_service(services.submit, request.user, committee, channel, v["period"], v["values"],
                                  render=submission_body, revision=v["revision"],
                                  key=request.headers.get("Idempotency-Key"), ip=client_ip(request))
        return Response(body, status=code)
