"""Public rooms: the directory's one visibility rule, joining and leaving, and the pages."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from accounts.tests.factories import UserFactory
from accounts.tests.test_api import bearer
from rooms import frames, selectors, services
from rooms.models import Conversation, Membership, Visibility

PUBLIC = Visibility.PUBLIC


@pytest.fixture
def owner(db):
    return UserFactory(username="olga")


@pytest.fixture
def public_room(owner):
    return services.room_create(
        creator=owner, name="General chat", topic="Anything goes", visibility=PUBLIC
    )


@pytest.fixture
def customer_room(owner, staff):
    return services.room_create(
        creator=staff, name="Announcements", visibility=PUBLIC, open_to_customers=True
    )


@pytest.fixture
def private_room(owner):
    return services.room_create(creator=owner, name="Secret plans")


def _member_of_something(person, other):
    """A teammate: a team member (``other``) added them to a room, which vouches for them."""
    person.team_member = False
    person.save(update_fields=["team_member"])
    services.room_create(creator=other, name=f"With {person.username}", members=[person])
    person.refresh_from_db()
    return person


def _pure_customer(owner):
    """Someone whose only conversation is of another app's kind (a ticket)."""
    person = UserFactory(username="cora", team_member=False)
    conversation = Conversation.objects.create(kind="ticket", name="")
    Membership.objects.create(conversation=conversation, user=person)
    return person


def _names(user, **kwargs):
    return [entry.room.name for entry in selectors.directory_rooms(user=user, **kwargs)]


def test_who_sees_which_public_rooms(owner, staff, public_room, customer_room, private_room):
    member = _member_of_something(UserFactory(username="mia"), owner)
    agent = UserFactory(username="agnes", agent=True)
    customer = _pure_customer(owner)
    # Signed up by themselves: a customer until someone vouches for them.
    newcomer = UserFactory(username="nina", team_member=False)
    guest = UserFactory(username="gus", is_guest=True)
    every_public = {"General chat", "Announcements"}
    assert set(_names(staff)) == every_public
    assert set(_names(agent)) == every_public
    assert set(_names(member)) == every_public
    assert set(_names(owner)) == every_public  # a member of rooms
    assert _names(customer) == ["Announcements"]
    assert _names(newcomer) == ["Announcements"]
    # What an account does by itself never puts it on the team: a direct conversation (even
    # with a team member), a room of its own, a room it adds the newcomer to.
    services.direct_conversation_get_or_create(user=newcomer, other=owner)
    services.room_create(creator=newcomer, name="Mine", members=[customer])
    customer.refresh_from_db()
    newcomer.refresh_from_db()
    assert _names(newcomer) == ["Announcements"]
    assert _names(customer) == ["Announcements"]
    assert _names(guest) == []
    assert not selectors.may_browse_directory(user=guest)
    # A room made private leaves the directory, and stops being open to customers.
    services.room_update(
        room=customer_room,
        actor=staff,
        name="Announcements",
        topic="",
        visibility=Visibility.PRIVATE,
    )
    customer_room.refresh_from_db()
    assert customer_room.open_to_customers is False
    assert _names(customer) == []
    assert set(_names(staff)) == {"General chat"}


def test_search_order_joined_and_limit(owner, public_room, private_room):
    member = _member_of_something(UserFactory(username="mia"), owner)
    quiet = services.room_create(
        creator=owner, name="Quiet", topic="GENERAL questions", visibility=PUBLIC
    )
    services.message_create(conversation=public_room, sender=owner, body="hello")
    entries = selectors.directory_rooms(user=member)
    assert [e.room.name for e in entries] == ["General chat", "Quiet"]  # last active first
    assert [e.members for e in entries] == [1, 1]
    assert [e.joined for e in entries] == [False, False]
    assert entries[0].last_activity == public_room.messages.get().created_at
    assert entries[1].last_activity == quiet.created_at
    assert _names(member, query="general") == ["General chat", "Quiet"]  # name or topic
    assert _names(member, query="  QUESTIONS ") == ["Quiet"]
    assert _names(member, query="secret") == []  # private rooms never
    assert _names(member, query="%") == []  # no wildcards
    assert _names(member, limit=1) == ["General chat"]
    assert [e.joined for e in selectors.directory_rooms(user=owner)] == [True, True]


