"""Full-text search over the messages a person may read: the conversations they are a member
of (rooms, direct conversations, tickets they are party to), deleted messages never.

PostgreSQL: the English text-search configuration, over the stored ``search_vector`` column
and its GIN index (migration 0008), the query in web-search syntax ("quoted phrases", -not,
or). Other databases: every word as a case-insensitive substring. Both highlight the
query's words here, in escaped text (ts_headline would drop whatever looks like an HTML tag,
and code is often written in chat). Newest hits first, for both.

What a search may cost is bounded three ways (docs/reliability.md): no statement reads more
than the search index or the newest RECENT_ROWS messages, whatever the query; each stops at
UCHAT_SEARCH_TIMEOUT_MS; and each person has UCHAT_SEARCH_MS_PER_MINUTE of search time a
minute besides the count limit (UCHAT_SEARCH_PER_MINUTE).
"""

import contextlib
import html
import math
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import OperationalError, connections, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet

from accounts.models import User
from core.cache import rate_take
from core.db_router import read_alias, replica_reads
from rooms import markup, selectors
from rooms.models import Conversation, Membership, Message

QUERY_MAX = 200
RESULTS_MAX = 50
SNIPPET_CHARS = 160
# Words to find or leave out, phrase words included: each is one more list of the index to
# read and one more test per candidate message.
WORDS_MAX = 8
# The newest messages of the whole site walked newest first before the index is read: cheap
# whatever the query (a few ms), and it answers most searches for common words on its own.
RECENT_ROWS = 20_000
# The column and its GIN index come from migration 0008 (PostgreSQL only).
_MATCH = "search_vector @@ websearch_to_tsquery('english'::regconfig, %s)"
_TABLE = Message._meta.db_table
# What the index can answer of the query ("T": nothing, e.g. only negated words), the query
# as PostgreSQL reads it (its words counted), and the newest message id.
_SHAPE = (
    "SELECT querytree(q)::text, q::text, (SELECT max(id) FROM "  # noqa: S608 - our table
    f"{_TABLE}) FROM websearch_to_tsquery('english'::regconfig, %s) AS q"
)
_RECENT = (
    f"SELECT id FROM {_TABLE} WHERE id > %s AND conversation_id = ANY(%s) "  # noqa: S608
    f"AND deleted_at IS NULL AND {_MATCH} ORDER BY id DESC LIMIT %s"
)
# No condition on id, and "+ 0" keeps the conversation indexes out: read that way, a person in
# busy rooms (or PostgreSQL, expecting many hits) would read every message of them.
_INDEXED = (
    f"SELECT id FROM {_TABLE} WHERE conversation_id + 0 = ANY(%s) "  # noqa: S608
    f"AND deleted_at IS NULL AND {_MATCH} ORDER BY id DESC LIMIT %s"
)
_TERM = re.compile(r'-*"([^"]*)"?|(\S+)')  # -"a phrase" or -word
_LEXEME = re.compile(r"'(?:[^']|'')*'")
_ONLY_LEFT_OUT = "Add a word to find: a search cannot be only words to leave out (-word)."
_TOO_MANY = f"The search has too many words (at most {WORDS_MAX}, phrase words included)."
_TIMED_OUT = "The search took too long. Try rarer words or a shorter phrase."
_ONE_AT_A_TIME = "Your last search is still running. Wait for it, then try again."
_OVER_BUDGET = "Your searches used their search time for this minute. Wait a minute and try again."


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
    terms = _terms(query)
    if len(terms) > WORDS_MAX:
        raise ValidationError(_TOO_MANY, code="invalid_query")
    if terms and all(left_out for left_out, _ in terms):
        raise ValidationError(_ONLY_LEFT_OUT, code="invalid_query")
    return query


def _terms(query: str) -> list[tuple[bool, str]]:
    """Each word of the query, phrase words one by one, with whether it is left out (-word,
    -"a phrase"). PostgreSQL's parse has the last word on what its index can answer."""
    terms = []
    for match in _TERM.finditer(query):
        left_out = match[0].startswith("-")
        words = match[1].split() if match[1] is not None else [match[2].strip("-()")]
        terms += [(left_out, w) for w in words if w and w.lower() != "or"]
    return terms


def messages_search(*, user: User, query: str, limit: int = 20) -> list[Hit]:
    """The newest ``limit`` messages ``user`` may read that match ``query``, with snippets.
    Raises ValidationError for an empty, too long or unanswerable query (code "invalid_query"),
    too many searches or too much search time a minute ("rate_limited"), or a search that
    ran past UCHAT_SEARCH_TIMEOUT_MS ("search_timeout")."""
    query = query_clean(query)
    rate_take(
        scope="search",
        who=user.pk,
        limit=settings.UCHAT_SEARCH_PER_MINUTE,
        window=60,
        message="Too many searches. Wait a minute and try again.",
    )
    limit = max(1, min(limit, RESULTS_MAX))
    with _search_time_charged(user), replica_reads():
        # The ids first (one small query), not a subquery: with a plain list, PostgreSQL
        # filters the rows it reads by conversation instead of probing the index per room.
        member_of = list(
            Membership.objects.filter(user=user).values_list("conversation_id", flat=True)
        )
        readable = Message.objects.filter(
            conversation_id__in=member_of, deleted_at__isnull=True
        ).select_related("sender", "conversation")
        if connections[read_alias()].vendor == "postgresql":
            ids = _postgresql_ids(member_of, query, limit)
            found = list(readable.filter(pk__in=ids).order_by("-id"))
            words = _words(query)
            hits = [Hit(m, snippet(m.body, words)) for m in found]
        else:
            hits = _portable(readable, query, limit)
    _titles_set(hits, user)
    return hits


