"""The desk's workflow in the browser: an agent ticks tickets in the inbox, labels them with
the bulk bar (the list redraws live and keeps the selection), filters by the label, then runs
a macro from the ticket page's menu and sees its result."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from rooms.models import Message
from tests.browser.conftest import log_in, run_outside_loop
from tickets import services
from tickets.models import Label, Macro, Ticket
from tickets.tests.factories import AgentFactory

pytestmark = pytest.mark.browser


def test_bulk_bar_labels_and_a_macro_on_the_ticket_page(new_page, transactional_db, settings):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    customer = UserFactory(username="suraj", display_name="Suraj")
    priya = AgentFactory(username="priya", display_name="Priya")
    admin = UserFactory(username="himanshu", staff=True)
    Label.objects.create(name="refund", color="#16a34a")
    Macro.objects.create(
        name="Refund started",
        actions=[{"reply": "Your refund is on its way."}, {"status": "waiting"}],
    )

    def opened(subject):
        ticket = services.ticket_open(customer=customer, subject=subject, description="Help.")
        return services.ticket_assign(ticket=ticket, agent=priya, actor=admin)

    first, second, third = (
        run_outside_loop(opened, subject=s) for s in ("Charged twice", "Late box", "Other")
    )

    page = new_page()
    log_in(page, "priya")
    page.goto("/tickets/inbox/")
    bar = page.locator("#bulk-bar")
    expect(bar).to_be_hidden()
    for ticket in (first, second, third):
        page.locator(f"input[data-bulk-ticket][value='{ticket.pk}']").check()
    expect(bar).to_be_visible()
    expect(page.locator("#bulk-count")).to_have_text("3 selected")
    page.locator(f"input[data-bulk-ticket][value='{third.pk}']").uncheck()
    expect(page.locator("#bulk-count")).to_have_text("2 selected")
    bar.locator("select[data-bulk='labels_add']").select_option("refund")
    expect(page.locator("#bulk-result")).to_contain_text("Done on 2 of 2.")
    expect(page.locator("#bulk-count")).to_have_text("0 selected")  # done: out of the selection
    row = page.locator(f".inbox-item[data-ticket-id='{first.pk}']")
    expect(row.locator(".label-chip")).to_have_text("refund")  # the list reloaded live
    assert set(Ticket.objects.filter(labels__name="refund").values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }

    page.locator("#id_label").select_option("refund")  # the label filter
    expect(page.locator(".inbox-item")).to_have_count(2)

    page.goto(f"/tickets/{first.pk}/")
    expect(page.locator("#ticket-labels .label-chip")).to_have_text("refund")
    page.locator("#macro-menu summary").click()
    page.get_by_role("menuitem", name="Refund started").click()
    expect(page.locator("#ticket-status")).to_have_text("Waiting on customer")
    expect(page.locator("#messages")).to_contain_text("Your refund is on its way.")
    expect(page.locator("#ticket-history")).to_contain_text("Macro “Refund started”")
    assert Message.objects.filter(body="Your refund is on its way.", sender=priya).count() == 1