def test_directory_query_count_stays_flat(owner, django_assert_num_queries):
    member = _member_of_something(UserFactory(username="mia"), owner)
    for n in range(3):
        services.room_create(creator=owner, name=f"Room {n}", visibility=PUBLIC)
    with django_assert_num_queries(1):
        assert len(selectors.directory_rooms(user=member)) == 3
    for n in range(3, 12):
        room = services.room_create(creator=owner, name=f"Room {n}", visibility=PUBLIC)
        services.message_create(conversation=room, sender=owner, body="hi")
    with django_assert_num_queries(1):
        assert len(selectors.directory_rooms(user=member)) == 12


def test_join_is_idempotent_and_tells_the_room(
    owner, public_room, sent, django_capture_on_commit_callbacks
):
    joiner = _member_of_something(UserFactory(username="mia"), owner)
    with django_capture_on_commit_callbacks(execute=True):
        membership, joined = services.room_join(room=public_room, user=joiner)
    assert joined
    assert not membership.is_admin
    added = [(groups, payload) for groups, kind, payload in sent if kind == frames.MEMBER_ADDED]
    assert len(added) == 1
    groups, payload = added[0]
    assert f"user.{joiner.pk}" in groups
    assert payload["member"]["user"]["username"] == "mia"
    assert payload["room"]["visibility"] == "public"
    again, joined = services.room_join(room=public_room, user=joiner)
    assert again.pk == membership.pk
    assert not joined
    assert Membership.objects.filter(conversation=public_room).count() == 2
    # Joining oneself notifies no one of being "added".
    assert not joiner.notifications.exists()


def test_join_refuses_what_the_person_may_not_find(owner, public_room, private_room):
    customer = _pure_customer(owner)
    guest = UserFactory(username="gus", is_guest=True)
    for person, room in [(customer, public_room), (guest, public_room), (owner, private_room)]:
        stranger = person if person != owner else UserFactory(username="sam")
        with pytest.raises(PermissionDenied):
            services.room_join(room=room, user=stranger)
    assert Membership.objects.filter(conversation=public_room).count() == 1


def test_joins_are_rate_limited(owner, settings):
    settings.UCHAT_ROOM_JOINS_PER_MINUTE = 2
    joiner = _member_of_something(UserFactory(username="mia"), owner)
    rooms = [services.room_create(creator=owner, name=f"R{n}", visibility=PUBLIC) for n in range(3)]
    services.room_join(room=rooms[0], user=joiner)
    services.room_join(room=rooms[1], user=joiner)
    services.room_join(room=rooms[1], user=joiner)  # already in: no new join, not counted
    with pytest.raises(ValidationError) as refused:
        services.room_join(room=rooms[2], user=joiner)
    assert refused.value.code == "rate_limited"
    assert not Membership.objects.filter(conversation=rooms[2], user=joiner).exists()


def test_visibility_rules_of_create_and_update(owner, staff, public_room):
    guest = UserFactory(username="gus", is_guest=True)
    with pytest.raises(PermissionDenied, match="Guests cannot create rooms"):
        services.room_create(creator=guest, name="Mine")
    with pytest.raises(PermissionDenied, match="Only staff"):
        services.room_create(creator=owner, name="Open", visibility=PUBLIC, open_to_customers=True)
    with pytest.raises(ValidationError):
        services.room_create(creator=owner, name="Odd", visibility="secret")
    with pytest.raises(PermissionDenied, match="Only staff"):
        services.room_update(
            room=public_room, actor=owner, name="General chat", topic="", open_to_customers=True
        )
    assert not Conversation.objects.filter(name__in=["Mine", "Open", "Odd"]).exists()
    services.room_update(
        room=public_room, actor=owner, name="General chat", topic="", visibility=Visibility.PRIVATE
    )
    public_room.refresh_from_db()
    assert public_room.visibility == Visibility.PRIVATE
    # Staff open a private room to customers: it holds only once the room is public.
    room = services.room_create(creator=staff, name="Help", open_to_customers=True)
    assert room.open_to_customers is False
    existing = services.room_create(creator=owner, name="Old")
    assert existing.visibility == Visibility.PRIVATE
    assert not existing.open_to_customers


