import pytest

from accounts.tests.factories import UserFactory
from rooms import services
from rooms.models import Conversation, Membership, Message


@pytest.fixture
def room(user, other_user):
    return services.room_create(
        creator=user, name="Coding Group", topic="exams", members=[other_user]
    )


def test_create_room_with_members(auth_client, user, other_user):
    response = auth_client.post(
        "/rooms/new/", {"name": "Football", "topic": "Sunday", "members": "bob, "}
    )
    room = Conversation.objects.get(name="Football")
    assert response.status_code == 302
    assert response["Location"] == f"/rooms/{room.pk}/"
    assert set(room.memberships.values_list("user__username", "is_admin")) == {
        ("alice", True),
        ("bob", False),
    }


def test_unknown_usernames_are_listed_and_nothing_is_created(auth_client, other_user):
    response = auth_client.post("/rooms/new/", {"name": "Typos", "members": "bob, ghost, @phantom"})
    assert response.status_code == 200
    assert b"No such user: ghost, phantom." in response.content
    assert b'value="Typos"' in response.content  # the form keeps what was typed
    assert not Conversation.objects.filter(name="Typos").exists()


def test_room_page_shows_history_and_members(auth_client, room, user):
    services.message_create(conversation=room, sender=user, body="<script>alert(1)</script>")
    response = auth_client.get(f"/rooms/{room.pk}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert 'aria-hidden="true">#</span>Coding Group</h1>' in content
    assert "Welcome to chat room" not in content
    assert "<script>alert(1)</script>" not in content  # json_script escapes "<"
    assert "\\u003Cscript\\u003Ealert(1)\\u003C/script\\u003E" in content
    assert '"username": "bob"' in content
    assert "Loading older messages" in content


def test_room_page_marks_read(auth_client, room, other_user, user):
    message, _ = services.message_create(conversation=room, sender=other_user, body="hi")
    auth_client.get(f"/rooms/{room.pk}/")
    assert Membership.objects.get(conversation=room, user=user).last_read_message_id == message.pk


def test_non_member_gets_404_everywhere(client, room):
    client.force_login(UserFactory(username="mallory"))
    for path in ["", "edit/", "delete/"]:
        assert client.get(f"/rooms/{room.pk}/{path}").status_code == 404
    for path in ["", "messages/"]:
        assert client.get(f"/conversations/{room.pk}/{path}").status_code == 404
    assert client.post(f"/rooms/{room.pk}/leave/").status_code == 404
    assert client.get("/rooms/999999/").status_code == 404


def test_anonymous_is_sent_to_login(client, room):
    response = client.get(f"/rooms/{room.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_history_json_pages(auth_client, room, user):
    ids = [
        services.message_create(conversation=room, sender=user, body=f"m{i}")[0].pk
        for i in range(60)
    ]
    first = auth_client.get(f"/conversations/{room.pk}/messages/").json()
    assert [m["id"] for m in first["messages"]] == ids[10:]
    assert first["has_more"] is True
    older = auth_client.get(f"/conversations/{room.pk}/messages/?before={ids[10]}").json()
    assert [m["id"] for m in older["messages"]] == ids[:10]
    assert older["has_more"] is False
    bad = auth_client.get(f"/conversations/{room.pk}/messages/?before=abc")
    assert bad.status_code == 400
    assert bad.json() == {"code": 400, "subcode": 4000, "error": "before must be a whole number."}


def test_non_admin_cannot_edit(client, room, other_user):
    client.force_login(other_user)
    assert client.get(f"/rooms/{room.pk}/edit/").status_code == 403
    response = client.post(
        f"/rooms/{room.pk}/edit/", {"name": "Hijacked", "members": "bob", "admins": "bob"}
    )
    assert response.status_code == 403
    room.refresh_from_db()
    assert room.name == "Coding Group"


def test_admin_edits_room(auth_client, room, user):
    carol = UserFactory(username="carol")
    response = auth_client.post(
        f"/rooms/{room.pk}/edit/",
        {"name": "Renamed", "topic": "new", "members": "alice, carol", "admins": "alice, carol"},
    )
    assert response.status_code == 302
    room.refresh_from_db()
    assert room.name == "Renamed"
    assert set(room.memberships.values_list("user__username", "is_admin")) == {
        ("alice", True),
        (carol.username, True),
    }


def test_edit_refuses_admins_outside_members_and_unknown_names(auth_client, room):
    response = auth_client.post(
        f"/rooms/{room.pk}/edit/",
        {"name": "X", "members": "alice, nobody", "admins": "alice, bob"},
    )
    assert response.status_code == 200
    assert b"No such user: nobody." in response.content
    room.refresh_from_db()
    assert room.name == "Coding Group"
    assert room.memberships.count() == 2


def test_edit_cannot_remove_every_admin(auth_client, room):
    response = auth_client.post(
        f"/rooms/{room.pk}/edit/", {"name": "X", "members": "alice, bob", "admins": ""}
    )
    assert response.status_code == 200
    assert b"A room needs at least one admin" in response.content
    assert Membership.objects.get(conversation=room, user__username="alice").is_admin


def test_last_admin_leave_shows_reason(auth_client, room):
    response = auth_client.post(f"/rooms/{room.pk}/leave/", follow=True)
    assert b"You are the last room admin" in response.content
    assert room.memberships.filter(user__username="alice").exists()


def test_member_leaves(client, room, other_user):
    client.force_login(other_user)
    response = client.post(f"/rooms/{room.pk}/leave/")
    assert response.status_code == 302
    assert not room.memberships.filter(user=other_user).exists()


def test_delete_room_needs_admin_and_confirmation(client, room, user, other_user):
    client.force_login(other_user)
    assert client.get(f"/rooms/{room.pk}/delete/").status_code == 403
    assert client.post(f"/rooms/{room.pk}/delete/").status_code == 403
    client.force_login(user)
    assert b"cannot be undone" in client.get(f"/rooms/{room.pk}/delete/").content
    assert client.post(f"/rooms/{room.pk}/delete/").status_code == 302
    assert not Conversation.objects.filter(pk=room.pk).exists()


def test_dashboard_lists_rooms_with_unread_and_preview(client, room, user, other_user):
    services.message_create(conversation=room, sender=user, body="Good Morning All of You")
    client.force_login(other_user)
    content = client.get("/").content.decode()
    assert "Coding Group" in content
    assert "Alice A.: Good Morning All of You" in content
    assert 'data-count="1"' in content


def test_deleted_sender_shows_as_deleted_user(client, room, user, other_user):
    from accounts.services import user_delete

    services.message_create(conversation=room, sender=user, body="bye all")
    user_delete(user=user)
    client.force_login(other_user)
    assert "deleted user: bye all" in client.get("/").content.decode()
    page = client.get(f"/conversations/{room.pk}/messages/").json()
    assert page["messages"][0]["sender"] is None
    assert Message.objects.count() == 1


def test_not_found_and_not_allowed_pages_keep_the_site_around_them(auth_client, room, other_user):
    """404 and 403 were bare, unstyled pages with no way back."""
    from django.test import Client

    missing = auth_client.get("/rooms/999999/")
    assert missing.status_code == 404
    page = missing.content.decode()
    assert 'id="error-page"' in page
    assert "navbar" in page
    assert 'href="/"' in page or "Back to your conversations" in page
    bob = Client()
    bob.force_login(other_user)  # a member of the room, not its admin
    refused = bob.get(f"/rooms/{room.pk}/edit/")
    assert refused.status_code == 403
    page = refused.content.decode()
    assert 'id="error-page"' in page
    assert "Only room admins can edit this room." in page


def test_the_role_badge_shows_only_where_it_means_something(auth_client, room, db):
    """Every person wore a "Customer" badge, even in team rooms."""
    from django.test import Client

    from accounts.tests.factories import UserFactory

    page = auth_client.get(f"/rooms/{room.pk}/").content.decode()
    assert 'badge text-bg-secondary">Customer<' not in page
    for trait, label in (({"agent": True}, "Agent"), ({"staff": True}, "Admin")):
        client = Client()
        client.force_login(UserFactory(**trait))
        assert f'badge text-bg-secondary">{label}<' in client.get("/").content.decode()
