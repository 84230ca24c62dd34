from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core import events
from rooms import services
from rooms.models import Conversation, Membership, Message, Presence


@pytest.fixture
def room(user, other_user):
    return services.room_create(creator=user, name="Coding Group", members=[other_user])


@pytest.fixture
def sent():
    """Every broadcast actually sent (after commit), as (groups, type, payload)."""
    calls = []
    with mock.patch.object(
        events, "broadcast", side_effect=lambda g, t, p: calls.append((list(g), t, dict(p)))
    ):
        yield calls


def test_room_create_makes_creator_admin_and_adds_members(user, other_user):
    room = services.room_create(creator=user, name=" Coding ", topic="exams", members=[other_user])
    assert room.name == "Coding"
    memberships = {m.user_id: m.is_admin for m in Membership.objects.filter(conversation=room)}
    assert memberships == {user.pk: True, other_user.pk: False}


def test_a_conversation_of_an_unregistered_kind_is_refused(user, other_user):
    with pytest.raises(ValidationError) as refused:
        services.conversation_create(kind="widget", creator=user, members=[other_user])
    assert refused.value.message_dict == {"kind": ["No conversation kind 'widget' is registered."]}
    assert not Conversation.objects.exists()
    assert not Membership.objects.exists()
    with pytest.raises(ValidationError):  # the admin's forms and every full_clean() alike
        Conversation(kind="widget", name="x").full_clean()


def test_a_registered_kind_needs_no_engine_change(bot_kind, user):
    chat = services.conversation_create(kind=bot_kind.NAME, creator=user, name="Helper bot")
    assert Conversation.objects.get(pk=chat.pk).kind == "bot"
    assert str(chat) == "Helper bot"
    nameless = services.conversation_create(kind=bot_kind.NAME, creator=user)
    assert str(nameless) == f"Bot {nameless.pk}"


def test_room_create_needs_a_name(user):
    with pytest.raises(ValidationError):
        services.room_create(creator=user, name="   ")
    assert not Conversation.objects.exists()


def test_message_create_stores_then_broadcasts_on_commit(
    room, user, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message, created = services.message_create(conversation=room, sender=user, body="  hi  ")
    assert created
    assert Message.objects.get(pk=message.pk).body == "hi"
    assert sent == []  # nothing is told before the commit
    for callback in callbacks:
        callback()
    assert sent == [
        (
            [events.conversation_group(room.pk)],
            "message.created",
            {
                "id": message.pk,
                "conversation": room.pk,
                "seq": 1,
                "sender": {
                    "id": user.pk,
                    "username": "alice",
                    "name": "Alice A.",
                    "is_bot": False,
                    "is_guest": False,
                },
                "body": "hi",
                "html": "<p>hi</p>",
                "content": {"type": "text", "text": "hi"},
                "client_id": None,
                "created_at": message.created_at.isoformat(),
                "edited_at": None,
                "deleted": False,
                "ticket": None,
                "reactions": [],
                "reply_to": None,
                "thread": None,
                "also_to_room": False,
                "reply_count": 0,
                "last_reply_at": None,
                "thread_participants": [],
            },
        )
    ]
    room.refresh_from_db()
    assert room.last_message_id == message.pk


def test_rolled_back_message_is_never_broadcast(room, user, sent):
    from django.db import transaction

    def send_then_fail():
        with transaction.atomic():
            services.message_create(conversation=room, sender=user, body="doomed")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        send_then_fail()
    assert not Message.objects.exists()
    assert sent == []


def test_non_member_cannot_post(room, db):
    outsider = UserFactory(username="mallory")
    with pytest.raises(PermissionDenied):
        services.message_create(conversation=room, sender=outsider, body="let me in")
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [("", "empty"), ("   \n ", "empty"), ("x" * 4001, "too_long"), (None, "invalid")],
)
def test_bad_message_is_refused_with_a_reason(room, user, body, code):
    with pytest.raises(ValidationError) as info:
        services.message_create(conversation=room, sender=user, body=body)
    assert info.value.code == code
    assert info.value.messages[0]
    assert not Message.objects.exists()


def test_message_of_exactly_4000_characters_is_accepted(room, user):
    message, _ = services.message_create(conversation=room, sender=user, body="x" * 4000)
    assert len(message.body) == 4000


