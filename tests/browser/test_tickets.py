"""A customer, an admin and an agent, each in their own window, through one ticket's life."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from tests.browser.conftest import log_in, run_outside_loop
from tickets.tests.factories import AgentFactory

pytestmark = pytest.mark.browser


def test_ticket_from_raising_to_rating(new_page, transactional_db):
    UserFactory(username="suraj", display_name="Suraj")
    AgentFactory(username="priya", display_name="Priya")
    UserFactory(username="himanshu", display_name="Himanshu", staff=True)

    customer = new_page()
    log_in(customer, "suraj")
    customer.get_by_role("navigation").get_by_role("link", name="My tickets").click()
    customer.get_by_role("link", name="Raise a ticket").click()
    customer.locator("#id_subject").fill("Blender stops after 10 seconds")
    customer.locator("#id_description").fill("It stops after about ten seconds and smells hot.")
    customer.locator("#id_priority").select_option("high")
    customer.get_by_role("button", name="Raise ticket").click()
    expect(customer.locator("#ticket-status")).to_have_text("New")
    expect(customer.locator("#connection")).to_have_attribute("data-state", "online")
    ticket_url = customer.url

    admin = new_page()
    log_in(admin, "himanshu")
    admin.get_by_role("navigation").get_by_role("link", name="All tickets").click()
    admin.get_by_role("link", name="Blender stops after 10 seconds").click()
    admin.locator("#id_agent").select_option(
        label="Priya (online, 0 open)"
    )  # availability, open load
    admin.get_by_role("button", name="Assign").click()
    expect(admin.locator("#ticket-status")).to_have_text("Assigned")

    # the customer sees it without reloading
    expect(customer.locator("#ticket-status")).to_have_text("Assigned")
    expect(customer.locator("#ticket-agent")).to_have_text("Priya")
    expect(customer.locator("#ticket-history")).to_contain_text("Assigned to Priya by Himanshu")

    agent = new_page()
    log_in(agent, "priya")
    agent.get_by_role("navigation").get_by_role("link", name="My queue").click()
    agent.get_by_role("link", name="Blender stops after 10 seconds").click()
    expect(agent.locator("#connection")).to_have_attribute("data-state", "online")

    customer.locator("#message-input").fill("Any idea what is wrong?")
    customer.locator("#message-input").press("Enter")
    expect(agent.locator("#messages li").filter(has_text="Any idea what is wrong?")).to_be_visible()
    agent.locator("#message-input").fill("Does it stop with an empty jar too?")
    agent.locator("#message-input").press("Enter")
    expect(
        customer.locator("#messages li").filter(has_text="Does it stop with an empty jar too?")
    ).to_be_visible()

    agent.locator("#status-select").select_option("resolved")
    agent.get_by_role("button", name="Set").click()
    expect(customer.locator("#ticket-status")).to_have_text("Resolved")

    customer.goto(ticket_url)
    customer.get_by_label("5").check()
    customer.locator("#id_comment").fill("Quick and kind, thank you")
    customer.get_by_role("button", name="Send feedback").click()
    expect(customer.get_by_text("You rated this help 5/5. Thank you!")).to_be_visible()

    admin.get_by_role("navigation").get_by_role("link", name="Desk reports").click()
    expect(admin.locator("#average-rating")).to_contain_text("5.0 / 5")
    admin.goto(ticket_url)
    expect(admin.locator("#feedback-list")).to_contain_text("5/5 — Quick and kind, thank you")


def test_ticket_times_are_in_the_viewers_time_zone(new_page, transactional_db):
    """B4: the ticket page mixed local chat times with unlabelled UTC "Raised" and history
    times. Two people in two zones each see every time on the page in their own."""
    from zoneinfo import ZoneInfo

    from tickets import services
    from tickets.models import Ticket

    customer = UserFactory(username="suraj", display_name="Suraj")
    UserFactory(username="himanshu", display_name="Himanshu", staff=True)
    ticket = run_outside_loop(
        services.ticket_open, customer=customer, subject="Kettle", description="It leaks."
    )
    ticket = Ticket.objects.get(pk=ticket.pk)

    created = ticket.events.get().created_at  # a moment after created_at: maybe the next minute

    def expected(zone: str, when=None) -> str:
        return (when or ticket.created_at).astimezone(ZoneInfo(zone)).strftime("%d %b, %H:%M")

    suraj = new_page()  # Asia/Kolkata (UTC+5:30), as every browser test
    log_in(suraj, "suraj")
    suraj.goto(f"/tickets/{ticket.pk}/")
    expect(suraj.locator("#ticket-raised time")).to_have_text(expected("Asia/Kolkata"))
    history = suraj.locator("#ticket-history time").first
    expect(history).to_have_text(expected("Asia/Kolkata", created))
    assert "UTC" not in suraj.locator("#ticket-raised").inner_text()
    suraj.locator("#message-input").fill("Still leaking")
    suraj.locator("#message-input").press("Enter")
    chat_time = suraj.locator("#messages li", has_text="Still leaking").locator("time")
    expect(chat_time).to_have_text(re.compile(r"^\d\d:\d\d$"))  # the day is in the separator

    admin_context = suraj.context.browser.new_context(
        base_url=suraj.url.split("/tickets/")[0], timezone_id="America/New_York"
    )
    try:
        admin = admin_context.new_page()
        log_in(admin, "himanshu")
        admin.goto(f"/tickets/{ticket.pk}/")
        expect(admin.locator("#ticket-raised time")).to_have_text(expected("America/New_York"))
        title = admin.locator("#ticket-raised time").get_attribute("title")
        assert title is not None
        assert re.search(r"EST|EDT|GMT-", title), title
    finally:
        admin_context.close()


def test_the_customer_can_rate_and_reopen_as_soon_as_the_agent_resolves(new_page, transactional_db):
    """B10: the rating form and Reopen appeared only after a reload."""
    from tickets import services

    customer = UserFactory(username="suraj", display_name="Suraj")
    agent = AgentFactory(username="priya", display_name="Priya")
    admin = UserFactory(username="himanshu", display_name="Himanshu", staff=True)
    ticket = run_outside_loop(
        services.ticket_open, customer=customer, subject="Fridge", description="It is warm."
    )
    run_outside_loop(services.ticket_assign, ticket=ticket, agent=agent, actor=admin)

    suraj = new_page()
    log_in(suraj, "suraj")
    suraj.goto(f"/tickets/{ticket.pk}/")
    expect(suraj.locator("#connection")).to_have_attribute("data-state", "online")
    expect(suraj.get_by_role("button", name="Reopen")).to_be_hidden()
    expect(suraj.locator("#feedback-form")).to_be_hidden()

    priya = new_page()
    log_in(priya, "priya")
    priya.goto(f"/tickets/{ticket.pk}/")
    priya.locator("#status-select").select_option("resolved")
    priya.get_by_role("button", name="Set").click()
    expect(priya.locator("#ticket-status")).to_have_text("Resolved")

    # No reload in the customer's window.
    expect(suraj.locator("#ticket-status")).to_have_text("Resolved")
    expect(suraj.locator("#feedback-form")).to_be_visible()
    expect(suraj.get_by_role("button", name="Reopen")).to_be_visible()
    suraj.get_by_role("button", name="Reopen").click()
    expect(suraj.locator("#ticket-status")).to_have_text("In progress")
    expect(suraj.get_by_role("button", name="Reopen")).to_be_hidden()
    expect(suraj.locator("#feedback-form")).to_be_hidden()


def test_an_agent_whose_ticket_is_reassigned_reads_to_whom_and_loses_its_forms(
    new_page, transactional_db
):
    """B5: the agent read "You were removed from this room" and still saw themselves as the
    agent, with the status form."""
    from tickets import services

    customer = UserFactory(username="suraj", display_name="Suraj")
    priya = AgentFactory(username="priya", display_name="Priya")
    ravi = AgentFactory(username="ravi", display_name="Ravi")
    admin = UserFactory(username="himanshu", display_name="Himanshu", staff=True)
    ticket = run_outside_loop(
        services.ticket_open, customer=customer, subject="Fridge", description="It is warm."
    )
    run_outside_loop(services.ticket_assign, ticket=ticket, agent=priya, actor=admin)

    page = new_page()
    log_in(page, "priya")
    page.goto(f"/tickets/{ticket.pk}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    expect(page.locator("#status-select")).to_be_visible()

    run_outside_loop(services.ticket_assign, ticket=ticket, agent=ravi, actor=admin)

    expect(page.locator("#ticket-notice")).to_have_text("This ticket was reassigned to Ravi.")
    expect(page.locator("#ticket-agent")).to_have_text("Ravi")
    expect(page.locator("#status-select")).to_be_hidden()
    expect(page.get_by_role("button", name="Add note")).to_be_hidden()
    expect(page.locator("#ticket-history li").filter(has_text="Assigned to Ravi")).to_have_count(1)
    # The composer says it too (it read "You were removed from this room").
    expect(page.locator("#message-input")).to_be_disabled()
    expect(page.locator("#composer-error")).to_have_text("This ticket was reassigned to Ravi.")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_ticket_page_opens_at_its_title_not_the_composer(new_page, transactional_db, width):
    """B6: focusing the composer on load scrolled the page past the title and status."""
    from tickets import services

    customer = UserFactory(username="suraj", display_name="Suraj")
    ticket = run_outside_loop(
        services.ticket_open, customer=customer, subject="Fridge", description="It is warm."
    )
    page = new_page(viewport={"width": width, "height": 700})
    log_in(page, "suraj")
    page.goto(f"/tickets/{ticket.pk}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    expect(page.locator("#message-input")).to_be_focused()
    assert page.evaluate("window.scrollY") == 0
    expect(page.get_by_role("heading", name=re.compile("Fridge"))).to_be_in_viewport()
