"""Admission API: the public check (DESIGN.md §8 POST /api/v1/admission/check) and the scoped workflows — requests,
review, the committees' inbox, purchases of services, secondments, the standard plaque set. Thin: services decide."""

from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core.api import ApiError, call_service
from core.scoping import get_scoped_object_or_404, restrict
from regions.models import Organisation, Region

from . import conf, services
from .choices import Decision, PaymentStatus, RequestKind
from .engine import Approval
from .filtersets import RequestFilterSet, TargetFilterSet
from .models import RequestTarget, ServicePurchase, WorkRequest

# --- the public check ------------------------------------------------------------------------------------------------

class ApprovalSerializer(serializers.Serializer):
    approved_by = serializers.CharField(max_length=150, allow_blank=True)
    document = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")


class AdmissionCheckRequestSerializer(serializers.Serializer):
    region = serializers.CharField(max_length=32, help_text="12-digit division code of a village or residents' committee")
    title = serializers.CharField(allow_blank=True, trim_whitespace=False)
    content = serializers.CharField(allow_blank=True, trim_whitespace=False)
    requested_by = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    approval = ApprovalSerializer(required=False, allow_null=True, default=None)
    date = serializers.DateField(required=False, allow_null=True, default=None, input_formats=["%Y-%m-%d"])

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        limit = conf.max_text()
        if len(data["title"]) + len(data["content"]) > limit:
            raise serializers.ValidationError(
                {"content": [_("Title and content together may have at most %(n)d characters.") % {"n": limit}]}
            )
        if not (data["title"].strip() or data["content"].strip()):
            raise serializers.ValidationError({"content": [_("Give the title or the content of the request.")]})
        return data


class MatchedItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    category = serializers.ChoiceField(choices=["perform", "assist"])
    score = serializers.FloatField()


class FindingSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    clause = serializers.IntegerField()
    rule = serializers.CharField()
    message = serializers.CharField()
    evidence = serializers.CharField()


class AdmissionCheckResponseSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.values)
    matched_items = MatchedItemSerializer(many=True)
    findings = FindingSerializer(many=True)
    explanation = serializers.CharField()


def parse_check(data: Any) -> tuple[Region, services.CheckInput]:
    if not isinstance(data, dict):
        raise ApiError("invalid", _("Send a JSON object with `region`, `title` and `content`."))
    serializer = AdmissionCheckRequestSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    values = serializer.validated_data
    committee = call_service(services.committee_by_code, values["region"])
    approval = values.get("approval")
    return committee, services.CheckInput(
        title=values["title"], content=values["content"],
        approval=Approval(approval["approved_by"], approval.get("document", "")) if approval else None,
        on=values.get("date"),
    )


class AdmissionCheckView(APIView):
    """Check a work request against a committee's effective list and Art. 7, 8 of the regulation. Public, no login;
    rate-limited per client. Nothing is stored."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public_check"

    @extend_schema(request=AdmissionCheckRequestSerializer, responses={200: AdmissionCheckResponseSerializer},
                   summary="Check a work request for a committee (admit / reject / purchase_service)")
    def post(self, request: Request) -> Response:
        committee, data = parse_check(request.data)
        return Response(services.public_check(committee, data))


class PlaqueSerializer(serializers.Serializer):
    name = serializers.CharField()
    committee = serializers.CharField()
    basis = serializers.CharField()


class PlaqueListView(APIView):
    """The standard plaque set of committees (Art. 8(2)); anything else needs a legal basis and admission."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: PlaqueSerializer(many=True)}, summary="The standard plaque set of committees")
    def get(self, request: Request) -> Response:
        kind = request.query_params.get("committee") or None
        return Response(services.standard_plaques(kind))


# --- requests --------------------------------------------------------------------------------------------------------

class TargetSerializer(serializers.ModelSerializer):
    request = serializers.IntegerField(source="request_id", read_only=True)
    title = serializers.CharField(source="request.title", read_only=True)
    kind = serializers.CharField(source="request.kind", read_only=True)
    sender = serializers.CharField(source="request.sender.name", read_only=True)
    deadline = serializers.DateField(source="request.deadline", read_only=True)
    committee = serializers.CharField(source="committee.code", read_only=True)
    committee_name = serializers.CharField(source="committee.name", read_only=True)
    status_name = serializers.CharField(source="get_status_display", read_only=True)
    can_refuse = serializers.SerializerMethodField()

    class Meta:
        model = RequestTarget
        fields = ["id", "request", "title", "kind", "sender", "deadline", "committee", "committee_name", "status",
                  "status_name", "check_decision", "decision", "check_result", "item", "refusal_reason", "note",
                  "delivered_at", "acknowledged_at", "completed_at", "refused_at", "consent_at", "can_refuse",
                  "lock_version"]

    def get_can_refuse(self, target: RequestTarget) -> bool:
        return services.can_refuse(target)


class PurchaseSerializer(serializers.ModelSerializer):
    arranged_by = serializers.CharField(source="arranged_by.name", read_only=True, allow_null=True)

    class Meta:
        model = ServicePurchase
        fields = ["id", "status", "arranged_by", "arrangement_document", "arranged_at", "price", "period_start",
                  "period_end", "deliverables", "payment_status", "lock_version"]


