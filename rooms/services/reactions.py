"""Emoji reactions on messages: add or take back one, live for everyone in the conversation
(a ``reaction.updated`` frame with the new count)."""

import emoji as emoji_data
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from core import events
from core.cache import rate_take
from rooms import frames
from rooms.models import Conversation, Message, Reaction
from rooms.services.conversations import require_member

EMOJI_MAX = 32  # characters: flags, skin tones and ZWJ sequences are several
EMOJIS_PER_MESSAGE = 20  # different emoji on one message


_FULLY_QUALIFIED = emoji_data.STATUS["fully_qualified"]
NOT_EMOJI = "Reactions are emoji only: choose one emoji."
# Each fully-qualified emoji by its form without U+FE0F: "❤" (what many keyboards send) and
# the minimally-qualified "❤\u200d🔥" are listed by Unicode as the same emoji, unqualified.
_QUALIFIED = {
    e.replace("\ufe0f", ""): e
    for e, data in emoji_data.EMOJI_DATA.items()
    if data["status"] == _FULLY_QUALIFIED
}


def _emoji_clean(emoji: object) -> str:
    """One emoji: a whole, fully-qualified sequence of Unicode's emoji data (the ``emoji``
    package), so keycaps, flags, skin tones and ZWJ sequences pass, while symbols (``^``),
    lone components (a skin tone) and invisible tag characters do not. An emoji that Unicode
    lists without its U+FE0F (``❤``, ``©``: unqualified or minimally qualified) is taken as
    and returned in its fully-qualified form, so one reaction is stored and counted once."""
    if not isinstance(emoji, str) or not emoji.strip():
        raise ValidationError("Choose an emoji.", code="invalid_emoji")
    emoji = emoji.strip()
    if len(emoji) > EMOJI_MAX:
        raise ValidationError("That is too long for an emoji.", code="invalid_emoji")
    found = emoji_data.EMOJI_DATA.get(emoji)
    if found is None:
        raise ValidationError(NOT_EMOJI, code="invalid_emoji")
    if found["status"] == _FULLY_QUALIFIED:
        return emoji
    qualified = _QUALIFIED.get(emoji.replace("\ufe0f", ""))
    if qualified is None:  # a component (a skin tone alone)
        raise ValidationError(NOT_EMOJI, code="invalid_emoji")
    return qualified


def emoji_accepted(emoji: str) -> bool:
    """Whether a reaction with exactly this string is stored as it is (the picker offers only
    these)."""
    try:
        return _emoji_clean(emoji) == emoji
    except ValidationError:
        return False


def reaction_set(
    *, conversation: Conversation | None = None, message_id: int, user: User, emoji: object,
    on: bool,
) -> int:  # fmt: skip
    """Add (``on``) or take back the person's ``emoji`` on a message they can read; returns
    the emoji's new count. Adding twice or taking back nothing changes nothing."""
    try:
        emoji = _emoji_clean(emoji)
    except ValidationError:
        # A reaction stored before the emoji rule may still be taken back by its author.
        if on or not isinstance(emoji, str) or not _own_reaction_exists(message_id, user, emoji):
            raise
    messages = Message.objects.select_related("conversation").filter(
        pk=message_id, deleted_at__isnull=True
    )
    if conversation is not None:  # a socket's own conversation only
        messages = messages.filter(conversation=conversation)
    message = messages.first()
    if message is None:
        raise ValidationError("No such message.", code="not_found")
    require_member(user=user, conversation=message.conversation)
    rate_take(
        scope="reactions", who=user.pk, limit=settings.UCHAT_MESSAGE_RATE,
        window=settings.UCHAT_MESSAGE_RATE_WINDOW,
        message="You are reacting too fast. Wait a moment and try again.",
    )  # fmt: skip
    with transaction.atomic():
        mine = Reaction.objects.filter(message=message, user=user, emoji=emoji)
        if on and not mine.exists():
            others = Reaction.objects.filter(message=message).exclude(emoji=emoji)
            if others.values("emoji").distinct().count() >= EMOJIS_PER_MESSAGE:
                raise ValidationError(
                    "This message has as many different reactions as it can take.",
                    code="too_many",
                )
            try:
                with transaction.atomic():
                    Reaction.objects.create(message=message, user=user, emoji=emoji)
            except IntegrityError:
                pass  # the same reaction from another tab a moment ago
        elif not on:
            mine.delete()
        count = Reaction.objects.filter(message=message, emoji=emoji).count()
        events.broadcast_on_commit(
            events.conversation_group(message.conversation_id),
            frames.REACTION_UPDATED,
            {
                "conversation": message.conversation_id,
                "message": message.pk,
                "emoji": emoji,
                "count": count,
                "user_id": user.pk,
                "added": on,
            },
        )
    return count


def _own_reaction_exists(message_id: int, user: User, emoji: str) -> bool:
    return Reaction.objects.filter(message_id=message_id, user=user, emoji=emoji).exists()
