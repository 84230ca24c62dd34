"""axe-core (its npm package, tests/browser/package.json, installed by bin/test) finds no
violation on any page: every rule axe runs by default (WCAG 2 A and AA and its best
practices), for visitors, members, agents and admins, at desktop and phone widths, in the light
and the dark colour mode (the system's, which "auto" follows: contrast is checked against the
tokens of each), with messages, reactions, replies, files and tickets on the pages."""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from accounts.tests.factories import UserFactory
from integrations.models import OutgoingWebhook, WebhookDelivery
from integrations.services import incoming
from rooms import services
from rooms.services import invites as invite_services
from tests.browser.conftest import log_in, run_outside_loop
from tickets import services as desk
from tickets.tests.factories import AgentFactory

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
RUN = """async () => {
    const result = await axe.run(document);
    return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
}"""


@pytest.fixture
def axe_path():
    if not AXE.is_file():
        if os.environ.get("UCHAT_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{AXE} is missing: bin/test installs it with npm ci")
        pytest.skip("axe-core is not installed (npm ci in tests/browser)")
    return str(AXE)


def violations(page, axe_path, path):
    response = page.goto(path)
    assert response is not None
    page.wait_for_load_state("networkidle")
    scheme = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'")
    assert page.evaluate("document.documentElement.dataset.bsTheme") == scheme, path
    page.add_script_tag(path=axe_path)  # the page's CSP is bypassed for this context only
    return page.evaluate(RUN)


def check_pages(page, axe_path, paths):
    found = {}
    for path in paths:
        problems = violations(page, axe_path, path)
        if problems:
            found[path] = problems
    assert found == {}, found


@pytest.fixture
def desk_world(transactional_db, settings):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    admin = UserFactory(username="himanshu", display_name="Himanshu Ranjan", staff=True)
    member = UserFactory(username="abhishek", display_name="Abhishek Kumar")
    agent = AgentFactory(username="priya", display_name="Sakthi Priya")
    room = run_outside_loop(
        services.room_create, creator=member, name="General", topic="Everything", members=[admin],
        visibility="public",
    )  # fmt: skip
    # A public room the member is not in: the directory's Join, the "You are not in" page.
    news = run_outside_loop(
        services.room_create, creator=admin, name="News", topic="For everyone", visibility="public"
    )
    first, _ = run_outside_loop(
        services.message_create, conversation=room, sender=admin, body="Hello **team**, @abhishek"
    )
    run_outside_loop(
        services.message_create, conversation=room, sender=member, body="Hi!", reply_to=first.pk
    )
    run_outside_loop(services.reaction_set, message_id=first.pk, user=member, emoji="👍", on=True)
    for also in (False, True):  # a thread: its reply line, and a reply also in the room
        run_outside_loop(
            services.message_create,
            conversation=room,
            sender=member,
            body="In a thread",
            thread=first.pk,
            also_to_room=also,
        )
    direct = run_outside_loop(services.direct_conversation_get_or_create, user=member, other=admin)
    run_outside_loop(services.message_create, conversation=direct, sender=admin, body="psst")
    ticket = run_outside_loop(
        desk.ticket_open, customer=member, subject="Parcel lost", description="Where is it?"
    )
    run_outside_loop(desk.ticket_assign, ticket=ticket, agent=agent, actor=admin)
    from usergroups import services as groups  # the Groups page with a group on it

    run_outside_loop(
        groups.group_create, creator=admin, name="support", description="First line",
        members=[admin, member],
    )  # fmt: skip
    _, invite = run_outside_loop(
        invite_services.invite_create,
        room=room, actor=member, expires_in=86400, max_uses=5, guest=True,
    )  # fmt: skip
    # The room's Integrations panel (its edit page) and the staff page, with hooks in them.
    run_outside_loop(incoming.incoming_webhook_create, room=room, creator=member, name="CI")
    for owner, scope, active in ((member, room, False), (admin, None, True)):
        hook = OutgoingWebhook.objects.create(
            owner=owner, conversation=scope, url="https://hooks.example.com/in",
            events=["message.created"], secret_salt="s", active=active,
            disabled_reason="" if active else "10 failed deliveries in a row (last: HTTP 503)",
        )  # fmt: skip
        for status in (200, 503, None):
            WebhookDelivery.objects.create(
                webhook=hook, event="message.created", delivery_id="d", status_code=status,
                error="" if status else "ConnectTimeout: timed out",
            )  # fmt: skip
    return {
        "admin": admin,
        "member": member,
        "room": room,
        "ticket": ticket,
        "root": first,
        "news": news,
        "invite": f"/invite/{invite}/",
    }


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_visitors_pages(new_page, axe_path, transactional_db, theme):
    page = new_page(bypass_csp=True, color_scheme=theme)
    check_pages(
        page,
        axe_path,
        ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"],
    )


