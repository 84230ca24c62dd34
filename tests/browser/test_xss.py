"""Hostile text everywhere it can be typed renders as inert text: no script runs, on any page."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from rooms import services as rooms
from tests.browser.conftest import log_in, run_outside_loop
from tickets import services as desk

pytestmark = pytest.mark.browser

PAYLOAD = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
LINK = "javascript:window.pwned=3"


def test_nothing_typed_by_people_runs_as_script(new_page, transactional_db, settings):
    evil = UserFactory(username="mallory", display_name=PAYLOAD, staff=True)
    victim = UserFactory(username="victim", display_name="Victim")
    room = run_outside_loop(
        rooms.room_create, creator=evil, name=PAYLOAD[:80], topic=PAYLOAD, members=[victim]
    )
    run_outside_loop(
        rooms.message_create, conversation=room, sender=evil, body=f"{PAYLOAD} {LINK} @victim"
    )
    # Markdown is rendered (rooms/markup.py), and its links and HTML are as inert.
    run_outside_loop(
        rooms.message_create, conversation=room, sender=evil,
        body="**loud** [click](javascript:window.pwned=4) <b onclick=x>b</b> [ok](https://e.example)",
    )  # fmt: skip
    direct = run_outside_loop(rooms.direct_conversation_get_or_create, user=evil, other=victim)
    run_outside_loop(rooms.message_create, conversation=direct, sender=evil, body=PAYLOAD)
    ticket = run_outside_loop(
        desk.ticket_open, customer=evil, subject=PAYLOAD[:150], description=PAYLOAD
    )

    page = new_page()
    log_in(page, "victim")
    for path in ["/", f"/rooms/{room.pk}/", "/dm/mallory/", "/notifications/"]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.pwned") is None, path
    assert page.locator("#messages a[href^='javascript']").count() == 0
    page.goto(f"/rooms/{room.pk}/")
    expect(page.locator("#messages strong", has_text="loud")).to_be_visible()
    ok = page.locator("#messages a", has_text="ok")
    expect(ok).to_have_attribute("rel", "noopener nofollow ugc")
    assert page.locator("#messages b[onclick]").count() == 0
    assert page.evaluate("window.pwned") is None
    assert PAYLOAD in page.content() or "&lt;img" in page.content()

    admin = new_page()
    log_in(admin, "mallory")
    for path in [
        f"/tickets/{ticket.pk}/",
        "/tickets/",
        "/admin/rooms/message/",
        "/admin/accounts/user/",
        "/admin/tickets/ticket/",
    ]:
        admin.goto(path)
        admin.wait_for_load_state("networkidle")
        assert admin.evaluate("window.pwned") is None, path

    # e-mails: the HTML part escapes what people typed
    from django.template.loader import render_to_string

    html = render_to_string(
        "tickets/email.html", {"user": evil, "headline": PAYLOAD, "lines": [PAYLOAD]}
    )
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
