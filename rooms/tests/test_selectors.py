import pytest
from django.conf import settings
from django.db import connection

from accounts.models import User
from accounts.tests.factories import UserFactory
from rooms import selectors, services
from rooms.models import Conversation, Message
from rooms.tests.factories import MembershipFactory


@pytest.fixture
def room(user):
    return services.room_create(creator=user, name="History")


def _fill(room, sender, n):
    """Bulk history (not through message_create: thousands of rows), numbered as it would be."""
    room.refresh_from_db()
    Message.objects.bulk_create(
        Message(conversation=room, sender=sender, body=f"m{i}", seq=room.last_seq + 1 + i)
        for i in range(n)
    )
    Conversation.objects.filter(pk=room.pk).update(last_seq=room.last_seq + n)
    return list(
        Message.objects.filter(conversation=room).order_by("id").values_list("id", flat=True)
    )


def test_history_pages_walk_back_without_gap_or_duplicate(room, user):
    ids = _fill(room, user, 123)
    seen: list[int] = []
    before: int | None = None
    while True:
        page = selectors.message_history(conversation=room, before_id=before, limit=50)
        seen = [m.pk for m in page.messages] + seen
        if not page.has_more:
            break
        before = page.messages[0].pk
    assert seen == ids
    assert len(set(seen)) == 123


def test_history_stops_cleanly_at_the_first_message(room, user):
    ids = _fill(room, user, 50)
    page = selectors.message_history(conversation=room, limit=50)
    assert [m.pk for m in page.messages] == ids
    assert page.has_more is False
    empty = selectors.message_history(conversation=room, before_id=ids[0])
    assert empty.messages == []
    assert empty.has_more is False


def test_history_after_id_catches_up_in_order(room, user):
    ids = _fill(room, user, 7)
    page = selectors.message_history(conversation=room, after_id=ids[2], limit=3)
    assert [m.pk for m in page.messages] == ids[3:6]
    assert page.has_more is True


def test_history_never_mixes_conversations(room, user):
    other = services.room_create(creator=user, name="Other")
    _fill(other, user, 5)
    assert selectors.message_history(conversation=room).messages == []


def test_history_costs_one_query(room, user, django_assert_num_queries):
    _fill(room, user, 80)
    with django_assert_num_queries(1):
        page = selectors.message_history(conversation=room, limit=50)
        [m.sender.username for m in page.messages if m.sender]


def test_history_query_uses_the_keyset_index(room, user):
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN output is checked on PostgreSQL")
    _fill(room, user, 10)
    qs = Message.objects.filter(conversation=room, id__lt=10**9).order_by("-id")[:51]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = qs.explain()
        cursor.execute("SET enable_seqscan = on")
    assert "message_history_idx" in plan
    assert "OFFSET" not in str(qs.query).upper()


def _unread_counts(user: User) -> dict[int, int]:
    memberships = selectors.memberships_for_user(user=user)
    # ``unread`` is the selector's annotation, which its QuerySet[Membership] type leaves out.
    return {m.conversation_id: m.unread for m in memberships}  # type: ignore[attr-defined]


def test_unread_counts_and_caps(user, other_user):
    room = services.room_create(creator=user, name="Busy", members=[other_user])
    _fill(room, user, 5)
    counts = _unread_counts(other_user)
    assert counts[room.pk] == 5
    last = Message.objects.filter(conversation=room).order_by("-id")[0]
    services.conversation_mark_read(conversation=room, user=other_user, message_id=last.pk - 2)
    counts = _unread_counts(other_user)
    assert counts[room.pk] == 2
    _fill(room, user, settings.UCHAT_UNREAD_CAP + 50)
    counts = _unread_counts(other_user)
    assert counts[room.pk] == settings.UCHAT_UNREAD_CAP


@pytest.mark.parametrize("rooms", [2, 30])
def test_dashboard_query_count_is_flat(client, user, rooms, django_assert_max_num_queries):
    sender = UserFactory(username="sender")
    for i in range(rooms):
        room = services.room_create(creator=sender, name=f"R{i}", members=[user])
        for _ in range(3):
            services.message_create(conversation=room, sender=sender, body="hi")
    client.force_login(user)
    with django_assert_max_num_queries(8):
        response = client.get("/")
    assert response.status_code == 200
    assert response.content.count(b"data-room-id=") == rooms


@pytest.mark.parametrize("messages", [10, 300])
def test_room_page_query_count_is_flat(client, user, messages, django_assert_max_num_queries):
    room = services.room_create(creator=user, name="Flat")
    for i in range(20):
        MembershipFactory(conversation=room, user=UserFactory(username=f"member{i}"))
    _fill(room, user, messages)
    client.force_login(user)
    # 10, plus the page's reactions and the reader's read marker (the "new messages" line),
    # the sidebar (rooms, direct conversations, tickets, the Threads entry's unread count) and
    # the details panel's files, and the user groups for "@" (all, and the reader's own): one
    # query each, whatever the number of messages.
    with django_assert_max_num_queries(18):
        response = client.get(f"/rooms/{room.pk}/")
    assert response.status_code == 200
