"""Every non-trivial read of the message engine. Costs stay flat as tables grow."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import selectors as account_selectors
from accounts.models import User
from core.paging import take
from rooms import kinds
from rooms.models import (
    Conversation,
    Membership,
    Message,
    Presence,
    Reaction,
    ThreadFollow,
    Visibility,
)


def membership_get(*, user: User, conversation: Conversation) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, conversation=conversation).first()


def conversation_for_member(
    *, user: User, conversation_id: int, kind: str | None = None
) -> Conversation | None:
    """The conversation if ``user`` is a member, else None (callers answer 404: learn nothing)."""
    if not user.is_authenticated:
        return None
    conversations = Conversation.objects.filter(pk=conversation_id, memberships__user=user)
    if kind is not None:
        conversations = conversations.filter(kind=kind)
    return conversations.first()


def conversation_ids_for_user(*, user: User) -> list[int]:
    return list(Membership.objects.filter(user=user).values_list("conversation_id", flat=True))


@dataclass(frozen=True)
class HistoryPage:
    messages: list[Message]  # oldest first
    has_more: bool  # more messages exist beyond this page in the direction asked
    has_newer: bool = False  # around a message: more exist after this page too


def message_history(
    *,
    conversation: Conversation,
    before_id: int | None = None,
    after_id: int | None = None,
    after_seq: int | None = None,
    limit: int | None = None,
) -> HistoryPage:
    """A keyset page: the newest ``limit`` before ``before_id``, or the oldest after ``after_id``.

    One index range scan on (conversation, id) whatever the depth; never OFFSET.
    """
    limit = max(1, min(limit or settings.UCHAT_HISTORY_PAGE, 200))
    messages = Message.objects.filter(conversation=conversation).select_related(
        "sender", "reply_to__sender"
    )
    if after_seq is not None:
        page, more = take(messages.filter(seq__gt=after_seq).order_by("seq"), limit)
        return HistoryPage(messages=page, has_more=more)
    if after_id is not None:
        page, more = take(messages.filter(id__gt=after_id).order_by("id"), limit)
        return HistoryPage(messages=page, has_more=more)
    if before_id is not None:
        messages = messages.filter(id__lt=before_id)
    page, more = take(messages.order_by("-id"), limit)
    return HistoryPage(messages=page[::-1], has_more=more)


def message_history_around(
    *, conversation: Conversation, message_id: int, limit: int | None = None
) -> HistoryPage:
    """The page a search hit opens: the message ``message_id`` (if it is in ``conversation``)
    with up to ``limit`` // 2 before it and the rest after, oldest first. ``has_more``: older
    ones exist (page on with before_id); ``has_newer``: newer ones (page on with after_id).
    Two index range scans; no gap between the halves."""
    limit = max(2, min(limit or settings.UCHAT_HISTORY_PAGE, 200))
    messages = Message.objects.filter(conversation=conversation).select_related(
        "sender", "reply_to__sender"
    )
    older, has_more = take(messages.filter(id__lte=message_id).order_by("-id"), limit // 2)
    newer, has_newer = take(messages.filter(id__gt=message_id).order_by("id"), limit - len(older))
    return HistoryPage(messages=older[::-1] + newer, has_more=has_more, has_newer=has_newer)


def conversation_files(*, conversation: Conversation, limit: int = 20) -> list[Message]:
    """The newest uploaded images and files of a conversation (its details panel)."""
    return list(
        Message.objects.filter(conversation=conversation, deleted_at__isnull=True)
        .exclude(attachment="")
        .select_related("sender")
        .order_by("-id")[:limit]
    )


def attachment_for(*, user: User, message_id: int) -> Message | None:
    """A message's uploaded file, for members of its conversation (never once deleted), and
    for whoever a conversation kind lets read its conversations (rooms.kinds): direct messages
    and rooms stay private to their members, staff or not."""
    readable = Q(conversation__memberships__user=user) | Q(
        conversation__in=Conversation.objects.filter(kinds.readable_conversations(user=user))
    )
    return (
        Message.objects.filter(readable, pk=message_id, deleted_at__isnull=True)
        .exclude(attachment="")
        .first()
    )


def message_page_newest_first(
    *, conversation: Conversation | None, start: int | None, limit: int
) -> tuple[list[Message], int | None]:
    """The API's view of message_history: a page strictly older than ``start``, newest
    first, and the next ``start`` (None at the end)."""
    if conversation is None:
        return [], None
    page = message_history(conversation=conversation, before_id=start, limit=limit)
    messages = page.messages[::-1]
    return messages, (messages[-1].pk if page.has_more and messages else None)


def _unread_sql() -> RawSQL:
    # A correlated, capped count: the cost is bounded by UCHAT_UNREAD_CAP index entries a room,
    # not by the room's size (portable SQL: SQLite and PostgreSQL).
    # Thread replies count only for people who follow their thread, unless also sent to the
    # conversation itself.
    message = Message._meta.db_table
    membership = Membership._meta.db_table
    follow = ThreadFollow._meta.db_table
    return RawSQL(  # noqa: S611 - no input in the SQL; the cap is a parameter
        f"""SELECT COUNT(*) FROM (
                SELECT 1 FROM {message} m
                WHERE m.conversation_id = {membership}.conversation_id
                  AND m.id > {membership}.last_read_message_id
                  AND m.deleted_at IS NULL
                  AND (m.thread_id IS NULL OR m.also_to_room OR EXISTS (
                        SELECT 1 FROM {follow} f
                        WHERE f.message_id = m.thread_id
                          AND f.user_id = {membership}.user_id
                          AND f.following))
                LIMIT %s
            ) AS unread""",  # noqa: S608 - table names come from the models, not from input
        (settings.UCHAT_UNREAD_CAP,),
    )


def memberships_for_user(*, user: User, kind: str = Conversation.Kind.ROOM) -> QuerySet[Membership]:
    """The dashboard list: each membership with its conversation, last message and its sender,
    and an ``unread`` count, in one query; most recently active first."""
    return (
        Membership.objects.filter(user=user, conversation__kind=kind)
        .select_related("conversation__last_message__sender")
        .annotate(unread=_unread_sql())
        .order_by("-conversation__last_message_id", "-conversation_id")
    )


def presence_fresh_since() -> datetime:
    """A socket whose presence row is older than this is gone (its server died without
    saying so): the one freshness rule for "online"."""
    return timezone.now() - timedelta(seconds=settings.UCHAT_PRESENCE_TTL)


def online_user_ids(*, user_ids: list[int]) -> set[int]:
    fresh = presence_fresh_since()
    return set(
        Presence.objects.filter(user_id__in=user_ids, last_seen__gte=fresh).values_list(
            "user_id", flat=True
        )
    )


def viewing_user_ids(*, conversation: Conversation, user_ids: list[int]) -> set[int]:
    """Of these people, those with the conversation open right now on a live socket."""
    return set(
        Presence.objects.filter(
            viewing=conversation, user_id__in=user_ids, last_seen__gte=presence_fresh_since()
        ).values_list("user_id", flat=True)
    )


def room_members(*, conversation: Conversation) -> list[tuple[Membership, bool]]:
    """Members with whether each is online now; two queries whatever the room's size."""
    memberships = list(
        Membership.objects.filter(conversation=conversation)
        .select_related("user")
        .order_by("-is_admin", "user__username")
    )
    online = online_user_ids(user_ids=[m.user_id for m in memberships])
    return [(m, m.user_id in online) for m in memberships]