# --- the API -------------------------------------------------------------------------------


def test_directory_api(owner, public_room, customer_room, private_room):
    member = _member_of_something(UserFactory(username="mia"), owner)
    response = bearer(member).get("/api/rooms/directory", {"q": "general"})
    assert response.status_code == 200
    [row] = response.json()["rooms"]
    assert set(row) == {"id", "name", "topic", "members", "last_activity", "joined", "url"}
    assert row["id"] == public_room.pk
    assert row["members"] == 1
    assert row["joined"] is False
    assert [r["name"] for r in bearer(member).get("/api/rooms/directory").json()["rooms"]] == [
        "Announcements",
        "General chat",
    ]
    customer = _pure_customer(owner)
    rooms = bearer(customer).get("/api/rooms/directory").json()["rooms"]
    assert [r["name"] for r in rooms] == ["Announcements"]
    guest = UserFactory(username="gus", is_guest=True)
    refused = bearer(guest).get("/api/rooms/directory")
    assert refused.status_code == 403
    assert refused.json()["subcode"] == 4051
    assert bearer(member).get("/api/rooms/directory", {"limit": 0}).status_code == 400
    assert bearer(member).get("/api/rooms/directory", {"q": "x" * 101}).status_code == 400
    assert bearer(member).get("/api/rooms/directory", {"limit": 1}).json()["rooms"][0]["id"] == (
        customer_room.pk
    )


def test_join_and_leave_api(owner, public_room, private_room):
    member = _member_of_something(UserFactory(username="mia"), owner)
    client = bearer(member)
    first = client.post(f"/api/rooms/{public_room.pk}/join")
    assert first.status_code == 201
    assert first.json()["visibility"] == "public"
    assert first.json()["joined"] is True
    assert client.post(f"/api/rooms/{public_room.pk}/join").status_code == 200
    assert client.get(f"/api/rooms/{public_room.pk}/messages").status_code == 200
    rows = client.get("/api/rooms/directory").json()["rooms"]
    assert rows[0]["joined"] is True
    assert rows[0]["members"] == 2
    # Private rooms and rooms that do not exist look the same: 404.
    assert client.post(f"/api/rooms/{private_room.pk}/join").status_code == 404
    assert client.post("/api/rooms/999999/join").status_code == 404
    assert client.post(f"/api/rooms/{private_room.pk}/leave").status_code == 404
    left = client.post(f"/api/rooms/{public_room.pk}/leave")
    assert left.status_code == 200
    assert left.json()["joined"] is False
    assert client.get(f"/api/rooms/{public_room.pk}/messages").status_code == 404
    # The last admin keeps the room: they cannot leave while others remain.
    client.post(f"/api/rooms/{public_room.pk}/join")
    refused = bearer(owner).post(f"/api/rooms/{public_room.pk}/leave")
    assert refused.status_code == 400
    assert refused.json()["subcode"] == 4052
    assert "last room admin" in refused.json()["detail"]
    guest = UserFactory(username="gus", is_guest=True)
    assert bearer(guest).post(f"/api/rooms/{public_room.pk}/join").status_code == 404


