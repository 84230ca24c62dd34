"""Invite links in the browser: a room admin makes one on the room's page, a new person signs
up through it and lands in the room while the admin watches them join; a guest link's guest
sees only their room and cannot message anyone outside it."""

import re
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from accounts.models import User
from accounts.tests.factories import UserFactory
from rooms import services
from rooms.models import Invite
from rooms.services import invites as invite_services
from tests.browser.conftest import log_in, run_outside_loop

pytestmark = pytest.mark.browser


@pytest.fixture
def room(transactional_db):
    admin = UserFactory(username="himanshu", display_name="Himanshu")
    UserFactory(username="stan", display_name="Stan Outsider")
    return run_outside_loop(services.room_create, creator=admin, name="Coding Group")


def sign_up_and_log_in(page, mail_dir: Path, username: str) -> None:
    """From the invite page: sign up, confirm the e-mail's link, log in."""
    page.get_by_role("link", name="Sign up to join").click()
    page.get_by_label("First name").fill(username.capitalize())
    page.get_by_label("Last name").fill("Newcomer")
    page.locator("#id_username").fill(username)
    page.locator("#id_email").fill(f"{username}@example.com")
    page.locator("#id_password1").fill("a-long-pass-42")
    page.locator("#id_password2").fill("a-long-pass-42")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    mails = "\n".join(p.read_text() for p in mail_dir.iterdir())
    found = re.search(r"http://127\.0\.0\.1:\d+(/accounts/confirm-email/\S+)", mails)
    assert found, mails
    page.goto(found.group(1))
    page.get_by_role("button", name="Confirm").click()
    log_in(page, username, "a-long-pass-42")


def test_admin_makes_a_link_and_a_new_person_signs_up_into_the_room(new_page, room, clean_mail):
    admin = new_page()
    admin.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(admin, "himanshu")
    admin.goto(f"/rooms/{room.pk}/edit/")
    panel = admin.locator("[data-invite-panel]")
    expect(panel.get_by_role("heading", name="Invite people")).to_be_visible()
    expect(panel.get_by_text("No live links.")).to_be_visible()
    panel.get_by_label("Expires after").select_option(label="1 day")
    panel.get_by_label("Max uses").select_option(label="5 uses")
    panel.get_by_role("button", name="Create link").click()
    link = panel.locator("#invite-new-url")
    expect(link).to_have_value(re.compile(r"^http://.+/invite/[\w-]{40,}/$"))
    panel.get_by_role("button", name="Copy").click()
    expect(panel.get_by_role("button", name="Copied")).to_be_visible()
    assert admin.evaluate("navigator.clipboard.readText()") == link.input_value()
    expect(panel.locator(".invite-row")).to_have_count(1)
    expect(panel.locator(".invite-row")).to_contain_text("0 of 5 uses")
    expect(panel.locator(".invite-row")).to_contain_text("expires in 1 day")
    path = re.sub(r"^https?://[^/]+", "", link.input_value())

    # The admin watches the room in another tab.
    watching = admin.context.new_page()
    watching.goto(f"/rooms/{room.pk}/")
    expect(watching.locator("#connection")).to_have_attribute("data-state", "online")

    newcomer = new_page()
    newcomer.goto(path)
    expect(newcomer.get_by_role("heading", name="Join #Coding Group")).to_be_visible()
    expect(newcomer.get_by_text("Invited by Himanshu")).to_be_visible()
    sign_up_and_log_in(newcomer, clean_mail, "nina")
    expect(newcomer).to_have_url(re.compile(rf"/rooms/{room.pk}/$"))
    expect(newcomer.locator("#connection")).to_have_attribute("data-state", "online")
    expect(watching.locator("#members li", has_text="Nina Newcomer")).to_be_visible()
    assert not User.objects.get(username="nina").is_guest
    assert Invite.objects.get().uses == 1

    # The panel counts the use; revoking empties it, and the link stops working.
    admin.reload()
    expect(panel.locator(".invite-row")).to_contain_text("1 of 5 uses")
    panel.get_by_role("button", name=re.compile("Revoke")).click()
    expect(panel.get_by_text("No live links.")).to_be_visible()
    late = new_page()
    late.goto(path)
    expect(late.get_by_role("heading", name="This invite link was revoked.")).to_be_visible()


def _directory_path() -> str | None:
    """The room directory's page (R1's), when this tree has it."""
    for name in ("rooms:directory", "rooms:browse"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def test_a_guest_sees_only_their_room(new_page, room, clean_mail):
    admin = User.objects.get(username="himanshu")
    _, token = run_outside_loop(
        invite_services.invite_create,
        room=room, actor=admin, expires_in=86400, max_uses=1, guest=True,
    )  # fmt: skip
    guest = new_page()
    guest.goto(f"/invite/{token}/")
    expect(guest.get_by_text("You will join as a guest")).to_be_visible()
    sign_up_and_log_in(guest, clean_mail, "gwen")
    expect(guest).to_have_url(re.compile(rf"/rooms/{room.pk}/$"))
    assert User.objects.get(username="gwen").is_guest
    expect(guest.locator("#members li", has_text="Himanshu")).to_be_visible()

    # No way to the directory.
    expect(guest.get_by_role("link", name=re.compile("browse rooms", re.I))).to_have_count(0)
    directory = _directory_path()
    if directory is not None:
        response = guest.goto(directory)
        assert response is not None
        assert response.status == 403
    # No message to someone outside the room, by address or through the switcher.
    guest.goto("/dm/stan/")
    expect(
        guest.get_by_text("As a guest you can message only people in your rooms.")
    ).to_be_visible()
    assert re.search(r":\d+/$", guest.url), guest.url  # back on the dashboard
    found = guest.request.get("/api/switcher?q=stan").json()["results"]
    assert [r for r in found if r["kind"] == "person"] == []
    # The room admin is a room-mate: messaging them works.
    guest.goto("/dm/himanshu/")
    expect(guest.locator("#message-input")).to_be_visible()
