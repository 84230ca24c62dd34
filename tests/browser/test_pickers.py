"""The pickers, as people use them: the emoji picker for reactions (any emoji, found by
search, live in the other window) and for the composer, the quick switcher (Ctrl/Cmd+K), and
member chips when creating a room. Esc closes each and the focus stays where the action was."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from rooms import services
from rooms.models import Conversation
from tests.browser.conftest import log_in, run_outside_loop
from tests.browser.test_accessibility import axe_path  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def people(transactional_db):
    return (
        UserFactory(username="alice", display_name="Alice Adams"),
        UserFactory(username="bob", display_name="Bob Brown"),
    )


def open_room(new_page, username, room, **options):
    page = new_page(**options)
    log_in(page, username)
    page.goto(f"/rooms/{room.pk}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return page


def test_any_emoji_found_by_search_reacts_live_and_the_composer_inserts_at_the_caret(
    new_page, people
):
    alice, bob = people
    room = run_outside_loop(services.room_create, creator=alice, name="Launch", members=[bob])
    message, _ = run_outside_loop(
        services.message_create, conversation=room, sender=bob, body="We are live"
    )
    mine, theirs = open_room(new_page, "alice", room), open_room(new_page, "bob", room)

    line = mine.locator(f"#messages li[data-id='{message.pk}']")
    add = line.get_by_role("button", name="Add a reaction")
    line.hover()  # the message's toolbar shows on hover
    add.click()
    quick = mine.get_by_role("group", name="Choose a reaction")
    expect(quick.get_by_role("button")).to_have_count(7)  # six emoji and "more"
    mine.keyboard.press("Escape")  # Esc closes; the focus is back on the button
    expect(quick).to_have_count(0)
    expect(add).to_be_focused()

    add.click()
    quick.get_by_role("button", name="More emoji").click()
    picker = mine.get_by_role("dialog", name="Choose a reaction")
    search = picker.get_by_role("searchbox", name="Search emoji")
    expect(search).to_be_focused()
    expect(picker.get_by_role("group", name="Smileys & Emotion")).to_be_visible()  # loaded
    search.fill("rocket")
    expect(picker.get_by_role("button", name="rocket", exact=True)).to_be_visible()
    mine.keyboard.press("ArrowDown")  # into the grid
    expect(picker.get_by_role("button", name="rocket", exact=True)).to_be_focused()
    mine.keyboard.press("Enter")
    expect(picker).to_have_count(0)
    expect(line.get_by_role("button", name="🚀 1, take back yours")).to_be_visible()
    expect(add).to_be_focused()
    # Bob sees it live.
    expect(
        theirs.locator(f"#messages li[data-id='{message.pk}']").get_by_role(
            "button", name="🚀 1, react too"
        )
    ).to_be_visible()
    # The quick row now offers it first (recently used).
    add.click()
    expect(quick.get_by_role("button").first).to_have_text("🚀")
    mine.keyboard.press("ArrowRight")
    expect(quick.get_by_role("button").nth(1)).to_be_focused()
    mine.keyboard.press("Escape")

    # The composer's button inserts where the caret is.
    box = mine.locator("#message-input")
    box.fill("Ship it now")
    box.evaluate("el => el.setSelectionRange(7, 7)")
    emoji_button = mine.get_by_role("button", name="Insert an emoji")
    emoji_button.click()
    picker = mine.get_by_role("dialog", name="Insert an emoji")
    picker.get_by_role("searchbox").fill("party popper")
    picker.get_by_role("button", name="party popper").first.click()
    expect(box).to_have_value("Ship it🎉 now")
    expect(box).to_be_focused()
    emoji_button.click()
    mine.keyboard.press("Escape")
    expect(picker).to_have_count(0)
    expect(emoji_button).to_be_focused()


def test_the_quick_switcher_opens_what_the_person_may_open(new_page, people):
    alice, bob = people
    run_outside_loop(services.room_create, creator=alice, name="Deploys", members=[bob])
    olga = UserFactory(username="olga", display_name="Olga")
    run_outside_loop(services.room_create, creator=olga, name="Deploy secrets", members=[])
    page = new_page()
    log_in(page, "alice")
    start = page.get_by_role("link", name="Create room").first
    start.focus()
    page.keyboard.press("Control+k")
    dialog = page.get_by_role("dialog", name="Jump to")
    expect(dialog).to_be_visible()
    box = dialog.get_by_role("combobox")
    expect(box).to_be_focused()
    expect(dialog.get_by_role("option", name=re.compile("Deploys"))).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(start).to_be_focused()

    page.keyboard.press("Control+k")
    box.fill("dep")
    options = dialog.get_by_role("option")
    expect(options).to_have_count(1)  # never the room she is not in
    expect(options.first).to_contain_text("Deploys")
    expect(options.first).to_contain_text("Room")
    box.fill("bob")
    expect(options.first).to_contain_text("Bob Brown")
    expect(options.first).to_contain_text("Person")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dm/bob/")

    # By mouse: the button in the navigation bar, then a click on a line.
    page.get_by_role("button", name=re.compile("Jump to a conversation")).click()
    dialog.get_by_role("combobox").fill("deploys")
    dialog.get_by_role("option", name=re.compile("Deploys")).click()
    room = Conversation.objects.get(name="Deploys")
    page.wait_for_url(f"**/rooms/{room.pk}/")


def test_members_are_chosen_as_chips_when_creating_a_room(new_page, people):
    alice, bob = people
    carol = UserFactory(username="carol", display_name="Carol Chen")
    # Alice may see the people she shares a room with in the suggestions.
    run_outside_loop(services.room_create, creator=alice, name="Hall", members=[bob, carol])
    page = new_page()
    log_in(page, "alice")
    page.goto("/rooms/new/")
    page.locator("#id_name").fill("Book club")
    members = page.get_by_role("combobox", name="Members")
    members.press_sequentially("bo")
    suggestion = page.get_by_role("option", name=re.compile("Bob Brown"))
    expect(suggestion).to_be_visible()
    members.press("Enter")
    chips = page.get_by_role("list", name="Members: chosen").get_by_role("listitem")
    expect(chips).to_have_text(["BBob Brown"])
    expect(members).to_have_value("")
    members.press_sequentially("car")
    page.get_by_role("option", name=re.compile("Carol Chen")).click()
    expect(chips).to_have_count(2)
    members.press("Backspace")  # an empty box: the last chip goes
    expect(chips).to_have_count(1)
    members.press_sequentially("carol,")  # a comma ends a name too
    expect(chips).to_have_count(2)
    page.get_by_role("button", name="Remove Bob Brown").click()
    expect(chips).to_have_count(1)
    expect(members).to_be_focused()
    members.press_sequentially("bo")
    members.press("Enter")  # before the suggestions showed: the first one all the same
    expect(chips).to_have_text(["Ccarol", "BBob Brown"])
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Book club")).to_be_visible()
    room = Conversation.objects.get(name="Book club")
    assert set(room.memberships.values_list("user__username", flat=True)) == {
        "alice", "bob", "carol"
    }  # fmt: skip


def test_the_open_pickers_pass_axe_in_both_themes(new_page, people, axe_path):  # noqa: F811
    alice, bob = people
    carol = UserFactory(username="carol", display_name="Carol Chen")
    room = run_outside_loop(
        services.room_create, creator=alice, name="Launch", members=[bob, carol]
    )
    run_outside_loop(services.message_create, conversation=room, sender=bob, body="Hello")
    page = new_page(bypass_csp=True)
    log_in(page, "alice")
    found = {}

    def check(what, selector):
        """axe on the open picker alone (the pages' own checks are test_accessibility's)."""
        for theme in ("light", "dark"):
            page.evaluate(f"document.documentElement.setAttribute('data-bs-theme', '{theme}')")
            page.add_script_tag(path=axe_path)
            problems = page.evaluate(
                """async (selector) => (await axe.run({ include: [[selector]] })).violations
                    .map((v) => ({ id: v.id, nodes: v.nodes.slice(0, 3).map((n) => n.target) }))""",
                selector,
            )
            if problems:
                found[f"{what} ({theme})"] = problems

    page.goto(f"/rooms/{room.pk}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    page.get_by_role("button", name="Insert an emoji").click()
    picker = page.get_by_role("dialog", name="Insert an emoji")
    picker.get_by_role("searchbox").fill("heart")
    page.keyboard.press("ArrowDown")
    check("emoji picker", ".emoji-picker")
    page.keyboard.press("Escape")
    page.locator("#messages li.message").first.hover()  # its toolbar shows on hover
    page.get_by_role("button", name="Add a reaction").click()
    check("quick row", ".reaction-palette")
    page.keyboard.press("Escape")
    page.keyboard.press("Control+k")
    page.get_by_role("dialog", name="Jump to").get_by_role("combobox").fill("la")
    expect(page.get_by_role("option", name=re.compile("Launch"))).to_be_visible()
    check("switcher", "dialog.switcher")
    page.keyboard.press("Escape")
    page.goto("/rooms/new/")
    members = page.get_by_role("combobox", name="Members")
    members.press_sequentially("bo")
    members.press("Enter")
    members.press_sequentially("c")
    expect(page.get_by_role("option").first).to_be_visible()
    check("chips", ".chip-field")
    assert found == {}, found
