"""How a conversation reads, in two windows: day separators, grouping by sender, initials
avatars, the "new messages" line at the first unread message, jump-to-latest, and
markdown."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from rooms import services
from rooms.models import Message
from tests.browser.conftest import log_in, run_outside_loop

pytestmark = pytest.mark.browser


def say(room, sender, body):
    message, _ = run_outside_loop(
        services.message_create, conversation=room, sender=sender, body=body
    )
    return message


def test_days_grouping_unread_line_and_jump_to_latest(new_page, transactional_db):
    reader = UserFactory(username="himanshu", display_name="Himanshu Ranjan")
    writer = UserFactory(username="abhishek", display_name="Abhishek Kumar")
    room = run_outside_loop(services.room_create, creator=reader, name="Daily", members=[writer])
    yesterday = [say(room, writer, f"old {i}") for i in range(2)]
    Message.objects.filter(pk__in=[m.pk for m in yesterday]).update(
        created_at=timezone.now() - timedelta(days=1)
    )
    run_outside_loop(
        services.conversation_mark_read, conversation=room, user=reader,
        message_id=yesterday[-1].pk,
    )  # fmt: skip
    fresh = [say(room, writer, f"**new** {i}") for i in range(40)]  # more than a window holds

    page = new_page()
    log_in(page, "himanshu")
    page.goto(f"/rooms/{room.pk}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    expect(page.locator("#messages li.day-separator")).to_have_count(2)
    line = page.locator("#messages li.new-line")
    expect(line).to_have_text("New messages")
    first_unread = page.locator(f"#messages li[data-id='{fresh[0].pk}']")
    # The line sits right before the first unread message, which starts a group.
    assert line.evaluate("el => el.nextElementSibling.dataset.id") == str(fresh[0].pk)
    expect(first_unread).not_to_have_class(re.compile(r"\bgrouped\b"))
    expect(first_unread.locator(".avatar")).to_have_text("AK")
    second = page.locator(f"#messages li[data-id='{fresh[1].pk}']")
    expect(second).to_have_class(re.compile(r"\bgrouped\b"))
    expect(second.locator(".sender")).to_be_hidden()
    expect(second.locator("strong", has_text="new")).to_be_visible()  # markdown

    # Scrolled up: "jump to latest" appears and takes the reader down.
    page.locator("#scroll").evaluate("el => el.scrollTop = 0")
    jump = page.get_by_role("button", name="Jump to latest")
    expect(jump).to_be_visible()
    jump.click()
    expect(jump).to_be_hidden()

    # The other person writes in their window: it arrives grouped with their last message,
    # and a reply from the reader starts a new group with the reader's initials.
    other = new_page()
    log_in(other, "abhishek")
    other.goto(f"/rooms/{room.pk}/")
    expect(other.locator("#connection")).to_have_attribute("data-state", "online")
    other.locator("#message-input").fill("and one more, _live_")
    other.locator("#message-input").press("Enter")
    live = page.locator("#messages li.message").filter(has_text="and one more")
    expect(live).to_have_class(re.compile(r"\bgrouped\b"))
    expect(live.locator("em", has_text="live")).to_be_visible()
    page.locator("#message-input").fill("Thanks!")
    page.locator("#message-input").press("Enter")
    mine = other.locator("#messages li.message").filter(has_text="Thanks!")
    expect(mine).not_to_have_class(re.compile(r"\bgrouped\b"))
    expect(mine.locator(".avatar")).to_have_text("HR")


def test_reactions_live_in_two_windows_by_keyboard(new_page, transactional_db):
    one = UserFactory(username="himanshu", display_name="Himanshu Ranjan")
    two = UserFactory(username="abhishek", display_name="Abhishek Kumar")
    room = run_outside_loop(services.room_create, creator=one, name="Votes", members=[two])
    message = say(room, one, "Ship on Friday?")

    first, second = new_page(), new_page()
    log_in(first, "himanshu")
    log_in(second, "abhishek")
    for page in (first, second):
        page.goto(f"/rooms/{room.pk}/")
        expect(page.locator("#connection")).to_have_attribute("data-state", "online")

    line = second.locator(f"#messages li[data-id='{message.pk}']")
    add = line.get_by_role("button", name="Add a reaction")
    add.focus()
    second.keyboard.press("Enter")  # opens the palette, focus on its first emoji
    expect(second.get_by_role("group", name="Choose a reaction")).to_be_visible()
    second.keyboard.press("Enter")  # 👍
    chip = line.get_by_role("button", name="👍 1, take back yours")
    expect(chip).to_have_attribute("aria-pressed", "true")

    theirs = first.locator(f"#messages li[data-id='{message.pk}']")
    expect(theirs.get_by_role("button", name="👍 1, react too")).to_be_visible()  # live
    theirs.get_by_role("button", name="👍 1, react too").click()
    expect(theirs.get_by_role("button", name="👍 2, take back yours")).to_be_visible()
    expect(line.get_by_role("button", name="👍 2, take back yours")).to_be_visible()

    line.get_by_role("button", name="👍 2, take back yours").click()
    expect(line.get_by_role("button", name="👍 1, react too")).to_be_visible()
    expect(theirs.get_by_role("button", name="👍 1, take back yours")).to_be_visible()

    # A reload shows the same, from the server (per reader).
    first.reload()
    expect(
        first.locator(f"#messages li[data-id='{message.pk}']").get_by_role(
            "button", name="👍 1, take back yours"
        )
    ).to_be_visible()


def test_mention_autocomplete_and_the_mentioned_reader_sees_it_highlighted(
    new_page, transactional_db
):
    one = UserFactory(username="himanshu", display_name="Himanshu Ranjan")
    reader_user = UserFactory(username="abhishek", display_name="Abhishek Kumar")
    two = UserFactory(username="abhay", display_name="Abhay Singh")
    room = run_outside_loop(
        services.room_create, creator=one, name="Mentions", members=[two, reader_user]
    )

    writer, reader = new_page(), new_page()
    log_in(writer, "himanshu")
    log_in(reader, "abhishek")
    for page in (writer, reader):
        page.goto(f"/rooms/{room.pk}/")
        expect(page.locator("#connection")).to_have_attribute("data-state", "online")

    box = writer.locator("#message-input")
    box.press_sequentially("Ping @ab")
    options = writer.get_by_role("listbox", name="People to mention").get_by_role("option")
    expect(options).to_have_count(2)  # abhay and abhishek
    writer.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(options.nth(1)).to_have_text("Abhishek Kumar (@abhishek)")
    writer.keyboard.press("Enter")  # chooses; does not send
    expect(box).to_have_value("Ping @abhishek ")
    box.press_sequentially("please look")
    writer.keyboard.press("Enter")

    line = reader.locator("#messages li.message").filter(has_text="please look")
    expect(line.locator("mark.mention-me")).to_have_text("@abhishek")  # the reader's own
    writer_line = writer.locator("#messages li.message").filter(has_text="please look")
    expect(writer_line.locator("mark.mention")).to_have_text("@abhishek")
    expect(writer_line.locator("mark.mention-me")).to_have_count(0)


HIDDEN_TAB = """
window.__shown = [];
window.__hidden = false;
Object.defineProperty(document, "visibilityState", {
  get: () => (window.__hidden ? "hidden" : "visible"),
});
Object.defineProperty(document, "hidden", { get: () => window.__hidden });
window.Notification = class {
  constructor(title, options) { window.__shown.push([title, (options || {}).body]); }
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
};
"""


def test_a_hidden_tab_counts_unread_in_its_title_and_notifies_a_mention(new_page, transactional_db):
    one = UserFactory(username="himanshu", display_name="Himanshu Ranjan")
    two = UserFactory(username="abhishek", display_name="Abhishek Kumar")
    room = run_outside_loop(services.room_create, creator=one, name="Alerts", members=[two])
    writer, reader = new_page(), new_page()
    reader.add_init_script(HIDDEN_TAB)
    log_in(writer, "himanshu")
    log_in(reader, "abhishek")
    for page in (writer, reader):
        page.goto(f"/rooms/{room.pk}/")
        expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    reader.get_by_test_id("nav-user").click()
    reader.get_by_role("button", name="Turn on desktop notifications").click()
    expect(reader.locator("#notify-toggle")).to_have_text("Turn off desktop notifications")
    title = reader.title()

    reader.evaluate("window.__hidden = true; document.dispatchEvent(new Event('visibilitychange'))")
    writer.locator("#message-input").fill("hi all")
    writer.locator("#message-input").press("Enter")
    writer.locator("#message-input").fill("@abhishek can you check the build?")
    writer.locator("#message-input").press("Enter")
    expect(reader).to_have_title(f"(2) {title}")
    # Polled from here: the page's CSP (no 'unsafe-eval') stops Playwright's own polling of a
    # string predicate whenever it is not true at once.
    deadline = time.monotonic() + 10
    while reader.evaluate("window.__shown.length") < 1:
        assert time.monotonic() < deadline, "no desktop notification was shown"
        time.sleep(0.05)
    shown = reader.evaluate("window.__shown")
    assert shown[0][1] == "@abhishek can you check the build?"

    reader.evaluate(
        "window.__hidden = false; document.dispatchEvent(new Event('visibilitychange'))"
    )
    expect(reader).to_have_title(title)
