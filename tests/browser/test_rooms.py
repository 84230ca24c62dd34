"""Two people, two browser windows: what each of them sees in a room."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from rooms import services
from rooms.models import Message
from tests.browser.conftest import log_in, run_outside_loop

pytestmark = pytest.mark.browser


@pytest.fixture
def people(transactional_db):
    return UserFactory(username="himanshu", display_name="Himanshu"), UserFactory(
        username="abhishek", display_name="Abhishek"
    )


@pytest.fixture
def room(people):
    himanshu, abhishek = people
    return run_outside_loop(
        services.room_create, creator=himanshu, name="Coding Group", members=[abhishek]
    )


def open_room(new_page, username, room):
    page = new_page()
    log_in(page, username)
    page.goto(f"/rooms/{room.pk}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return page


def test_message_appears_for_the_other_member_without_reload(new_page, room):
    writer = open_room(new_page, "himanshu", room)
    reader = open_room(new_page, "abhishek", room)
    reader_url = reader.url

    writer.locator("#message-input").fill("Good Morning All of You")
    writer.locator("#message-input").press("Enter")

    expect(reader.locator("#messages li").filter(has_text="Good Morning All of You")).to_be_visible(
        timeout=1000
    )
    expect(reader.locator("#messages li .sender").last).to_have_text("Himanshu")
    assert reader.url == reader_url  # no reload
    expect(writer.locator("#message-input")).to_have_value("")
    assert Message.objects.filter(body="Good Morning All of You").count() == 1


def test_shift_enter_makes_a_new_line_and_text_stays_text(new_page, room):
    writer = open_room(new_page, "himanshu", room)
    reader = open_room(new_page, "abhishek", room)
    box = writer.locator("#message-input")
    box.fill('<img src=x onerror="window.pwned=1">')
    box.press("Shift+Enter")
    box.type("see https://example.org/notes")
    box.press("Enter")
    item = reader.locator("#messages li").last
    expect(item.locator(".body")).to_have_text(
        '<img src=x onerror="window.pwned=1">\nsee https://example.org/notes'
    )
    expect(item.locator("a")).to_have_attribute("href", "https://example.org/notes")
    assert item.locator("img").count() == 0
    assert reader.evaluate("window.pwned") is None


def test_times_show_in_the_readers_time_zone(new_page, room, people):
    message, _ = run_outside_loop(
        services.message_create,
        conversation=room,
        sender=people[0],
        body="All the best for end sem",
    )
    Message.objects.filter(pk=message.pk).update(
        created_at=datetime(2020, 12, 8, 7, 47, tzinfo=UTC)
    )
    page = open_room(new_page, "abhishek", room)  # the browser is in Asia/Kolkata (UTC+5:30)
    # The time as a clock next to the name, the full date in its title; the day separator
    # names the day, with the year as it is not this one.
    time = page.locator("#messages li .time").first
    expect(time).to_have_text("13:17")
    expect(time).to_have_attribute("title", re.compile(r"December 8, 2020|8 December 2020"))
    expect(page.locator("#messages li.day-separator").first).to_have_text("Tuesday 8 December 2020")


def test_older_messages_load_as_the_reader_scrolls_up_without_gap_or_duplicate(
    new_page, room, people
):
    Message.objects.bulk_create(
        Message(conversation=room, sender=people[0], body=f"history {i}", seq=i + 1)
        for i in range(120)
    )
    page = open_room(new_page, "abhishek", room)
    messages = page.locator("#messages li.message")
    expect(messages).to_have_count(50)
    expect(page.get_by_role("button", name=re.compile("older", re.I))).to_have_count(0)
    scroller = page.locator("#scroll")
    scroller.evaluate("el => el.scrollTop = 0")
    expect(messages).to_have_count(100)
    # The reader's place is kept: the message that was at the top is still in view.
    in_view = page.locator("#messages li.message", has_text="history 70").evaluate(
        "el => { const s = document.getElementById('scroll').getBoundingClientRect();"
        " const r = el.getBoundingClientRect(); return r.top >= s.top && r.bottom <= s.bottom; }"
    )
    assert in_view
    scroller.evaluate("el => el.scrollTop = 0")
    expect(messages).to_have_count(120)
    expect(page.get_by_text("This is the start of #Coding Group.")).to_be_visible()
    expect(page.locator("#history-more")).to_be_hidden()
    bodies = messages.locator(".body").all_inner_texts()
    assert bodies == [f"history {i}" for i in range(120)]


def test_members_see_who_is_online(new_page, room):
    himanshu = open_room(new_page, "himanshu", room)
    abhishek_row = himanshu.locator("#members li", has_text="Abhishek")
    expect(abhishek_row.locator(".presence-dot")).not_to_have_class("presence-dot online")
    open_room(new_page, "abhishek", room)
    expect(abhishek_row.locator(".presence-dot")).to_have_class("presence-dot online")


def test_typing_indicator(new_page, room):
    writer = open_room(new_page, "himanshu", room)
    reader = open_room(new_page, "abhishek", room)
    writer.locator("#message-input").type("hel")
    expect(reader.locator("#typing")).to_have_text("Himanshu is typing…")


def test_non_admin_cannot_edit_the_room(new_page, room):
    page = open_room(new_page, "abhishek", room)
    expect(page.get_by_role("link", name="Edit room")).to_have_count(0)
    response = page.goto(f"/rooms/{room.pk}/edit/")
    assert response.status == 403


def test_unknown_usernames_are_listed_when_creating_a_room(new_page, people):
    page = new_page()
    log_in(page, "himanshu")
    page.get_by_role("navigation").get_by_role("link", name="Create room").click()
    page.locator("#id_name").fill("Exam prep")
    page.locator("#id_members").fill("abhishek, hitesh, aman")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("No such user: hitesh, aman.")).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("Exam prep")
    # The names come back as chips (chips.js): the unknown ones are taken out.
    page.get_by_role("button", name="Remove hitesh").click()
    page.get_by_role("button", name="Remove aman").click()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Exam prep")).to_be_visible()


def test_added_member_sees_the_room_on_the_dashboard_live(new_page, people):
    himanshu, abhishek = people
    dashboard = new_page()
    log_in(dashboard, "abhishek")
    expect(dashboard.locator("#connection")).to_have_attribute("data-state", "online")
    room = run_outside_loop(
        services.room_create, creator=himanshu, name="Surprise", members=[abhishek]
    )
    entry = dashboard.locator(f'[data-room-id="{room.pk}"]')
    expect(entry).to_contain_text("Surprise")
    run_outside_loop(
        services.message_create, conversation=room, sender=himanshu, body="Welcome aboard"
    )
    expect(entry.locator(".room-preview")).to_have_text("Himanshu: Welcome aboard")
    expect(entry.locator(".unread")).to_have_text("1")


def test_removed_member_is_told_and_cannot_write(new_page, room, people):
    himanshu, _abhishek = people
    page = open_room(new_page, "abhishek", room)
    run_outside_loop(
        services.room_update,
        room=room,
        actor=himanshu,
        name=room.name,
        topic="",
        members=[himanshu],
        admins=[himanshu],
    )
    expect(page.locator("#composer-error")).to_have_text("You were removed from this room.")
    expect(page.locator("#message-input")).to_be_disabled()


def test_edit_and_delete_own_message_seen_live(new_page, room):
    writer = open_room(new_page, "himanshu", room)
    reader = open_room(new_page, "abhishek", room)
    writer.locator("#message-input").fill("helo")
    writer.locator("#message-input").press("Enter")
    expect(writer.locator("#messages li[data-id]").filter(has_text="helo")).to_be_visible()
    message_id = (
        writer.locator("#messages li[data-id]").filter(has_text="helo").get_attribute("data-id")
    )
    mine = writer.locator(f'#messages li[data-id="{message_id}"]')
    mine.hover()
    mine.get_by_role("button", name="Edit").click()
    mine.get_by_label("Edit message").fill("hello")
    mine.get_by_role("button", name="Save").click()
    expect(reader.locator("#messages li").last.locator(".body")).to_have_text("hello (edited)")
    expect(reader.locator("#messages li").last).to_contain_text("(edited)")
    writer.once("dialog", lambda dialog: dialog.accept())
    writer.locator("#messages li").last.hover()
    writer.locator("#messages li").last.get_by_role("button", name="Delete").click()
    expect(reader.locator("#messages li").last.locator(".body")).to_have_text("message deleted")


def test_dropped_connection_reconnects_and_catches_up_once(new_page, room, people):
    himanshu, _ = people
    reader = open_room(new_page, "abhishek", room)
    run_outside_loop(services.message_create, conversation=room, sender=himanshu, body="before")
    expect(reader.locator("#messages li.message")).to_have_count(1)

    reader.evaluate("window.UChat.room.ws.close()")  # the network drops
    for i in range(3):
        run_outside_loop(
            services.message_create, conversation=room, sender=himanshu, body=f"while away {i}"
        )

    expect(reader.locator("#connection")).to_have_attribute("data-state", "online")
    bodies = reader.locator("#messages li .body")
    expect(bodies).to_have_count(4)
    assert bodies.all_inner_texts() == ["before", "while away 0", "while away 1", "while away 2"]


def test_refused_message_stays_in_the_box(new_page, room):
    page = open_room(new_page, "himanshu", room)
    box = page.locator("#message-input")
    box.fill("   ")
    box.press("Enter")
    expect(page.locator("#composer-error")).to_have_text("Type a message first.")
    # A refusal from the server (here: rate limit) puts the text back.
    page.evaluate(
        """() => {
          const s = window.UChat.room;
          for (let i = 0; i < 25; i++) s.send({type: "message.send", body: "flood " + i});
        }"""
    )
    box.fill("this one matters")
    box.press("Enter")
    expect(page.locator("#composer-error")).to_contain_text("too fast")
    expect(box).to_have_value("this one matters")
    assert not Message.objects.filter(body="this one matters").exists()


def test_typing_clears_with_the_message_and_a_refusal_clears_with_the_next_success(new_page, room):
    """Issue 14's bugs: "X is typing…" stayed up to 4 s after X's message arrived; a composer
    error stayed after a later message went through; Edit and Delete were out of the keyboard's
    reach (visibility:hidden)."""
    himanshu = open_room(new_page, "himanshu", room)
    abhishek = open_room(new_page, "abhishek", room)
    box = abhishek.locator("#message-input")
    box.press_sequentially("on my way")
    expect(himanshu.locator("#typing")).to_contain_text("Abhishek")
    box.press("Enter")
    expect(himanshu.locator("#messages li").filter(has_text="on my way")).to_be_visible()
    expect(himanshu.locator("#typing")).to_have_text("", timeout=900)  # not 4 s later

    # The server refuses a NUL character (the page does not check for it): the text comes back
    # with the reason; the next message that goes through clears the reason.
    mine = himanshu.locator("#message-input")
    mine.fill("bad\u0000text")
    mine.press("Enter")
    error = himanshu.locator("#composer-error")
    expect(error).to_contain_text("NUL")
    mine.fill("good text")
    mine.press("Enter")
    expect(himanshu.locator("#messages li").filter(has_text="good text")).to_be_visible()
    expect(error).to_have_text("")

    # Edit on one's own message: reachable by keyboard, and shown when focused.
    edit = himanshu.locator("#messages li", has_text="good text").locator("[data-action=edit]")
    edit.focus()
    expect(edit).to_be_focused()
    assert edit.evaluate("(e) => getComputedStyle(e.closest('.message-toolbar')).opacity") == "1"
