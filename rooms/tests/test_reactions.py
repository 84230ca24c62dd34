"""Emoji reactions: through the service, the API and the socket protocol; live frames; only
members, only emoji, nothing half-stored."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework_simplejwt.tokens import RefreshToken

from rooms import selectors, services
from rooms.models import Reaction


@pytest.fixture
def room(user, other_user):
    return services.room_create(creator=user, name="Reacting", members=[other_user])


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(user).access_token}"}


def test_add_count_take_back_and_mine(
    room, user, other_user, sent, django_capture_on_commit_callbacks
):
    message, _ = services.message_create(conversation=room, sender=user, body="ship it?")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reaction_set(message_id=message.pk, user=user, emoji="👍", on=True) == 1
        assert (
            services.reaction_set(message_id=message.pk, user=other_user, emoji="👍", on=True) == 2
        )
        assert (
            services.reaction_set(message_id=message.pk, user=other_user, emoji="👍", on=True) == 2
        )
        assert (
            services.reaction_set(message_id=message.pk, user=other_user, emoji="🎉", on=True) == 1
        )
    frames = [p for _g, kind, p in sent if kind == "reaction.updated"]
    assert frames[-1] == {
        "conversation": room.pk,
        "message": message.pk,
        "emoji": "🎉",
        "count": 1,
        "user_id": other_user.pk,
        "added": True,
    }
    mine = selectors.reactions_for(messages=[message], viewer=user)[message.pk]
    assert mine == [
        {"emoji": "👍", "count": 2, "mine": True},
        {"emoji": "🎉", "count": 1, "mine": False},
    ]
    services.reaction_set(message_id=message.pk, user=user, emoji="👍", on=False)
    theirs = selectors.reactions_for(messages=[message], viewer=other_user)[message.pk]
    assert theirs[0] == {"emoji": "👍", "count": 1, "mine": True}


@pytest.mark.parametrize("bad", ["", "abc", "<b>", "👍a", "1", "👍" * 40, None, 5])
def test_only_emoji(room, user, bad):
    message, _ = services.message_create(conversation=room, sender=user, body="x")
    with pytest.raises(ValidationError):
        services.reaction_set(message_id=message.pk, user=user, emoji=bad, on=True)
    assert not Reaction.objects.exists()


# Symbols, text-style characters and invisible code points that a character-class check let
# through: only a whole, fully-qualified sequence of Unicode's emoji data is a reaction.
NOT_EMOJI = [
    "^^^",  # modifier symbols (Sk)
    "©®™",  # three text-style symbols (So)
    "\U000e0061\U000e0062",  # invisible tag characters alone
    "👍\U000e0041\U000e0042",  # an emoji carrying invisible tag characters
    "🏴\U000e0067\U000e007f",  # a tag sequence that names no subdivision
    "\u200d\ufe0f",  # a joiner and a selector, nothing to see
    "🏽",  # a skin tone on its own is a component, not an emoji
    "🇦🇦",  # two regional indicators that are no country's flag
    "👍👍",  # two emoji, not one
    "👍\ufe0f\ufe0f",
    "☃☃☃",
]


@pytest.mark.parametrize("bad", NOT_EMOJI)
def test_symbols_text_style_and_invisible_characters_are_not_emoji(room, user, bad):
    message, _ = services.message_create(conversation=room, sender=user, body="x")
    with pytest.raises(ValidationError) as refused:
        services.reaction_set(message_id=message.pk, user=user, emoji=bad, on=True)
    assert refused.value.code == "invalid_emoji"
    assert not Reaction.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("❤", "❤️"),  # what many keyboards send for ❤️
        ("©", "©️"),
        ("☺", "☺️"),
        ("❤\u200d🔥", "❤️\u200d🔥"),  # minimally qualified: the selector left out inside
        ("👁\u200d🗨", "👁️\u200d🗨️"),
    ],
)
def test_an_emoji_typed_without_its_selector_counts_as_the_emoji(
    room, user, other_user, typed, stored
):
    """Emoji data lists these without U+FE0F as the same emoji (unqualified): stored in the
    fully-qualified form, so one reaction is counted once however it was typed."""
    message, _ = services.message_create(conversation=room, sender=user, body="x")
    assert services.reaction_set(message_id=message.pk, user=user, emoji=typed, on=True) == 1
    assert services.reaction_set(message_id=message.pk, user=other_user, emoji=stored, on=True) == 2
    assert {r.emoji for r in Reaction.objects.all()} == {stored}
    assert services.reaction_set(message_id=message.pk, user=user, emoji=typed, on=False) == 1


def test_a_reaction_stored_before_the_emoji_rule_can_be_taken_back(room, user, other_user):
    message, _ = services.message_create(conversation=room, sender=user, body="x")
    Reaction.objects.create(message=message, user=user, emoji="^^^")
    with pytest.raises(ValidationError):  # someone else cannot use it to send junk frames
        services.reaction_set(message_id=message.pk, user=other_user, emoji="^^^", on=False)
    assert services.reaction_set(message_id=message.pk, user=user, emoji="^^^", on=False) == 0
    assert not Reaction.objects.exists()


@pytest.mark.parametrize(
    "emoji",
    [
        "👍🏽",  # skin tone
        "🇮🇳",  # flag
        "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # England's flag
        "👨‍👩‍👧",  # ZWJ sequence
        "👩🏽‍💻",  # ZWJ sequence with a skin tone
        "🏳️‍🌈",
        "❤️",
        "©️",  # © in emoji style (U+FE0F) is an emoji
        "#️⃣",  # keycaps
        "1️⃣",
        "✅",
        "🫠",
    ],
)
def test_real_emoji_sequences_are_fine(room, user, emoji):
    message, _ = services.message_create(conversation=room, sender=user, body="x")
    assert services.reaction_set(message_id=message.pk, user=user, emoji=emoji, on=True) == 1
    assert Reaction.objects.get().emoji == emoji


def test_api_refuses_non_emoji_in_the_error_shape(client, room, user, other_user):
    message, _ = services.message_create(conversation=room, sender=user, body="x")
    url = f"/api/messages/{message.pk}/reactions"
    for bad in ("^^^", "©®™", "👍\U000e0041"):
        response = client.post(
            url, {"emoji": bad}, content_type="application/json", **bearer(other_user)
        )
        assert response.status_code == 400, bad
        answer = response.json()
        assert (answer["code"], answer["subcode"]) == (400, 4000)
        assert answer["error"] == "Reactions are emoji only: choose one emoji."
    assert not Reaction.objects.exists()


@pytest.mark.django_db(transaction=True)
async def test_socket_refuses_non_emoji_with_an_error_frame(room, user, other_user):
    from asgiref.sync import sync_to_async

    from rooms.tests.test_consumers import connect, receive_type

    message, _ = await sync_to_async(services.message_create)(
        conversation=room, sender=user, body="x"
    )
    socket, connected, _ = await connect(other_user, f"/ws/rooms/{room.pk}/")
    assert connected
    await socket.send_json_to({"type": "reaction.add", "id": message.pk, "emoji": "©®™"})
    error = await receive_type(socket, "error")
    assert error["code"] == "invalid_emoji"
    assert error["message"] == "Reactions are emoji only: choose one emoji."
    await socket.send_json_to({"type": "reaction.add", "id": message.pk, "emoji": "👍"})
    assert (await receive_type(socket, "reaction.updated"))["emoji"] == "👍"
    assert [emoji async for emoji in Reaction.objects.values_list("emoji", flat=True)] == ["👍"]
    await socket.disconnect()


def test_strangers_and_deleted_messages_are_refused(room, user, db):
    from accounts.tests.factories import UserFactory

    message, _ = services.message_create(conversation=room, sender=user, body="x")
    with pytest.raises(PermissionDenied):
        services.reaction_set(
            message_id=message.pk, user=UserFactory(username="stranger"), emoji="👍", on=True
        )
    services.message_delete(conversation=room, message_id=message.pk, actor=user)
    with pytest.raises(ValidationError):
        services.reaction_set(message_id=message.pk, user=user, emoji="👍", on=True)


def test_api_post_delete_and_message_objects_carry_reactions(client, room, user, other_user):
    message, _ = services.message_create(conversation=room, sender=user, body="x")
    url = f"/api/messages/{message.pk}/reactions"
    response = client.post(
        url, {"emoji": "👍"}, content_type="application/json", **bearer(other_user)
    )
    assert response.status_code == 200, response.content
    assert response.json()["reactions"] == [{"emoji": "👍", "count": 1, "mine": True}]
    page = client.get(f"/api/rooms/{room.pk}/messages", **bearer(user)).json()
    assert page["messages"][0]["reactions"] == [{"emoji": "👍", "count": 1, "mine": False}]
    response = client.delete(
        url, {"emoji": "👍"}, content_type="application/json", **bearer(other_user)
    )
    assert response.json()["reactions"] == []
    bad = client.post(url, {"emoji": "nope"}, content_type="application/json", **bearer(other_user))
    assert bad.status_code == 400
    assert "emoji" in bad.json()["error"].lower()
    from accounts.tests.factories import UserFactory

    stranger = client.post(url, {"emoji": "👍"}, content_type="application/json",
                           **bearer(UserFactory(username="outsider")))  # fmt: skip
    assert stranger.status_code == 404
