"""Complaint API (DESIGN.md §8): POST /api/v1/complaints (public, anonymous allowed), GET /api/v1/complaints/{code};
and, for signed-in users, the cases they may see — agencies get the facts only, never the reporter."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core.api import ApiError

from . import rules, services, tracking
from .models import Case

THROTTLE_SCOPE = "public_check"


class ComplaintInSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=[])
    region = serializers.CharField(max_length=12)
    text = serializers.CharField(max_length=services.MAX_TEXT, trim_whitespace=True)
    agency = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    agency_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    anonymous = serializers.BooleanField(required=False, default=True)
    reporter_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    reporter_contact = serializers.CharField(required=False, allow_blank=True, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.code, c.name) for c in rules.categories().values()]


class ComplaintView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = THROTTLE_SCOPE
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request=ComplaintInSerializer,
        responses={201: inline_serializer("ComplaintFiled", {
            "tracking_code": serializers.CharField(), "status": serializers.CharField(), "guidance": serializers.CharField(),
        })},
        summary="File a complaint about an extra burden (anonymous allowed); returns the tracking code",
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict) and not hasattr(request.data, "getlist"):
            raise ApiError("malformed_request", _("The request body must be a JSON object."), 400)
        serializer = ComplaintInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        files = request.FILES.getlist("attachments") if hasattr(request, "FILES") else []
        try:
            filed = services.file_complaint(**serializer.validated_data, files=files, user=request.user, request=request)
        except services.InvalidInput as invalid:
            raise serializers.ValidationError(invalid.fields) from None
        body = {"tracking_code": filed.tracking_code, "status": filed.complaint.status, "guidance": filed.guidance}
        return Response(body, status=status.HTTP_201_CREATED)


class ComplaintStatusView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = THROTTLE_SCOPE

    @extend_schema(summary="Status and history of a complaint, as its reporter may see them",
                   responses={200: inline_serializer("ComplaintStatus", {
                       "status": serializers.CharField(), "status_label": serializers.CharField(),
                       "history": serializers.ListField(child=serializers.DictField()),
                   })})
    def get(self, request: Request, code: str) -> Response:
        complaint = services.find_complaint(code)
        if complaint is None:
            raise ApiError("not_found", _("No complaint has this tracking code."), 404)
        return Response({"tracking_code": tracking.normalise(code), **services.public_status(complaint)})


class CaseAgencySerializer(serializers.ModelSerializer):
    """What every reader of a case may see: the facts. No complaint text, no reporter, no attachments."""

    status_label = serializers.CharField(source="get_status_display")
    agency = serializers.CharField(source="agency.name", default="")
    bureau = serializers.CharField(source="bureau.name")
    region = serializers.SerializerMethodField()
    orders = serializers.SerializerMethodField()
    notices = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["number", "status", "status_label", "category", "article", "clause", "region", "bureau", "agency",
                  "facts", "outcome", "orders", "notices", "created_at"]

    def get_region(self, case: Case) -> str:
        # The committee concerned could betray the reporter: the agency learns it only from the facts the bureau wrote.
        request = self.context.get("request")
        if request is not None and services.role_for(request.user, case) == "agency":
            return case.bureau.region.code
        return case.region.code

    def get_orders(self, case: Case) -> list[dict[str, Any]]:
        return [{"requirement": o.requirement, "deadline": str(o.deadline), "response": o.response,
                 "responded_at": o.responded_at.isoformat() if o.responded_at else None, "late": o.response_late}
                for o in case.orders.all()]

    def get_notices(self, case: Case) -> list[dict[str, str]]:
        return [{"number": n.number, "title": n.title, "body": n.body} for n in case.notices.all()]


class CaseHandlerSerializer(CaseAgencySerializer):
    """The handling bureau's view: the complaint and, unless anonymous, the reporter."""

    complaint_text = serializers.CharField(source="complaint.text", default="")
    reporter = serializers.SerializerMethodField()

    class Meta(CaseAgencySerializer.Meta):
        fields = [*CaseAgencySerializer.Meta.fields, "complaint_text", "reporter"]

    def get_reporter(self, case: Case) -> dict[str, str] | None:
        return services.reporter_identity(self.context["request"].user, case)


class CaseListView(generics.ListAPIView):
    filter_backends: list = []

    @extend_schema(responses=CaseAgencySerializer(many=True), summary="Cases visible to the signed-in user")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):  # noqa: ANN201
        # Orders, notices and the bureau's region are read for every case listed: fetched once for the page.
        return (services.visible_cases(self.request.user)
                .select_related("agency", "bureau__region", "region", "complaint")
                .prefetch_related("orders", "notices").order_by("-id"))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        data = [self._serialize(case) for case in page]
        return self.get_paginated_response(data)

    def _serialize(self, case: Case) -> dict[str, Any]:
        ctx = {"request": self.request}
        if services.role_for(self.request.user, case) == "handler":
            return CaseHandlerSerializer(case, context=ctx).data
        return CaseAgencySerializer(case, context=ctx).data


class CaseDetailView(APIView):
    @extend_schema(responses=CaseAgencySerializer, summary="One case (the handling bureau also sees the complaint)")
    def get(self, request: Request, number: str) -> Response:
        case = services.get_case(request.user, number, request)
        if services.role_for(request.user, case) == "handler":
            return Response(CaseHandlerSerializer(case, context={"request": request}).data)
        return Response(CaseAgencySerializer(case, context={"request": request}).data)
