"""Outgoing webhooks: who may make one, for which events and which scope."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from accounts.models import User
from integrations.models import OutgoingWebhook
from integrations.services import routing, signing
from integrations.services.incoming import require_room_manager
from rooms.models import Conversation, Membership

Event = OutgoingWebhook.Event
MESSAGE_EVENTS = {Event.MESSAGE_CREATED, Event.MESSAGE_UPDATED, Event.MESSAGE_DELETED}
STAFF_EVENTS = set(Event) - MESSAGE_EVENTS  # the desk's: staff-owned hooks only
INVALID_EVENTS = "invalid_webhook_events"  # ValidationError code (API subcode 4082)


@dataclass(frozen=True)
class Created:
    webhook: OutgoingWebhook
    secret: str


def events_clean(*, events: Iterable[object], staff: bool, scoped: bool) -> list[str]:
    chosen = list(dict.fromkeys(events))
    if not chosen:
        raise ValidationError("Choose at least one event.", code=INVALID_EVENTS)
    unknown = [e for e in chosen if e not in Event.values]
    if unknown:
        raise ValidationError(f"Unknown event: {unknown[0]}.", code=INVALID_EVENTS)
    desk = [e for e in chosen if e in STAFF_EVENTS]
    if desk and not staff:
        raise ValidationError("Only staff hooks hear the desk's events.", code=INVALID_EVENTS)
    if desk and scoped:
        raise ValidationError(
            "A room's hook hears that room's messages only, not tickets.", code=INVALID_EVENTS
        )
    return [str(e) for e in chosen]


def webhooks_visible(*, user: User) -> QuerySet[OutgoingWebhook]:
    """Staff see every hook; others theirs and those of the rooms they administer."""
    hooks = OutgoingWebhook.objects.select_related("owner", "conversation")
    if user.is_staff:
        return hooks.all()
    administered = Membership.objects.filter(user=user, is_admin=True).values("conversation_id")
    return hooks.filter(Q(owner=user) | Q(conversation_id__in=administered))


def require_manager(*, user: User, webhook: OutgoingWebhook) -> None:
    if user.is_guest or user.is_bot:
        raise PermissionDenied("Guests and bots cannot manage integrations.")
    if user.is_staff or webhook.owner_id == user.pk:
        return
    if webhook.conversation is None:
        raise PermissionDenied("Only staff manage site-wide webhooks.")
    require_room_manager(user=user, room=webhook.conversation)


@transaction.atomic
def outgoing_webhook_create(
    *, owner: User, url: str, events: Iterable[object], room: Conversation | None = None
) -> Created:
    """Staff: any scope (``room`` None: every room and the desk). Room admins: a room they
    administer. The signing secret is returned here (and to the owner on demand)."""
    if owner.is_guest or owner.is_bot or not owner.is_active:
        raise PermissionDenied("Guests and bots cannot make webhooks.")
    if room is None and not owner.is_staff:
        raise PermissionDenied("Only staff make webhooks for every room: choose a room.")
    if room is not None:
        require_room_manager(user=owner, room=room)
    chosen = events_clean(events=events, staff=owner.is_staff, scoped=room is not None)
    url = signing.url_check(url)
    count = OutgoingWebhook.objects.filter(owner=owner).count()
    if count >= settings.UCHAT_WEBHOOKS_PER_OWNER:
        raise ValidationError(
            f"You have {count} outgoing webhooks; delete one first.", code="too_many_webhooks"
        )
    webhook = OutgoingWebhook(
        owner=owner, conversation=room, url=url, events=chosen, secret_salt=signing.salt_new()
    )
    webhook.full_clean()
    webhook.save()
    routing.hooks_changed()  # now (this thread) and once committed (the handlers' thread)
    transaction.on_commit(routing.hooks_changed)
    return Created(webhook, signing.secret_for(webhook.secret_salt))


@transaction.atomic
def outgoing_webhook_update(
    *,
    webhook: OutgoingWebhook,
    actor: User,
    url: str | None = None,
    events: Iterable[object] | None = None,
    active: bool | None = None,
) -> OutgoingWebhook:
    """Change the URL or the events, or switch it on (its failures start again from 0) or off.
    Only the owner or staff change the URL: a room admin who could would redirect a staff
    member's signed deliveries (and their secret's signatures) to a server of their own."""
    require_manager(user=actor, webhook=webhook)
    if url is not None and url.strip() != webhook.url:
        if not (actor.is_staff or webhook.owner_id == actor.pk):
            raise PermissionDenied("Only the webhook's owner or staff change its URL.")
        webhook.url = signing.url_check(url)
    if events is not None:
        webhook.events = events_clean(
            events=events,
            staff=webhook.owner.is_staff,
            scoped=webhook.conversation_id is not None,
        )
    if active is True and not webhook.owner.is_active:
        raise ValidationError("Its owner's account is deactivated.", code="invalid")
    if active is not None and active != webhook.active:
        webhook.active = active
        webhook.failure_count = 0
        webhook.disabled_reason = "" if active else f"Switched off by {actor.username}."
    webhook.full_clean()
    webhook.save()
    routing.hooks_changed()  # now (this thread) and once committed (the handlers' thread)
    transaction.on_commit(routing.hooks_changed)
    return webhook


@transaction.atomic
def outgoing_webhook_delete(*, webhook: OutgoingWebhook, actor: User) -> None:
    require_manager(user=actor, webhook=webhook)
    webhook.delete()


def outgoing_webhook_secret(*, webhook: OutgoingWebhook, user: User) -> str:
    """The signing secret, to its owner only."""
    if webhook.owner_id != user.pk:
        raise PermissionDenied("Only the webhook's owner sees its secret.")
    return signing.secret_for(webhook.secret_salt)


def webhooks_pause_for_user(*, user: User) -> None:
    """accounts.hooks.after_access_revoke: a deactivated owner's hooks stop sending (deletion
    removes them). A password change leaves them: the secret signs, it grants no access."""
    if not user.is_active:
        OutgoingWebhook.objects.filter(owner=user, active=True).update(
            active=False, disabled_reason="Its owner's account was deactivated."
        )
