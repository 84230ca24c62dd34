"""Conversation kinds: what the message engine asks instead of naming the apps above it.

Each kind of conversation (``Conversation.kind``) registers one ``ConversationKind`` from its
app's ``AppConfig.ready()``: rooms and direct conversations from rooms' own, others from the app
that owns them. The engine (pages, sockets, payloads, file access) looks a kind up here and calls
what it registered; adding a kind touches only its own app. docs/architecture.md draws this. A
conversation of a kind nobody registered is refused (``Conversation.clean``, which
``conversation_create`` runs).

Posting stays the engine's rule (members post); a kind that refuses messages does so with the
message hooks (rooms.hooks), which run where the engine stores messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Q

from accounts.models import User

if TYPE_CHECKING:
    # For the types only: the models check Conversation.kind against this registry, so it
    # sits below them at run time (.importlinter says so too).
    from rooms.models import Conversation, Message


class MessageAction(TypedDict):
    """A button a kind adds under other people's messages on every conversation page (chat.js
    draws it, asks ``confirm``, POSTs to ``url`` with the message's id in place of ``/0/``, and
    opens the answer's ``url``)."""

    name: str
    label: str
    url: str
    confirm: str
    failed: str


class MessageLink(TypedDict):
    """A badge linking a message to something a kind made of it: shown when the message
    object's ``field`` is set; ``{id}`` and ``{number}`` in ``url`` and ``label`` are filled
    from that field's object (chat.js)."""

    field: str
    url: str
    label: str


class SwitcherEntry(TypedDict):
    """One line of the quick switcher (Ctrl/Cmd+K): something this person may open."""

    kind: str  # a conversation kind's name, or "person"
    label: str  # what it is, in words ("Room")
    name: str
    url: str
    icon: str  # a Lucide name in core.icons.SPRITE


def _nobody(user: User) -> Q | None:
    return None


def _no_groups(user: User) -> list[str]:
    return []


def _no_extras(message: Message, deleted: bool) -> dict[str, Any]:
    return {}


def _no_actions(user: User, conversation: Conversation) -> list[MessageAction]:
    return []


def _no_entries(user: User, query: str, limit: int) -> list[SwitcherEntry]:
    return []


@dataclass(frozen=True)
class ConversationKind:
    """What the engine needs to know of one kind of conversation."""

    # The value stored in Conversation.kind.
    name: str
    # Where a conversation of this kind is shown (a notification or a search hit links there),
    # for this person; None: the engine's own chat page renders it in place.
    url: Callable[[Conversation, User], str | None]
    # Who reads these conversations' files beyond their members: a filter on Conversation
    # (None: nobody else). Members always read.
    readers: Callable[[User], Q | None] = _nobody
    # Channel-layer groups a person's socket (/ws/me/) also joins for this kind. Runs on the
    # event loop: it must not reach the database.
    socket_groups: Callable[[User], list[str]] = _no_groups
    # Fields this kind adds to every message object (API, pages and socket frames alike),
    # whatever conversation the message is in; ``deleted``: the message is deleted.
    message_extras: Callable[[Message, bool], Mapping[str, Any]] = _no_extras
    # Buttons under other people's messages on a conversation page, for this person.
    message_actions: Callable[[User, Conversation], list[MessageAction]] = _no_actions
    # Badges for what the extras link to.
    message_links: list[MessageLink] = field(default_factory=list)
    # Socket events after which a person's conversation lists (the sidebar) are fetched again.
    list_events: tuple[str, ...] = ()
    # The quick switcher's lines for this kind: what this person may open whose name matches
    # ``query`` (empty: the most recent), at most ``limit``, each with its URL.
    switcher: Callable[[User, str, int], list[SwitcherEntry]] = _no_entries


_kinds: dict[str, ConversationKind] = {}


def register(kind: ConversationKind) -> ConversationKind:
    """Once per name (AppConfig.ready() may run more than once in tests: the last one wins)."""
    _kinds[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    _kinds.pop(name, None)


def get(name: str) -> ConversationKind:
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(f"No conversation kind {name!r} is registered.") from None


def all_kinds() -> Iterator[ConversationKind]:
    return iter(list(_kinds.values()))


# --- what the engine asks of all kinds at once ------------------------------------------------


def readable_conversations(*, user: User) -> Q:
    """Conversations whose files this person reads without being a member (Q on Conversation;
    matches nothing when no kind grants any)."""
    readable = Q(pk__in=[])
    for kind in all_kinds():
        extra = kind.readers(user)
        if extra is not None:
            readable |= Q(extra, kind=kind.name)
    return readable


def socket_groups(*, user: User) -> list[str]:
    return [group for kind in all_kinds() for group in kind.socket_groups(user)]


def message_extras(message: Message, *, deleted: bool) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for kind in all_kinds():
        extras.update(kind.message_extras(message, deleted))
    return extras


def page_extras(*, user: User, conversation: Conversation) -> dict[str, Any]:
    """What a conversation page's script (chat.js) draws for the kinds: message actions and
    links."""
    return {
        "message_actions": [
            action for kind in all_kinds() for action in kind.message_actions(user, conversation)
        ],
        "message_links": [link for kind in all_kinds() for link in kind.message_links],
    }


def list_events() -> list[str]:
    return sorted({event for kind in all_kinds() for event in kind.list_events})


def switcher_entries(*, user: User, query: str, limit: int) -> list[SwitcherEntry]:
    return [entry for kind in all_kinds() for entry in kind.switcher(user, query, limit)]


def conversation_url(*, conversation: Conversation, user: User) -> str | None:
    return get(conversation.kind).url(conversation, user)