class RequestSerializer(serializers.ModelSerializer):
    sender = serializers.CharField(source="sender.name", read_only=True)
    sender_id = serializers.IntegerField(read_only=True)
    review_region = serializers.CharField(source="review_region.code", read_only=True)
    status_name = serializers.CharField(source="get_status_display", read_only=True)
    target_counts = serializers.SerializerMethodField()

    class Meta:
        model = WorkRequest
        fields = ["id", "kind", "title", "content", "sender", "sender_id", "review_region", "deadline", "status",
                  "status_name", "submitted_at", "notice_days", "short_notice", "approval_body", "approval_document",
                  "legal_basis", "check_decision", "decision", "overridden", "review_reason", "reviewed_at",
                  "target_counts", "lock_version"]

    def get_target_counts(self, req: WorkRequest) -> dict[str, int]:
        counted = getattr(req, "counted_targets", None)  # set for a whole page by RequestListView
        return counted if counted is not None else services.target_counts(req)


class CreateRequestSerializer(serializers.Serializer):
    sender = serializers.IntegerField(required=False, help_text="Organisation id; default: the caller's only sending organisation")
    kind = serializers.ChoiceField(choices=RequestKind.choices, default=RequestKind.TASK)
    title = serializers.CharField(max_length=200)
    content = serializers.CharField()
    deadline = serializers.DateField()
    subtree = serializers.CharField(required=False, allow_blank=True, default="", help_text="every committee below this code")
    committees = serializers.ListField(child=serializers.CharField(max_length=12), required=False, default=list)
    approval_body = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    approval_document = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    legal_basis = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    submit = serializers.BooleanField(required=False, default=False)


def sender_for(user: Any, sender_id: int | None) -> Organisation:
    orgs = services.sender_organisations(user)
    if sender_id is not None:
        orgs = [o for o in orgs if o.pk == sender_id]
    if not orgs:
        raise ApiError("permission_denied", _("You may not send work requests for this organisation."), 403)
    if len(orgs) > 1:
        raise serializers.ValidationError({"sender": [_("Choose the organisation that sends the request.")]})
    return orgs[0]


class RequestListView(generics.ListCreateAPIView):
    """Requests the caller may see (its area); POST creates a draft (and submits it with `submit: true`)."""

    permission_classes = [IsAuthenticated]
    serializer_class = RequestSerializer
    filterset_class = RequestFilterSet

    def get_queryset(self) -> Any:
        return restrict(WorkRequest.objects.select_related("sender", "review_region"), self.request.user).order_by(
            "-created_at", "-id")

    def paginate_queryset(self, queryset: Any) -> Any:
        # Target counts of the whole page in one query, not one per request.
        page = super().paginate_queryset(queryset)
        requests = list(page) if page is not None else []
        counts: dict[int, dict[str, int]] = {r.pk: {} for r in requests}
        rows = (RequestTarget.objects.filter(request__in=requests).order_by()
                .values("request_id", "status").annotate(n=Count("id")))
        for row in rows:
            counts[row["request_id"]][row["status"]] = row["n"]
        for r in requests:
            r.counted_targets = counts[r.pk]
        return page

    @extend_schema(request=CreateRequestSerializer, responses={201: RequestSerializer}, summary="Create a work request")
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = CreateRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        sender = sender_for(request.user, values.get("sender"))
        subtree = None
        if values["subtree"]:
            subtree = Region.objects.filter(code=values["subtree"].strip()).first()
            if subtree is None:
                raise serializers.ValidationError({"subtree": [_("No region has this code.")]})
        targets = call_service(services.resolve_targets, sender, subtree=subtree, codes=values["committees"])
        req = call_service(
            services.create_request, request.user, sender, kind=values["kind"], title=values["title"],
            content=values["content"], deadline=values["deadline"], targets=targets,
            approval_body=values["approval_body"], approval_document=values["approval_document"],
            legal_basis=values["legal_basis"], request=request,
        )
        if values["submit"]:
            req = call_service(services.submit, request.user, req, request=request)
        return Response(RequestSerializer(req).data, status=201)


class UpdateRequestSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    content = serializers.CharField(required=False)
    deadline = serializers.DateField(required=False)
    approval_body = serializers.CharField(max_length=150, required=False, allow_blank=True)
    approval_document = serializers.CharField(max_length=100, required=False, allow_blank=True)
    legal_basis = serializers.CharField(max_length=300, required=False, allow_blank=True)
    lock_version = serializers.IntegerField(min_value=0)


