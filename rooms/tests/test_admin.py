import re

import pytest

from rooms import services
from rooms.models import Message


@pytest.fixture
def room(user, other_user):
    room = services.room_create(creator=user, name="Coding Group", members=[other_user])
    services.message_create(conversation=room, sender=user, body="findable text")
    return room


def test_conversation_changelist_search_and_change(admin_client, room):
    assert b"Coding Group" in admin_client.get("/admin/rooms/conversation/?q=coding").content
    response = admin_client.get(f"/admin/rooms/conversation/{room.pk}/change/")
    assert response.status_code == 200
    assert b"alice" in response.content  # the membership inline


def test_kind_filters_offer_every_registered_kind(admin_client, room, bot_kind, user):
    services.conversation_create(kind=bot_kind.NAME, creator=user, name="Helper bot")
    for page, param in [("conversation", "kind__exact"), ("message", "conversation_kind")]:
        listed = admin_client.get(f"/admin/rooms/{page}/").content.decode()
        offered = re.findall(rf'href="\?{param}=([a-z]+)"', listed)
        assert offered == ["room", "direct", "ticket", "bot"]
    bots = admin_client.get("/admin/rooms/conversation/?kind__exact=bot").content.decode()
    assert "Helper bot" in bots
    assert "Coding Group" not in bots
    in_rooms = admin_client.get("/admin/rooms/message/?conversation_kind=room").content
    assert b"findable text" in in_rooms
    assert (
        b"findable text"
        not in admin_client.get("/admin/rooms/message/?conversation_kind=bot").content
    )


def test_rename_from_admin_goes_through_the_service(admin_client, room):
    page = admin_client.get(f"/admin/rooms/conversation/{room.pk}/change/").content.decode()
    form = dict(
        re.findall(r'<input type="hidden" name="(memberships-[^"]+)" value="([^"]*)"', page)
    )
    form.update(
        {"name": "Renamed", "topic": "x", "visibility": "public", "open_to_customers": "on"}
    )
    response = admin_client.post(f"/admin/rooms/conversation/{room.pk}/change/", form)
    assert response.status_code == 302
    room.refresh_from_db()
    assert room.name == "Renamed"
    assert room.visibility == "public"
    assert room.open_to_customers is True
    # Private again: no longer open to customers either (the service's rule).
    form.update({"visibility": "private"})
    admin_client.post(f"/admin/rooms/conversation/{room.pk}/change/", form)
    room.refresh_from_db()
    assert room.visibility == "private"
    assert room.open_to_customers is False


def test_message_search_and_soft_delete_action(admin_client, room):
    response = admin_client.get("/admin/rooms/message/?q=findable")
    assert b"findable text" in response.content
    message = Message.objects.get()
    admin_client.post(
        "/admin/rooms/message/", {"action": "delete_softly", "_selected_action": [message.pk]}
    )
    message.refresh_from_db()
    assert message.deleted_at is not None
    assert message.body == ""