def may_delete_room(*, user: User, room: Conversation) -> bool:
    """Staff (the admin site) and the room's admins delete a room."""
    if user.is_staff:
        return True
    membership = membership_get(user=user, conversation=room)
    return membership is not None and membership.is_admin


def room_admin_count(*, conversation: Conversation) -> int:
    return Membership.objects.filter(conversation=conversation, is_admin=True).count()


def _is_notes_to_self(direct_key: str | None) -> bool:
    low, _, high = (direct_key or "").partition(":")
    return low == high


def direct_partner(*, conversation: Conversation, user: User) -> User | None:
    """The other person of a direct conversation (yourself for notes to self); None when
    they deleted their account."""
    other = (
        Membership.objects.filter(conversation=conversation)
        .exclude(user=user)
        .select_related("user")
        .first()
    )
    if other is not None:
        return other.user
    return user if _is_notes_to_self(conversation.direct_key) else None


def direct_title(partner: User | None) -> str:
    """How a direct conversation is named to its reader: by the other person (None once they
    deleted their account)."""
    return f"Direct messages with {partner.name if partner is not None else 'deleted user'}"


def direct_partners(*, conversation_ids: list[int], user: User) -> dict[int, User | None]:
    """The other person of each direct conversation (None: deleted), in two queries."""
    keys = Conversation.objects.filter(pk__in=conversation_ids).values_list("pk", "direct_key")
    partners: dict[int, User | None] = {
        pk: user if _is_notes_to_self(key) else None for pk, key in keys
    }
    for membership in (
        Membership.objects.filter(conversation_id__in=conversation_ids)
        .exclude(user=user)
        .select_related("user")
    ):
        partners[membership.conversation_id] = membership.user
    return partners