@contextlib.contextmanager
def _search_time_charged(user: User) -> Iterator[None]:
    """One search at a time per person, refused once their searches used
    UCHAT_SEARCH_MS_PER_MINUTE this minute; the time this one takes (a timed-out one too) is
    added to theirs. Without the first, a burst of searches sent at once would all pass the
    budget before any was charged. Shared by every server process through the cache; open
    while the cache is away, as the other limits are (a missing counter's incr answers 1)."""
    spent_key = f"uchat:search-ms:{user.pk}:{int(time.time() // 60)}"
    running_key = f"uchat:search-running:{user.pk}"
    if (cache.get(spent_key) or 0) >= settings.UCHAT_SEARCH_MS_PER_MINUTE:
        raise ValidationError(_OVER_BUDGET, code="rate_limited")
    # Expires by itself should a process die mid-search.
    expiry = settings.UCHAT_SEARCH_TIMEOUT_MS // 1000 + 5
    cache.add(running_key, 0, timeout=expiry)
    try:
        running = cache.incr(running_key)
    except ValueError:  # expired in between
        running = 1 if cache.add(running_key, 1, timeout=expiry) else 2
    if running > 1:
        _count_add(running_key, -1)
        raise ValidationError(_ONE_AT_A_TIME, code="rate_limited")
    started = time.perf_counter()
    try:
        yield
    finally:
        _count_add(running_key, -1)
        spent = max(1, math.ceil((time.perf_counter() - started) * 1000))
        cache.add(spent_key, 0, timeout=61)
        _count_add(spent_key, spent)


def _count_add(key: str, amount: int) -> None:
    with contextlib.suppress(ValueError):  # expired meanwhile: nothing left to count against
        cache.incr(key, amount)


def _set_local(cursor: CursorWrapper, **values: str | int) -> None:
    """SET LOCAL: until the end of the transaction (or of the savepoint, rolled back)."""
    for name, value in values.items():
        cursor.execute("SELECT set_config(%s, %s, true)", [name, str(value)])


def _postgresql_ids(member_of: list[int], query: str, limit: int) -> list[int]:
    """The ids of the newest ``limit`` readable messages matching ``query``, each statement
    stopped at UCHAT_SEARCH_TIMEOUT_MS."""
    alias = read_alias()  # the replica, inside core.db_router.replica_reads()
    try:
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            try:
                return _ids_read(cursor, member_of, query, limit)
            finally:
                # Read-only: rolled back, which also ends the local settings inside a
                # caller's transaction.
                transaction.set_rollback(True, using=alias)
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == "57014":  # query_canceled
            raise ValidationError(_TIMED_OUT, code="search_timeout") from exc
        raise


def _ids_read(cursor: CursorWrapper, member_of: list[int], query: str, limit: int) -> list[int]:
    """Two bounded reads. PostgreSQL's own choice, walking the whole table newest first until
    enough rows match, costs the whole site when its guess of how many match is wrong
    (``w0 -w0``, a phrase of one common word), so local settings fix the plans: first the
    newest RECENT_ROWS ids by the primary key, then, when those hold too few hits, all of them
    again by the search index alone: never by a scan of the table, a walk of its primary key
    or every message of the person's conversations."""
    timeout = settings.UCHAT_SEARCH_TIMEOUT_MS
    started = time.perf_counter()
    _set_local(cursor, statement_timeout=timeout)
    cursor.execute(_SHAPE, [query])
    tree, parsed, newest = cursor.fetchone()
    if tree == "T":
        raise ValidationError(_ONLY_LEFT_OUT, code="invalid_query")
    if len(_LEXEME.findall(parsed)) > WORDS_MAX:
        raise ValidationError(_TOO_MANY, code="invalid_query")
    if not tree or newest is None:  # only stop words, or no message yet
        return []
    floor = newest - RECENT_ROWS
    _set_local(cursor, enable_seqscan="off", enable_bitmapscan="off")
    cursor.execute(_RECENT, [floor, member_of, query, limit])
    ids = [row[0] for row in cursor.fetchall()]
    if len(ids) == limit or floor <= 0:
        return ids
    left = max(1, timeout - int((time.perf_counter() - started) * 1000))
    _set_local(cursor, statement_timeout=left, enable_bitmapscan="on", enable_indexscan="off")
    cursor.execute(_INDEXED, [member_of, query, limit])
    return [row[0] for row in cursor.fetchall()]


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


def _portable(readable: QuerySet[Message], query: str, limit: int) -> list[Hit]:
    words = _words(query)
    for word in words:
        readable = readable.filter(body__icontains=word)
    return [Hit(m, snippet(m.body, words)) for m in readable.order_by("-id")[:limit]]


def snippet(body: str, words: list[str]) -> str:
    """About SNIPPET_CHARS of ``body`` around the first match, escaped, matches marked. An
    action ("/me waves") shows as its words, under its sender's name."""
    body = markup.me_action(body) or body
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
