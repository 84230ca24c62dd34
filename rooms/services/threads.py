"""Threads: following, read markers, and what a thread reply sets off (follows, notifications,
the root's live counters and each follower's unread count). The reply itself and its root's
counters are stored by ``messages_store``, in the reply's transaction."""

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest, Lower

from accounts.models import User
from core import events
from core.cache import rate_take
from notifications import rules
from notifications import services as notifications
from notifications.models import Code
from rooms import frames, markup, payloads, selectors
from rooms.domain_events import MessageCreated, MessageDeleted
from rooms.models import Conversation, Membership, Message, ThreadFollow
from rooms.notify_levels import membership_scope
from rooms.services import notify
from rooms.services.conversations import require_member
from rooms.services.messages import INVALID_THREAD, THREAD_KINDS

# The same pattern as rooms.services.notify (a mention there notifies; here it follows).
_MENTION = re.compile(r"(?<![\w@])@([\w.@+-]{1,150})")
THREAD_RATE_REFUSAL = "You are changing threads too fast. Wait a moment and try again."


def thread_kind_check(*, root: Message) -> None:
    """Threads exist in rooms and direct conversations only."""
    if root.conversation.kind not in THREAD_KINDS:
        raise ValidationError("This conversation has no threads.", code=INVALID_THREAD)


def _rate_take(user: User) -> None:
    """Follow, unfollow and read are cheap, but each answers with counts and a frame."""
    rate_take(
        scope="threads",
        who=user.pk,
        limit=settings.UCHAT_THREAD_ACTIONS_PER_MINUTE,
        window=60,
        message=THREAD_RATE_REFUSAL,
    )


@transaction.atomic
def thread_follow_set(*, user: User, root: Message, following: bool) -> bool:
    """Follow or unfollow a thread (``root``: its root message, from
    selectors.thread_root_for_member). An unfollow sticks until the person replies again or
    follows. Following starts from now: replies already there are not unread."""
    require_member(user=user, conversation=root.conversation)
    thread_kind_check(root=root)
    _rate_take(user)
    newest = (
        Message.objects.filter(thread=root).order_by("-id").values_list("id", flat=True).first()
    )
    follow, created = ThreadFollow.objects.get_or_create(
        user=user,
        message=root,
        defaults={"following": following, "last_read_id": newest or 0},
    )
    if not created and follow.following != following:
        follow.following = following
        if following:
            follow.last_read_id = max(follow.last_read_id, newest or 0)
        follow.save(update_fields=["following", "last_read_id"])
    transaction.on_commit(lambda: unread_announce(root=root, user_ids=[user.pk]), robust=True)
    return following


@transaction.atomic
def thread_mark_read(
    *, user: User, root: Message, message_id: int | None = None
) -> tuple[int, int]:
    """Move the person's read marker in a thread forward (never back) to ``message_id`` (a
    reply of this thread; default: the newest). Returns (unread here, unread over all
    followed threads). Nothing is stored for someone who never followed it."""
    require_member(user=user, conversation=root.conversation)
    thread_kind_check(root=root)
    _rate_take(user)
    replies = Message.objects.filter(thread=root)
    if message_id is not None:
        replies = replies.filter(pk=message_id)
    newest = replies.order_by("-id").values_list("id", flat=True).first()
    if message_id is not None and newest is None:
        raise ValidationError("That message is not a reply of this thread.", code=INVALID_THREAD)
    if newest is not None:
        ThreadFollow.objects.filter(user=user, message=root).update(
            last_read_id=Greatest(F("last_read_id"), newest)
        )
    transaction.on_commit(lambda: unread_announce(root=root, user_ids=[user.pk]), robust=True)
    return (
        selectors.thread_unread(user=user, root=root),
        selectors.threads_unread_total(user=user),
    )


def unread_announce(*, root: Message, user_ids: list[int]) -> None:
    """``thread.unread`` to each person's own sockets: this thread's unread count and their
    total (a person who does not follow it hears 0)."""
    counts = selectors.threads_unread_for(root=root, user_ids=user_ids)
    for user_id, (unread, total) in counts.items():
        frame: frames.ThreadUnread = {
            "conversation": root.conversation_id,
            "message": root.pk,
            "unread": unread,
            "total": total,
        }
        events.broadcast([events.user_group(user_id)], frames.THREAD_UNREAD, frame)


# --- a new reply (handler of MessageCreated) -------------------------------------------------


def is_thread_reply(event: MessageCreated | MessageDeleted) -> bool:
    """The ``when`` test of ``reply_created`` and ``reply_deleted``: asked before their
    transaction opens."""
    return event.message.thread_id is not None


def _root_announce(root: Message) -> None:
    """``thread.updated``: the root's counters, to its conversation once committed."""
    updated: frames.ThreadUpdated = {
        "conversation": root.conversation_id,
        "message": root.pk,
        "reply_count": root.reply_count,
        "last_reply_at": root.last_reply_at.isoformat() if root.last_reply_at else None,
        "thread_participants": list(root.thread_participants or []),
    }
    events.broadcast_on_commit(
        events.conversation_group(root.conversation_id), frames.THREAD_UPDATED, updated
    )