def direct_conversation_between(*, user: User, other_id: int) -> Conversation | None:
    low, high = sorted([user.pk, other_id])
    return Conversation.objects.filter(direct_key=f"{low}:{high}").first()


def users_share_conversation(*, user: User, other: User) -> bool:
    """Whether two people are members of one conversation, of whatever kind (a room, a
    conversation another app registers; a direct one between them counts too, and is open to
    them anyway)."""
    return Membership.objects.filter(user=other, conversation__memberships__user=user).exists()


def users_share_room(*, user: User, other: User) -> bool:
    """Whether two people are members of one room (what a guest needs to message someone)."""
    return Membership.objects.filter(
        user=other,
        conversation__kind=Conversation.Kind.ROOM,
        conversation__memberships__user=user,
    ).exists()


def read_marker(*, conversation: Conversation, user: User) -> int:
    """The id of the newest message the person has read here (0: none, or not a member)."""
    marker = (
        Membership.objects.filter(conversation=conversation, user=user)
        .values_list("last_read_message_id", flat=True)
        .first()
    )
    return int(marker or 0)


def reactions_for(*, messages: list[Message], viewer: User) -> dict[int, list[dict[str, object]]]:
    """Each message's reactions for one reader: [{"emoji", "count", "mine"}], in the order
    they were first used. One query for the whole page."""
    rows = (
        Reaction.objects.filter(message__in=[m.pk for m in messages])
        .values("message_id", "emoji")
        .annotate(
            count=Count("id"),
            mine=Count("id", filter=Q(user=viewer)),
            first=Min("id"),
        )
        .order_by("message_id", "first")
    )
    found: dict[int, list[dict[str, object]]] = {}
    for row in rows:
        found.setdefault(row["message_id"], []).append(
            {"emoji": row["emoji"], "count": row["count"], "mine": bool(row["mine"])}
        )
    return found


def message_for_reader(*, user: User, message_id: int) -> Message | None:
    """A message (not deleted) in a conversation the person belongs to; None otherwise."""
    return Message.objects.filter(
        pk=message_id, deleted_at__isnull=True, conversation__memberships__user=user
    ).first()


# --- threads -------------------------------------------------------------------------------


def thread_root_for_member(*, user: User, message_id: int) -> Message | None:
    """The root of the thread ``message_id`` belongs to (the message itself when it is no
    reply), if ``user`` is a member of its conversation; None otherwise (404: learn nothing).
    A deleted root still counts: its thread stays readable."""
    if not user.is_authenticated:
        return None
    found = (
        Message.objects.filter(pk=message_id, conversation__memberships__user=user)
        .select_related("conversation", "sender", "thread__sender", "thread__conversation")
        .first()
    )
    if found is None:
        return None
    return found.thread if found.thread is not None else found


