"""Presence: one row per open socket; a person is online while one of theirs is fresh."""

import logging
import os
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import redis
from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_needs_two_factor_setup
from core import events
from rooms import frames, hooks, selectors
from rooms.models import Conversation, Membership, Presence

logger = logging.getLogger(__name__)


class Refused(StrEnum):
    FORBIDDEN = "forbidden"  # not a member, or two-factor authentication not set up
    TOO_MANY = "too_many"  # UCHAT_WS_MAX_PER_USER sockets open already


@dataclass(frozen=True)
class SocketOpened:
    refused: Refused | None = None
    conversation: Conversation | None = None
    # The person's conversations, when asked for (their dashboard socket listens to all).
    conversation_ids: list[int] = field(default_factory=list)
    came_online: bool = False  # this is their first socket: broadcast presence_event


def socket_open(
    *,
    user: User,
    channel_name: str,
    conversation_id: int | None = None,
    conversation_ids: bool = False,
) -> SocketOpened:
    """What a socket's handshake asks of the database, in one trip from the event loop: may
    the person open another socket (two-factor authentication set up where the site requires
    it of staff and agents, under the socket limit), the conversation when the socket is for
    one (members only), and the socket's presence row. A refused handshake leaves nothing
    behind (over the limit, its row is written, counted and deleted again)."""
    if user_needs_two_factor_setup(user=user):
        return SocketOpened(Refused.FORBIDDEN)
    conversation = None
    if conversation_id is not None:
        conversation = selectors.conversation_for_member(user=user, conversation_id=conversation_id)
        if conversation is None:
            return SocketOpened(Refused.FORBIDDEN)
    _process_registered()
    open_now, earlier = _presence_row_add(
        user=user, channel_name=channel_name, viewing=conversation
    )
    if open_now >= settings.UCHAT_WS_MAX_PER_USER:
        Presence.objects.filter(pk=channel_name).delete()
        return SocketOpened(Refused.TOO_MANY)
    came_online = earlier == 0
    # Coming online is told to the person's watchers (presence_event), not to their
    # conversations: nothing to look up unless the socket listens to them all.
    ids = selectors.conversation_ids_for_user(user=user) if conversation_ids else []
    if came_online:
        for hook in hooks.person_online:
            hook(user=user)
    return SocketOpened(None, conversation, ids, came_online)


def _presence_row_add(
    *, user: User, channel_name: str, viewing: Conversation | None
) -> tuple[int, int]:
    """Write the socket's row, then count the person's other fresh rows: all of them (the
    socket limit) and those ordered before this one by (last_seen, channel_name) (none: this
    socket brings the person online). Two statements in autocommit, no transaction and no row
    lock: two sockets opening at once each see the other's row or not, and the first of them
    in that order always counts no earlier row, so "online" is never missed (at worst told
    twice). Stale rows are not deleted here: the sweeps do that (rooms/sweeper.py), and the
    counts ignore them."""
    now = timezone.now()
    Presence.objects.create(channel_name=channel_name, user=user, last_seen=now, viewing=viewing)
    counts = (
        Presence.objects.filter(user=user, last_seen__gte=selectors.presence_fresh_since())
        .exclude(pk=channel_name)
        .aggregate(
            others=Count("pk"),
            earlier=Count(
                "pk",
                filter=Q(last_seen__lt=now) | Q(last_seen=now, channel_name__lt=channel_name),
            ),
        )
    )
    return counts["others"], counts["earlier"]


def presence_connect(*, user: User, channel_name: str) -> bool:
    """Record an open socket outside a handshake; True if the person just came online."""
    opened = socket_open(user=user, channel_name=channel_name)
    if opened.came_online:
        events.broadcast(*presence_event(user_id=user.pk))
    return opened.came_online


def presence_event(*, user_id: int, online: bool = True) -> tuple[list[str], str, dict[str, Any]]:
    """The broadcast telling the sockets that watch a person (``presence_watch``) that they came
    online or went offline: one group, whatever the number of their conversations and members."""
    return [events.presence_group(user_id)], frames.PRESENCE, {"user_id": user_id, "online": online}


def presence_watchable(*, user: User, user_ids: list[int]) -> set[int]:
    """Of these people, those ``user`` may watch: themselves, and whoever shares a conversation
    with them (one query). A guest or a customer thus sees only the people of their own
    conversations; other ids are dropped without saying whether they exist."""
    others = [pk for pk in user_ids if pk != user.pk]
    allowed = {user.pk} if len(others) < len(user_ids) else set()
    if others:
        allowed.update(
            Membership.objects.filter(
                user_id__in=others,
                conversation_id__in=Membership.objects.filter(user=user).values("conversation_id"),
            )
            .values_list("user_id", flat=True)
            .distinct()
        )
    return allowed


def presence_online(*, user_ids: list[int]) -> list[int]:
    """Which of these people are online now (a fresh presence row), in id order: one query."""
    return sorted(selectors.online_user_ids(user_ids=user_ids)) if user_ids else []


def socket_subscribe(*, user: User, channel_name: str, conversation_id: int) -> Conversation | None:
    """A page's socket now shows this conversation (members only: None otherwise). Its
    presence row says so, for the notifications of what the reader sees arrive."""
    conversation = selectors.conversation_for_member(user=user, conversation_id=conversation_id)
    Presence.objects.filter(channel_name=channel_name).update(viewing=conversation)
    return conversation


