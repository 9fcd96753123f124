"""Certificates API: the public check (DESIGN §8 POST /api/v1/certificates/check), a committee's catalog and negative
list, public verification, and the scoped register with issuance, reprint and revocation. Thin: services decide."""

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core.api import ApiError
from core.scoping import get_scoped_object_or_404

from . import matcher, services
from .filtersets import CertificateFilter
from .models import Certificate
from .rendering import mask_id_number


def call(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a service; its field errors become the `fields` of the error format."""
    try:
        return func(*args, **kwargs)
    except ApiError as exc:
        if getattr(exc, "fields", None) and exc.status_code == 400:
            raise serializers.ValidationError(exc.fields) from exc
        raise


def _base_url(request: Request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


# --- Public -------------------------------------------------------------------------------------------------------


class CertificateCheckRequestSerializer(serializers.Serializer):
    region = serializers.CharField(max_length=32, help_text="12-digit division code of a village or residents' committee")
    text = serializers.CharField(max_length=matcher.MAX_TEXT_LENGTH, trim_whitespace=False)
    date = serializers.DateField(required=False, allow_null=True, default=None, input_formats=["%Y-%m-%d"])


class BasisSerializer(serializers.Serializer):
    law = serializers.CharField()
    article = serializers.CharField()


class CheckedCertificateSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    procedure = serializers.CharField()
    legal_basis = BasisSerializer(many=True)


class ProhibitedSerializer(serializers.Serializer):
    name = serializers.CharField()
    handled_by = serializers.CharField()


class CertificateCheckResponseSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[matcher.MAY_ISSUE, matcher.MUST_NOT_ISSUE, matcher.NOT_LISTED])
    certificate = CheckedCertificateSerializer(allow_null=True)
    prohibited = ProhibitedSerializer(allow_null=True)
    guidance = serializers.CharField()


class CertificateCheckView(APIView):
    """May a committee issue the certificate described in free text? Public, rate-limited, nothing stored."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public_check"

    @extend_schema(request=CertificateCheckRequestSerializer, responses={200: CertificateCheckResponseSerializer},
                   summary="Check a certificate request (may_issue / must_not_issue / not_listed)")
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise ApiError("invalid", _("Send a JSON object with `region` and `text`."))
        serializer = CertificateCheckRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        committee = call(services.committee_by_code, values["region"])
        return Response(services.check(committee, values["text"], values.get("date")).as_dict())


class CommitteeCertificatesView(APIView):
    """A committee's effective may-issue catalog and the negative list (public)."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public_check"

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="A committee's certificate catalog and negative list")
    def get(self, request: Request, code: str) -> Response:
        committee = call(services.committee_by_code, code)
        return Response(services.committee_payload(committee))


class VerifyView(APIView):
    """What the verification page shows, as JSON: valid / revoked / not_found, personal data masked."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public_check"

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Verify a certificate by its token")
    def get(self, request: Request, token: str) -> Response:
        result = services.verify(token)
        return Response({"status": result.status, "certificate": result.essentials()})


# --- Register (scoped) --------------------------------------------------------------------------------------------


class CertificateSerializer(serializers.ModelSerializer):
    committee = serializers.CharField(source="committee.code")
    committee_name = serializers.CharField(source="committee.name")
    subject_id_number = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["id", "serial", "type_code", "title", "committee", "committee_name", "issued_on", "subject_name",
                  "subject_id_number", "status", "revoked_at", "revocation_reason", "print_count", "lock_version",
                  "is_sample"]

    def get_subject_id_number(self, obj: Certificate) -> str:
        return mask_id_number(services.crypto.decrypt(obj.subject_id_encrypted))


class CertificateListView(generics.ListAPIView):
    """Issued certificates in the caller's scope (ID numbers masked)."""

    permission_classes = [IsAuthenticated]
    serializer_class = CertificateSerializer
    filterset_class = CertificateFilter

    def get_queryset(self) -> Any:
        return services.register_queryset(self.request.user)


class IssueSerializer(serializers.Serializer):
    committee = serializers.CharField(max_length=12)
    type = serializers.CharField(max_length=16)
    subject_name = serializers.CharField(max_length=100)
    subject_id_number = serializers.CharField(max_length=18)
    subject_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    values = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=500), required=False, default=dict)


class CertificateIssueView(APIView):
    """Issue a certificate (committee officers); the response is the register entry, the PDF is at /pdf."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=IssueSerializer, responses={201: CertificateSerializer}, summary="Issue a certificate")
    def post(self, request: Request) -> Response:
        serializer = IssueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        v = serializer.validated_data
        committee = next((r for r in services.issuing_committees(request.user) if r.code == v["committee"]), None)
        if committee is None:
            raise ApiError("not_found", _("Not found."), 404)
        issued = call(services.issue, request.user, committee, v["type"], subject_name=v["subject_name"],
                      subject_id_number=v["subject_id_number"], subject_phone=v["subject_phone"], values=v["values"],
                      base_url=_base_url(request), request=request)
        return Response(CertificateSerializer(issued.certificate).data, status=201)


class CertificateDetailView(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = CertificateSerializer

    def get_object(self) -> Certificate:
        return get_scoped_object_or_404(Certificate.objects.select_related("committee"), self.request.user,
                                        request=self.request, pk=self.kwargs["pk"])


class CertificatePdfView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY}, summary="Print (reprint) a certificate")
    def get(self, request: Request, pk: int) -> HttpResponse:
        cert = get_scoped_object_or_404(Certificate.objects.select_related("committee", "certificate_type"),
                                        request.user, request=request, pk=pk)
        pdf = call(services.reprint, request.user, cert, base_url=_base_url(request), request=request)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="certificate-{cert.serial}.pdf"'
        return response


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)
    lock_version = serializers.IntegerField(required=False, allow_null=True, default=None)


class CertificateRevokeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RevokeSerializer, responses={200: CertificateSerializer}, summary="Revoke a certificate")
    def post(self, request: Request, pk: int) -> Response:
        cert = get_scoped_object_or_404(Certificate.objects.select_related("committee"), request.user, request=request, pk=pk)
        serializer = RevokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        v = serializer.validated_data
        cert = call(services.revoke, request.user, cert, v["reason"], lock_version=v["lock_version"], request=request)
        return Response(CertificateSerializer(cert).data)
