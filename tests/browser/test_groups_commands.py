"""User groups and slash commands in two windows: A mentions a group B is in (B gets the
notification and the highlight), sets the topic with /topic (B sees it live) and mutes with
/mute (the private reply shows for A alone); an unknown command stays in A's box."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from notifications.models import Code, Notification
from rooms import services
from rooms.models import Membership
from tests.browser.conftest import log_in, run_outside_loop
from usergroups import services as groups

pytestmark = pytest.mark.browser


def test_group_mention_topic_and_mute_in_two_windows(new_page, transactional_db):
    ana = UserFactory(username="ana", display_name="Ana")
    ben = UserFactory(username="ben", display_name="Ben")
    UserFactory(username="cy", display_name="Cy")
    room = run_outside_loop(services.room_create, creator=ana, name="Launch", members=[ben])
    run_outside_loop(groups.group_create, creator=ana, name="crew", members=[ben])

    b = new_page(viewport={"width": 1280, "height": 800})
    log_in(b, "ben")
    b.goto(f"/rooms/{room.pk}/")
    expect(b.locator("#connection")).to_have_attribute("data-state", "online")
    expect(b.locator("#notif-badge")).to_have_text("1")  # being added to the room
    a = new_page(viewport={"width": 1280, "height": 800})
    log_in(a, "ana")
    a.goto(f"/rooms/{room.pk}/")
    expect(a.locator("#connection")).to_have_attribute("data-state", "online")
    box = a.locator("#message-input")

    # "@cr" offers the group after people, with its icon and member count; Enter picks it.
    box.press_sequentially("Ship it @cr")
    option = a.locator("#mention-list .mention-group")
    expect(option).to_contain_text("@crew")
    expect(option).to_contain_text("1 member")
    box.press("Enter")
    expect(box).to_have_value("Ship it @crew ")
    box.press_sequentially("today")
    box.press("Enter")
    mark = b.locator("#messages mark.mention", has_text="@crew")
    expect(mark).to_have_class(re.compile(r"\bmention-me\b"))  # B is in the group
    expect(a.locator("#messages mark.mention", has_text="@crew")).not_to_have_class(
        re.compile(r"\bmention-me\b")
    )
    expect(b.locator("#notif-badge")).to_have_text("2")
    assert Notification.objects.filter(user=ben, code=Code.MENTION).count() == 1

    # "/to" lists /topic; Tab completes it; Enter runs it: B's header changes live.
    box.press_sequentially("/to")
    expect(a.locator("#command-list")).to_contain_text("/topic [new topic]")
    box.press("Tab")
    expect(box).to_have_value("/topic ")
    box.press_sequentially("Launch on Friday")
    box.press("Enter")
    expect(b.locator("#room-topic")).to_have_text("Launch on Friday")
    expect(box).to_have_value("")
    expect(a.locator("#messages .private-reply")).to_contain_text("Topic set to: Launch on Friday")

    # /mute 1h: the reply is A's alone ("Only visible to you"), and dismissable.
    box.press_sequentially("/mute 1h")
    box.press("Enter")
    reply = a.locator("#messages .private-reply", has_text="Muted for 1 hour")
    expect(reply).to_contain_text("Only visible to you")
    expect(b.locator("#messages .private-reply")).to_have_count(0)
    assert Membership.objects.get(conversation=room, user=ana).muted_until is not None
    reply.get_by_role("button", name="Dismiss").click()
    expect(reply).to_have_count(0)

    # An unknown command is refused with the hint, and its text stays in the box.
    box.press_sequentially("/shrug now")
    box.press("Enter")
    expect(a.locator("#composer-error")).to_have_text(
        "/shrug is not a command. Send it as a message with //shrug"
    )
    expect(box).to_have_value("/shrug now")
