"""Public rooms in the browser: find one at "Browse rooms", join it, and talk."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from rooms import services
from rooms.models import Membership, Message
from tests.browser.conftest import log_in, run_outside_loop

pytestmark = pytest.mark.browser


def test_browse_search_join_and_post_while_the_room_watches(new_page, transactional_db):
    himanshu = UserFactory(username="himanshu", display_name="Himanshu")
    priya = UserFactory(username="priya", display_name="Priya")
    design = run_outside_loop(
        services.room_create, creator=himanshu, name="Design Crew", topic="Figma and fonts",
        visibility="public",
    )  # fmt: skip
    run_outside_loop(services.room_create, creator=himanshu, name="Gardening", visibility="public")
    run_outside_loop(services.room_create, creator=himanshu, name="Hidden plans")
    # Priya is in the team: she has a direct conversation, so she finds every public room.
    run_outside_loop(services.direct_conversation_get_or_create, user=priya, other=himanshu)

    # A member already in the room watches it.
    watcher = new_page()
    log_in(watcher, "himanshu")
    watcher.goto(f"/rooms/{design.pk}/")
    expect(watcher.locator("#connection")).to_have_attribute("data-state", "online")

    page = new_page()
    log_in(page, "priya")
    page.goto("/threads/")
    page.locator("#sidebar-browse").click()
    page.wait_for_url("**/rooms/browse/")
    rows = page.locator("#browse-list .browse-room")
    expect(rows).to_have_count(2)  # the private room is not listed
    expect(page.locator("#browse-list")).not_to_contain_text("Hidden plans")

    # Typing filters the list, with no submit (by topic here).
    page.locator("#browse-q").press_sequentially("figma")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Design Crew")
    expect(rows.first).to_contain_text("1 member")
    assert page.url.endswith("/rooms/browse/?q=figma")
    page.locator("#browse-q").fill("nothing like it")
    expect(page.locator("#browse-status")).to_have_text("No public room matches “nothing like it”.")
    page.locator("#browse-q").fill("design")
    expect(rows).to_have_count(1)

    page.get_by_role("button", name="Join Design Crew").click()
    page.wait_for_url(f"**/rooms/{design.pk}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    expect(page.locator("#sidebar-rooms")).to_contain_text("Design Crew")
    assert Membership.objects.filter(conversation=design, user=priya).exists()

    # The member's window sees the newcomer arrive, live.
    expect(watcher.locator("#members")).to_contain_text("Priya")

    page.locator("#message-input").fill("Hello crew, happy to be here")
    page.locator("#message-input").press("Enter")
    expect(
        watcher.locator("#messages li").filter(has_text="Hello crew, happy to be here")
    ).to_be_visible()
    assert Message.objects.filter(conversation=design, sender=priya).count() == 1

    # Back at the directory the room now offers "Open".
    page.goto("/rooms/browse/?q=design")
    expect(page.get_by_role("link", name="Open Design Crew")).to_have_attribute(
        "href", re.compile(f"/rooms/{design.pk}/$")
    )