def thread_page(
    *, root: Message, before_id: int | None = None, after_id: int | None = None, limit: int = 50
) -> HistoryPage:
    """A keyset page of a thread's replies, oldest first: the newest ``limit`` (before
    ``before_id`` when given), or the oldest after ``after_id``. ``has_more``: older replies
    exist; ``has_newer``: newer ones. One index range scan on (thread, id), plus one existence
    check when paging from an id."""
    replies = Message.objects.filter(thread=root).select_related("sender", "reply_to__sender")
    if after_id is not None:
        page, has_newer = take(replies.filter(id__gt=after_id).order_by("id"), limit)
        return HistoryPage(
            messages=page,
            has_more=replies.filter(id__lte=after_id).exists(),
            has_newer=has_newer,
        )
    has_newer = False
    if before_id is not None:
        has_newer = replies.filter(id__gte=before_id).exists()
        replies = replies.filter(id__lt=before_id)
    page, has_more = take(replies.order_by("-id"), limit)
    return HistoryPage(messages=page[::-1], has_more=has_more, has_newer=has_newer)


def _thread_unread_sql() -> RawSQL:
    """A follow's unread replies: newer than its read marker, not deleted, not the person's
    own; capped like a conversation's count."""
    message = Message._meta.db_table
    follow = ThreadFollow._meta.db_table
    return RawSQL(  # noqa: S611 - no input in the SQL; the cap is a parameter
        f"""SELECT COUNT(*) FROM (
                SELECT 1 FROM {message} m
                WHERE m.thread_id = {follow}.message_id
                  AND m.id > {follow}.last_read_id
                  AND m.deleted_at IS NULL
                  AND (m.sender_id IS NULL OR m.sender_id <> {follow}.user_id)
                LIMIT %s
            ) AS unread""",  # noqa: S608 - table names come from the models, not from input
        (settings.UCHAT_UNREAD_CAP,),
    )


def _follows_readable(*, user: User) -> QuerySet[ThreadFollow]:
    """The person's followed threads in conversations they are still in."""
    return ThreadFollow.objects.filter(
        user=user, following=True, message__conversation__memberships__user=user
    )


def thread_follow_get(*, user: User, root: Message) -> ThreadFollow | None:
    return ThreadFollow.objects.filter(user=user, message=root).first()


def thread_unread(*, user: User, root: Message) -> int:
    """Unread replies in one thread for a follower (0 when not following)."""
    found = (
        ThreadFollow.objects.filter(user=user, message=root, following=True)
        .annotate(unread=_thread_unread_sql())
        .values_list("unread", flat=True)
        .first()
    )
    return int(found or 0)


def threads_unread_total(*, user: User) -> int:
    """Unread replies over every thread the person follows (each thread's count capped)."""
    counts = _follows_readable(user=user).annotate(unread=_thread_unread_sql())
    return sum(counts.values_list("unread", flat=True))


def threads_unread_for(*, root: Message, user_ids: list[int]) -> dict[int, tuple[int, int]]:
    """For followers of ``root`` among ``user_ids``: (unread in this thread, unread over all
    their followed threads). Two queries whatever the number of people."""
    if not user_ids:
        return {}
    rows = (
        ThreadFollow.objects.filter(
            user_id__in=user_ids,
            following=True,
            message__conversation__memberships__user_id=F("user_id"),
        )
        .annotate(unread=_thread_unread_sql())
        .values_list("user_id", "message_id", "unread")
    )
    here: dict[int, int] = {}
    total: dict[int, int] = {}
    for user_id, root_id, unread in rows:
        total[user_id] = total.get(user_id, 0) + unread
        if root_id == root.pk:
            here[user_id] = unread
    return {u: (here.get(u, 0), total.get(u, 0)) for u in user_ids}


@dataclass(frozen=True)
class FollowedThread:
    follow: ThreadFollow  # with message (the root), its sender and conversation loaded
    unread: int
    # What the conversation is called for the reader: a room's name, or a direct
    # conversation's other person ("deleted user" once they are gone).
    where: str


