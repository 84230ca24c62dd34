"""The live-chat widget, end to end (issue 28): a website on a second origin (its own small
server on loopback) embeds the script; a visitor there chats live with an agent answering from
the inbox in a second window (typing both ways, the agent's name, the rating at resolution,
the history back after a reload); the same script on a page of an origin the widget does not
list gets nothing: the session call is refused and no frame loads."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from tests.browser.conftest import log_in, run_outside_loop
from tickets import services as desk
from tickets.models import Ticket
from tickets.tests.factories import AgentFactory
from widget import services
from widget.models import Visitor

pytestmark = pytest.mark.browser


def host_site():
    """A website of its own on loopback, on a free port: one page that embeds the script
    ``site.script`` names (set once the widget, which lists the site's origin, exists)."""

    class Handler(BaseHTTPRequestHandler):
        script = ""

        def do_GET(self) -> None:
            page = (
                "<!DOCTYPE html><html><head><title>Sock shop</title>"
                # The host's CSS does not reach the launcher (a shadow root) nor the frame.
                "<style>button{background:red!important}body{font:18px serif}</style></head>"
                "<body><h1>Our sock shop</h1><p>Wool socks, hats and more.</p>"
                f'<script src="{Handler.script}" async></script></body></html>'
            )
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, Handler, f"http://127.0.0.1:{server.server_port}"


def test_a_visitor_on_another_website_chats_live_with_an_agent(
    new_page, live_server_url, transactional_db, request
):
    # Two websites; the widget lists the first only.
    listed, listed_handler, listed_url = host_site()
    other, other_handler, other_url = host_site()
    request.addfinalizer(listed.shutdown)
    request.addfinalizer(other.shutdown)
    widget = services.widget_create(
        actor=None, name="Sock Shop", origins=[listed_url], color="#0b6e4f",
        greeting="Hi! Ask us about socks.",
    )  # fmt: skip
    listed_handler.script = other_handler.script = f"{live_server_url}/widget/{widget.key}.js"

    agent = AgentFactory(username="priya", display_name="Priya")
    admin = UserFactory(username="himanshu", staff=True)

    visitor = new_page()
    visitor.goto(listed_url)
    launcher = visitor.locator("[data-uchat-widget] >> button.launcher")
    expect(launcher).to_be_visible()
    launcher.click()
    frame = visitor.frame_locator("[data-uchat-widget] >> iframe")
    expect(frame.locator("#w-greeting")).to_have_text("Hi! Ask us about socks.")
    # The honeypot is there for bots, out of a person's sight.
    expect(frame.locator("input[name=website]")).not_to_be_in_viewport()
    frame.get_by_label("Your name").fill("Vera Visitor")
    frame.get_by_label("Your e-mail").fill("vera@home.example")
    frame.get_by_role("button", name="Start the chat").click()
    composer = frame.get_by_label("Message", exact=True)
    expect(composer).to_be_visible()
    composer.fill("Do you have wool socks in size 42?")
    composer.press("Enter")
    expect(frame.locator(".w-mine .w-bubble")).to_have_text("Do you have wool socks in size 42?")

    ticket = Ticket.objects.get()
    assert Visitor.objects.get(ticket=ticket).page == f"{listed_url}/"
    run_outside_loop(desk.ticket_assign, ticket=ticket, agent=agent, actor=admin)

    inbox = new_page()
    log_in(inbox, "priya")
    inbox.goto(f"/tickets/inbox/?ticket={ticket.pk}")
    expect(inbox.locator("#customer-facts")).to_contain_text(f"{listed_url}/")
    expect(inbox.locator("#customer-facts")).to_contain_text("Chrome")
    expect(inbox.locator("#customer-facts")).to_contain_text("Asia/")  # the browser's zone
    expect(inbox.locator(".message-list, #messages")).to_contain_text("wool socks")
    expect(frame.locator("#w-agent")).to_contain_text("Priya")

    # Typing, both ways.
    inbox.locator("#message-input").press_sequentially("Yes", delay=50)
    expect(frame.locator("#w-typing")).to_have_text("Priya is typing…")
    inbox.locator("#message-input").fill("Yes, in grey and navy.")
    inbox.locator("#message-input").press("Enter")
    expect(frame.locator(".w-msg:not(.w-mine) .w-bubble")).to_have_text("Yes, in grey and navy.")
    expect(frame.locator(".w-msg:not(.w-mine) .w-who")).to_have_text("Priya")
    expect(frame.locator("#w-typing")).to_have_text("")
    # The frame says "typing" at most once per 2.5 s; its last one went with the first
    # message, which on a quick machine was less than that ago.
    visitor.wait_for_timeout(2600)
    composer.press_sequentially("Gre", delay=50)
    expect(inbox.locator("#typing")).to_contain_text("Vera Visitor")

    # Resolved: the rating in place.
    run_outside_loop(desk.ticket_status_set, ticket=ticket, actor=agent, status="resolved")
    expect(frame.locator("#w-rating")).to_be_visible()
    frame.get_by_role("button", name="5 out of 5").click()
    expect(frame.locator("#w-thanks")).to_be_visible()
    assert ticket.feedback.get().rating == 5

    # Back in the same browser: the history.
    visitor.reload()
    visitor.locator("[data-uchat-widget] >> button.launcher").click()
    expect(frame.locator(".w-msg .w-bubble")).to_have_count(2)
    expect(frame.locator("#w-prechat")).to_be_hidden()

    # The same script on a website the widget does not list: nothing.
    stranger = new_page()
    stranger.goto(other_url)
    refused = stranger.evaluate(
        """async (url) => {
          const headers = {"Content-Type": "application/json"};
          const body = JSON.stringify({name: "M", email: "m@x.example"});
          try {
            return (await fetch(url, {method: "POST", headers, body})).status;
          } catch (e) { return "blocked"; }
        }""",
        f"{live_server_url}/api/widget/{widget.key}/sessions",
    )
    assert refused == "blocked"  # no CORS answer: the page cannot even read the 403
    stranger.locator("[data-uchat-widget] >> button.launcher").click()
    blocked = stranger.frame_locator("[data-uchat-widget] >> iframe")
    expect(stranger.locator("[data-uchat-widget] >> iframe")).to_be_attached()
    stranger.wait_for_timeout(1000)
    expect(blocked.locator("#w-prechat")).to_have_count(0)
    assert Ticket.objects.count() == 1
