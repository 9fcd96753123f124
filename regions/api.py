"""Public region API: GET /api/v1/regions/{code} and /api/v1/regions/{code}/children (DESIGN.md §8)."""

from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import httpcache
from core.api import ApiError
from core.scoping import restrict

from .codes import InvalidCode, normalise
from .filtersets import OrganisationFilterSet
from .models import Organisation, Region
from .services import children_with_committee_counts, resolve_code, subtree_counts
from .views import division_validators


class RegionBriefSerializer(serializers.ModelSerializer):
    level_name = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "level_name", "committee_kind"]


class RegionSerializer(RegionBriefSerializer):
    parent = RegionBriefSerializer(read_only=True)
    path = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    committee_kind_name = serializers.CharField(source="get_committee_kind_display", read_only=True)

    class Meta:
        model = Region
        fields = [*RegionBriefSerializer.Meta.fields, "committee_kind_name", "is_active", "parent", "path", "counts"]

    def get_path(self, region: Region) -> list[dict]:
        return RegionBriefSerializer(region.ancestors(), many=True).data

    def get_counts(self, region: Region) -> dict[str, int]:
        return subtree_counts(region)


class RegionChildSerializer(RegionBriefSerializer):
    committees = serializers.IntegerField(read_only=True)

    class Meta:
        model = Region
        fields = [*RegionBriefSerializer.Meta.fields, "committees"]


def region_or_error(code: str) -> Region:
    try:
        code = normalise(code)
    except InvalidCode:
        raise ApiError("invalid_code", _("A division code has 2, 4, 6, 9 or 12 digits."), 400) from None
    region = resolve_code(code)
    if region is None:
        raise ApiError("not_found", _("No region has the code %(code)s.") % {"code": code}, 404)
    return region


class RegionDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=RegionSerializer, summary="A region by its division code (former codes resolve too)")
    # The division tree changes only through the division import: the region pages' history stamp is its version,
    # and the body (counts over the subtree) is stored under the ETag it gives.
    @method_decorator(httpcache.conditional(division_validators, page=False))
    def get(self, request: Request, code: str) -> Response:
        return Response(RegionSerializer(region_or_error(code)).data)


class RegionChildrenView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = RegionChildSerializer
    filter_backends: list = []

    @extend_schema(summary="Children of a region, with the number of committees under each")
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> list[Region]:
        region = region_or_error(self.kwargs["code"])
        children = []
        for child, committees in children_with_committee_counts(region):
            child.committees = committees
            children.append(child)
        return children


class OrganisationSerializer(serializers.ModelSerializer):
    region = RegionBriefSerializer(read_only=True)
    kind_name = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "kind_name", "sector", "region"]


class OrganisationListView(generics.ListAPIView):
    """Organisations inside the caller's scope."""

    permission_classes = [IsAuthenticated]
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilterSet

    def get_queryset(self):  # noqa: ANN201
        return restrict(Organisation.objects.select_related("region"), self.request.user).order_by("region__code", "id")
