"""What a page does when its connection ends: a session ended elsewhere (a password change)
stops the reconnecting and offers the log-in (B8); a message sent while offline waits and
goes, once, when the connection is back (B9)."""

import pytest
from playwright.sync_api import expect

from rooms.models import Message
from tests.browser import test_rooms
from tests.browser.conftest import log_in
from tests.browser.test_rooms import open_room

pytestmark = pytest.mark.browser
# The room of test_rooms.py: two people in "Coding Group".
people, room = test_rooms.people, test_rooms.room


def test_a_password_changed_in_another_window_ends_this_ones_session(new_page, room):
    """B8: two windows of one person; the password changes in one: the other says that the
    session ended, with a log-in link back to the page, and its composer is disabled (it used
    to show "reconnecting…" for ever with the composer enabled)."""
    other = open_room(new_page, "himanshu", room)
    here = new_page()
    log_in(here, "himanshu")
    here.goto("/accounts/password/change/")
    here.locator("#id_oldpassword").fill("correct-horse-9")
    here.locator("#id_password1").fill("battery-staple-77")
    here.locator("#id_password2").fill("battery-staple-77")
    with here.expect_navigation():
        here.get_by_role("button", name="Change Password").click()

    ended = other.locator("#session-ended")
    expect(ended).to_contain_text("Your session has ended", timeout=8000)
    link = ended.get_by_role("link", name="Log in again")
    expect(link).to_have_attribute("href", f"/accounts/login/?next=%2Frooms%2F{room.pk}%2F")
    expect(other.locator("#message-input")).to_be_disabled()
    expect(other.locator("#connection")).to_have_attribute("data-state", "ended")


def test_a_message_sent_offline_goes_once_when_the_connection_is_back(new_page, room):
    """B9: sent while the connection is down, the message waits as pending with a notice; when
    the connection is back the notice clears and the message goes, shown once in both windows."""
    writer = open_room(new_page, "himanshu", room)
    reader = open_room(new_page, "abhishek", room)
    writer.context.set_offline(True)
    writer.evaluate("window.UChat.room.ws.close()")
    expect(writer.locator("#connection")).to_have_attribute("data-state", "offline")
    box = writer.locator("#message-input")
    box.fill("Sent from the tunnel")
    box.press("Enter")
    expect(writer.locator("#composer-error")).to_contain_text("Not connected")
    expect(writer.locator("#messages li.pending")).to_contain_text("Sent from the tunnel")
    expect(box).to_have_value("")

    writer.context.set_offline(False)
    expect(writer.locator("#connection")).to_have_attribute("data-state", "online", timeout=8000)
    expect(writer.locator("#composer-error")).to_have_text("")
    mine = writer.locator("#messages li.message").filter(has_text="Sent from the tunnel")
    expect(mine).to_have_count(1)
    expect(writer.locator("#messages li.pending")).to_have_count(0)
    theirs = reader.locator("#messages li.message").filter(has_text="Sent from the tunnel")
    expect(theirs).to_have_count(1)
    assert Message.objects.filter(body="Sent from the tunnel").count() == 1
