"""Incoming webhooks: a secret URL that posts to one room as the webhook's own bot."""

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import services as accounts
from accounts.models import User
from integrations.models import IncomingWebhook
from integrations.services import signing
from rooms import selectors as room_selectors
from rooms import services as engine
from rooms.domain_events import MemberRemoved
from rooms.models import Conversation, Membership, Message

INVALID_PAYLOAD = "invalid_webhook_payload"  # ValidationError code (API subcode 4081)


def require_room_manager(*, user: User, room: Conversation) -> None:
    """Room admins and staff manage a room's integrations; guests and bots never do."""
    if user.is_guest or user.is_bot or not user.is_active:
        raise PermissionDenied("Guests and bots cannot manage integrations.")
    if room.kind != Conversation.Kind.ROOM:
        raise PermissionDenied("Only rooms have integrations.")
    if user.is_staff:
        return
    membership = room_selectors.membership_get(user=user, conversation=room)
    if membership is None or not membership.is_admin:
        raise PermissionDenied("Only room admins manage this room's integrations.")


@dataclass(frozen=True)
class Created:
    webhook: IncomingWebhook
    token: str  # shown once: only its hash is stored


def url_for(token: str) -> str:
    return f"{settings.UCHAT_SITE_URL.rstrip('/')}/hooks/{token}/"


@transaction.atomic
def incoming_webhook_create(*, room: Conversation, creator: User, name: str) -> Created:
    """A webhook and its bot (a member of the room). The URL's token is returned once."""
    require_room_manager(user=creator, room=room)
    name = name.strip()
    if not name:
        raise ValidationError("A webhook needs a name.", code="invalid")
    live = IncomingWebhook.objects.filter(created_by=creator, revoked_at__isnull=True).count()
    if live >= settings.UCHAT_WEBHOOKS_PER_OWNER:
        raise ValidationError(
            f"You have {live} incoming webhooks; revoke one first.", code="too_many_webhooks"
        )
    bot = accounts.bot_create(owner=creator, name=name)
    # Ownerless: the webhook is the only way to manage its bot. Owned, its maker could mint
    # API tokens for it and read the room through it after leaving; it would also count
    # against their bot cap and be listed on their Bots page.
    bot.bot_owner = None
    bot.save(update_fields=["bot_owner"])
    engine.members_add(conversation=room, actor=creator, users=[bot], notify=False)
    token = signing.token_new()
    webhook = IncomingWebhook(
        conversation=room,
        bot=bot,
        name=name,
        token_hash=signing.token_hash(token),
        created_by=creator,
    )
    webhook.full_clean()
    webhook.save()
    return Created(webhook, token)


@transaction.atomic
def incoming_webhook_revoke(*, webhook: IncomingWebhook, actor: User | None) -> IncomingWebhook:
    """Its URL answers 404 from now on, and its bot is deactivated (its messages stay)."""
    if actor is not None:
        require_room_manager(user=actor, room=webhook.conversation)
    if webhook.revoked_at is None:
        webhook.revoked_at = timezone.now()
        webhook.save(update_fields=["revoked_at"])
        accounts.user_active_set(user=webhook.bot, active=False)
    return webhook


def webhooks_end_for_user(*, user: User) -> None:
    """accounts.hooks.after_access_revoke: a person's password change, deactivation or
    deletion revokes the incoming webhooks they created, as it ends their other tokens."""
    for webhook in IncomingWebhook.objects.filter(
        created_by=user, revoked_at__isnull=True
    ).select_related("bot", "conversation"):
        incoming_webhook_revoke(webhook=webhook, actor=None)


def on_member_removed(event: MemberRemoved) -> None:
    """Handler (after commit): someone who leaves or is removed from a conversation stops
    reading it through their bots. Their bots there are removed from it and the incoming
    webhooks they made there are revoked (their bots deactivated). A maker who only stops
    being a room admin keeps their webhooks (as Slack does): docs/integrations.md."""
    conversation = event.conversation
    bots = User.objects.filter(bot_owner_id=event.user_id, is_bot=True)
    for membership in Membership.objects.filter(conversation=conversation, user__in=bots):
        engine.member_remove(conversation=conversation, membership=membership)
    for webhook in IncomingWebhook.objects.filter(
        conversation=conversation, created_by_id=event.user_id, revoked_at__isnull=True
    ).select_related("bot", "conversation"):
        incoming_webhook_revoke(webhook=webhook, actor=None)


def webhook_for_token(token: str) -> IncomingWebhook | None:
    """The live webhook of a URL's token, or None (unknown, revoked, bot gone)."""
    if not token or len(token) > 200:
        return None
    return (
        IncomingWebhook.objects.select_related("bot", "conversation")
        .filter(token_hash=signing.token_hash(token), revoked_at__isnull=True, bot__is_active=True)
        .first()
    )


def payload_parse(*, body: bytes, content_type: str, form: Any) -> str:
    """The text of a Slack-style payload: a JSON body ``{"text": ...}`` or a form field
    ``payload=<that JSON>``. Other keys (``username``, ``icon_url``, ``channel``...) are
    ignored: a webhook always posts as its own bot, to its own room."""
    try:
        if content_type.startswith("application/x-www-form-urlencoded") or (
            content_type.startswith("multipart/form-data")
        ):
            raw = form.get("payload")
            if raw is None:
                raise ValidationError("Send a payload field holding JSON.", code=INVALID_PAYLOAD)
            data = json.loads(raw)
        else:
            data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ValidationError("The payload is not valid JSON.", code=INVALID_PAYLOAD) from exc
    if not isinstance(data, dict):
        raise ValidationError("The payload must be a JSON object.", code=INVALID_PAYLOAD)
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValidationError('The payload needs a "text" string.', code=INVALID_PAYLOAD)
    return text


def incoming_post(*, webhook: IncomingWebhook, text: str) -> Message:
    """Store ``text`` (markdown) as the webhook's bot, through the one message service: its
    length limit and its per-sender rate (keyed on the bot) apply. Raises as it does."""
    message, _ = engine.message_create(
        conversation=webhook.conversation, sender=webhook.bot, body=text
    )
    return message
