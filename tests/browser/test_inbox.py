"""The desk's inbox, live, with an agent and an admin in two windows: a new ticket appears in
both, the admin assigns it from the inbox, it leaves the agent's unassigned list and joins
their own, a message shows as the last line, and an SLA breach shows as a badge and is
e-mailed to the admin."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from rooms import services as engine
from tests.browser.conftest import log_in, run_outside_loop
from tickets import services
from tickets.models import Ticket
from tickets.tests.factories import AgentFactory
from uchat.celery import app as celery_app

pytestmark = pytest.mark.browser


def test_inbox_live_for_agent_and_admin_with_an_sla_breach(
    new_page, transactional_db, settings, request
):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False  # the admin assigns, by hand, in the inbox
    # This process's e-mails are sent at once (the live server's are too), into mail.outbox.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    request.addfinalizer(lambda: setattr(celery_app.conf, "task_always_eager", eager))
    customer = UserFactory(username="suraj", display_name="Suraj")
    AgentFactory(username="priya", display_name="Priya")
    UserFactory(username="himanshu", display_name="Himanshu", staff=True)

    agent_page = new_page()
    log_in(agent_page, "priya")
    agent_page.get_by_role("navigation").get_by_role("link", name="Inbox").click()
    agent_page.get_by_role("link", name="Unassigned", exact=True).click()
    expect(agent_page.locator("#inbox-empty")).to_be_visible()

    admin_page = new_page()
    log_in(admin_page, "himanshu")
    admin_page.get_by_role("navigation").get_by_role("link", name="Inbox").click()
    expect(admin_page.get_by_role("link", name="All", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(agent_page.get_by_role("link", name="All", exact=True)).to_have_count(0)  # admins only

    ticket = run_outside_loop(
        services.ticket_open, customer=customer, subject="Router blinks red",
        description="Since this morning.", priority="high",
    )  # fmt: skip
    row = f".inbox-item[data-ticket-id='{ticket.pk}']"
    for page in (agent_page, admin_page):  # live, in both windows
        expect(page.locator(row)).to_contain_text("Router blinks red")
        expect(page.locator(row)).to_contain_text("Unassigned")

    admin_page.locator(row).click()
    expect(admin_page.locator("#customer-panel")).to_contain_text("Suraj")
    admin_page.locator("#id_agent").select_option(
        label="Priya (online, 0 open)"
    )  # availability, open load
    admin_page.get_by_role("button", name="Assign").click()
    expect(admin_page.locator(row)).to_contain_text("→ Priya")
    expect(agent_page.locator(row)).to_have_count(0)  # gone from the unassigned list, live

    agent_page.get_by_role("link", name="Mine", exact=True).click()
    expect(agent_page.locator(row)).to_be_visible()
    run_outside_loop(
        engine.message_create, conversation=ticket.conversation, sender=customer,
        body="Still blinking, please help",
    )  # fmt: skip
    expect(agent_page.locator(row).locator(".inbox-last")).to_have_text(
        "Still blinking, please help"
    )

    # The first reply is overdue: the check (Celery beat's task) records it, and both
    # inboxes show the badge at once; the admin gets the e-mail.
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_due=timezone.now() - timedelta(minutes=1)
    )
    mail.outbox.clear()
    breached = run_outside_loop(services.sla_breaches_check)
    assert [t.pk for t in breached] == [ticket.pk]
    for page in (agent_page, admin_page):
        expect(page.locator(row).get_by_text("SLA missed")).to_be_visible()
    assert any(
        m.subject == f"[uchat] SLA missed on {ticket.number}: first response"
        and m.to == ["himanshu@example.com"]
        for m in mail.outbox
    ), [(m.subject, m.to) for m in mail.outbox]

    # The admin opens it, joins the conversation and writes; the agent's window shows it.
    admin_page.locator(row).click()
    admin_page.get_by_role("button", name="Join the conversation").click()
    expect(admin_page.locator("#connection")).to_have_attribute("data-state", "online")
    admin_page.locator("#message-input").fill("Priya, please call Suraj today.")
    admin_page.locator("#message-input").press("Enter")
    agent_page.locator(row).click()
    expect(
        agent_page.locator("#messages li").filter(has_text="Priya, please call Suraj today.")
    ).to_be_visible()


def test_turn_a_room_message_into_a_ticket_seen_live_by_its_author(new_page, transactional_db):
    customer = UserFactory(username="suraj", display_name="Suraj")
    agent = AgentFactory(username="priya", display_name="Priya")
    room = run_outside_loop(
        engine.room_create, creator=customer, name="Help corner", members=[agent]
    )
    run_outside_loop(
        engine.message_create, conversation=room, sender=customer, body="My parcel is lost"
    )

    author = new_page()
    log_in(author, "suraj")
    author.goto(f"/rooms/{room.pk}/")
    expect(author.locator("#connection")).to_have_attribute("data-state", "online")
    expect(author.get_by_role("button", name="Turn into ticket")).to_have_count(0)  # members

    desk = new_page()
    log_in(desk, "priya")
    desk.goto(f"/rooms/{room.pk}/")
    line = desk.locator("#messages li").filter(has_text="My parcel is lost")
    desk.once("dialog", lambda dialog: dialog.accept())
    line.hover()
    line.get_by_role("button", name="More actions").click()  # the kinds' actions are under More
    line.get_by_role("button", name="Turn into ticket").click()
    desk.wait_for_url("**/tickets/*/")
    expect(desk.locator("#room-name")).to_contain_text("My parcel is lost")
    expect(desk.locator("#ticket-source")).to_contain_text("Help corner")
    number = desk.locator("#room-name").inner_text().split()[0]

    # The author's room page shows the link at once, and it opens their ticket.
    link = (
        author.locator("#messages li").filter(has_text="My parcel is lost").locator(".ticket-link")
    )
    expect(link).to_have_text(f"Ticket {number}")
    link.click()
    expect(author.locator("#room-name")).to_contain_text("My parcel is lost")
