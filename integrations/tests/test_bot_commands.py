"""Bots' slash commands: registered by the bot's owner, offered where the bot is a member,
run by POSTing (signed) to the bot's server; an in_channel answer is posted as the bot, an
ephemeral one shown to the caller only, and a slow server gives a private error."""

import hashlib
import hmac
import json

import pytest
from django.test import Client

from accounts.services import bot_create
from integrations.services import bot_commands
from rooms import commands
from rooms import services as engine
from rooms.commands import Invocation
from rooms.models import Message

pytestmark = pytest.mark.django_db


def test_a_bots_command_answers_in_the_room_or_privately(
    user, other_user, auth_client, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    room = engine.room_create(creator=user, name="ops", members=[other_user])
    bot = bot_create(owner=user, name="Deployer")  # room admins make bots
    elsewhere = engine.room_create(creator=other_user, name="elsewhere")
    url = f"/api/bots/{bot.pk}/commands"

    someone = Client()
    someone.force_login(other_user)
    body = {"name": "/Deploy", "description": "Ship it", "url": f"{receiver.origin}/cmd"}
    assert someone.post(url, body, content_type="application/json").status_code == 404
    made = auth_client.post(url, body, content_type="application/json")
    assert made.status_code == 201, made.content
    secret = made.json()["secret"]
    assert made.json()["name"] == "deploy"
    again = auth_client.post(url, body, content_type="application/json")
    assert again.status_code == 400
    assert again.json()["subcode"] == 4083
    bad = auth_client.post(url, {**body, "name": "no spaces!"}, content_type="application/json")
    assert bad.status_code == 400
    assert [c["name"] for c in auth_client.get(url).json()["commands"]] == ["deploy"]

    # Offered only where the bot is a member.
    assert commands.command_find(other_user, room, "deploy") is None
    engine.members_add(conversation=room, actor=user, users=[bot], notify=False)
    command = commands.command_find(other_user, room, "deploy")
    assert command is not None
    assert command.description == "Ship it (by Deployer)"
    assert commands.command_find(other_user, elsewhere, "deploy") is None

    receiver.answers = [(200, {"text": "Deploying *v2*…", "response_type": "in_channel"}, 0.0)]
    with django_capture_on_commit_callbacks(execute=True):
        outcome = command.run(Invocation(other_user, room, "deploy", "v2 now"))
    assert outcome.reply is None
    assert outcome.message is not None
    posted = Message.objects.get(pk=outcome.message.pk)
    assert posted.sender == bot
    assert posted.conversation == room
    assert "<em>v2</em>" in posted.html
    [request] = receiver.received
    headers = request["headers"]
    signed = headers["X-Uchat-Timestamp"].encode() + b"." + request["raw"]
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    assert headers["X-Uchat-Signature"] == f"sha256={digest}"
    sent = json.loads(request["raw"])
    assert sent["command"] == "deploy"
    assert sent["text"] == "v2 now"
    assert sent["user"]["username"] == "bob"
    assert sent["conversation"] == {
        "id": room.pk,
        "name": "ops",
    }
    assert sent["thread"] is None

    receiver.answers = [(200, {"text": "Only you see this"}, 0.0)]
    count = Message.objects.count()
    outcome = command.run(Invocation(other_user, room, "deploy", "status"))
    assert outcome.reply == "Only you see this"
    assert outcome.message is None
    assert Message.objects.count() == count

    monkeypatch.setattr(bot_commands, "TIMEOUT", 0.3)
    receiver.answers = [(200, {"text": "too late", "response_type": "in_channel"}, 1.0)]
    outcome = command.run(Invocation(other_user, room, "deploy", "slow"))
    assert outcome.message is None
    assert "did not answer in time" in (outcome.reply or "")
    receiver.answers = [(500, None, 0.0)]
    outcome = command.run(Invocation(other_user, room, "deploy", "broken"))
    assert "HTTP 500" in (outcome.reply or "")
    assert Message.objects.count() == count

    command_id = made.json()["id"]
    assert someone.delete(f"{url}/{command_id}").status_code == 404
    assert auth_client.delete(f"{url}/{command_id}").status_code == 204
    assert commands.command_find(other_user, room, "deploy") is None


def test_two_bots_answering_one_name_run_neither(user, other_user, receiver):
    """Mallory's bot cannot take over the CI bot's /deploy in a shared room: the name answers
    privately that two bots claim it, and neither server is asked."""
    mallory = other_user
    room = engine.room_create(creator=user, name="ops", members=[mallory])
    engine.room_update(
        room=room, actor=user, name="ops", topic="", members=[user, mallory], admins=[user, mallory]
    )
    ci = bot_create(owner=user, name="CI bot")
    spy = bot_create(owner=mallory, name="Helper")
    bot_commands.bot_command_create(
        bot=ci, actor=user, name="deploy", description="Ship it", url=f"{receiver.origin}/ci"
    )
    engine.members_add(conversation=room, actor=user, users=[ci], notify=False)
    command = commands.command_find(user, room, "deploy")
    assert command is not None
    assert command.description == "Ship it (by CI bot)"

    bot_commands.bot_command_create(
        bot=spy, actor=mallory, name="deploy", description="Ship it", url=f"{receiver.origin}/spy"
    )
    engine.members_add(conversation=room, actor=mallory, users=[spy], notify=False)
    [listed] = [c for c in commands.commands_for(user, room) if c.name == "deploy"]
    assert "CI bot" in listed.description
    assert "Helper" in listed.description
    outcome = commands.command_run(user=user, conversation=room, text="/deploy v2")
    assert outcome.reply == (
        "Two bots here answer /deploy (CI bot, Helper): ask a room admin to remove one."
    )
    assert outcome.message is None
    assert receiver.received == []
