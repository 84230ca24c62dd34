"""A bot from start to finish in the browser: its owner makes it a token on the Bots page (shown
once, copied with "Copy"), the bot posts with that token over the API, and the room shows its
message live with a "BOT" badge (and a guest member with "guest" in the members panel)."""

import json
import urllib.request

import pytest
from playwright.sync_api import expect

from accounts import services as account_services
from accounts.tests.factories import UserFactory
from rooms import services
from rooms.services import conversations
from tests.browser.conftest import log_in, run_outside_loop

pytestmark = pytest.mark.browser


def test_a_bot_posts_with_a_token_made_on_the_bots_page(
    new_page, live_server_url, transactional_db
):
    admin = UserFactory(username="himanshu", display_name="Himanshu Ranjan", staff=True)
    guest = UserFactory(username="gus", display_name="Gus Guest", is_guest=True)
    room = run_outside_loop(services.room_create, creator=admin, name="General", members=[guest])
    bot = run_outside_loop(account_services.bot_create, owner=admin, name="Deploys")
    run_outside_loop(conversations.members_add, conversation=room, actor=admin, users=[bot])

    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    log_in(page, "himanshu")
    page.get_by_test_id("nav-user").click()
    page.get_by_role("link", name="Bots").click()
    card = page.locator(f"#bot-{bot.pk}")
    expect(card.locator(".person-badge")).to_have_text("BOT")
    card.get_by_label("Token name").fill("CI")
    card.get_by_role("button", name="Make token").click()
    made = page.get_by_test_id("token-made")
    token = made.get_by_label("The new token").input_value()
    assert token.startswith("uchat_pat_")
    made.get_by_role("button", name="Copy").click()
    expect(made.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == token
    page.reload()
    expect(page.get_by_test_id("token-made")).to_have_count(0)  # shown once
    expect(page.locator(f"#bot-{bot.pk} .token-row")).to_have_count(1)

    page.goto(f"/rooms/{room.pk}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    request = urllib.request.Request(  # noqa: S310 (the test server)
        f"{live_server_url}/api/rooms/{room.pk}/messages",
        data=json.dumps({"body": "Deployed v42"}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the test server)
        assert response.status == 201
    line = page.locator("li.message", has_text="Deployed v42")
    expect(line.locator(".message-head .sender")).to_have_text("Deploys")
    expect(line.locator(".message-head .person-badge-bot")).to_have_text("BOT")
    members = page.locator("#members")
    expect(members.locator("li", has_text="Gus Guest").locator(".person-badge")).to_have_text(
        "guest"
    )
    expect(members.locator("li", has_text="Deploys").locator(".person-badge")).to_have_text("BOT")
    expect(members.locator("li", has_text="Himanshu").locator(".person-badge")).to_have_count(0)