def threads_for_user(*, user: User, limit: int = 30) -> list[FollowedThread]:
    """The Threads view: followed threads with unread replies first, then by last reply,
    newest first. One query."""
    limit = max(1, min(limit, 50))
    follows = (
        _follows_readable(user=user)
        .select_related("message__sender", "message__conversation", "message__reply_to__sender")
        .annotate(unread=_thread_unread_sql())
        .annotate(has_unread=Case(When(unread__gt=0, then=1), default=0))
        .order_by("-has_unread", F("message__last_reply_at").desc(nulls_last=True), "-message_id")
    )
    page = list(follows[:limit])
    partners = direct_partners(
        conversation_ids=[
            f.message.conversation_id
            for f in page
            if f.message.conversation.kind == Conversation.Kind.DIRECT
        ],
        user=user,
    )

    def where(conversation: Conversation) -> str:
        if conversation.pk not in partners:
            return conversation.name
        partner = partners[conversation.pk]
        return partner.name if partner is not None else "deleted user"

    return [
        FollowedThread(follow=f, unread=f.unread, where=where(f.message.conversation)) for f in page
    ]


# --- the room directory ---------------------------------------------------------------------

DIRECTORY_LIMIT = 100  # rooms in one directory answer (the API's ``limit``: 1-100)
DIRECTORY_QUERY_MAX = 100  # characters of a directory search


def may_browse_directory(*, user: User) -> bool:
    """Guests see only the rooms they were invited to, and bots only those they are added
    to: neither browses (the API answers 403)."""
    return user.is_authenticated and user.is_active and not user.is_guest and not user.is_bot


def directory_rooms_visible(*, user: User) -> QuerySet[Conversation]:
    """THE rule of who finds which public rooms (the directory, joining, the "You are not in
    #room" page, the switcher); docs/api.md ("Room directory") says it in words:

    - guests, bots and inactive accounts: none (may_browse_directory);
    - the team (accounts.selectors.is_team_member: staff, agents, and accounts vouched for by
      staff or a team member): every public room;
    - anyone else (people who signed up by themselves, the desk's customers): only public rooms
      marked ``open_to_customers``. What an account does (a room of its own, a direct
      conversation) never puts it on the team: anyone may sign up.

    No query beyond the rooms' own."""
    rooms = Conversation.objects.filter(kind=Conversation.Kind.ROOM, visibility=Visibility.PUBLIC)
    if not may_browse_directory(user=user):
        return rooms.none()
    if account_selectors.is_team_member(user):
        return rooms
    return rooms.filter(open_to_customers=True)


def directory_room_get(*, user: User, room_id: int) -> Conversation | None:
    """A public room ``user`` may find and join; None otherwise (callers answer 404)."""
    return directory_rooms_visible(user=user).filter(pk=room_id).first()


@dataclass(frozen=True)
class DirectoryRoom:
    room: Conversation
    members: int
    joined: bool

    @property
    def last_activity(self) -> datetime:
        """The newest message's time; the room's creation while it has none."""
        last = self.room.last_message
        return last.created_at if last is not None else self.room.created_at


def directory_rooms(
    *, user: User, query: str = "", limit: int = DIRECTORY_LIMIT
) -> list[DirectoryRoom]:
    """The public rooms ``user`` may find (directory_rooms_visible) whose name or topic holds
    ``query`` (case-insensitive), most recently active first, at most ``limit``: one query
    whatever the number of rooms (member counts and "joined" are subqueries)."""
    rooms = directory_rooms_visible(user=user)
    query = query.replace("\x00", "").strip()[:DIRECTORY_QUERY_MAX]
    if query:
        rooms = rooms.filter(Q(name__icontains=query) | Q(topic__icontains=query))
    counts = (
        Membership.objects.filter(conversation=OuterRef("pk"))
        .order_by()
        .values("conversation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    mine = Membership.objects.filter(conversation=OuterRef("pk"), user_id=user.pk)
    rows = (
        rooms.select_related("last_message")
        .annotate(members=Coalesce(Subquery(counts), 0), joined=Exists(mine))
        .order_by(F("last_message_id").desc(nulls_last=True), "-id")[
            : max(1, min(limit, DIRECTORY_LIMIT))
        ]
    )
    return [DirectoryRoom(room=r, members=r.members, joined=r.joined) for r in rows]


def user_administers_a_room(*, user: User) -> bool:
    """Whether the person is an admin of at least one room (they may make bots)."""
    return Membership.objects.filter(
        user=user, is_admin=True, conversation__kind=Conversation.Kind.ROOM
    ).exists()
