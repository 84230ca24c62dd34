"""Threads in the page, in two windows (issue 27): starting a thread from the toolbar, the root's
reply line live, replies live in the pane, "Also send to the room", typing in the thread, the
Threads badge and the /threads/ page (unread first; opening a thread clears its count), and the
pane on a phone."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from rooms import services
from tests.browser.conftest import log_in, run_outside_loop

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def room(transactional_db):
    alice = UserFactory(username="alice", display_name="Alice Adams")
    bob = UserFactory(username="bob", display_name="Bob Brown")
    return run_outside_loop(services.room_create, creator=alice, name="Launch", members=[bob])


def say(room, username, body, **extra):
    from accounts.models import User

    sender = User.objects.get(username=username)
    message, _ = run_outside_loop(
        services.message_create, conversation=room, sender=sender, body=body, **extra
    )
    return message


def open_page(new_page, username, path, **options):
    page = new_page(**options)
    log_in(page, username)
    page.goto(path)
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return page


def test_a_thread_in_two_windows(new_page, room):
    root = say(room, "alice", "Launch plan for Friday?")
    # Another thread Alice follows, already read: the Threads page lists it after the unread one.
    older = say(room, "alice", "Who has the release notes?")
    say(room, "bob", "I do", thread=older.pk)
    alice = open_page(new_page, "alice", f"/rooms/{room.pk}/?thread={older.pk}")
    pane = alice.locator("#thread-pane")
    expect(pane.locator("#thread-messages li.message[data-id]")).to_have_count(2)  # read now
    alice.keyboard.press("Escape")
    expect(pane).to_be_hidden()
    assert "thread=" not in alice.url
    bob = open_page(new_page, "bob", f"/rooms/{room.pk}/")

    # Alice starts a thread from the toolbar: the pane opens, the address names the thread.
    line = alice.locator(f"#messages li[data-id='{root.pk}']")
    line.hover()
    line.get_by_role("button", name="Reply in thread").click()
    expect(pane).to_be_visible()
    expect(pane.locator(f"#thread-messages li[data-id='{root.pk}']")).to_contain_text(
        "Launch plan for Friday?"
    )
    assert f"thread={root.pk}" in alice.url
    box = pane.get_by_role("textbox", name="Reply in the thread")
    expect(box).to_be_focused()
    box.fill("Freeze on Thursday")
    box.press("Enter")
    expect(pane.locator("#thread-messages li.message[data-id]")).to_have_count(2)
    expect(pane.locator("li.thread-divider")).to_have_text("1 reply")

    # Bob sees the root's reply line appear live; the reply stays out of his main list.
    summary = bob.locator(f"#messages li[data-id='{root.pk}'] .thread-summary")
    expect(summary.locator(".thread-count")).to_have_text("1 reply")
    expect(summary.locator(".avatar")).to_have_count(1)  # the root's author, who replied
    expect(bob.locator("#messages")).not_to_contain_text("Freeze on Thursday")
    summary.click()
    bob_pane = bob.locator("#thread-pane")
    expect(bob_pane.locator("#thread-messages")).to_contain_text("Freeze on Thursday")
    expect(bob_pane.get_by_role("button", name="Follow")).to_have_attribute("aria-pressed", "false")

    # Alice types in the thread: Bob's pane says so (not his room's typing line); her reply
    # arrives live in his open pane.
    box.press_sequentially("Ship on Friday", delay=250)  # past the 2.5 s between typing frames
    expect(bob_pane.locator("#thread-typing")).to_contain_text(
        "Alice Adams is typing", timeout=8000
    )
    expect(bob.locator("#typing")).to_have_text("")
    box.press_sequentially(" at ten")
    box.press("Enter")
    expect(bob_pane.locator("#thread-messages")).to_contain_text("Ship on Friday at ten")
    expect(bob_pane.locator("li.thread-divider")).to_have_text("2 replies")
    expect(summary.locator(".thread-count")).to_have_text("2 replies")

    # Bob replies and also sends it to the room: Alice sees it in her pane and her list, with
    # the line that says which thread it answered, which opens the thread.
    bob_pane.get_by_label("Also send to the room").check()
    bob_box = bob_pane.get_by_role("textbox", name="Reply in the thread")
    bob_box.fill("Release notes are ready")
    bob_box.press("Enter")
    expect(pane.locator("#thread-messages")).to_contain_text("Release notes are ready")
    in_list = alice.locator("#messages li.message", has_text="Release notes are ready")
    expect(in_list.locator(".thread-origin")).to_have_text(
        "replied to a thread: Launch plan for Friday?"
    )
    expect(bob_pane.get_by_label("Also send to the room")).not_to_be_checked()
    # Bob follows the thread now that he replied in it.
    expect(bob_pane.locator("#thread-follow")).to_have_attribute("aria-pressed", "true")

    # Alice is elsewhere: her Threads badge counts Bob's next reply.
    from accounts.models import User

    elsewhere = run_outside_loop(
        services.room_create, creator=User.objects.get(username="alice"), name="Random", members=[]
    )
    alice.goto(f"/rooms/{elsewhere.pk}/")
    expect(alice.locator("#connection")).to_have_attribute("data-state", "online")
    badge = alice.locator("#sidebar-threads .threads-unread")
    expect(badge).to_be_hidden()
    bob_box.fill("Also: the changelog")
    bob_box.press("Enter")
    expect(badge).to_be_visible()
    expect(badge.locator(".count")).to_have_text("1")

    # The Threads page: the unread thread first, with its count, conversation and excerpt.
    alice.locator("#sidebar-threads").click()
    alice.wait_for_url("**/threads/")
    # The badge as the server drew it (not from a frame this time).
    expect(alice.locator("#sidebar-threads .threads-unread .count")).to_have_text("1")
    rows = alice.locator(".threads-item")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("#Launch")
    expect(rows.nth(0)).to_contain_text("Launch plan for Friday?")
    expect(rows.nth(0)).to_contain_text("4 replies")
    expect(rows.nth(0).locator(".threads-badge")).to_have_text("1 unread")
    expect(rows.nth(1)).to_contain_text("Who has the release notes?")
    expect(rows.nth(1).locator(".threads-badge")).to_be_hidden()

    # Opening it opens the conversation with the pane; the count clears.
    rows.nth(0).click()
    alice.wait_for_url(f"**/rooms/{room.pk}/?thread={root.pk}")
    expect(alice.locator("#thread-messages")).to_contain_text("Also: the changelog")
    expect(alice.locator("#sidebar-threads .threads-unread")).to_be_hidden()
    answer = alice.request.get("/api/threads").json()
    assert answer["total"] == 0

    # On a phone the pane takes the screen; back returns to the conversation.
    phone = open_page(new_page, "bob", f"/rooms/{room.pk}/?thread={root.pk}", viewport=PHONE)
    phone_pane = phone.locator("#thread-pane")
    expect(phone_pane.locator("#thread-messages")).to_contain_text("Also: the changelog")
    box_now = phone_pane.bounding_box()
    assert box_now is not None
    assert (box_now["x"], box_now["y"], box_now["width"]) == (0, 0, PHONE["width"])
    phone_pane.get_by_role("button", name="Back to the conversation").click()
    expect(phone_pane).to_be_hidden()
    expect(phone.locator("#messages")).to_contain_text("Launch plan for Friday?")
