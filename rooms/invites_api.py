"""A room's invite links over the API (room admins, and staff for any room). Thin: parse,
call one service or selector, answer."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import SignedInApiRequest
from accounts.models import User
from rooms import invites, selectors
from rooms.models import Conversation, Invite
from rooms.services import invites as invite_services

DEFAULT_EXPIRES_IN = 7 * 86400  # seconds, when the body leaves ``expires_in`` out


def _room(user: User, room_id: int) -> Conversation:
    """The room, for its members and staff; 404 for anyone else (they learn nothing). The
    services refuse members who are not its admins (403)."""
    room = (
        Conversation.objects.filter(pk=room_id, kind=Conversation.Kind.ROOM).first()
        if user.is_staff
        else selectors.conversation_for_member(
            user=user, conversation_id=room_id, kind=Conversation.Kind.ROOM
        )
    )
    if room is None:
        raise Http404("No such room.")
    return room


class InviteListApi(APIView):
    @extend_schema_serializer(component_name="InviteCreateInput")
    class InputSerializer(serializers.Serializer):
        expires_in = serializers.IntegerField(
            required=False,
            allow_null=True,
            default=DEFAULT_EXPIRES_IN,
            min_value=invite_services.MIN_SECONDS,
            max_value=invite_services.MAX_SECONDS,
        )
        max_uses = serializers.IntegerField(
            required=False,
            allow_null=True,
            default=None,
            min_value=1,
            max_value=invite_services.MAX_USES,
        )
        guest = serializers.BooleanField(required=False, default=False)

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="A room's live invite links")
    def get(self, request: SignedInApiRequest, room_id: int) -> Response:
        room = _room(request.user, room_id)
        if not invites.may_invite(user=request.user, room=room):
            raise PermissionDenied("Only the room's admins can manage its invite links.")
        return Response(
            {"invites": [invites.invite_payload(i) for i in invites.invites_live(room=room)]}
        )

    @extend_schema(
        request=InputSerializer,
        responses={201: OpenApiTypes.OBJECT},
        summary="Make an invite link (its url is shown only in this answer)",
    )
    def post(self, request: SignedInApiRequest, room_id: int) -> Response:
        room = _room(request.user, room_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invite, token = invite_services.invite_create(
            room=room, actor=request.user, **data.validated_data
        )
        return Response(
            {**invites.invite_payload(invite), "url": invites.invite_url(token)},
            status=status.HTTP_201_CREATED,
        )


class InviteDetailApi(APIView):
    @extend_schema(responses={204: None}, summary="Revoke an invite link")
    def delete(self, request: SignedInApiRequest, room_id: int, invite_id: int) -> Response:
        room = _room(request.user, room_id)
        invite = Invite.objects.filter(pk=invite_id, conversation=room).first()
        if invite is None:
            raise Http404("No such invite link.")
        invite_services.invite_revoke(invite=invite, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
