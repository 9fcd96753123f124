"""Assessment API: the public plan check (DESIGN.md §8 POST /api/v1/assessments/check), and scoped plans, results
and the inspection registry for integrations (the same services as the pages)."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.choices import Action
from core.api import ApiError
from core.scoping import get_scoped_object_or_404, restrict
from regions.models import Region

from . import checker, services
from .choices import Band, VisitKind
from .filtersets import PlanFilterSet, ResultFilterSet, VisitFilterSet
from .models import AssessmentPlan, AssessmentResult, InspectionVisit

# Limits of the public check: a real plan fits easily; a hostile 100 KB field would keep the checker busy for seconds.
MAX_INDICATORS = 200
MAX_NAME = 200
MAX_FIELD = 2000
MAX_EVIDENCE_ITEMS = 20
MAX_TOTAL_CHARS = 50_000


# --- the public check -----------------------------------------------------------------------------------------------

class AssessmentCheckIndicatorSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=MAX_NAME, allow_blank=True, trim_whitespace=False)
    description = serializers.CharField(max_length=MAX_FIELD, allow_blank=True, required=False, default="", trim_whitespace=False)
    evidence = serializers.ListField(
        child=serializers.CharField(max_length=MAX_FIELD, allow_blank=True, trim_whitespace=False),
        max_length=MAX_EVIDENCE_ITEMS, required=False, default=list,
    )


class AssessmentCheckRequestSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=MAX_NAME, allow_blank=True, trim_whitespace=False)
    indicators = serializers.ListField(child=AssessmentCheckIndicatorSerializer(), max_length=MAX_INDICATORS, allow_empty=True)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        total = len(data["title"]) + sum(
            len(i["name"]) + len(i.get("description", "")) + sum(len(e) for e in i.get("evidence", []))
            for i in data["indicators"]
        )
        if total > MAX_TOTAL_CHARS:
            raise serializers.ValidationError(
                {"indicators": [_("The plan is too long to check here: at most %(n)d characters in all.") % {"n": MAX_TOTAL_CHARS}]}
            )
        return data


class AssessmentFindingSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    clause = serializers.IntegerField()
    indicator = serializers.IntegerField(allow_null=True, help_text="0-based index of the indicator; null for the title")
    rule = serializers.CharField(help_text="id of the rule in assessment/rules/art7.toml")
    message = serializers.CharField()
    evidence = serializers.CharField()


class AssessmentCheckResponseSerializer(serializers.Serializer):
    compliant = serializers.BooleanField()
    findings = AssessmentFindingSerializer(many=True)


class AssessmentCheckView(APIView):
    """Check an assessment plan against Art. 7: no veto, no responsibility letters or ranking, no paperwork in place
    of results, no disguised inspections. Public, no login; rate-limited per client."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public_check"

    @extend_schema(request=AssessmentCheckRequestSerializer, responses={200: AssessmentCheckResponseSerializer},
                   summary="Check an assessment plan against Art. 7 of the regulation")
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise ApiError("invalid", _("Send a JSON object with `title` and `indicators`."))
        data = AssessmentCheckRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = checker.check_plan(data.validated_data["title"], data.validated_data["indicators"])
        return Response(result.as_dict())


# --- plans ----------------------------------------------------------------------------------------------------------

class AssessmentPlanSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.name", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    status_name = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = AssessmentPlan
        fields = ["id", "title", "year", "owner", "region", "status", "status_name", "published_at", "lock_version"]


def plan_detail_payload(plan: AssessmentPlan) -> dict[str, Any]:
    indicators = list(plan.indicators.prefetch_related("items").order_by("position", "id"))
    return {
        **AssessmentPlanSerializer(plan).data,
        "method": plan.method,
        "weights_total": f"{services.weight_total(plan).normalize():f}" if indicators else "0",
        "indicators": [
            {"id": i.pk, "name": i.name, "description": i.description, "weight": f"{i.weight.normalize():f}", "method": i.method,
             "evidence": i.evidence_lines(), "items": [{"code": it.code, "name": it.name} for it in i.items.all()]}
            for i in indicators
        ],
        "findings": [
            {"id": f.pk, "article": f.article, "clause": f.clause, "indicator": f.indicator.name if f.indicator else None,
             "rule": f.rule, "message": f.message, "evidence": f.evidence, "status": f.status,
             "dismissal_reason": f.dismissal_reason}
            for f in plan.findings.select_related("indicator")
        ],
    }


