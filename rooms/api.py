"""Messages and rooms over the API. Thin: parse, call one service or selector, answer."""

import contextlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as account_selectors
from accounts.http import SignedInApiRequest
from core.api import PAGING_PARAMETERS, int_param, page_params
from core.api_errors import (
    DIRECTORY_REFUSED,
    INVALID_COMMAND,
    INVALID_PAGING,
    INVALID_QUERY,
    INVALID_THREAD,
    NOT_FOUND,
    UNKNOWN_COMMAND,
    UNKNOWN_RECIPIENT,
    UNKNOWN_USERS,
    ApiError,
)
from core.cache import rate_take
from core.db_router import replica_reads
from core.paging import keyset_page
from rooms import commands, payloads, selectors, services, slash
from rooms.emoji_catalog import emoji_catalog
from rooms.models import Conversation, Membership, Message, NotifyLevel, Visibility
from rooms.search import messages_search
from rooms.services.notify_settings import NotifyChanges, membership_notify_set
from rooms.switcher import switcher_list

EMOJI_MAX_AGE = 86400  # seconds


class MessageListApi(APIView):
    """Direct messages: the seed chat server's /messages."""

    @extend_schema_serializer(component_name="DirectMessageInput")
    class InputSerializer(serializers.Serializer):
        recipient_id = serializers.IntegerField()
        content = serializers.DictField()
        client_id = serializers.CharField(max_length=64, required=False)

    @extend_schema(
        parameters=[
            *PAGING_PARAMETERS,
            OpenApiParameter("sender_id", int, description="one party (default: you)"),
            OpenApiParameter("recipient_id", int, description="the other party (default: you)"),
        ],
        responses={200: OpenApiTypes.OBJECT},
        summary="A direct conversation, newest first; start = the last id seen",
    )
    def get(self, request: SignedInApiRequest) -> Response:
        limit, start = page_params(request)
        parties = {int_param(request, "sender_id") or request.user.pk}
        parties.add(int_param(request, "recipient_id") or request.user.pk)
        if request.user.pk not in parties:
            raise ApiError(404, NOT_FOUND, "Not Found")  # someone else's conversation
        other_id = next((p for p in parties if p != request.user.pk), request.user.pk)
        conversation = selectors.direct_conversation_between(user=request.user, other_id=other_id)
        messages, next_start = selectors.message_page_newest_first(
            conversation=conversation, start=start, limit=limit
        )
        return Response(
            {
                "messages": [
                    payloads.direct_message_payload(
                        m,
                        recipient_id=other_id
                        if m.sender_id == request.user.pk
                        else request.user.pk,
                    )
                    for m in messages
                ],
                "next": next_start,
            }
        )

    @extend_schema(
        request=InputSerializer,
        responses={201: OpenApiTypes.OBJECT},
        summary="Send a direct message",
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recipient = account_selectors.active_user(pk=data.validated_data["recipient_id"])
        if recipient is None:
            raise ApiError(400, UNKNOWN_RECIPIENT, "Unknown Recipient")
        conversation = services.direct_conversation_get_or_create(
            user=request.user, other=recipient
        )
        message, created = services.message_create(
            conversation=conversation,
            sender=request.user,
            content=data.validated_data["content"],
            client_id=data.validated_data.get("client_id"),
        )
        return Response(
            payloads.direct_message_payload(message, recipient_id=recipient.pk),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def room_api_payload(membership) -> dict:
    room = membership.conversation
    return {
        **payloads.room_payload(room),
        "is_admin": membership.is_admin,
        "unread": membership.unread,
        "last_message_id": room.last_message_id,
    }


class RoomListApi(APIView):
    @extend_schema_serializer(component_name="RoomCreateInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=80)
        topic = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")
        members = serializers.ListField(
            child=serializers.CharField(max_length=150),
            required=False,
            default=list,
            max_length=500,
        )
        visibility = serializers.ChoiceField(
            choices=Visibility.values, required=False, default=Visibility.PRIVATE
        )
        # Staff only (403 for anyone else); holds for public rooms only.
        open_to_customers = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        parameters=PAGING_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        summary="My rooms, by id",
    )
    def get(self, request: SignedInApiRequest) -> Response:
        limit, start = page_params(request)
        page, next_start = keyset_page(
            selectors.memberships_for_user(user=request.user),
            key="conversation_id",
            start=start,
            limit=limit,
        )
        return Response({"rooms": [room_api_payload(m) for m in page], "next": next_start})

    @extend_schema(
        request=InputSerializer, responses={201: OpenApiTypes.OBJECT}, summary="Create a room"
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        members, unknown = account_selectors.users_by_usernames(
            usernames=data.validated_data["members"]
        )
        if unknown:
            raise ApiError(400, UNKNOWN_USERS, "Unknown Users", usernames=unknown)
        room = services.room_create(
            creator=request.user,
            name=data.validated_data["name"],
            topic=data.validated_data["topic"],
            members=members,
            visibility=data.validated_data["visibility"],
            open_to_customers=data.validated_data["open_to_customers"],
        )
        return Response(payloads.room_payload(room), status=status.HTTP_201_CREATED)


def _room_for_member(request: SignedInApiRequest, room_id: int) -> Conversation:
    room = selectors.conversation_for_member(
        user=request.user, conversation_id=room_id, kind=Conversation.Kind.ROOM
    )
    if room is None:
        raise Http404
    return room


class RoomDetailApi(APIView):
    """A room's details: room admins change them (only staff ``open_to_customers``)."""

    @extend_schema_serializer(component_name="RoomUpdateInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=80, required=False)
        topic = serializers.CharField(max_length=250, required=False, allow_blank=True)
        visibility = serializers.ChoiceField(choices=Visibility.values, required=False)
        open_to_customers = serializers.BooleanField(required=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            unknown = set(self.initial_data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError(f"Unknown keys: {', '.join(sorted(unknown))}.")
            if not attrs:
                raise serializers.ValidationError(
                    "Give name, topic, visibility or open_to_customers."
                )
            return attrs

    @extend_schema(
        request=InputSerializer,
        responses={200: OpenApiTypes.OBJECT},
        summary="Change a room's name, topic or visibility (room admins)",
    )
    def patch(self, request: SignedInApiRequest, room_id: int) -> Response:
        room = _room_for_member(request, room_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = data.validated_data
        room = services.room_update(
            room=room,
            actor=request.user,
            name=changes.get("name", room.name),
            topic=changes.get("topic", room.topic),
            visibility=changes.get("visibility"),
            open_to_customers=changes.get("open_to_customers"),
        )
        return Response(payloads.room_payload(room))


class RoomDirectoryApi(APIView):
    """Public rooms the caller may find (rooms.selectors.directory_rooms_visible)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="part of a name or topic (at most 100)"),
            OpenApiParameter(
                "limit", int, description=f"1-{selectors.DIRECTORY_LIMIT}, default the most"
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
        summary="The room directory: public rooms, most recently active first",
    )
    def get(self, request: SignedInApiRequest) -> Response:
        if not selectors.may_browse_directory(user=request.user):
            raise ApiError(403, DIRECTORY_REFUSED, "Guests Cannot Browse Rooms")
        limit = _limit(request, selectors.DIRECTORY_LIMIT, selectors.DIRECTORY_LIMIT)
        query = request.query_params.get("q", "")
        if len(query) > selectors.DIRECTORY_QUERY_MAX:
            raise ApiError(
                400, INVALID_QUERY, "Invalid Query", detail="q is at most 100 characters."
            )
        rate_take(
            scope="directory", who=request.user.pk, limit=settings.UCHAT_SWITCHER_PER_MINUTE,
            window=60, message="Too many searches. Wait a minute and try again.",
        )  # fmt: skip
        rooms = selectors.directory_rooms(user=request.user, query=query, limit=limit)
        return Response({"rooms": [payloads.directory_room_payload(r) for r in rooms]})


class RoomJoinApi(APIView):
    """Join a public room the caller may find in the directory; again: no change."""

    @extend_schema(
        request=None,
        responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT},
        summary="Join a public room (201; 200 when already a member)",
    )
    def post(self, request: SignedInApiRequest, room_id: int) -> Response:
        room = selectors.conversation_for_member(
            user=request.user, conversation_id=room_id, kind=Conversation.Kind.ROOM
        ) or selectors.directory_room_get(user=request.user, room_id=room_id)
        if room is None:
            raise Http404
        membership, joined = services.room_join(room=room, user=request.user)
        return Response(
            {**payloads.room_payload(room), "is_admin": membership.is_admin, "joined": True},
            status=status.HTTP_201_CREATED if joined else status.HTTP_200_OK,
        )


class RoomLeaveApi(APIView):
    """Leave a room (not as its last admin or last member)."""

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT}, summary="Leave a room")
    def post(self, request: SignedInApiRequest, room_id: int) -> Response:
        room = _room_for_member(request, room_id)
        services.room_leave(room=room, user=request.user)
        return Response({**payloads.room_payload(room), "joined": False})


class ConversationMessagesApi(APIView):
    """One conversation's history (newest first, ``start`` = the last id seen) and sending to
    it; rooms and tickets differ only in which conversation the URL names."""

    @extend_schema_serializer(component_name="MessageInput")
    class InputSerializer(serializers.Serializer):
        body = serializers.CharField(required=False, trim_whitespace=False, allow_blank=True)
        content = serializers.DictField(required=False)
        client_id = serializers.CharField(max_length=64, required=False)
        reply_to = serializers.IntegerField(required=False, min_value=1)
        # A message of the thread this replies in (rooms and direct conversations).
        thread = serializers.IntegerField(required=False, min_value=1)
        also_to_room = serializers.BooleanField(required=False, default=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if "body" not in attrs and "content" not in attrs:
                raise serializers.ValidationError("Send a text body or a content object.")
            return attrs

    def conversation(self, request: SignedInApiRequest, object_id: int) -> Conversation:
        raise NotImplementedError

    def history(self, request: SignedInApiRequest, object_id: int) -> Response:
        limit, start = page_params(request)
        conversation = self.conversation(request, object_id)
        # Older pages may come from a replica: nothing just written is among them.
        with replica_reads() if start is not None else contextlib.nullcontext():
            messages, next_start = selectors.message_page_newest_first(
                conversation=conversation, start=start, limit=limit
            )
        reactions = selectors.reactions_for(messages=messages, viewer=request.user)
        return Response(
            {
                "messages": payloads.message_payloads(messages, reactions=reactions),
                "next": next_start,
            }
        )

    def send(self, request: SignedInApiRequest, object_id: int) -> Response:
        conversation = self.conversation(request, object_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message, created = services.message_create(
            conversation=conversation, sender=request.user, **data.validated_data
        )
        return Response(
            payloads.message_payload(message),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class RoomMessageListApi(ConversationMessagesApi):
    def conversation(self, request: SignedInApiRequest, object_id: int) -> Conversation:
        return _room_for_member(request, object_id)

    @extend_schema(
        parameters=PAGING_PARAMETERS, responses={200: OpenApiTypes.OBJECT}, summary="Room history"
    )
    def get(self, request: SignedInApiRequest, room_id: int) -> Response:
        return self.history(request, room_id)

    @extend_schema(
        request=ConversationMessagesApi.InputSerializer,
        responses={201: OpenApiTypes.OBJECT},
        summary="Send to a room",
    )
    def post(self, request: SignedInApiRequest, room_id: int) -> Response:
        return self.send(request, room_id)


class MessageReactionsApi(APIView):
    """A reaction on a message the caller can read: POST adds it, DELETE takes it back."""

    @extend_schema_serializer(component_name="ReactionInput")
    class InputSerializer(serializers.Serializer):
        emoji = serializers.CharField(max_length=32)

    def _set(self, request: SignedInApiRequest, message_id: int, *, on: bool) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = selectors.message_for_reader(user=request.user, message_id=message_id)
        if message is None:
            raise Http404("No such message.")
        services.reaction_set(
            message_id=message.pk, user=request.user, emoji=data.validated_data["emoji"], on=on
        )
        [reactions] = selectors.reactions_for(messages=[message], viewer=request.user).values() or [
            []
        ]
        return Response({"message": message.pk, "reactions": reactions})

    @extend_schema(
        request=InputSerializer, responses={200: OpenApiTypes.OBJECT}, summary="React to a message"
    )
    def post(self, request: SignedInApiRequest, message_id: int) -> Response:
        return self._set(request, message_id, on=True)

    @extend_schema(
        request=InputSerializer,
        responses={200: OpenApiTypes.OBJECT},
        summary="Take back a reaction",
    )
    def delete(self, request: SignedInApiRequest, message_id: int) -> Response:
        return self._set(request, message_id, on=False)


class SearchApi(APIView):
    """Full-text search over the messages the caller may read (rooms.search)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description='words, "a phrase", -not'),
            OpenApiParameter("limit", int, description="1–50, default 20"),
        ],
        responses={200: OpenApiTypes.OBJECT},
        summary="Search messages; newest hits first, each with a highlighted html snippet",
    )
    def get(self, request: SignedInApiRequest) -> Response:
        limit = int_param(request, "limit") or 20
        hits = messages_search(
            user=request.user, query=request.query_params.get("q", ""), limit=limit
        )
        return Response({"results": [payloads.search_hit_payload(hit) for hit in hits]})


class EmojiApi(APIView):
    """The emoji picker's data (rooms.emoji_catalog): built once per process, cached by the
    browser for a day and revalidated by its ETag."""

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, 304: None},
        summary="Every emoji a reaction accepts: emoji, name and keywords, by category",
    )
    def get(self, request: SignedInApiRequest) -> HttpResponse:
        catalog = emoji_catalog()
        if catalog.etag in request.headers.get("If-None-Match", ""):
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(catalog.body, content_type="application/json")
        response["ETag"] = catalog.etag
        response["Cache-Control"] = f"private, max-age={EMOJI_MAX_AGE}"
        return response


class SwitcherApi(APIView):
    """The quick switcher (Ctrl/Cmd+K): what the caller may open whose name matches
    (rooms.switcher)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="part of a name; empty: the most recent"),
        ],
        responses={200: OpenApiTypes.OBJECT},
        summary="Rooms, direct conversations, people and other conversations to open, with URLs",
    )
    def get(self, request: SignedInApiRequest) -> Response:
        entries = switcher_list(user=request.user, query=request.query_params.get("q", ""))
        return Response({"results": entries})


# --- threads --------------------------------------------------------------------------------

THREAD_PAGE = 50  # replies per page of GET /api/messages/<id>/thread (limit: 1-100)
THREADS_PAGE = 30  # threads in GET /api/threads (limit: 1-50)


def _thread_root(request: SignedInApiRequest, message_id: int) -> Message:
    """The root of the thread of a message the caller can read; 404 otherwise."""
    root = selectors.thread_root_for_member(user=request.user, message_id=message_id)
    if root is None:
        raise Http404("No such message.")
    return root


def _limit(request: SignedInApiRequest, default: int, most: int) -> int:
    limit = int_param(request, "limit")
    if limit is None:
        return default
    if not 1 <= limit <= most:
        raise ApiError(400, INVALID_PAGING, f"limit must be from 1 to {most}.")
    return limit


class ThreadApi(APIView):
    """A thread: its root and a keyset page of its replies, oldest first."""

    @extend_schema(
        parameters=[
            OpenApiParameter("limit", int, description=f"1-100, default {THREAD_PAGE}"),
            OpenApiParameter("before", int, description="replies older than this id"),
            OpenApiParameter("after", int, description="replies newer than this id"),
        ],
        responses={200: OpenApiTypes.OBJECT},
        summary="A thread (the message may be its root or any reply): root, replies, paging",
    )
    def get(self, request: SignedInApiRequest, message_id: int) -> Response:
        root = _thread_root(request, message_id)
        services.thread_kind_check(root=root)
        page = selectors.thread_page(
            root=root,
            before_id=int_param(request, "before"),
            after_id=int_param(request, "after"),
            limit=_limit(request, THREAD_PAGE, 100),
        )
        reactions = selectors.reactions_for(messages=[root, *page.messages], viewer=request.user)
        follow = selectors.thread_follow_get(user=request.user, root=root)
        return Response(
            {
                "root": payloads.message_payload(root, reactions=reactions.get(root.pk, [])),
                "replies": payloads.message_payloads(page.messages, reactions=reactions),
                "has_more": page.has_more,
                "has_newer": page.has_newer,
                "following": bool(follow and follow.following),
                "unread": selectors.thread_unread(user=request.user, root=root),
            }
        )


class ThreadFollowApi(APIView):
    """Follow (POST) or unfollow (DELETE) the thread of a message."""

    def _set(self, request: SignedInApiRequest, message_id: int, *, following: bool) -> Response:
        root = _thread_root(request, message_id)
        services.thread_follow_set(user=request.user, root=root, following=following)
        return Response({"message": root.pk, "following": following})

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT}, summary="Follow a thread")
    def post(self, request: SignedInApiRequest, message_id: int) -> Response:
        return self._set(request, message_id, following=True)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT}, summary="Unfollow a thread")
    def delete(self, request: SignedInApiRequest, message_id: int) -> Response:
        return self._set(request, message_id, following=False)


class ThreadReadApi(APIView):
    """Move the caller's read marker in a thread."""

    @extend_schema_serializer(component_name="ThreadReadInput")
    class InputSerializer(serializers.Serializer):
        message = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(
        request=InputSerializer,
        responses={200: OpenApiTypes.OBJECT},
        summary="Mark a thread read up to a reply (default: the newest)",
    )
    def post(self, request: SignedInApiRequest, message_id: int) -> Response:
        root = _thread_root(request, message_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unread, total = services.thread_mark_read(
            user=request.user, root=root, message_id=data.validated_data.get("message")
        )
        return Response({"message": root.pk, "unread": unread, "total": total})


class ThreadListApi(APIView):
    """The Threads view: the threads the caller follows, unread ones first."""

    @extend_schema(
        parameters=[OpenApiParameter("limit", int, description=f"1-50, default {THREADS_PAGE}")],
        responses={200: OpenApiTypes.OBJECT},
        summary="Followed threads: unread first, then by last reply; and the total unread",
    )
    def get(self, request: SignedInApiRequest) -> Response:
        followed = selectors.threads_for_user(
            user=request.user, limit=_limit(request, THREADS_PAGE, 50)
        )
        roots = [f.follow.message for f in followed]
        reactions = selectors.reactions_for(messages=roots, viewer=request.user)
        threads = []
        for entry in followed:
            root = entry.follow.message
            conversation = root.conversation
            threads.append(
                {
                    "root": payloads.message_payload(root, reactions=reactions.get(root.pk, [])),
                    "conversation": {
                        "id": conversation.pk,
                        "kind": conversation.kind,
                        "name": entry.where,
                    },
                    "unread": entry.unread,
                    "last_reply_at": root.last_reply_at.isoformat() if root.last_reply_at else None,
                    "following": True,
                }
            )
        return Response(
            {"threads": threads, "total": selectors.threads_unread_total(user=request.user)}
        )


MUTE_FOR_MAX = 366 * 86400  # seconds


class ConversationNotifyApi(APIView):
    """The caller's notification setting in one conversation they are a member of (404 for
    any other): GET reads it, PUT changes the keys given."""

    @extend_schema_serializer(component_name="ConversationNotifyInput")
    class InputSerializer(serializers.Serializer):
        level = serializers.ChoiceField(choices=NotifyLevel.values, required=False)
        muted_until = serializers.DateTimeField(required=False, allow_null=True)
        mute_for = serializers.IntegerField(required=False, min_value=60, max_value=MUTE_FOR_MAX)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            unknown = set(self.initial_data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError(f"Unknown keys: {', '.join(sorted(unknown))}.")
            if not attrs:
                raise serializers.ValidationError("Give level, muted_until or mute_for.")
            if "muted_until" in attrs and "mute_for" in attrs:
                raise serializers.ValidationError("Give muted_until or mute_for, not both.")
            return attrs

    def membership(self, request: SignedInApiRequest, conversation_id: int) -> Membership:
        membership = (
            Membership.objects.filter(conversation_id=conversation_id, user=request.user)
            .select_related("conversation")
            .first()
        )
        if membership is None:
            raise Http404
        return membership

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT}, summary="My notification level in a conversation"
    )
    def get(self, request: SignedInApiRequest, conversation_id: int) -> Response:
        return Response(
            payloads.membership_notify_payload(self.membership(request, conversation_id))
        )

    @extend_schema(
        request=InputSerializer,
        responses={200: OpenApiTypes.OBJECT},
        summary="Set my notification level or mute in a conversation",
    )
    def put(self, request: SignedInApiRequest, conversation_id: int) -> Response:
        membership = self.membership(request, conversation_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes: NotifyChanges = {}
        if "level" in data.validated_data:
            changes["level"] = data.validated_data["level"]
        if "muted_until" in data.validated_data:
            changes["muted_until"] = data.validated_data["muted_until"]
        if "mute_for" in data.validated_data:
            changes["muted_until"] = timezone.now() + timedelta(
                seconds=data.validated_data["mute_for"]
            )
        membership = membership_notify_set(
            conversation=membership.conversation, user=request.user, changes=changes
        )
        return Response(payloads.membership_notify_payload(membership))


class ConversationCommandsApi(APIView):
    """Slash commands in one conversation the caller is a member of (404 for any other): GET
    lists those they may run here, POST runs one line (rooms.commands)."""

    @extend_schema_serializer(component_name="CommandInput")
    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=4000, trim_whitespace=True)
        thread = serializers.IntegerField(required=False, allow_null=True, min_value=1)

    def conversation(self, request: SignedInApiRequest, conversation_id: int) -> Conversation:
        conversation = selectors.conversation_for_member(
            user=request.user, conversation_id=conversation_id
        )
        if conversation is None:
            raise Http404
        return conversation

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Slash commands here")
    def get(self, request: SignedInApiRequest, conversation_id: int) -> Response:
        conversation = self.conversation(request, conversation_id)
        found = commands.commands_for(request.user, conversation)
        return Response(
            {
                "commands": [
                    {"name": c.name, "description": c.description, "usage": c.usage} for c in found
                ]
            }
        )

    @extend_schema(
        request=InputSerializer, responses={200: OpenApiTypes.OBJECT}, summary="Run a command"
    )
    def post(self, request: SignedInApiRequest, conversation_id: int) -> Response:
        conversation = self.conversation(request, conversation_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        thread = None
        if data.validated_data.get("thread"):
            thread = Message.objects.filter(
                pk=data.validated_data["thread"], conversation=conversation
            ).first()
            if thread is None:
                raise ApiError(400, INVALID_THREAD, "Invalid Thread")
        try:
            outcome = commands.command_run(
                user=request.user,
                conversation=conversation,
                text=data.validated_data["text"],
                thread=thread,
            )
        except ValidationError as exc:
            if exc.code == commands.UNKNOWN_COMMAND:
                raise ApiError(400, UNKNOWN_COMMAND, exc.messages[0]) from exc
            if exc.code == slash.INVALID_COMMAND:
                raise ApiError(400, INVALID_COMMAND, exc.messages[0]) from exc
            raise
        message = outcome.message
        return Response(
            {
                "reply": outcome.reply,
                "message": payloads.message_payload(message) if message is not None else None,
            }
        )