def presence_heartbeat(*, channel_name: str) -> None:
    Presence.objects.filter(channel_name=channel_name).update(last_seen=timezone.now())


def socket_close(*, user: User, channel_name: str) -> bool:
    """Forget a socket's presence row. True when it was the person's last socket: their
    watchers are to be told that they went offline (``presence_event``). Two statements in
    autocommit (two last sockets closing at once may both tell); stale rows do not count."""
    Presence.objects.filter(channel_name=channel_name).delete()
    fresh = selectors.presence_fresh_since()
    return not Presence.objects.filter(user=user, last_seen__gte=fresh).exists()


def presence_sweep() -> list[int]:
    """Forget sockets whose rows went stale (their server died without saying so, or the
    network dropped them); the people left with no socket, whose watchers are to be told that
    they went offline (``presence_event``). Every server process sweeps now and then
    (rooms/sweeper.py); two sweeping at once may both tell, which pages take in their stride."""
    stale = Presence.objects.filter(last_seen__lt=selectors.presence_fresh_since())
    user_ids = set(stale.values_list("user_id", flat=True))
    if not user_ids:
        return []
    # Only rows still stale, of the people found: whoever went stale meanwhile is told next time.
    stale.filter(user_id__in=user_ids).delete()
    return _gone_offline(user_ids)


def _gone_offline(user_ids: set[int]) -> list[int]:
    """Of people whose sockets were just forgotten, those left with none (one query)."""
    still = set(Presence.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True))
    return sorted(user_ids - still)


def presence_disconnect(*, user: User, channel_name: str) -> bool:
    """``socket_close`` outside a socket; True if the person just went offline."""
    gone = socket_close(user=user, channel_name=channel_name)
    if gone:
        events.broadcast(*presence_event(user_id=user.pk, online=False))
    return gone


# Presence by server process. A socket's row is named "socket.<process>.<socket>"; every
# process keeps a liveness key in Redis that expires PROCESS_TTL seconds after its last
# refresh. A process that dies (killed, crashed) leaves rows its sockets can no longer remove:
# the others see its key gone and drop them at once, instead of UCHAT_PRESENCE_TTL (90 s) later
# (a tab closed while the server was down showed as online for about 94 s).
PROCESS_TTL = 6
PROCESS_EVERY = 2.0
_process = {"id": uuid.uuid4().hex[:16]}


def _new_process_id() -> None:
    _process["id"] = uuid.uuid4().hex[:16]
    _process.pop("registered", None)


os.register_at_fork(after_in_child=_new_process_id)


def process_id() -> str:
    """This server process's id (a forked child gets its own)."""
    return _process["id"]


def socket_name(socket: str) -> str:
    """A socket's presence row name, carrying the process that serves it."""
    return f"socket.{process_id()}.{socket}"


def _redis() -> Any:
    if not settings.REDIS_URL:
        return None
    client = _clients.get(settings.REDIS_URL)
    if client is None:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
        )
        _clients[settings.REDIS_URL] = client
    return client


_clients: dict[str, Any] = {}


def _keys() -> tuple[str, str]:
    prefix = f"{settings.UCHAT_CHANNEL_PREFIX}presence:"
    return prefix + "processes", prefix + "alive:"


def process_alive() -> bool:
    """Refresh this process's liveness key; False when Redis did not take it (or there is
    none: one process, nothing to tell apart)."""
    client = _redis()
    if client is None:
        return False
    processes, alive = _keys()
    with client.pipeline() as pipe:
        pipe.set(alive + process_id(), "1", ex=PROCESS_TTL)
        pipe.sadd(processes, process_id())
        pipe.execute()
    return True


def _process_registered() -> None:
    """Before this process's first presence row: its id among the processes (the liveness loop
    keeps it there every PROCESS_EVERY seconds), so that a crash before the loop's first turn
    still leaves rows another process can judge. Redis away: the 90 s sweep covers them."""
    if _process.get("registered"):
        return
    try:
        if process_alive():
            _process["registered"] = "1"
    except redis.RedisError:
        logger.warning("could not register this process for presence", exc_info=True)


def dead_processes() -> list[str]:
    """Processes registered in Redis whose liveness key expired."""
    client = _redis()
    if client is None:
        return []
    processes, alive = _keys()
    ids = sorted(p.decode() if isinstance(p, bytes) else str(p) for p in client.smembers(processes))
    others = [p for p in ids if p != process_id()]
    if not others:
        return []
    with client.pipeline() as pipe:
        for p in others:
            pipe.exists(alive + p)
        found = pipe.execute()
    return [p for p, there in zip(others, found, strict=True) if not there]


def process_presence_sweep(*, dead: list[str]) -> list[int]:
    """Forget the sockets of dead processes; the people left with no socket (as
    ``presence_sweep``)."""
    rows = Presence.objects.none()
    for p in dead:
        rows = rows | Presence.objects.filter(channel_name__startswith=f"socket.{p}.")
    user_ids = set(rows.values_list("user_id", flat=True))
    rows.delete()
    client = _redis()
    if client is not None and dead:
        client.srem(_keys()[0], *dead)
    if not user_ids:
        return []
    return _gone_offline(user_ids)