class PlanListView(generics.ListAPIView):
    """Plans the caller may see: those of its area, and every published plan."""

    permission_classes = [AllowAny]
    serializer_class = AssessmentPlanSerializer
    filterset_class = PlanFilterSet

    def get_queryset(self) -> Any:
        return restrict(AssessmentPlan.objects.select_related("owner", "region"), self.request.user).order_by(
            "-year", "region__code", "title", "id")


class PlanDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="One plan with its indicators and findings", responses={200: dict})
    def get(self, request: Request, pk: int) -> Response:
        plan = get_scoped_object_or_404(AssessmentPlan.objects.select_related("owner", "region"), request.user, request=request, pk=pk)
        return Response(plan_detail_payload(plan))


class AssessmentPlanStepSerializer(serializers.Serializer):
    comments = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    lock_version = serializers.IntegerField(required=False, min_value=0)


class PlanStepView(APIView):
    """POST /assessments/plans/{id}/{step}: submit, send_back, approve, publish."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=AssessmentPlanStepSerializer, responses={200: AssessmentPlanSerializer}, summary="A lifecycle step of a plan")
    def post(self, request: Request, pk: int, step: str) -> Response:
        data = AssessmentPlanStepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        plan = get_scoped_object_or_404(AssessmentPlan.objects.all(), request.user, request=request, pk=pk)
        if step == "submit":
            plan = services.submit(request.user, plan, lock=values.get("lock_version"))
        elif step == "send_back":
            plan = services.send_back(request.user, plan, values.get("comments", ""))
        elif step == "approve":
            plan = services.approve(request.user, plan, values.get("comments", ""))
        elif step == "publish":
            plan = services.publish(request.user, plan)
        else:
            raise ApiError("not_found", _("Unknown step."), 404)
        return Response(AssessmentPlanSerializer(plan).data)


# --- results --------------------------------------------------------------------------------------------------------

class AssessmentResultSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="plan_id", read_only=True)
    plan_title = serializers.CharField(source="plan.title", read_only=True)
    year = serializers.IntegerField(source="plan.year", read_only=True)
    committee = serializers.CharField(source="committee.code", read_only=True)
    committee_name = serializers.CharField(source="committee.name", read_only=True)
    band_name = serializers.CharField(source="get_band_display", read_only=True)

    class Meta:
        model = AssessmentResult
        fields = ["id", "plan", "plan_title", "year", "committee", "committee_name", "band", "band_name", "reasons",
                  "lock_version", "updated_at"]


class ResultListView(generics.ListAPIView):
    """Results the caller may see (a committee sees its own), always by committee code: never ordered by result."""

    permission_classes = [IsAuthenticated]
    serializer_class = AssessmentResultSerializer
    filterset_class = ResultFilterSet

    def get_queryset(self) -> Any:
        return restrict(AssessmentResult.objects.select_related("plan", "committee"), self.request.user).order_by(
            "committee__code", "plan_id")


class RecordAssessmentResultSerializer(serializers.Serializer):
    committee = serializers.RegexField(r"^\d{12}$", max_length=12)
    band = serializers.ChoiceField(choices=Band.choices)
    reasons = serializers.CharField(max_length=2000)
    lock_version = serializers.IntegerField(required=False, min_value=0)


class RecordResultView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RecordAssessmentResultSerializer, responses={200: AssessmentResultSerializer}, summary="Record the band of a committee")
    def post(self, request: Request, pk: int) -> Response:
        data = RecordAssessmentResultSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        plan = get_scoped_object_or_404(AssessmentPlan.objects.all(), request.user, request=request, pk=pk)
        committee = Region.objects.filter(code=values["committee"]).first()
        if committee is None:
            raise ApiError("invalid", _("No committee has this code."), 400)
        result = services.record_result(request.user, plan, committee, values["band"], values["reasons"],
                                        lock=values.get("lock_version"))
        return Response(AssessmentResultSerializer(result).data)


# --- inspection registry --------------------------------------------------------------------------------------------

class InspectionVisitSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.name", read_only=True)
    committee = serializers.CharField(source="committee.code", read_only=True)
    committee_name = serializers.CharField(source="committee.name", read_only=True)
    plan = serializers.IntegerField(source="plan_id", read_only=True, allow_null=True)
    kind_name = serializers.CharField(source="get_kind_display", read_only=True)
    flags = serializers.SerializerMethodField()

    class Meta:
        model = InspectionVisit
        fields = ["id", "visited_on", "agency", "committee", "committee_name", "kind", "kind_name", "purpose", "visitors",
                  "plan", "is_repeat", "is_unplanned", "repeat_of", "flags"]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_flags(self, visit: InspectionVisit) -> list[dict[str, Any]]:
        return services.visit_flags(visit)


class RecordInspectionVisitSerializer(serializers.Serializer):
    committee = serializers.RegexField(r"^\d{12}$", max_length=12)
    visited_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=VisitKind.choices)
    purpose = serializers.CharField(max_length=500)
    visitors = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    plan = serializers.IntegerField(required=False, allow_null=True, default=None)
    agency = serializers.IntegerField(required=False, allow_null=True, default=None)


class VisitListView(generics.ListCreateAPIView):
    """Visits to committees in the caller's area; POST records one for the caller's agency."""

    permission_classes = [IsAuthenticated]
    serializer_class = InspectionVisitSerializer
    filterset_class = VisitFilterSet

    def get_queryset(self) -> Any:
        return restrict(InspectionVisit.objects.select_related("agency", "committee"), self.request.user)

    @extend_schema(request=RecordInspectionVisitSerializer, responses={201: InspectionVisitSerializer}, summary="Record an inspection visit")
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = RecordInspectionVisitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        committee = Region.objects.filter(code=values["committee"]).first()
        if committee is None:
            raise ApiError("invalid", _("No committee has this code."), 400)
        plan = None
        if values.get("plan"):
            plan = restrict(AssessmentPlan.objects.all(), request.user).filter(pk=values["plan"]).first()
            if plan is None:
                raise ApiError("invalid", _("No approved plan has this number."), 400)
        visit = services.record_visit(
            request.user, committee=committee, visited_on=values["visited_on"], kind=values["kind"],
            purpose=values["purpose"], plan=plan, visitors=values.get("visitors", ""), agency_id=values.get("agency"),
        )
        return Response(InspectionVisitSerializer(visit).data, status=201)


class InspectionTotalsRowSerializer(serializers.Serializer):
    code = serializers.CharField(required=False)
    id = serializers.IntegerField(required=False)
    name = serializers.CharField()
    total = serializers.IntegerField()
    repeat = serializers.IntegerField()
    unplanned = serializers.IntegerField()


class InspectionTotalsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    committees = InspectionTotalsRowSerializer(many=True)
    agencies = InspectionTotalsRowSerializer(many=True)


def _year(request: Request) -> int:
    raw = request.query_params.get("year")
    if not raw:
        return timezone.localdate().year
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise ApiError("invalid", _("Give the year as four digits."))
    return int(raw)


class VisitTotalsView(APIView):
    """Yearly totals per committee (by code) and per agency (by name) inside the caller's area."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("year", int), OpenApiParameter("within", str)],
        responses=InspectionTotalsSerializer,
        summary="Yearly inspection totals per committee and per agency",
    )
    def get(self, request: Request) -> Response:
        year = _year(request)
        visits = VisitFilterSet({"within": request.query_params.get("within", "")},
                                queryset=restrict(InspectionVisit.objects.all(), request.user, Action.VIEW)).qs
        return Response({"year": year, **services.visit_totals(visits, year)})

