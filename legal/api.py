"""Public, read-only API of the legal registry."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ApiError

from .models import LegalSource


def source_payload(source: LegalSource, provisions: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": source.pk, "name": source.name, "version": source.version_label, "level": source.level,
        "jurisdiction": source.jurisdiction, "issued_by": source.issued_by, "document_number": source.document_number,
        "promulgated": source.promulgated.isoformat() if source.promulgated else None,
        "effective": source.effective.isoformat() if source.effective else None,
        "status": source.status, "superseded_by": source.superseded_by_id,
    }
    if provisions:
        body["provisions"] = [
            {"id": p.pk, "article": p.label, "text": p.text, "status": p.effective_status} for p in source.provisions.all()
        ]
    return body


class SourceListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="Laws and documents in the legal registry", responses={200: dict}, operation_id="legal_sources_list")
    def get(self, request: Request) -> Response:
        return Response({"results": [source_payload(s) for s in LegalSource.objects.all()]})


class SourceDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="One source with its provisions", responses={200: dict})
    def get(self, request: Request, pk: int) -> Response:
        source = LegalSource.objects.filter(pk=pk).first()
        if source is None:
            raise ApiError("not_found", _("Not found."), 404)
        return Response(source_payload(source, provisions=True))