def reply_deleted(event: MessageDeleted) -> None:
    """After a thread reply was deleted: its root's new count to the conversation, and the
    followers' unread counts (a deleted reply is not unread)."""
    root_id = event.message.thread_id
    root = Message.objects.filter(pk=root_id).first() if root_id is not None else None
    if root is None:
        return
    _root_announce(root)
    followers = list(
        ThreadFollow.objects.filter(message=root, following=True).values_list("user_id", flat=True)
    )
    transaction.on_commit(lambda: unread_announce(root=root, user_ids=followers), robust=True)


def reply_created(event: MessageCreated) -> None:
    """After a thread reply committed: its sender follows the thread (and has read it), the
    root's author and the people it mentions follow it unless they unfollowed; the root's
    counters go to the conversation (``thread.updated``); each follower but the sender is
    notified, and hears their unread counts (``thread.unread``)."""
    reply = event.message
    sender_id, root_id = reply.sender_id, reply.thread_id
    if sender_id is None or root_id is None:  # the sender's account deleted meanwhile
        return
    root = Message.objects.select_related("conversation").filter(pk=root_id).first()
    if root is None:  # purged meanwhile
        return
    conversation = root.conversation
    mentioned = _mentioned(reply.body, conversation)
    _follows_update(reply=reply, sender_id=sender_id, root=root, mentioned=mentioned)
    _root_announce(root)
    followers = list(
        ThreadFollow.objects.filter(
            message=root, following=True, user__memberships__conversation=conversation
        )
        .exclude(user_id=sender_id)
        .select_related("user")
    )
    _followers_notify(reply=reply, root=root, followers=followers, mentioned=mentioned)
    told = [sender_id, *(f.user_id for f in followers)]
    transaction.on_commit(lambda: unread_announce(root=root, user_ids=told), robust=True)


def _mentioned(body: str, conversation: Conversation) -> set[int]:
    """The members an ``@username`` in ``body`` names, and those of a mentioned group (the
    resolvers notify.py asks too); no query without an @."""
    names = {name.rstrip(".").lower() for name in _MENTION.findall(body)}
    if not names:
        return set()
    named: set[int] = set()
    for resolve in notify.mention_resolvers:
        named |= resolve(conversation, names)
    return set(
        Membership.objects.annotate(name=Lower("user__username"))
        .filter(conversation=conversation)
        .filter(Q(name__in=names) | Q(user_id__in=named))
        .values_list("user_id", flat=True)
    )


def _follows_update(*, reply: Message, sender_id: int, root: Message, mentioned: set[int]) -> None:
    # The sender follows again (a reply ends an unfollow) and has read up to their reply.
    sender_follow, created = ThreadFollow.objects.get_or_create(
        user_id=sender_id,
        message=root,
        defaults={"following": True, "last_read_id": reply.pk},
    )
    if not created:
        ThreadFollow.objects.filter(pk=sender_follow.pk).update(
            following=True, last_read_id=Greatest(F("last_read_id"), reply.pk)
        )
    # The root's author and the mentioned members follow, from this reply on, unless a row
    # says otherwise already (an unfollow sticks).
    automatic = set(mentioned)
    if (
        root.sender_id is not None
        and Membership.objects.filter(
            conversation_id=root.conversation_id, user_id=root.sender_id
        ).exists()
    ):
        automatic.add(root.sender_id)
    automatic.discard(sender_id)
    ThreadFollow.objects.bulk_create(
        [ThreadFollow(user_id=u, message=root, last_read_id=reply.pk - 1) for u in automatic],
        ignore_conflicts=True,
    )


def _followers_notify(
    *, reply: Message, root: Message, followers: list[ThreadFollow], mentioned: set[int]
) -> None:
    """One notification per person per message: the mentioned get the mention notification
    (rooms.services.notify), and a direct conversation's reply also sent to the conversation
    gets its new-message notification there instead."""
    conversation = root.conversation
    if conversation.kind == Conversation.Kind.DIRECT and reply.also_to_room:
        return
    title = "Reply in thread"
    if conversation.kind == Conversation.Kind.ROOM:
        title = f"Reply in thread in {conversation.name}"[:120]
    memberships = {
        m.user_id: m
        for m in Membership.objects.filter(
            conversation=conversation, user_id__in=[f.user_id for f in followers]
        )
    }
    for follow in followers:
        membership = memberships.get(follow.user_id)
        if membership is None or (
            follow.user_id in mentioned and conversation.kind == Conversation.Kind.ROOM
        ):
            continue
        notifications.notification_create(
            user=follow.user,
            code=Code.THREAD_REPLY,
            title=title,
            payload=_reply_summary(reply, recipient_id=follow.user_id),
            reason=rules.THREAD,
            scope=membership_scope(membership, kind=conversation.kind),
        )


def _reply_summary(reply: Message, *, recipient_id: int) -> dict[str, Any]:
    """As a mention's payload (rooms.services.notify), plus the thread's root id."""
    sender_name = reply.sender.name if reply.sender else "deleted user"
    action = markup.me_action(reply.body)
    return {
        **payloads.direct_message_payload(reply, recipient_id=recipient_id),
        "conversation": reply.conversation_id,
        "sender_name": sender_name,
        "text": reply.body if action is None else f"{sender_name} {action}",
        "thread": reply.thread_id,
    }