def test_room_create_and_update_api(owner, staff):
    created = bearer(owner).post(
        "/api/rooms", {"name": "Open", "visibility": "public"}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["visibility"] == "public"
    assert created.json()["open_to_customers"] is False
    room_id = created.json()["id"]
    bad = bearer(owner).post("/api/rooms", {"name": "X", "visibility": "everyone"}, format="json")
    assert bad.status_code == 400
    refused = bearer(owner).post(
        "/api/rooms",
        {"name": "Y", "visibility": "public", "open_to_customers": True},
        format="json",
    )
    assert refused.status_code == 403
    guest = UserFactory(username="gus", is_guest=True)
    no_guests = bearer(guest).post("/api/rooms", {"name": "Z"}, format="json")
    assert no_guests.status_code == 403
    assert "Guests cannot create rooms" in no_guests.json()["error"]
    assert not Conversation.objects.filter(name__in=["X", "Y", "Z"]).exists()
    patched = bearer(owner).patch(f"/api/rooms/{room_id}", {"visibility": "private"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["visibility"] == "private"
    assert (
        bearer(owner).patch(f"/api/rooms/{room_id}", {"colour": "red"}, format="json").status_code
        == 400
    )
    assert bearer(owner).patch(f"/api/rooms/{room_id}", {}, format="json").status_code == 400
    assert (
        bearer(staff).patch(f"/api/rooms/{room_id}", {"topic": "x"}, format="json").status_code
        == 404
    )
    # A member who is not an admin: 403.
    member = UserFactory(username="mia")
    services.members_add(
        conversation=Conversation.objects.get(pk=room_id), actor=owner, users=[member]
    )
    assert (
        bearer(member).patch(f"/api/rooms/{room_id}", {"topic": "x"}, format="json").status_code
        == 403
    )


# --- the pages -------------------------------------------------------------------------------


def _client(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_browse_page_join_and_the_not_a_member_page(owner, public_room, private_room):
    member = _member_of_something(UserFactory(username="mia"), owner)
    client = _client(member)
    page = client.get("/rooms/browse/", {"q": "general"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "General chat" in html
    assert "Anything goes" in html
    assert "Secret plans" not in html
    assert f'action="/rooms/{public_room.pk}/join/"' in html
    # A public room opened by a non-member: a door in, not the room.
    door = client.get(f"/rooms/{public_room.pk}/")
    assert door.status_code == 200
    assert "You are not in #General chat" in door.content.decode()
    assert "hello" not in door.content.decode()
    assert client.get(f"/rooms/{private_room.pk}/").status_code == 404
    assert client.post(f"/rooms/{private_room.pk}/join/").status_code == 404
    joined = client.post(f"/rooms/{public_room.pk}/join/")
    assert joined.status_code == 302
    assert joined["Location"] == f"/rooms/{public_room.pk}/"
    assert client.get(f"/rooms/{public_room.pk}/").status_code == 200
    assert "Open" in client.get("/rooms/browse/").content.decode()
    guest = UserFactory(username="gus", is_guest=True)
    assert _client(guest).get("/rooms/browse/").status_code == 403
    assert _client(guest).get(f"/rooms/{public_room.pk}/").status_code == 404
    assert _client(guest).get("/rooms/new/").status_code == 403


def test_create_and_edit_forms_set_visibility(owner, staff):
    client = _client(owner)
    form = client.get("/rooms/new/").content.decode()
    assert "Public: anyone in the team can find and join" in form
    assert "Customers can see it too" not in form
    assert "Customers can see it too" in _client(staff).get("/rooms/new/").content.decode()
    created = client.post("/rooms/new/", {"name": "Open", "visibility": "public", "members": ""})
    assert created.status_code == 302
    room = Conversation.objects.get(name="Open")
    assert room.visibility == Visibility.PUBLIC
    edited = client.post(
        f"/rooms/{room.pk}/edit/",
        {"name": "Open", "topic": "", "visibility": "private", "members": "olga", "admins": "olga"},
    )
    assert edited.status_code == 302
    room.refresh_from_db()
    assert room.visibility == Visibility.PRIVATE
    staff_room = _client(staff).post(
        "/rooms/new/",
        {"name": "Help", "visibility": "public", "open_to_customers": "on", "members": ""},
    )
    assert staff_room.status_code == 302
    assert Conversation.objects.get(name="Help").open_to_customers is True


def test_the_switcher_offers_public_rooms_to_join(owner, public_room, private_room):
    from rooms.switcher import switcher_list

    member = _member_of_something(UserFactory(username="mia"), owner)
    entries = switcher_list(user=member, query="general")
    assert [(e["name"], e["label"]) for e in entries] == [("General chat", "Public room to join")]
    assert entries[0]["url"] == f"/rooms/{public_room.pk}/"
    assert switcher_list(user=member, query="secret") == []
    assert switcher_list(user=_pure_customer(owner), query="general") == []
    services.room_join(room=public_room, user=member)
    assert [e["label"] for e in switcher_list(user=member, query="general")] == ["Room"]
