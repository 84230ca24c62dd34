"""Threads: replies stored through the one write path with their root's counters, the thread
and follow APIs, read markers and unread counts, notifications of followers, and who may see
any of it. The socket path is in test_threads_socket.py."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from accounts.tests.factories import UserFactory
from notifications.models import Code, Notification
from rooms import services
from rooms.models import Message, ThreadFollow
from tickets.services import ticket_open


@pytest.fixture
def carol(db):
    return UserFactory(username="carol", display_name="Carol C.")


@pytest.fixture
def room(user, other_user, carol):
    return services.room_create(creator=user, name="Threads", members=[other_user, carol])


def client_for(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def post(person, url: str, data: dict | None = None):
    return client_for(person).post(url, data or {}, content_type="application/json")


def say(room, person, body: str = "hi", **kwargs) -> Message:
    message, _ = services.message_create(conversation=room, sender=person, body=body, **kwargs)
    return message


@pytest.fixture
def thread(room, user, other_user, django_capture_on_commit_callbacks):
    """Alice's root and Bob's first reply (handlers run)."""
    with django_capture_on_commit_callbacks(execute=True):
        root = say(room, user, "Which release?")
        say(room, other_user, "The next one", thread=root.pk)
    return root


def test_replies_join_the_root_and_keep_its_counters(room, user, other_user, carol):
    root = say(room, user, "root")
    first = say(room, other_user, "one", thread=root.pk)
    # A reply to a reply joins the root's thread.
    second = say(room, carol, "two", thread=first.pk, also_to_room=True)
    say(room, other_user, "three", thread=root.pk)
    extra = [UserFactory(username=f"p{i}") for i in range(4)]
    services.members_add(conversation=room, actor=user, users=extra)
    for person in extra:
        last = say(room, person, "more", thread=root.pk)
    root.refresh_from_db()
    assert (first.thread_id, second.thread_id) == (root.pk, root.pk)
    assert second.also_to_room
    assert not first.also_to_room
    assert root.reply_count == 7
    assert root.last_reply_at == last.created_at
    # Up to five: the root's author first, then repliers by first reply.
    assert root.thread_participants == [user.pk, other_user.pk, carol.pk, extra[0].pk, extra[1].pk]
    response = client_for(user).get(f"/api/messages/{second.pk}/thread").json()
    assert response["root"]["id"] == root.pk
    assert response["root"]["reply_count"] == 7
    assert response["root"]["thread"] is None
    assert response["replies"][1]["thread"] == root.pk
    assert response["replies"][1]["also_to_room"] is True
    plain = client_for(user).get(f"/api/rooms/{room.pk}/messages").json()["messages"][-1]
    assert (plain["reply_count"], plain["last_reply_at"], plain["thread_participants"]) == (
        7,
        root.last_reply_at.isoformat(),
        root.thread_participants,
    )


def test_bad_threads_are_refused_and_store_nothing(room, user, other_user, agent):
    elsewhere = services.room_create(creator=user, name="Elsewhere")
    foreign = say(elsewhere, user, "not here")
    url = f"/api/rooms/{room.pk}/messages"
    for wrong in (foreign.pk, 999_999):
        response = post(user, url, {"body": "x", "thread": wrong})
        assert response.status_code == 400
        assert (response.json()["subcode"], response.json()["error"]) == (4023, "Invalid Thread")
    assert post(user, url, {"body": "x", "thread": "abc"}).status_code == 400
    assert not Message.objects.filter(conversation=room).exists()
    # Tickets stay one conversation.
    ticket = ticket_open(customer=other_user, subject="Help", description="Broken")
    first = say(ticket.conversation, other_user, "first")
    before = Message.objects.count()
    response = post(other_user, f"/api/tickets/{ticket.pk}/messages", {"body": "x", "thread": 1})
    assert response.json()["subcode"] == 4023
    with pytest.raises(ValidationError) as refused:
        say(ticket.conversation, other_user, "x", thread=first.pk)
    assert refused.value.code == "invalid_thread"
    assert Message.objects.count() == before
    assert post(other_user, f"/api/messages/{first.pk}/follow").json()["subcode"] == 4023


def test_a_deleted_root_keeps_its_thread_and_a_deleted_reply_stops_counting(
    room, user, other_user, thread, sent, django_capture_on_commit_callbacks
):
    services.message_delete(conversation=room, message_id=thread.pk, actor=user)
    say(room, other_user, "still here", thread=thread.pk)
    got = client_for(other_user).get(f"/api/messages/{thread.pk}/thread").json()
    assert got["root"]["deleted"] is True
    assert got["root"]["reply_count"] == 2
    assert [r["body"] for r in got["replies"]] == ["The next one", "still here"]
    # Bob deletes his first reply: a tombstone in the thread, no longer counted, and told.
    first = got["replies"][0]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        services.message_delete(conversation=room, message_id=first, actor=other_user)
    got = client_for(other_user).get(f"/api/messages/{thread.pk}/thread").json()
    assert got["root"]["reply_count"] == 1
    assert [r["deleted"] for r in got["replies"]] == [True, False]
    [updated] = [p for _, t, p in sent if t == "thread.updated"]
    assert (updated["message"], updated["reply_count"]) == (thread.pk, 1)
    # A deleted message with no thread starts none.
    lone = say(room, user, "gone")
    services.message_delete(conversation=room, message_id=lone.pk, actor=user)
    with pytest.raises(ValidationError):
        say(room, other_user, "x", thread=lone.pk)


def test_the_thread_pages_both_ways(room, user, other_user):
    root = say(room, user, "root")
    replies = [say(room, other_user, f"r{i}", thread=root.pk).pk for i in range(5)]
    say(room, user, "not in the thread")
    api = client_for(user)
    base = f"/api/messages/{root.pk}/thread?limit=2"
    newest = api.get(base).json()
    assert [r["id"] for r in newest["replies"]] == replies[3:]
    assert (newest["has_more"], newest["has_newer"]) == (True, False)
    older = api.get(f"{base}&before={replies[3]}").json()
    assert [r["id"] for r in older["replies"]] == replies[1:3]
    assert (older["has_more"], older["has_newer"]) == (True, True)
    oldest = api.get(f"{base}&before={replies[1]}").json()
    assert ([r["id"] for r in oldest["replies"]], oldest["has_more"]) == ([replies[0]], False)
    newer = api.get(f"{base}&after={replies[0]}").json()
    assert [r["id"] for r in newer["replies"]] == replies[1:3]
    assert (newer["has_more"], newer["has_newer"]) == (True, True)
    last = api.get(f"{base}&after={replies[2]}").json()
    assert ([r["id"] for r in last["replies"]], last["has_newer"]) == (replies[3:], False)
    assert api.get(f"{base[:-1]}0").status_code == 400
    assert api.get(f"{base[:-1]}101").status_code == 400


def test_outsiders_get_404_everywhere(thread, room, carol):
    eve = UserFactory(username="eve")
    for url in (f"/api/messages/{thread.pk}/thread", "/api/messages/999999/thread"):
        assert client_for(eve).get(url).status_code == 404
    assert post(eve, f"/api/messages/{thread.pk}/follow").status_code == 404
    assert client_for(eve).delete(f"/api/messages/{thread.pk}/follow").status_code == 404
    assert post(eve, f"/api/messages/{thread.pk}/thread/read").status_code == 404
    assert client_for(eve).get("/api/threads").json() == {"threads": [], "total": 0}
    assert Client().get("/api/threads").status_code in (401, 403)
    assert not ThreadFollow.objects.filter(user=eve).exists()


def test_follow_unfollow_and_automatic_follows(
    room, user, other_user, carol, thread, django_capture_on_commit_callbacks
):
    # The root's author and the replier follow; carol does not.
    assert set(
        ThreadFollow.objects.filter(following=True).values_list("user__username", flat=True)
    ) == {
        "alice",
        "bob",
    }
    got = client_for(carol).get(f"/api/messages/{thread.pk}/thread").json()
    assert (got["following"], got["unread"]) == (False, 0)
    # Alice unfollows; a mention of her in a reply does not bring her back (it sticks)...
    answer = client_for(user).delete(f"/api/messages/{thread.pk}/follow").json()
    assert answer == {"message": thread.pk, "following": False}
    with django_capture_on_commit_callbacks(execute=True):
        say(room, other_user, "what do you think @alice @carol", thread=thread.pk)
    follows = dict(ThreadFollow.objects.values_list("user__username", "following"))
    assert follows == {"alice": False, "bob": True, "carol": True}  # carol was mentioned
    # ... until she replies again.
    with django_capture_on_commit_callbacks(execute=True):
        mine = say(room, user, "fine", thread=thread.pk)
    follow = ThreadFollow.objects.get(user=user)
    assert (follow.following, follow.last_read_id) == (True, mine.pk)
    # Following by hand, on a reply's id: the root is followed, from now on.
    dave = UserFactory(username="dave")
    services.members_add(conversation=room, actor=user, users=[dave])
    answer = post(dave, f"/api/messages/{mine.pk}/follow").json()
    assert answer == {"message": thread.pk, "following": True}
    assert client_for(dave).get(f"/api/messages/{thread.pk}/thread").json()["unread"] == 0


def test_unread_in_the_room_and_per_thread(
    room, user, other_user, carol, thread, sent, django_capture_on_commit_callbacks
):
    def room_unread(person) -> int:
        rooms = client_for(person).get("/api/rooms").json()["rooms"]
        return next(r["unread"] for r in rooms if r["id"] == room.pk)

    newest = Message.objects.latest("id").pk
    for person in (user, carol):
        post(person, f"/api/messages/{thread.pk}/thread/read")
        services.conversation_mark_read(conversation=room, user=person, message_id=newest)
    assert (room_unread(user), room_unread(carol)) == (0, 0)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        say(room, other_user, "in the thread", thread=thread.pk)
        say(room, other_user, "in the thread again", thread=thread.pk)
        say(room, other_user, "and to the room", thread=thread.pk, also_to_room=True)
    # Alice follows (the root's author): every reply counts; carol sees only the one also
    # sent to the room.
    assert (room_unread(user), room_unread(carol)) == (3, 1)
    threads = client_for(user).get("/api/threads").json()
    assert threads["total"] == 3
    [entry] = threads["threads"]
    assert entry["root"]["id"] == thread.pk
    assert entry["unread"] == 3
    assert entry["conversation"] == {"id": room.pk, "kind": "room", "name": "Threads"}
    assert entry["following"] is True
    assert client_for(carol).get("/api/threads").json() == {"threads": [], "total": 0}
    # The frames: the root's counters to the conversation, the counts to each follower.
    updated = [p for g, t, p in sent if t == "thread.updated"]
    assert updated[-1]["reply_count"] == 4
    assert updated[-1]["message"] == thread.pk
    assert updated[-1]["conversation"] == room.pk
    unread = [(g, p) for g, t, p in sent if t == "thread.unread"]
    assert (
        [f"user.{user.pk}"],
        {"conversation": room.pk, "message": thread.pk, "unread": 3, "total": 3},
    ) in unread
    assert not any(g == [f"user.{carol.pk}"] for g, _ in unread)
    # Reading part of it, then all of it.
    replies = list(thread.replies.order_by("id").values_list("id", flat=True))
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        part = post(user, f"/api/messages/{thread.pk}/thread/read", {"message": replies[-2]})
    assert part.json() == {"message": thread.pk, "unread": 1, "total": 1}
    assert sent[-1][1:] == (
        "thread.unread",
        {"conversation": room.pk, "message": thread.pk, "unread": 1, "total": 1},
    )
    assert post(user, f"/api/messages/{thread.pk}/thread/read").json()["unread"] == 0
    wrong = post(user, f"/api/messages/{thread.pk}/thread/read", {"message": thread.pk})
    assert wrong.json()["subcode"] == 4023


def test_threads_list_puts_unread_first(room, user, other_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        older = say(room, user, "older")
        newer = say(room, user, "newer")
        say(room, other_user, "a", thread=older.pk)
        say(room, other_user, "b", thread=newer.pk)
    post(user, f"/api/messages/{newer.pk}/thread/read")
    listed = client_for(user).get("/api/threads").json()["threads"]
    assert [(t["root"]["id"], t["unread"]) for t in listed] == [(older.pk, 1), (newer.pk, 0)]
    post(user, f"/api/messages/{older.pk}/thread/read")
    listed = client_for(user).get("/api/threads?limit=1").json()["threads"]
    assert [t["root"]["id"] for t in listed] == [newer.pk]  # then by last reply, newest first
    assert client_for(user).get("/api/threads?limit=51").status_code == 400


def test_followers_are_notified_but_not_the_sender(
    room, user, other_user, carol, thread, django_capture_on_commit_callbacks
):
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        reply = say(room, other_user, "ping", thread=thread.pk)
    [notification] = Notification.objects.filter(code=Code.THREAD_REPLY)
    assert notification.user == user
    assert notification.title == "Reply in thread in Threads"
    assert notification.payload["thread"] == thread.pk
    assert notification.payload["id"] == reply.pk
    assert not Notification.objects.filter(user__in=[other_user, carol]).exists()
    # Alice is offline: the e-mail (one per UCHAT_NOTIFY_EMAIL_EVERY, so of the first reply)
    # links to the reply in its thread.
    [email] = mail.outbox
    first = thread.replies.order_by("id").first()
    assert f"/conversations/{room.pk}/?thread={thread.pk}&around={first.pk}" in email.body
    # A mention in a reply: the mention notification only, one per person per message.
    with django_capture_on_commit_callbacks(execute=True):
        say(room, other_user, "@alice look", thread=thread.pk)
    assert list(Notification.objects.filter(user=user).values_list("code", flat=True)) == [
        Code.THREAD_REPLY,
        Code.MENTION,
    ]
    assert Notification.objects.get(code=Code.MENTION).payload["thread"] == thread.pk


def test_thread_replies_in_a_direct_conversation(
    user, other_user, django_capture_on_commit_callbacks
):
    dm = services.direct_conversation_get_or_create(user=user, other=other_user)
    with django_capture_on_commit_callbacks(execute=True):
        root = say(dm, user, "root")
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        say(dm, other_user, "in the thread", thread=root.pk)
    assert list(Notification.objects.values_list("user__username", "code")) == [
        ("alice", Code.THREAD_REPLY)
    ]
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        say(dm, other_user, "and the conversation", thread=root.pk, also_to_room=True)
    assert list(Notification.objects.values_list("user__username", "code")) == [
        ("alice", Code.NEW_MESSAGE)
    ]


def test_leaving_a_room_ends_its_follows(room, user, other_user, thread):
    other_room = services.room_create(creator=other_user, name="Other")
    kept = say(other_room, other_user, "root")
    services.thread_follow_set(user=other_user, root=kept, following=True)
    services.room_leave(room=room, user=other_user)
    assert list(ThreadFollow.objects.filter(user=other_user).values_list("message", flat=True)) == [
        kept.pk
    ]
    assert client_for(other_user).get(f"/api/messages/{thread.pk}/thread").status_code == 404
    with pytest.raises(PermissionDenied):  # the services check it themselves too
        services.thread_follow_set(user=other_user, root=thread, following=True)
    with pytest.raises(PermissionDenied):
        services.thread_mark_read(user=other_user, root=thread)


def test_follow_and_read_are_rate_limited(settings, room, user, thread):
    settings.UCHAT_THREAD_ACTIONS_PER_MINUTE = 2
    assert post(user, f"/api/messages/{thread.pk}/follow").status_code == 200
    assert post(user, f"/api/messages/{thread.pk}/thread/read").status_code == 200
    refused = post(user, f"/api/messages/{thread.pk}/follow")
    assert (refused.status_code, refused.json()["subcode"]) == (429, 4008)


def test_search_hits_in_threads_open_the_thread(room, user, other_user, thread):
    reply = say(room, other_user, "zanzibar plans", thread=thread.pk)
    hits = client_for(user).get("/api/search?q=zanzibar").json()["results"]
    assert [(h["id"], h["thread"]) for h in hits] == [(reply.pk, thread.pk)]
    assert hits[0]["url"] == f"/conversations/{room.pk}/?thread={thread.pk}&around={reply.pk}"
    plain = say(room, user, "zanzibar itself")
    hits = client_for(user).get("/api/search?q=zanzibar").json()["results"]
    assert hits[0]["id"] == plain.pk
    assert hits[0]["thread"] is None


def test_one_batch_of_replies_counts_each(room, user, other_user, carol):
    """The writer stores a batch in one transaction: several replies to one root in it."""
    root = say(room, user, "root")
    drafts = [
        services.message_draft(conversation=room, sender=person, body="x", thread=root.pk)
        for person in (carol, other_user, carol, user)
    ]
    stored = [o[0] for o in services.messages_store(drafts) if isinstance(o, tuple)]
    assert len(stored) == 4
    root.refresh_from_db()
    assert (root.reply_count, root.thread_participants) == (4, [user.pk, carol.pk, other_user.pk])
    assert root.last_reply_at == stored[-1].created_at
