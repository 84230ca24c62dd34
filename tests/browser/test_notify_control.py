"""Notification control in the browser: a room set to "Nothing" from its header menu is
dimmed in the sidebar (its unread count grey, no notification for a mention), and "Pause
notifications" in the user menu turns do-not-disturb on."""

import re
import time

import pytest
from playwright.sync_api import expect

from accounts.models import User
from accounts.tests.factories import UserFactory
from notifications.models import Code, Notification
from rooms import services
from tests.browser.conftest import log_in, run_outside_loop
from tests.browser.test_accessibility import AXE, RUN

pytestmark = pytest.mark.browser


def _until(check, timeout=10.0):
    """Poll from Python (a wait_for_function string trips the page's CSP)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_nothing_dims_the_room_and_pause_turns_on_dnd(new_page, transactional_db):
    mira = UserFactory(username="mira", display_name="Mira")
    omar = UserFactory(username="omar", display_name="Omar")
    noisy = run_outside_loop(services.room_create, creator=omar, name="Noisy", members=[mira])
    calm = run_outside_loop(services.room_create, creator=omar, name="Calm", members=[mira])

    page = new_page(viewport={"width": 1280, "height": 800}, bypass_csp=True)  # for axe
    log_in(page, "mira")
    page.goto(f"/rooms/{noisy.pk}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    noisy_link = page.locator(f'#sidebar .sidebar-link[data-conversation="{noisy.pk}"]')
    expect(noisy_link).not_to_have_class("muted")

    page.locator("#notify-menu-button").click()
    expect(page.get_by_role("radio", name="Mentions only")).to_have_attribute(
        "aria-checked", "true"
    )
    if AXE.exists():  # the open menu breaks no accessibility rule
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(RUN) == []
    page.get_by_role("radio", name="Nothing").click()
    expect(page.locator("#notify-menu")).to_have_attribute("data-muted", "true")
    expect(noisy_link).to_have_class(re.compile(r"\bmuted\b"))  # redrawn live
    expect(noisy_link.locator(".sidebar-muted")).to_be_visible()

    # From another room: Omar mentions her in the muted one; the count rises, grey, and
    # nothing notifies her.
    page.goto(f"/rooms/{calm.pk}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    run_outside_loop(
        services.message_create, conversation=noisy, sender=omar, body="@mira are you there?"
    )
    badge = noisy_link.locator(".unread")
    expect(badge).to_be_visible()
    expect(badge).to_have_class(re.compile(r"text-bg-secondary"))
    assert not Notification.objects.filter(user=mira, code=Code.MENTION).exists()
    expect(page.locator("#notif-badge")).to_have_text("2")  # being added to the two rooms

    # Pause notifications for an hour from the user menu: the bar's bell says so.
    page.get_by_test_id("nav-user").click()
    page.locator('#pause-menu [data-pause="3600"]').click()
    expect(page.locator("#pause-state")).to_contain_text("Paused until")
    expect(page.locator("#nav-bell")).to_have_class(re.compile(r"\bpaused\b"))
    _until(lambda: User.objects.get(pk=mira.pk).dnd_until is not None)
    page.reload()
    expect(page.locator("#nav-bell")).to_have_class(re.compile(r"\bpaused\b"))
    page.get_by_test_id("nav-user").click()
    page.locator('#pause-menu [data-pause="off"]').click()
    expect(page.locator("#nav-bell")).not_to_have_class(re.compile(r"\bpaused\b"))
    _until(lambda: User.objects.get(pk=mira.pk).dnd_until is None)
