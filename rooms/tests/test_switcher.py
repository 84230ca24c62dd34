"""The quick switcher's data (GET /api/switcher): only what the caller may open, with URLs;
people by the suggestions' rules; rate-limited like search."""

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from rooms import services
from rooms.switcher import switcher_list


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", display_name="Alice Adams")


def names(entries):
    return [(e["kind"], e["name"]) for e in entries]


def test_lists_the_rooms_and_direct_conversations_of_the_caller_only(alice):
    bob = UserFactory(username="bob", display_name="Bob Brown")
    mine = services.room_create(creator=alice, name="Deploys", members=[bob])
    outsider = UserFactory(username="olga", display_name="Olga")
    services.room_create(creator=outsider, name="Deploy secrets", members=[])
    services.direct_conversation_get_or_create(user=alice, other=bob)

    everything = switcher_list(user=alice, query="")
    assert ("room", "Deploys") in names(everything)
    assert ("direct", "Bob Brown") in names(everything)
    assert {"kind": "room", "label": "Room", "name": "Deploys",
            "url": f"/rooms/{mine.pk}/", "icon": "hash"} in everything  # fmt: skip

    found = switcher_list(user=alice, query="deploy")
    assert names(found) == [("room", "Deploys")]  # never the room she is not in
    assert names(switcher_list(user=alice, query="brown")) == [("direct", "Bob Brown")]


def test_people_follow_the_suggestions_rules_and_each_url_comes_once(alice, settings):
    bob = UserFactory(username="bob", display_name="Bob Brown")
    carol = UserFactory(username="carol", display_name="Carol")
    UserFactory(username="bobby", display_name="Stranger")  # shares nothing with Alice
    services.room_create(creator=alice, name="Team", members=[bob, carol])
    services.direct_conversation_get_or_create(user=alice, other=bob)

    found = switcher_list(user=alice, query="bo")
    # Bob's direct conversation and Bob the person are the same URL: listed once.
    assert names(found) == [("direct", "Bob Brown")]
    assert names(switcher_list(user=alice, query="car")) == [("person", "Carol (@carol)")]
    assert switcher_list(user=alice, query="car")[0]["url"] == "/dm/carol/"


def test_the_api_answers_json_and_is_rate_limited(auth_client, user, settings):
    services.room_create(creator=user, name="Lobby", members=[])
    settings.UCHAT_SWITCHER_PER_MINUTE = 2
    response = auth_client.get("/api/switcher", {"q": "lob"})
    assert response.status_code < 500
    assert [e["name"] for e in response.json()["results"]] == ["Lobby"]
    assert auth_client.get("/api/switcher").status_code == 200
    refused = auth_client.get("/api/switcher")
    assert refused.status_code == 429
    assert refused.json()["subcode"] == 4008
    assert Client().get("/api/switcher").status_code == 401


def test_a_query_with_a_nul_character_is_no_server_error(auth_client):
    response = auth_client.get("/api/switcher", {"q": "a\x00b"})
    assert response.status_code < 500
