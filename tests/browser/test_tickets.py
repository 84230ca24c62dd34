"""A customer, an admin and an agent, each in their own window, through one ticket's life."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_ticket_from_raising_to_rating(new_page, transactional_db):
    UserFactory(username="suraj", display_name="Suraj")
    UserFactory(username="priya", display_name="Priya", agent=True)
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
    admin.locator("#id_agent").select_option(label="priya")
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
