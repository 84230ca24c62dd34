"""Guests (made by guest invite links): they see and message only the people of their rooms,
whatever UCHAT_DM_POLICY says; accounts.selectors.is_full_member is the one test."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from rest_framework.test import APIClient

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.tests.factories import UserFactory
from rooms import services
from rooms.models import Membership

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def people():
    """A guest in one room with ``mate``; ``stranger`` shares no room with either."""
    guest = UserFactory(username="gwen", is_guest=True)
    mate = UserFactory(username="matt")
    stranger = UserFactory(username="stan")
    services.room_create(creator=mate, name="project", members=[guest])
    return guest, mate, stranger


def test_is_full_member(user, staff):
    assert account_selectors.is_full_member(user)
    assert not account_selectors.is_full_member(UserFactory(is_guest=True))
    assert account_selectors.is_full_member(UserFactory(is_guest=True, is_staff=True))


def test_guests_list_only_the_people_of_their_rooms(people):
    guest, mate, stranger = people
    # A direct conversation someone else started with the guest does not widen the list.
    services.direct_conversation_get_or_create(user=stranger, other=guest)
    names = {u["username"] for u in api(guest).get("/api/users").json()["users"]}
    assert names == {"gwen", "matt"}
    client = Client()
    client.force_login(guest)
    suggested = client.get("/accounts/suggest/", {"q": "st"}).json()
    assert "stan" not in str(suggested)
    assert "matt" in str(client.get("/accounts/suggest/", {"q": "ma"}).json())
    found = api(guest).get("/api/switcher", {"q": "stan"}).json()["results"]
    assert not [r for r in found if r["kind"] == "person"]
    found = api(guest).get("/api/switcher", {"q": "matt"}).json()["results"]
    assert [r["url"] for r in found if r["kind"] == "person"] == ["/dm/matt/"]
    # A full member with the same memberships sees the direct conversation's partner too.
    services.direct_conversation_get_or_create(user=stranger, other=mate)
    names = {u["username"] for u in api(mate).get("/api/users").json()["users"]}
    assert "stan" in names


def test_guests_message_only_people_of_their_rooms(people, settings):
    settings.UCHAT_DM_POLICY = "anyone"
    guest, mate, stranger = people
    refused = api(guest).post(
        "/api/messages", {"recipient_id": stranger.pk, "content": {"type": "text", "text": "hi"}},
        format="json",
    )  # fmt: skip
    assert refused.status_code == 403
    assert "guest" in refused.json()["error"]
    client = Client()
    client.force_login(guest)
    assert client.get("/dm/stan/")["Location"] == "/"
    sent = api(guest).post(
        "/api/messages", {"recipient_id": mate.pk, "content": {"type": "text", "text": "hi"}},
        format="json",
    )  # fmt: skip
    assert sent.status_code == 201
    # Notes to self are fine; one the stranger started stays open to both.
    assert client.get(f"/dm/{guest.username}/").status_code == 200
    services.direct_conversation_get_or_create(user=stranger, other=guest)
    assert client.get("/dm/stan/").status_code == 200


def test_pages_offer_guests_no_new_room(people):
    guest, mate, _ = people
    for person, shown in ((guest, False), (mate, True)):
        client = Client()
        client.force_login(person)
        for path in ("/", "/sidebar/", f"/rooms/{mate.memberships.get().conversation_id}/"):
            page = client.get(path).content.decode()
            assert ('href="/rooms/new/"' in page) is shown, (person, path)


def test_a_guest_is_never_made_a_room_admin(people):
    """As an admin a guest could /invite anyone or edit the members."""
    guest, mate, _ = people
    room = Membership.objects.get(user=guest).conversation
    with pytest.raises(ValidationError) as refused:
        services.room_update(
            room=room, actor=mate, name=room.name, topic="", members=[mate, guest],
            admins=[mate, guest],
        )  # fmt: skip
    assert "Guests cannot be room admins." in refused.value.messages
    assert not Membership.objects.get(conversation=room, user=guest).is_admin
    # The room's only full member leaving for good makes no guest its admin either.
    account_services.user_delete(user=mate)
    assert not Membership.objects.filter(conversation=room, is_admin=True).exists()


def test_a_guest_made_an_admin_before_manages_nothing(people):
    guest, mate, stranger = people
    room = Membership.objects.get(user=guest).conversation
    Membership.objects.filter(conversation=room, user=guest).update(is_admin=True)
    with pytest.raises(PermissionDenied, match="Guests cannot manage rooms"):
        services.room_update(
            room=room, actor=guest, name=room.name, topic="", members=[mate, guest, stranger],
            admins=[guest],
        )  # fmt: skip
    assert not Membership.objects.filter(conversation=room, user=stranger).exists()
