"""The colour mode chosen in the user menu: applied at once, stored for the person (so a reload
and their other windows open in it, with no flash: the server renders it), and "auto" follows
the system's setting live."""

import time

import pytest
from playwright.sync_api import expect

from accounts.models import User
from accounts.tests.factories import UserFactory
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def stored_theme(username: str, expected: str) -> str:
    deadline = time.monotonic() + 5
    theme = User.objects.get(username=username).theme
    while theme != expected and time.monotonic() < deadline:
        time.sleep(0.05)
        theme = User.objects.get(username=username).theme
    return theme


def test_the_chosen_theme_survives_a_reload_and_a_second_window(new_page, transactional_db):
    UserFactory(username="abhishek", display_name="Abhishek Kumar")
    page = new_page(color_scheme="light")
    log_in(page, "abhishek")
    html = page.locator("html")
    expect(html).to_have_attribute("data-bs-theme", "light")

    page.get_by_test_id("nav-user").click()
    expect(page.get_by_role("radio", name="Auto (system)")).to_have_attribute(
        "aria-checked", "true"
    )
    page.get_by_role("radio", name="Dark").click()
    expect(html).to_have_attribute("data-bs-theme", "dark")
    assert stored_theme("abhishek", "dark") == "dark"

    page.reload()
    expect(html).to_have_attribute("data-bs-theme", "dark")
    page.get_by_test_id("nav-user").click()
    expect(page.get_by_role("radio", name="Dark")).to_have_attribute("aria-checked", "true")
    expect(page.get_by_role("radio", name="Light")).to_have_attribute("aria-checked", "false")

    other = new_page(color_scheme="light")  # the same person's second window, on a light system
    log_in(other, "abhishek")
    other.goto("/notifications/")
    expect(other.locator("html")).to_have_attribute("data-bs-theme", "dark")
    # The body is drawn from the dark tokens, not Bootstrap's own grey.
    assert other.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(27, 29, 34)"


def test_auto_follows_the_system_live(new_page, transactional_db):
    UserFactory(username="abhishek", display_name="Abhishek Kumar", theme="light")
    page = new_page(color_scheme="dark")
    log_in(page, "abhishek")
    html = page.locator("html")
    expect(html).to_have_attribute("data-bs-theme", "light")  # their choice beats the system

    page.get_by_test_id("nav-user").click()
    page.get_by_role("radio", name="Auto (system)").click()
    expect(html).to_have_attribute("data-bs-theme", "dark")
    assert stored_theme("abhishek", "auto") == "auto"

    page.emulate_media(color_scheme="light")
    expect(html).to_have_attribute("data-bs-theme", "light")
    page.emulate_media(color_scheme="dark")
    expect(html).to_have_attribute("data-bs-theme", "dark")
    page.reload()  # auto, on a dark system: dark from the first paint
    expect(html).to_have_attribute("data-theme", "auto")
    expect(html).to_have_attribute("data-bs-theme", "dark")
