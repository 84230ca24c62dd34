"""The inbox as three panes (ticket list | conversation | customer) filling the window: the page
never scrolls, the panes do; a phone shows one pane at a time. Internal notes are written from
the inbox's composer ("Private note") and shown in the agent's timeline, never to the customer."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from rooms import services as engine
from rooms.models import Message
from tests.browser.conftest import log_in, run_outside_loop
from tickets import services
from tickets.models import InternalNote
from tickets.tests.factories import AgentFactory

pytestmark = pytest.mark.browser

PAGE_SCROLLS = "document.scrollingElement.scrollHeight > window.innerHeight"


@pytest.fixture
def desk(transactional_db, settings):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    settings.UCHAT_TICKETS_PER_HOUR = 1000
    settings.UCHAT_MESSAGE_RATE = 1000
    customer = UserFactory(username="suraj", display_name="Suraj")
    agent = AgentFactory(username="priya", display_name="Priya")
    tickets = [
        run_outside_loop(
            services.ticket_open, customer=customer, subject=f"Question {n}", description="Hi."
        )
        for n in range(14)
    ]
    ticket = run_outside_loop(services.ticket_assign, ticket=tickets[-1], agent=agent, actor=agent)
    for n in range(12):
        run_outside_loop(
            engine.message_create, conversation=ticket.conversation, sender=customer,
            body=f"Line {n} of my story",
        )  # fmt: skip
    return customer, agent, ticket


def test_three_panes_where_only_the_panes_scroll_and_a_note_stays_inside(new_page, desk):
    _customer, agent, ticket = desk
    customer_page = new_page()
    log_in(customer_page, "suraj")
    customer_page.goto(f"/tickets/{ticket.pk}/")
    expect(customer_page.locator("#connection")).to_have_attribute("data-state", "online")

    page = new_page(viewport={"width": 1280, "height": 720})
    log_in(page, "priya")
    page.goto(f"/tickets/inbox/?view=unassigned&ticket={ticket.pk}")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    for pane in ("#inbox-list", "#messages", "#customer-panel"):
        expect(page.locator(pane)).to_be_visible()
    assert not page.evaluate(PAGE_SCROLLS)
    # The list pane scrolls, by itself.
    scrolled = page.evaluate(
        """() => { const pane = document.getElementById("inbox-list-wrap");
                   pane.scrollTop = 200; return [pane.scrollTop, window.scrollY]; }"""
    )
    assert scrolled[0] > 0
    assert scrolled[1] == 0
    # The composer sits at the bottom of the middle pane.
    box = page.locator("#message-input").bounding_box()
    assert box
    assert 720 - 140 < box["y"] + box["height"] <= 720

    # A private note: in the agent's timeline, tinted, never sent to the customer.
    page.locator("#composer-modes").get_by_role("button", name="Private note").click()
    page.locator("#message-input").fill("Customer sounds upset; offer a refund")
    page.locator("#message-input").press("Enter")
    note = page.locator("#messages li.note")
    expect(note).to_contain_text("Customer sounds upset; offer a refund")
    expect(note).to_contain_text("Private note")
    assert InternalNote.objects.get(ticket=ticket).body == "Customer sounds upset; offer a refund"
    assert not Message.objects.filter(body__contains="refund").exists()

    # A note added elsewhere (another window, another admin) shows live.
    run_outside_loop(
        services.ticket_note_add, ticket=ticket, author=agent, body="Refund approved by finance"
    )
    expect(note.filter(has_text="Refund approved by finance")).to_have_count(1)
    expect(note).to_have_count(2)

    # Back to replies: this one reaches the customer, after the note in the timeline.
    page.locator("#composer-modes").get_by_role("button", name="Reply").click()
    page.locator("#message-input").fill("Looking into it now")
    page.locator("#message-input").press("Enter")
    expect(customer_page.locator("#messages")).to_contain_text("Looking into it now")
    expect(customer_page.locator("#messages")).not_to_contain_text("refund")
    customer_page.reload()
    expect(customer_page.locator("#messages")).to_contain_text("Looking into it now")
    expect(customer_page.locator("body")).not_to_contain_text("refund")
    # Reloaded, the agent's timeline has the note where it was written.
    page.reload()
    texts = page.locator("#messages > li.message").all_inner_texts()
    at = next(i for i, t in enumerate(texts) if "offer a refund" in t)
    assert "Line 11 of my story" in texts[at - 1]
    assert "Refund approved by finance" in texts[at + 1]
    assert "Looking into it now" in texts[at + 2]
    assert not page.evaluate(PAGE_SCROLLS)


def test_a_phone_shows_one_pane_at_a_time(new_page, desk):
    _customer, _agent, ticket = desk
    page = new_page(viewport={"width": 390, "height": 800})
    log_in(page, "priya")
    page.goto(f"/tickets/inbox/?view=unassigned&ticket={ticket.pk}")
    expect(page.locator("#messages")).to_be_visible()
    expect(page.locator("#inbox-list")).to_be_hidden()
    expect(page.locator("#customer-panel")).to_be_hidden()
    assert not page.evaluate(PAGE_SCROLLS)
    page.get_by_role("button", name="Ticket and customer details").click()
    expect(page.locator("#customer-panel")).to_be_visible()
    expect(page.locator("#messages")).to_be_hidden()
    page.get_by_role("button", name="Back to the conversation").click()
    expect(page.locator("#messages")).to_be_visible()
    page.get_by_role("button", name="Back to the tickets").click()
    expect(page.locator("#inbox-list")).to_be_visible()
    expect(page.locator("#messages")).to_be_hidden()
    page.locator(".inbox-item").filter(has_text="Question 3").click()
    expect(page.locator("#room-name")).to_contain_text("Question 3")
    expect(page.locator("#inbox-list")).to_be_hidden()
