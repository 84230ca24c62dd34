"""Full-text search over the messages a person may read: the conversations they are a member
of (rooms, direct conversations, tickets they are party to), deleted messages never.

PostgreSQL: the English text-search configuration, over the stored ``search_vector`` column
and its GIN index (migration 0008), the query in web-search syntax ("quoted phrases", -not,
or). Other databases: every word as a case-insensitive substring. Both highlight the
query's words here, in escaped text (ts_headline would drop whatever looks like an HTML tag,
and code is often written in chat). Newest hits first, for both.
"""

import html
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from accounts.models import User
from core.cache import rate_take
from rooms import selectors
from rooms.models import Conversation, Membership, Message

QUERY_MAX = 200
RESULTS_MAX = 50
SNIPPET_CHARS = 160
# The column and its GIN index come from migration 0008 (PostgreSQL only).
_MATCH = "search_vector @@ websearch_to_tsquery('english'::regconfig, %s)"


@dataclass
class Hit:
    message: Message
    html: str  # the snippet, escaped, with <mark> around what matched
    title: str = ""  # the conversation as the reader knows it (a room's name, the other person)


def query_clean(query: str | None) -> str:
    query = " ".join((query or "").split())
    if not query:
        raise ValidationError("Type something to search for.", code="invalid_query")
    if len(query) > QUERY_MAX:
        raise ValidationError(
            f"The search is too long (at most {QUERY_MAX} characters).", code="invalid_query"
        )
    return query


def messages_search(*, user: User, query: str, limit: int = 20) -> list[Hit]:
    """The newest ``limit`` messages ``user`` may read that match ``query``, with snippets.
    Raises ValidationError for an empty or too long query, or too many searches a minute."""
    query = query_clean(query)
    rate_take(
        scope="search",
        who=user.pk,
        limit=settings.UCHAT_SEARCH_PER_MINUTE,
        window=60,
        message="Too many searches. Wait a minute and try again.",
    )
    limit = max(1, min(limit, RESULTS_MAX))
    # The ids first (one small query), not a subquery: with a plain list, PostgreSQL reads the
    # search index once and filters its rows, instead of joining and probing it per room.
    member_of = list(Membership.objects.filter(user=user).values_list("conversation_id", flat=True))
    readable = Message.objects.filter(
        conversation_id__in=member_of, deleted_at__isnull=True
    ).select_related("sender", "conversation")
    if connection.vendor == "postgresql":
        hits = _postgresql(readable, query, limit)
    else:
        hits = _portable(readable, query, limit)
    _titles_set(hits, user)
    return hits


def _titles_set(hits: list[Hit], user: User) -> None:
    direct = [
        h.message.conversation_id
        for h in hits
        if h.message.conversation.kind == Conversation.Kind.DIRECT
    ]
    partners = selectors.direct_partners(conversation_ids=direct, user=user) if direct else {}
    for hit in hits:
        conversation = hit.message.conversation
        if conversation.kind == Conversation.Kind.DIRECT:
            hit.title = selectors.direct_title(partners.get(conversation.pk))
        else:
            hit.title = conversation.name


def _words(query: str) -> list[str]:
    """The words to find and highlight: not the -excluded ones, not "or", no quotes."""
    words = [w.strip("\"'()") for w in query.split()]
    return [w for w in words if w and not w.startswith("-") and w.lower() != "or"][:8] or [query]


def _postgresql(readable: QuerySet[Message], query: str, limit: int) -> list[Hit]:
    # Constant SQL; the query goes in as a parameter.
    matches = RawSQL(_MATCH, [query], output_field=BooleanField())  # noqa: S611
    found = readable.filter(matches).order_by("-id")[:limit]
    words = _words(query)
    return [Hit(m, snippet(m.body, words)) for m in found]


def _portable(readable: QuerySet[Message], query: str, limit: int) -> list[Hit]:
    words = _words(query)
    for word in words:
        readable = readable.filter(body__icontains=word)
    return [Hit(m, snippet(m.body, words)) for m in readable.order_by("-id")[:limit]]


def snippet(body: str, words: list[str]) -> str:
    """About SNIPPET_CHARS of ``body`` around the first match, escaped, matches marked."""
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    first = pattern.search(body)
    start = max(0, (first.start() if first else 0) - SNIPPET_CHARS // 3)
    text = body[start : start + SNIPPET_CHARS]
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts += [html.escape(text[last : match.start()]), f"<mark>{html.escape(match[0])}</mark>"]
        last = match.end()
    parts.append(html.escape(text[last:]))
    prefix = "… " if start else ""
    suffix = " …" if start + SNIPPET_CHARS < len(body) else ""
    return prefix + "".join(parts) + suffix
