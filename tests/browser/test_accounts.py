import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_new_person_signs_up_confirms_logs_in_and_out(new_page, clean_mail):
    page = new_page()
    page.goto("/")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("First name").fill("Himanshu")
    page.get_by_label("Last name").fill("Kumar")
    page.locator("#id_username").fill("himanshu")
    page.locator("#id_email").fill("himanshu@example.com")
    page.locator("#id_password1").fill("a-long-pass-42")
    page.locator("#id_password2").fill("a-long-pass-42")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    mails = [p.read_text() for p in clean_mail.iterdir()]
    assert len(mails) == 1
    found = re.search(r"http://127\.0\.0\.1:\d+(/accounts/confirm-email/\S+)", mails[0])
    assert found, mails[0]
    link = found.group(1)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    log_in(page, "himanshu", "a-long-pass-42")
    expect(page.get_by_role("heading", name="Hi Himanshu Kumar!")).to_be_visible()
    page.get_by_test_id("nav-user").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("navigation").get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_text("Hi Himanshu Kumar!")).to_have_count(0)


def test_wrong_password_shows_an_error_and_no_session(new_page):
    UserFactory(username="abhishek")
    page = new_page()
    page.goto("/accounts/login/")
    page.locator("#id_login").fill("abhishek")
    page.locator("#id_password").fill("not-the-password")
    page.get_by_role("button", name="Sign In").click()
    expect(
        page.get_by_text("The username and/or password you specified are not correct.")
    ).to_be_visible()
    cookies = {c["name"] for c in page.context.cookies()}
    assert "sessionid" not in cookies
    page.goto("/")
    expect(page.get_by_role("navigation").get_by_role("link", name="Log in")).to_be_visible()
