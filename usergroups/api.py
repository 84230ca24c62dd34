"""User groups over the API. Thin: parse, call one service or selector, answer."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as account_selectors
from accounts.http import SignedInApiRequest
from accounts.models import User
from core.api_errors import UNKNOWN_USERS, ApiError
from usergroups import payloads, selectors, services
from usergroups.models import UserGroup

LIST_MAX = 500


def _full_member(request: SignedInApiRequest) -> None:
    if not account_selectors.is_team_member(request.user):
        raise PermissionDenied("User groups are for the team: guests and customers see none.")


def _members(usernames: list[str] | None) -> list[User] | None:
    """The people named, or a 400 that lists the unknown ones (nothing is stored)."""
    if usernames is None:
        return None
    people, unknown = account_selectors.users_by_usernames(
        usernames=[u.strip().removeprefix("@") for u in usernames]
    )
    if unknown:
        raise ApiError(400, UNKNOWN_USERS, "Unknown Users", usernames=unknown)
    return people


class _GroupInput(serializers.Serializer):
    name = serializers.CharField(max_length=41)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    members = serializers.ListField(
        child=serializers.CharField(max_length=150), max_length=1000, required=False
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(f"Unknown keys: {', '.join(sorted(unknown))}.")
        return attrs


class GroupListApi(APIView):
    """Every group (full members; guests 403), ``?q=`` filtering by name or description; and
    making one."""

    @extend_schema_serializer(component_name="GroupInput")
    class InputSerializer(_GroupInput):
        pass

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=False)],
        responses={200: OpenApiTypes.OBJECT},
        summary="List user groups",
        operation_id="groups_list",
    )
    def get(self, request: SignedInApiRequest) -> Response:
        _full_member(request)
        query = request.query_params.get("q", "")[:100]
        groups = (
            selectors.groups_visible_to(viewer=request.user, query=query)
            .prefetch_related("members")
            .select_related("created_by")[:LIST_MAX]
        )
        return Response({"groups": [payloads.group_payload(g) for g in groups]})

    @extend_schema(
        request=InputSerializer, responses={201: OpenApiTypes.OBJECT}, summary="Create a user group"
    )
    def post(self, request: SignedInApiRequest) -> Response:
        _full_member(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        members = _members(data.validated_data.get("members", [])) or []
        group = services.group_create(
            creator=request.user,
            name=data.validated_data["name"],
            description=data.validated_data.get("description", ""),
            members=members,
        )
        return Response(payloads.group_payload(group), status=status.HTTP_201_CREATED)


class GroupDetailApi(APIView):
    """One group: read (full members), change or delete (its creator, its members, staff)."""

    @extend_schema_serializer(component_name="GroupChangeInput")
    class InputSerializer(_GroupInput):
        name = serializers.CharField(max_length=41, required=False)

    def group(self, request: SignedInApiRequest, group_id: int) -> UserGroup:
        _full_member(request)
        return get_object_or_404(
            UserGroup.objects.prefetch_related("members").select_related("created_by"),
            pk=group_id,
        )

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="A user group")
    def get(self, request: SignedInApiRequest, group_id: int) -> Response:
        return Response(payloads.group_payload(self.group(request, group_id)))

    @extend_schema(
        request=InputSerializer, responses={200: OpenApiTypes.OBJECT}, summary="Change a user group"
    )
    def patch(self, request: SignedInApiRequest, group_id: int) -> Response:
        group = self.group(request, group_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        group = services.group_update(
            group=group,
            actor=request.user,
            name=data.validated_data.get("name"),
            description=data.validated_data.get("description"),
            members=_members(data.validated_data.get("members")),
        )
        group = self.group(request, group.pk)  # the members as stored
        return Response(payloads.group_payload(group))

    @extend_schema(responses={204: None}, summary="Delete a user group")
    def delete(self, request: SignedInApiRequest, group_id: int) -> Response:
        services.group_delete(group=self.group(request, group_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
