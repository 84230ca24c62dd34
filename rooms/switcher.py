"""The quick switcher's data (Ctrl/Cmd+K): the conversations a person may open and the people
they may message, whose names match what they typed, each with its URL.

Each conversation kind lists its own (``ConversationKind.switcher``): rooms and direct
conversations here, other kinds from their apps. People come from the accounts' suggestions,
which list only people the viewer may see (and so may message under UCHAT_DM_POLICY)."""

from django.conf import settings
from django.db.models import F, Q
from django.urls import reverse

from accounts import selectors as account_selectors
from accounts.models import User
from core.cache import rate_take
from rooms import kinds, selectors
from rooms.kinds import SwitcherEntry
from rooms.models import Conversation, Membership

QUERY_MAX = 100
PER_KIND = 20


def rooms_for_switcher(user: User, query: str, limit: int) -> list[SwitcherEntry]:
    """Rooms the person is in, most recently active first; for a typed query, then public
    rooms they may join (selectors.directory_rooms_visible), which open on their Join page."""
    memberships = Membership.objects.filter(user=user, conversation__kind=Conversation.Kind.ROOM)
    if query:
        memberships = memberships.filter(conversation__name__icontains=query)
    rooms = memberships.order_by("-conversation__last_message_id", "-conversation_id").values_list(
        "conversation_id", "conversation__name"
    )[:limit]
    entries: list[SwitcherEntry] = [
        {
            "kind": Conversation.Kind.ROOM,
            "label": "Room",
            "name": name,
            "url": reverse("rooms:detail", args=[pk]),
            "icon": "hash",
        }
        for pk, name in rooms
    ]
    if query and len(entries) < limit:
        public = (
            selectors.directory_rooms_visible(user=user)
            .filter(name__icontains=query)
            .exclude(memberships__user=user)
            .order_by(F("last_message_id").desc(nulls_last=True), "-id")
            .values_list("pk", "name")[: limit - len(entries)]
        )
        entries += [
            {
                "kind": Conversation.Kind.ROOM,
                "label": "Public room to join",
                "name": name,
                "url": reverse("rooms:detail", args=[pk]),
                "icon": "hash",
            }
            for pk, name in public
        ]
    return entries


def directs_for_switcher(user: User, query: str, limit: int) -> list[SwitcherEntry]:
    """Direct conversations, named by the other person (notes to self by the person)."""
    memberships = Membership.objects.filter(
        user=user, conversation__kind=Conversation.Kind.DIRECT
    ).order_by("-conversation__last_message_id", "-conversation_id")
    if query:
        others = Membership.objects.filter(
            Q(user__username__icontains=query) | Q(user__display_name__icontains=query)
        ).exclude(user=user)
        own = query.lower() in f"{user.username} {user.name}".lower()
        matching = Q(conversation_id__in=others.values("conversation_id"))
        if own:
            matching |= Q(conversation__direct_key=f"{user.pk}:{user.pk}")
        memberships = memberships.filter(matching)
    ids = list(memberships.values_list("conversation_id", flat=True)[:limit])
    partners = selectors.direct_partners(conversation_ids=ids, user=user)
    entries: list[SwitcherEntry] = []
    for pk in ids:
        partner = partners.get(pk)
        if partner is None:  # they deleted their account
            continue
        name = f"{partner.name} (you)" if partner.pk == user.pk else partner.name
        entries.append(
            {
                "kind": Conversation.Kind.DIRECT,
                "label": "Direct message",
                "name": name,
                "url": reverse("direct", args=[partner.username]),
                "icon": "message-square",
            }
        )
    return entries


def switcher_list(*, user: User, query: str) -> list[SwitcherEntry]:
    """What the person may open whose name matches ``query``: each kind's conversations, then
    people (only for a typed query), one line per URL. Rate-limited like search
    (UCHAT_SWITCHER_PER_MINUTE: a ValidationError "rate_limited")."""
    rate_take(
        scope="switcher",
        who=user.pk,
        limit=settings.UCHAT_SWITCHER_PER_MINUTE,
        window=60,
        message="Too many searches. Wait a minute and try again.",
    )
    query = query.replace("\x00", "").strip()[:QUERY_MAX]
    entries = kinds.switcher_entries(user=user, query=query, limit=PER_KIND)
    if query:
        for person in account_selectors.users_suggest(query=query, viewer=user, limit=8):
            if person.is_bot:  # nobody starts a direct conversation with a bot
                continue
            entries.append(
                {
                    "kind": "person",
                    "label": "Person",
                    "name": f"{person.name} (@{person.username})",
                    "url": reverse("direct", args=[person.username]),
                    "icon": "user",
                }
            )
    seen: set[str] = set()
    unique: list[SwitcherEntry] = []
    for entry in entries:
        if entry["url"] not in seen:
            seen.add(entry["url"])
            unique.append(entry)
    return unique
