"""Integrations over the API (docs/api.md): a room's incoming webhooks, outgoing webhooks and
their deliveries, bots' slash commands. Thin: parse, call one service or selector, answer."""

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import bots
from accounts.http import SignedInApiRequest
from accounts.models import User
from accounts.permissions import credential_permissions
from integrations import payloads, selectors
from integrations.models import BotCommand, IncomingWebhook, OutgoingWebhook
from integrations.services import bot_commands, incoming, outgoing
from rooms.models import Conversation

DELIVERIES_SHOWN = 50


def _room(request: SignedInApiRequest, room_id: int) -> Conversation:
    room = selectors.room_managed(user=request.user, room_id=room_id)
    if room is None:
        raise Http404
    return room


class RoomWebhookListApi(APIView):
    permission_classes = credential_permissions("POST")

    @extend_schema_serializer(component_name="IncomingWebhookInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=80)

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="A room's incoming webhooks")
    def get(self, request: SignedInApiRequest, room_id: int) -> Response:
        room = _room(request, room_id)
        incoming.require_room_manager(user=request.user, room=room)
        hooks = selectors.incoming_for_room(room=room)
        return Response({"webhooks": [payloads.incoming_payload(h) for h in hooks]})

    @extend_schema(
        request=InputSerializer,
        responses={201: OpenApiTypes.OBJECT},
        summary="Make an incoming webhook (its URL is shown once)",
    )
    def post(self, request: SignedInApiRequest, room_id: int) -> Response:
        room = _room(request, room_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = incoming.incoming_webhook_create(
            room=room, creator=request.user, name=data.validated_data["name"]
        )
        return Response(
            {**payloads.incoming_payload(created.webhook), "url": incoming.url_for(created.token)},
            status=status.HTTP_201_CREATED,
        )


class RoomWebhookApi(APIView):
    @extend_schema(responses={204: None}, summary="Revoke an incoming webhook")
    def delete(self, request: SignedInApiRequest, room_id: int, webhook_id: int) -> Response:
        room = _room(request, room_id)
        webhook = get_object_or_404(
            IncomingWebhook.objects.select_related("bot", "conversation"),
            pk=webhook_id,
            conversation=room,
            revoked_at__isnull=True,
        )
        incoming.incoming_webhook_revoke(webhook=webhook, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _events_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=len(OutgoingWebhook.Event)
    )


class WebhookListApi(APIView):
    permission_classes = credential_permissions("POST")

    @extend_schema_serializer(component_name="OutgoingWebhookInput")
    class InputSerializer(serializers.Serializer):
        url = serializers.CharField(max_length=2000)
        events = _events_field()
        room = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(
        operation_id="webhooks_list",
        responses={200: OpenApiTypes.OBJECT},
        summary="Outgoing webhooks I manage",
    )
    def get(self, request: SignedInApiRequest) -> Response:
        hooks = outgoing.webhooks_visible(user=request.user)
        return Response({"webhooks": [payloads.outgoing_payload(h) for h in hooks]})

    @extend_schema(
        request=InputSerializer,
        responses={201: OpenApiTypes.OBJECT},
        summary="Make an outgoing webhook (its signing secret is in the answer)",
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        room_id = data.validated_data.get("room")
        room = _room(request, room_id) if room_id is not None else None
        created = outgoing.outgoing_webhook_create(
            owner=request.user, url=data.validated_data["url"],
            events=data.validated_data["events"], room=room,
        )  # fmt: skip
        return Response(
            {**payloads.outgoing_payload(created.webhook), "secret": created.secret},
            status=status.HTTP_201_CREATED,
        )


def _webhook(request: SignedInApiRequest, webhook_id: int) -> OutgoingWebhook:
    webhook = outgoing.webhooks_visible(user=request.user).filter(pk=webhook_id).first()
    if webhook is None:
        raise Http404
    return webhook


class WebhookApi(APIView):
    permission_classes = credential_permissions("GET", "PATCH")

    @extend_schema_serializer(component_name="OutgoingWebhookChange")
    class InputSerializer(serializers.Serializer):
        url = serializers.CharField(max_length=2000, required=False)
        events = _events_field()
        active = serializers.BooleanField(required=False)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.fields["events"].required = False

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        summary="One outgoing webhook (with its secret, to its owner)",
    )
    def get(self, request: SignedInApiRequest, webhook_id: int) -> Response:
        webhook = _webhook(request, webhook_id)
        answer = payloads.outgoing_payload(webhook)
        if webhook.owner_id == request.user.pk:
            answer["secret"] = outgoing.outgoing_webhook_secret(webhook=webhook, user=request.user)
        return Response(answer)

    @extend_schema(
        request=InputSerializer,
        responses={200: OpenApiTypes.OBJECT},
        summary="Change an outgoing webhook (url, events; active: true re-enables it)",
    )
    def patch(self, request: SignedInApiRequest, webhook_id: int) -> Response:
        webhook = _webhook(request, webhook_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        webhook = outgoing.outgoing_webhook_update(
            webhook=webhook, actor=request.user, **data.validated_data
        )
        return Response(payloads.outgoing_payload(webhook))

    @extend_schema(responses={204: None}, summary="Delete an outgoing webhook")
    def delete(self, request: SignedInApiRequest, webhook_id: int) -> Response:
        outgoing.outgoing_webhook_delete(webhook=_webhook(request, webhook_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveriesApi(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="A hook's last deliveries")
    def get(self, request: SignedInApiRequest, webhook_id: int) -> Response:
        webhook = _webhook(request, webhook_id)
        outgoing.require_manager(user=request.user, webhook=webhook)
        found = selectors.deliveries_recent(webhook=webhook, limit=DELIVERIES_SHOWN)
        return Response({"deliveries": [payloads.delivery_payload(d) for d in found]})


def _bot(request: SignedInApiRequest, bot_id: int) -> User:
    bot = bots.bot_for_manager(viewer=request.user, bot_id=bot_id)
    if bot is None:
        raise Http404  # someone else's bot: learn nothing
    return bot


class BotCommandListApi(APIView):
    permission_classes = credential_permissions("POST")

    @extend_schema_serializer(component_name="BotCommandInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=33)
        description = serializers.CharField(
            max_length=120, required=False, allow_blank=True, default=""
        )
        url = serializers.CharField(max_length=2000)

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="A bot's slash commands")
    def get(self, request: SignedInApiRequest, bot_id: int) -> Response:
        bot = _bot(request, bot_id)
        found = BotCommand.objects.filter(bot=bot)
        return Response({"commands": [payloads.command_payload(c) for c in found]})

    @extend_schema(
        request=InputSerializer,
        responses={201: OpenApiTypes.OBJECT},
        summary="Add a slash command to a bot (its signing secret is in the answer)",
    )
    def post(self, request: SignedInApiRequest, bot_id: int) -> Response:
        bot = _bot(request, bot_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        command, secret = bot_commands.bot_command_create(
            bot=bot, actor=request.user, **data.validated_data
        )
        return Response(
            {**payloads.command_payload(command), "secret": secret},
            status=status.HTTP_201_CREATED,
        )


class BotCommandApi(APIView):
    @extend_schema(responses={204: None}, summary="Remove a bot's slash command")
    def delete(self, request: SignedInApiRequest, bot_id: int, command_id: int) -> Response:
        bot = _bot(request, bot_id)
        command = get_object_or_404(
            BotCommand.objects.select_related("bot"), pk=command_id, bot=bot
        )
        bot_commands.bot_command_delete(command=command, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
