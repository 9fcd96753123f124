from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from regions.api import OrganisationSerializer

from .models import Membership, User


class MembershipSerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["organisation", "role"]


class MeSerializer(serializers.ModelSerializer):
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["username", "display_name", "memberships"]

    def get_memberships(self, user: User) -> list[dict]:
        return MembershipSerializer(user.cached_memberships(), many=True).data


class MeView(APIView):
    @extend_schema(responses=MeSerializer, summary="The signed-in user and their organisations and roles")
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)
