"""The emoji picker's data (GET /api/emoji): every emoji it offers is one a reaction accepts,
with names and keywords by category; one JSON per process, cached by ETag."""

import json

from django.test import Client

from rooms.emoji_catalog import CATEGORIES, emoji_catalog
from rooms.services.reactions import _emoji_clean


def test_every_emoji_offered_passes_the_reaction_check_as_it_is():
    data = json.loads(emoji_catalog().body)
    assert [c["name"] for c in data["categories"]] == list(CATEGORIES)
    offered = [row[0] for c in data["categories"] for row in c["emoji"]]
    assert len(offered) > 1800
    assert len(set(offered)) == len(offered)
    for emoji in offered:
        assert _emoji_clean(emoji) == emoji
    smileys = data["categories"][0]["emoji"]
    assert smileys[0] == ["😀", "grinning face", ["grinning", "grinning_face"]]
    heart = next(row for c in data["categories"] for row in c["emoji"] if row[0] == "❤️")
    assert "heart" in heart[2]


def test_the_api_sends_it_with_a_long_cache_and_an_etag(auth_client):
    response = auth_client.get("/api/emoji")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "max-age=86400" in response["Cache-Control"]
    etag = response["ETag"]
    assert json.loads(response.content)["fields"] == ["emoji", "name", "keywords"]
    again = auth_client.get("/api/emoji", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert Client().get("/api/emoji").status_code == 401
