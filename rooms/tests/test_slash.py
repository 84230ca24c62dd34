"""Slash commands: the API door (rooms.api.ConversationCommandsApi) and the built-ins
(rooms.slash)."""

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.test_api import bearer
from notifications.models import Code, Notification
from rooms import commands, markup, services
from rooms.models import Conversation, Membership, Message
from rooms.search import snippet


@pytest.fixture
def room(user, other_user):
    return services.room_create(creator=user, name="Launch", members=[other_user])


def run(who, room, text, thread=None):
    return bearer(who).post(
        f"/api/conversations/{room.pk}/commands", {"text": text, "thread": thread}, format="json"
    )


def test_listing_is_for_members_and_depends_on_the_place(user, other_user, room):
    names = [
        c["name"]
        for c in bearer(user).get(f"/api/conversations/{room.pk}/commands").json()["commands"]
    ]
    assert {"me", "topic", "mute", "unmute", "invite", "help"} <= set(names)
    assert "ticket" not in names  # alice is no agent
    first = bearer(user).get(f"/api/conversations/{room.pk}/commands").json()["commands"][0]
    assert set(first) == {"name", "description", "usage"}
    outsider = UserFactory(username="carol")
    assert bearer(outsider).get(f"/api/conversations/{room.pk}/commands").status_code == 404
    assert run(outsider, room, "/help").status_code == 404
    dm = services.direct_conversation_get_or_create(user=user, other=other_user)
    in_dm = [
        c["name"]
        for c in bearer(user).get(f"/api/conversations/{dm.pk}/commands").json()["commands"]
    ]
    assert "topic" not in in_dm
    assert "invite" not in in_dm
    assert "mute" in in_dm


def test_unknown_command_and_bad_lines_are_400_and_do_nothing(user, room):
    answer = run(user, room, "/frobnicate now")
    assert answer.status_code == 400
    assert answer.json()["subcode"] == 4064
    assert (
        answer.json()["error"]
        == "/frobnicate is not a command. Send it as a message with //frobnicate"
    )
    assert run(user, room, "hello").json()["subcode"] == 4064
    assert run(user, room, "").status_code == 400
    assert not Message.objects.exists()


def test_me_stores_an_action_rendered_with_the_sender(user, other_user, room):
    answer = run(user, room, "/me waves at **everyone**")
    assert answer.status_code == 200
    data = answer.json()
    assert data["reply"] is None
    assert data["message"]["body"] == "/me waves at **everyone**"
    assert data["message"]["html"] == '<p class="me-action">waves at <strong>everyone</strong></p>'
    assert Message.objects.get().sender == user
    assert run(user, room, "/me").json()["subcode"] == 4065  # an action is needed
    # In a thread: the reply goes there.
    root = Message.objects.get()
    in_thread = run(user, room, "/me nods", thread=root.pk).json()["message"]
    assert in_thread["thread"] == root.pk
    assert run(user, room, "/me nods", thread=999999).json()["subcode"] == 4023


def test_me_markup_and_its_search_snippet():
    assert markup.render("/me waves") == '<p class="me-action">waves</p>'
    assert snippet("/me waves at the team", ["team"]) == "waves at the <mark>team</mark>"
    assert markup.render("/mewaves") == "<p>/mewaves</p>"
    assert markup.render("/me ") == "<p>/me</p>"
    assert markup.me_action("/me dances <b>") == "dances <b>"
    assert "<b>" not in markup.render("/me dances <b>")


@pytest.mark.django_db(transaction=True)
def test_a_me_mention_reads_as_an_action_in_the_notification(user, other_user, room, sent):
    run(user, room, "/me pings @bob")
    note = Notification.objects.get(user=other_user, code=Code.MENTION)
    assert note.payload["text"] == "Alice A. pings @bob"


def test_topic_for_room_admins_only(user, other_user, room, sent):
    assert run(user, room, "/topic").json()["reply"] == "No topic is set."
    refused = run(other_user, room, "/topic Hijacked")
    assert refused.status_code == 403
    assert refused.json()["error"] == "Only room admins can do that."
    answer = run(user, room, "/topic  Ship it Friday ")
    assert answer.status_code == 200
    assert answer.json() == {"reply": "Topic set to: Ship it Friday", "message": None}
    room.refresh_from_db()
    assert room.topic == "Ship it Friday"
    assert run(other_user, room, "/topic").json()["reply"] == "The topic is: Ship it Friday"


def test_mute_and_unmute_are_the_callers_own(user, other_user, room):
    answer = run(other_user, room, "/mute 8h")
    assert answer.json() == {"reply": "Muted for 8 hours. /unmute ends it sooner.", "message": None}
    mine = Membership.objects.get(conversation=room, user=other_user)
    assert mine.muted_until is not None
    hours = (mine.muted_until - timezone.now()).total_seconds() / 3600
    assert 7.9 < hours <= 8
    assert Membership.objects.get(conversation=room, user=user).muted_until is None
    assert run(other_user, room, "/mute").json()["reply"] == "Muted until you unmute (/unmute)."
    mine.refresh_from_db()
    assert mine.muted_until is not None
    assert (mine.muted_until - timezone.now()).days >= 364
    for bad in ("/mute soon", "/mute 0m", "/mute 400d"):
        assert run(other_user, room, bad).json()["subcode"] == 4065
    assert run(other_user, room, "/mute 1d").json()["reply"].startswith("Muted for 1 day")
    assert run(other_user, room, "/unmute").json()["reply"] == "Unmuted: notifications are back."
    mine.refresh_from_db()
    assert mine.muted_until is None


def test_invite_adds_known_people_for_room_admins(user, other_user, room):
    carol, dave = UserFactory(username="carol"), UserFactory(username="dave")
    assert run(other_user, room, "/invite @carol").status_code == 403
    unknown = run(user, room, "/invite @carol @nobody")
    assert unknown.status_code == 400
    assert unknown.json()["subcode"] == 4015
    assert "@nobody" in unknown.json()["detail"]
    assert not Membership.objects.filter(user=carol).exists()
    assert run(user, room, "/invite").json()["subcode"] == 4065
    added = run(user, room, "/invite @carol, dave @bob")
    assert added.json()["reply"] == "Added @carol, @dave. Already here: @bob."
    assert Membership.objects.filter(conversation=room, user__in=[carol, dave]).count() == 2


def test_help_lists_what_runs_here(user, room):
    reply = run(user, room, "/help").json()["reply"]
    assert "/topic [new topic] — Show or set the room's topic" in reply
    assert "/ticket" not in reply


def test_commands_are_rate_limited(user, room, settings):
    settings.UCHAT_COMMANDS_PER_MINUTE = 2
    assert run(user, room, "/help").status_code == 200
    assert run(user, room, "/nothing").status_code == 400  # counts too
    assert run(user, room, "/help").status_code == 429


def test_a_provider_adds_commands_and_a_fixed_one_wins(user, room):
    def echo(invocation):
        return commands.Outcome(reply=f"echo {invocation.args}")

    def provider(who, conversation):
        return [
            commands.Command("echo", "Echo", "/echo <text>", echo),
            commands.Command("help", "Not the real help", "/help", echo),
        ]

    commands.providers.append(provider)
    try:
        assert run(user, room, "/ECHO hi there").json()["reply"] == "echo hi there"
        assert "Not the real help" not in run(user, room, "/help").json()["reply"]
    finally:
        commands.providers.remove(provider)
    assert Conversation.objects.filter(pk=room.pk).exists()