def test_repeated_client_id_stores_one_message(
    room, user, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, created_first = services.message_create(
            conversation=room, sender=user, body="once", client_id="abc-1"
        )
        again, created_again = services.message_create(
            conversation=room, sender=user, body="once", client_id="abc-1"
        )
    assert (created_first, created_again) == (True, False)
    assert first.pk == again.pk
    assert Message.objects.count() == 1
    assert [t for _, t, _ in sent] == ["message.created"]


def test_same_client_id_from_two_people_is_two_messages(room, user, other_user):
    services.message_create(conversation=room, sender=user, body="a", client_id="same")
    services.message_create(conversation=room, sender=other_user, body="b", client_id="same")
    assert Message.objects.count() == 2


def test_sending_marks_own_message_read(room, user):
    message, _ = services.message_create(conversation=room, sender=user, body="hi")
    assert Membership.objects.get(conversation=room, user=user).last_read_message_id == message.pk


def test_edit_own_message_broadcasts_update(room, user, sent, django_capture_on_commit_callbacks):
    message, _ = services.message_create(conversation=room, sender=user, body="helo")
    with django_capture_on_commit_callbacks(execute=True):
        services.message_edit(conversation=room, message_id=message.pk, editor=user, body="hello")
    message.refresh_from_db()
    assert message.body == "hello"
    assert message.edited_at is not None
    assert sent[-1][1] == "message.updated"
    assert sent[-1][2]["body"] == "hello"


def test_cannot_edit_someone_elses_message(room, user, other_user):
    message, _ = services.message_create(conversation=room, sender=user, body="mine")
    with pytest.raises(PermissionDenied):
        services.message_edit(conversation=room, message_id=message.pk, editor=other_user, body="x")
    message.refresh_from_db()
    assert message.body == "mine"


def test_delete_leaves_a_tombstone(
    room, user, other_user, sent, django_capture_on_commit_callbacks
):
    message, _ = services.message_create(conversation=room, sender=other_user, body="secret")
    with pytest.raises(PermissionDenied):
        services.message_delete(
            conversation=room, message_id=message.pk, actor=UserFactory(username="eve")
        )
    with django_capture_on_commit_callbacks(execute=True):
        # alice is the room admin: she may delete bob's message
        services.message_delete(conversation=room, message_id=message.pk, actor=user)
    message.refresh_from_db()
    assert message.deleted_at is not None
    assert message.body == ""
    assert sent[-1][1] == "message.deleted"
    assert sent[-1][2]["deleted"] is True
    assert sent[-1][2]["body"] == ""


def test_mark_read_only_moves_forward(room, user, other_user):
    services.conversation_mark_read(conversation=room, user=other_user, message_id=10)
    services.conversation_mark_read(conversation=room, user=other_user, message_id=5)
    assert Membership.objects.get(conversation=room, user=other_user).last_read_message_id == 10


def test_room_update_sets_members_and_admins(
    room, user, other_user, sent, django_capture_on_commit_callbacks
):
    carol = UserFactory(username="carol")
    with django_capture_on_commit_callbacks(execute=True):
        services.room_update(
            room=room,
            actor=user,
            name="Renamed",
            topic="t",
            members=[user, carol],
            admins=[user, carol],
        )
    room.refresh_from_db()
    assert room.name == "Renamed"
    memberships = {m.user_id: m.is_admin for m in Membership.objects.filter(conversation=room)}
    assert memberships == {user.pk: True, carol.pk: True}
    types = [t for _, t, _ in sent]
    assert "member.removed" in types
    assert "member.added" in types
    assert "room.updated" in types
    removed = next(groups for groups, t, _ in sent if t == "member.removed")
    assert events.user_group(other_user.pk) in removed


def test_room_update_by_non_admin_is_refused(room, other_user):
    with pytest.raises(PermissionDenied):
        services.room_update(room=room, actor=other_user, name="Mine now", topic="")
    room.refresh_from_db()
    assert room.name == "Coding Group"


def test_room_always_keeps_an_admin(room, user, other_user):
    with pytest.raises(ValidationError):
        services.room_update(
            room=room, actor=user, name=room.name, topic="", members=[user, other_user], admins=[]
        )
    assert Membership.objects.get(conversation=room, user=user).is_admin


def test_last_admin_cannot_leave(room, user, other_user):
    with pytest.raises(ValidationError) as info:
        services.room_leave(room=room, user=user)
    assert info.value.code == "last_admin"
    services.room_leave(room=room, user=other_user)
    assert not Membership.objects.filter(conversation=room, user=other_user).exists()


def test_only_member_is_told_to_delete_instead(user):
    room = services.room_create(creator=user, name="Solo")
    with pytest.raises(ValidationError) as info:
        services.room_leave(room=room, user=user)
    assert info.value.code == "last_member"


def test_room_delete_by_admin_only(room, user, other_user):
    with pytest.raises(PermissionDenied):
        services.room_delete(room=room, actor=other_user)
    services.room_delete(room=room, actor=user)
    assert not Conversation.objects.filter(pk=room.pk).exists()


def test_account_deletion_keeps_messages_and_hands_over_admin(room, user, other_user):
    from accounts.services import user_delete

    message, _ = services.message_create(conversation=room, sender=user, body="bye")
    user_delete(user=user)
    message.refresh_from_db()
    assert message.sender is None
    assert Membership.objects.get(conversation=room, user=other_user).is_admin


def test_purge_counts_in_dry_run_and_deletes_for_real(room, user):
    old, _ = services.message_create(conversation=room, sender=user, body="old")
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    new, _ = services.message_create(conversation=room, sender=user, body="new")
    cutoff = timezone.now() - timedelta(days=30)
    assert services.messages_purge(before=cutoff, dry_run=True) == 1
    assert Message.objects.count() == 2
    assert services.messages_purge(before=cutoff, dry_run=False) == 1
    assert list(Message.objects.values_list("body", flat=True)) == ["new"]
    room.refresh_from_db()
    assert room.last_message_id == new.pk


def test_room_size_and_bulk_add_caps(user, settings):
    settings.UCHAT_ROOM_MAX_ADD = 2
    settings.UCHAT_ROOM_MAX_MEMBERS = 3
    people = [UserFactory(username=f"p{i}") for i in range(3)]
    with pytest.raises(ValidationError) as info:
        services.room_create(creator=user, name="Crowd", members=people)
    assert info.value.code == "too_many_added"
    assert not Conversation.objects.filter(name="Crowd").exists()
    room = services.room_create(creator=user, name="Crowd", members=people[:2])
    with pytest.raises(ValidationError) as info:
        services.room_update(
            room=room, actor=user, name="Crowd", topic="", members=[user, *people], admins=[user]
        )
    assert info.value.code == "room_full"
    assert room.memberships.count() == 3


def test_room_cap_reaches_the_form_and_the_api(auth_client, settings):
    settings.UCHAT_ROOM_MAX_ADD = 1
    UserFactory(username="x1")
    UserFactory(username="x2")
    response = auth_client.post("/rooms/new/", {"name": "Busy", "members": "x1, x2"})
    assert b"You can add at most 1 person at once (2 given)." in response.content
    assert not Conversation.objects.filter(name="Busy").exists()


def test_the_first_of_two_sockets_opened_at_one_instant_brings_its_person_online(user, monkeypatch):
    # No transaction orders the handshakes: each writes its row, then counts the others. Of
    # two at once, the one first by (last_seen, channel_name) must tell, whatever it sees.
    moment = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: moment)
    Presence.objects.create(channel_name="socket.p.b", user=user, last_seen=moment)
    assert services.socket_open(user=user, channel_name="socket.p.a").came_online
    assert not services.socket_open(user=user, channel_name="socket.p.c").came_online


def test_stale_presence_rows_neither_count_nor_keep_the_person_online(user, settings):
    settings.UCHAT_WS_MAX_PER_USER = 1
    gone = timezone.now() - timedelta(seconds=settings.UCHAT_PRESENCE_TTL + 5)
    Presence.objects.create(channel_name="socket.dead.x", user=user, last_seen=gone)
    opened = services.socket_open(user=user, channel_name="socket.p.a")
    assert opened.refused is None
    assert opened.came_online
    refused = services.socket_open(user=user, channel_name="socket.p.b")
    assert refused.refused == services.Refused.TOO_MANY
    # The refused socket leaves no row; the stale one waits for the sweep.
    rows = set(Presence.objects.filter(user=user).values_list("pk", flat=True))
    assert rows == {"socket.dead.x", "socket.p.a"}
