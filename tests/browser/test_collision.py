"""Collision and availability, live, in two windows: the ticket's agent opens it and types;
an admin on the same ticket sees "Amy is viewing", then "Amy is replying", which fades, and
nothing once Amy's tab closes. Then Amy sets herself away in the inbox header, and the
admin's inbox shows it beside her name."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from tests.browser.conftest import log_in, run_outside_loop
from tickets import services
from tickets.models import AgentProfile
from tickets.tests.factories import AgentFactory

pytestmark = pytest.mark.browser


def test_collision_and_availability_live(new_page, transactional_db, settings):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    customer = UserFactory(username="carla", display_name="Carla")
    amy = AgentFactory(username="amy", display_name="Amy")
    UserFactory(username="bea", display_name="Bea", staff=True)
    ticket = run_outside_loop(
        services.ticket_open, customer=customer, subject="Printer on fire",
        description="Smoke everywhere.",
    )  # fmt: skip
    run_outside_loop(services.ticket_assign, ticket=ticket, agent=amy, actor=None)

    admin = new_page()
    log_in(admin, "bea")
    admin.goto(f"/tickets/{ticket.pk}/")
    line = admin.locator("#ticket-viewers")
    expect(line).to_be_hidden()  # nobody else yet

    agent = new_page()
    log_in(agent, "amy")
    agent.goto(f"/tickets/{ticket.pk}/")
    expect(line).to_have_text("Amy is viewing")
    expect(agent.locator("#ticket-viewers")).to_have_text("Bea is viewing")  # never oneself
    agent.locator("#message-input").press_sequentially("On my way")
    expect(line).to_have_text("Amy is replying")
    expect(line).to_have_text("Amy is viewing", timeout=15000)  # stopped typing: it fades
    agent.context.close()  # the tab closes
    expect(line).to_be_hidden()

    agent = new_page()
    log_in(agent, "amy")
    agent.goto("/tickets/inbox/")
    admin.goto("/tickets/inbox/")
    dot = admin.locator(f'[data-agent-availability="{amy.pk}"]')
    expect(dot).to_have_attribute("data-availability", "online")
    agent.get_by_test_id("availability-toggle").click()
    agent.get_by_role("radio", name="Away").first.click()
    expect(agent.get_by_test_id("availability-toggle")).to_contain_text("Away")
    expect(dot).to_have_attribute("data-availability", "away")  # live in the admin's inbox
    assert AgentProfile.objects.get(user=amy).availability == "away"