class RequestDetailView(APIView):
    permission_classes = [IsAuthenticated]

    def _get(self, request: Request, pk: int) -> WorkRequest:
        return get_scoped_object_or_404(WorkRequest.objects.select_related("sender", "review_region"), request.user,
                                        request=request, pk=pk)

    @extend_schema(responses={200: RequestSerializer}, summary="One work request with its targets and purchase")
    def get(self, request: Request, pk: int) -> Response:
        req = self._get(request, pk)
        body = dict(RequestSerializer(req).data)
        body["targets"] = TargetSerializer(req.targets.select_related("committee", "request__sender"), many=True).data
        purchase = ServicePurchase.objects.filter(request=req).select_related("arranged_by").first()
        body["purchase"] = PurchaseSerializer(purchase).data if purchase else None
        return Response(body)

    @extend_schema(request=UpdateRequestSerializer, responses={200: RequestSerializer}, summary="Edit a draft (409 on a stale lock_version)")
    def patch(self, request: Request, pk: int) -> Response:
        req = self._get(request, pk)
        data = UpdateRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        lock = values.pop("lock_version")
        req = call_service(services.update_request, request.user, req, lock, request=request, **values)
        return Response(RequestSerializer(req).data)


class RequestStepSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices, required=False, allow_null=True, default=None,
                                       help_text="review: omit to confirm the check, give one to override")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    document = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    lock_version = serializers.IntegerField(required=False, min_value=0)


class RequestStepView(APIView):
    """POST /admission/requests/{id}/{step}: submit, review, withdraw, approve_secondment, arrange."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=RequestStepSerializer, responses={200: RequestSerializer}, summary="A workflow step of a request",
                   operation_id="admission_requests_step")
    def post(self, request: Request, pk: int, step: str) -> Response:
        data = RequestStepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        req = get_scoped_object_or_404(WorkRequest.objects.all(), request.user, request=request, pk=pk)
        lock = v.get("lock_version")
        if step == "submit":
            req = call_service(services.submit, request.user, req, lock, request=request)
        elif step == "review":
            req = call_service(services.review, request.user, req, decision=v["decision"], reason=v["reason"], lock=lock,
                       request=request)
        elif step == "withdraw":
            req = call_service(services.withdraw, request.user, req, lock, request=request)
        elif step == "approve_secondment":
            req = call_service(services.approve_secondment, request.user, req, document=v["document"], lock=lock, request=request)
        elif step == "arrange":
            purchase = ServicePurchase.objects.filter(request=req).first()
            if purchase is None:
                raise ApiError("conflict", _("This request has no purchase of service."), 409)
            call_service(services.arrange, request.user, purchase, document=v["document"], lock=lock, request=request)
            req.refresh_from_db()
        else:
            raise ApiError("not_found", _("Unknown step."), 404)
        return Response(RequestSerializer(req).data)


class ContractSerializer(serializers.Serializer):
    price = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True, default=None)
    period_start = serializers.DateField(required=False, allow_null=True, default=None)
    period_end = serializers.DateField(required=False, allow_null=True, default=None)
    deliverables = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    payment_status = serializers.ChoiceField(choices=PaymentStatus.choices, default=PaymentStatus.UNPAID)
    lock_version = serializers.IntegerField(required=False, min_value=0)


class ContractView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ContractSerializer, responses={200: PurchaseSerializer}, summary="Record the contract of a purchase")
    def put(self, request: Request, pk: int) -> Response:
        req = get_scoped_object_or_404(WorkRequest.objects.all(), request.user, request=request, pk=pk)
        purchase = ServicePurchase.objects.filter(request=req).first()
        if purchase is None:
            raise ApiError("not_found", _("This request has no purchase of service."), 404)
        data = ContractSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        lock = v.pop("lock_version", None)
        purchase = call_service(services.save_contract, request.user, purchase, lock=lock, request=request, **v)
        return Response(PurchaseSerializer(purchase).data)


# --- the committees' side ---------------------------------------------------------------------------------------------

class TargetListView(generics.ListAPIView):
    """Requests to committees the caller may see: a committee sees its inbox; agencies the committees of their area."""

    permission_classes = [IsAuthenticated]
    serializer_class = TargetSerializer
    filterset_class = TargetFilterSet

    def get_queryset(self) -> Any:
        return (
            restrict(RequestTarget.objects.select_related("request__sender", "committee"), self.request.user)
            .exclude(request__status="draft")
            .order_by("committee__code", "-id")
        )


class TargetStepSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    lock_version = serializers.IntegerField(required=False, min_value=0)


class TargetStepView(APIView):
    """POST /admission/targets/{id}/{step}: acknowledge, complete, refuse, consent, decline (the committee)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=TargetStepSerializer, responses={200: TargetSerializer}, summary="A committee's action")
    def post(self, request: Request, pk: int, step: str) -> Response:
        data = TargetStepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        target = get_scoped_object_or_404(RequestTarget.objects.exclude(request__status="draft"), request.user,
                                          request=request, pk=pk)
        lock = v.get("lock_version")
        if step == "acknowledge":
            target = call_service(services.acknowledge, request.user, target, lock, request=request)
        elif step == "complete":
            target = call_service(services.complete, request.user, target, v["note"], lock, request=request)
        elif step == "refuse":
            target = call_service(services.refuse, request.user, target, v["note"], lock, request=request)
        elif step in ("consent", "decline"):
            target = call_service(services.consent, request.user, target, step == "consent", v["note"], lock, request=request)
        else:
            raise ApiError("not_found", _("Unknown step."), 404)
        return Response(TargetSerializer(target).data)