# Both widths in light, the desktop in dark: the colours are the same tokens at any width.
@pytest.mark.parametrize(("width", "theme"), [(1280, "light"), (390, "light"), (1280, "dark")])
def test_members_pages(new_page, axe_path, desk_world, width, theme):
    page = new_page(bypass_csp=True, viewport={"width": width, "height": 844}, color_scheme=theme)
    log_in(page, "abhishek")
    room, ticket = desk_world["room"], desk_world["ticket"]
    check_pages(
        page,
        axe_path,
        [
            "/",
            f"/rooms/{room.pk}/",
            f"/rooms/{room.pk}/?thread={desk_world['root'].pk}",  # the thread's pane open
            "/threads/",
            "/groups/",
            "/dm/himanshu/",
            "/search/?q=hello",
            "/search/?q=nothing-matches-this",
            "/notifications/",
            "/tickets/",
            "/tickets/new/",
            f"/tickets/{ticket.pk}/",
            "/rooms/new/",
            f"/rooms/{room.pk}/edit/",  # with the "Invite people" panel and a live link
            desk_world["invite"],  # the invite page of a member
            "/rooms/browse/",
            "/rooms/browse/?q=nothing-matches-this",
            f"/rooms/{desk_world['news'].pk}/",  # a public room they are not in
            "/accounts/profile/",
            "/bots/",  # a room admin may make bots
            "/accounts/password/change/",
            "/feedback/",
            "/no-such-page/",
        ],
    )


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_agents_and_admins_pages(new_page, axe_path, desk_world, theme):
    ticket = desk_world["ticket"]
    agent = new_page(bypass_csp=True, color_scheme=theme)
    log_in(agent, "priya")
    check_pages(
        agent, axe_path, ["/", "/tickets/inbox/", f"/tickets/inbox/?ticket={ticket.pk}",
                          f"/tickets/{ticket.pk}/", desk_world["invite"]]
    )  # fmt: skip
    # The invite page for a visitor (sign up or log in to join, as a guest), and a dead link.
    visitor = new_page(bypass_csp=True, color_scheme=theme)
    check_pages(visitor, axe_path, [desk_world["invite"], "/invite/no-such-link/"])
    admin = new_page(bypass_csp=True, color_scheme=theme)
    log_in(admin, "himanshu")
    assert not django_settings.DEBUG
    check_pages(
        admin,
        axe_path,
        [
            "/",
            "/tickets/",
            "/tickets/reports/",
            "/tickets/agents/new/",
            f"/tickets/{ticket.pk}/",
            "/integrations/",
        ],
    )


def test_a_page_with_a_violation_is_caught(new_page, axe_path, transactional_db):
    """The check itself can fail: an image without a text alternative is reported."""
    page = new_page(bypass_csp=True)
    page.goto("/accounts/login/")
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    page.add_script_tag(path=axe_path)
    assert "image-alt" in {v["id"] for v in page.evaluate(RUN)}


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_open_user_menu(new_page, axe_path, transactional_db, theme):
    """The user menu open, one item hovered and one focused (the theme choices among them)."""
    UserFactory(username="abhishek", display_name="Abhishek Kumar")
    page = new_page(bypass_csp=True, color_scheme=theme)
    log_in(page, "abhishek")
    page.get_by_test_id("nav-user").click()
    page.get_by_role("radio", name="Auto (system)").hover()
    page.get_by_role("radio", name="Dark").focus()
    page.add_script_tag(path=axe_path)
    assert page.evaluate(RUN) == []
