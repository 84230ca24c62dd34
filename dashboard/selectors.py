from typing import Any, TypedDict

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from accounts.models import User
from rooms import selectors as room_selectors
from rooms.models import Conversation, Membership
from tickets import selectors as ticket_selectors
from tickets.models import Ticket


def _directs(*, user: User) -> list[tuple[Membership, User | None]]:
    """My direct conversations that have a message, each with the other person."""
    directs = [
        m
        for m in room_selectors.memberships_for_user(user=user, kind=Conversation.Kind.DIRECT)
        if m.conversation.last_message_id
    ]
    partners = room_selectors.direct_partners(
        conversation_ids=[m.conversation_id for m in directs], user=user
    )
    return [(m, partners[m.conversation_id]) for m in directs]


def _open_tickets(*, user: User) -> QuerySet[Ticket]:
    """An agent's queue, every open ticket for an admin, a customer's own open tickets."""
    if user.is_staff or user.is_agent:
        # The desk's side: due soonest first, with the last message (as in the inbox).
        return ticket_selectors.inbox_tickets(user=user, view="all" if user.is_staff else "mine")
    return ticket_selectors.tickets_list(user=user).filter(status__in=Ticket.OPEN_STATUSES)


class ConversationRow(TypedDict):
    """One row of the dashboard's conversation lists, ready to print (_conversation_rows.html)."""

    id: int | None
    href: str
    title: str
    preview: str  # "sender: text", "[file]" style, or "No messages yet"
    deleted: bool  # the last message was deleted: the preview says so instead
    unread: int
    unread_label: str  # "7", or "99+" at the cap


# The columns a row needs: read as values, not as three model instances per row (the
# dashboard of a person in 200 rooms spent a quarter of its time building them).
_ROW_FIELDS = (
    "conversation_id",
    "conversation__name",
    "unread",
    "conversation__last_message_id",
    "conversation__last_message__deleted_at",
    "conversation__last_message__kind",
    "conversation__last_message__body",
    "conversation__last_message__sender_id",
    "conversation__last_message__sender__username",
    "conversation__last_message__sender__display_name",
    "conversation__last_message__sender__first_name",
    "conversation__last_message__sender__last_name",
)
_ID_SENTINEL = 987654321
EMPTY_ROW = ConversationRow(
    id=None, href="", title="", preview="No messages yet", deleted=False, unread=0, unread_label="0"
)


def _rows(
    values: list[dict[str, Any]], *, titles: dict[int, tuple[str, str]]
) -> list[ConversationRow]:
    """Rows from ``memberships_for_user(...).values(*_ROW_FIELDS)``; ``titles`` maps a
    conversation id to its (title, href)."""
    cap = settings.UCHAT_UNREAD_CAP
    senders: dict[int, str] = {}  # a person's name, built once however many rows they ended
    rows = []
    for v in values:
        conversation_id = v["conversation_id"]
        title, href = titles[conversation_id]
        preview, deleted = "No messages yet", False
        if v["conversation__last_message_id"] is not None:
            deleted = v["conversation__last_message__deleted_at"] is not None
            sender_id = v["conversation__last_message__sender_id"]
            if sender_id is None:
                name = "deleted user"
            elif sender_id in senders:
                name = senders[sender_id]
            else:
                name = senders[sender_id] = (
                    User(
                        pk=sender_id,
                        username=v["conversation__last_message__sender__username"],
                        display_name=v["conversation__last_message__sender__display_name"],
                        first_name=v["conversation__last_message__sender__first_name"],
                        last_name=v["conversation__last_message__sender__last_name"],
                    ).name
                    or "deleted user"
                )
            kind = v["conversation__last_message__kind"]
            # As the template's truncatechars:80 did (Truncator: NFC, combining marks free).
            text = (
                Truncator(v["conversation__last_message__body"]).chars(80)
                if kind == "text"
                else f"[{kind}]"
            )
            preview = f"{name}: {text}"
        unread = v["unread"] or 0
        rows.append(
            ConversationRow(
                id=conversation_id,
                href=href,
                title=title,
                preview=preview,
                deleted=deleted,
                unread=unread,
                unread_label=f"{cap - 1}+" if unread >= cap else str(unread),
            )
        )
    return rows


def _room_rows(*, user: User) -> list[ConversationRow]:
    values = list(room_selectors.memberships_for_user(user=user).values(*_ROW_FIELDS))
    # One reverse() for the page, formatted per row: reversing a URL per row cost more than
    # the rest of the row.
    pattern = reverse("rooms:detail", args=[_ID_SENTINEL]).replace(str(_ID_SENTINEL), "{}")
    titles = {
        v["conversation_id"]: (v["conversation__name"], pattern.format(v["conversation_id"]))
        for v in values
    }
    return _rows(values, titles=titles)


def _direct_rows(*, user: User) -> list[ConversationRow]:
    """My direct conversations that have a message, titled by the other person."""
    values = [
        v
        for v in room_selectors.memberships_for_user(
            user=user, kind=Conversation.Kind.DIRECT
        ).values(*_ROW_FIELDS)
        if v["conversation__last_message_id"]
    ]
    partners = room_selectors.direct_partners(
        conversation_ids=[v["conversation_id"] for v in values], user=user
    )
    titles = {}
    for v in values:
        other = partners[v["conversation_id"]]
        if other is None:
            titles[v["conversation_id"]] = (
                "deleted user",
                reverse("conversation", args=[v["conversation_id"]]),
            )
        else:
            titles[v["conversation_id"]] = (other.name, reverse("direct", args=[other.username]))
    return _rows(values, titles=titles)


def dashboard_for(*, user: User) -> dict[str, Any]:
    """My rooms, my direct conversations (once they have a message) and my open tickets, or
    for an agent their queue. The conversation lists come as ready rows (ConversationRow)."""
    return {
        "tickets": list(_open_tickets(user=user)[:5]),
        "now": timezone.now(),
        "ticket_queue": user.is_agent and not user.is_staff,
        "room_rows": _room_rows(user=user),
        "direct_rows": _direct_rows(user=user),
        "empty_row": [EMPTY_ROW],
        "unread_cap": settings.UCHAT_UNREAD_CAP,
    }


def sidebar_for(*, user: User) -> dict[str, Any]:
    """The conversation pages' sidebar: rooms and direct conversations with unread counts,
    whether each direct partner is online, and the open tickets (an agent's queue)."""
    directs = _directs(user=user)
    online = room_selectors.online_user_ids(user_ids=[p.pk for _, p in directs if p])
    return {
        "memberships": list(room_selectors.memberships_for_user(user=user)),
        "directs": [(m, p, p is not None and p.pk in online) for m, p in directs],
        "tickets": list(_open_tickets(user=user)[:10]),
        "ticket_queue": user.is_agent and not user.is_staff,
        "unread_cap": settings.UCHAT_UNREAD_CAP,
        # The "Threads" entry's badge: unread replies in followed threads (live: thread.unread).
        "threads_unread": room_selectors.threads_unread_total(user=user),
    }
