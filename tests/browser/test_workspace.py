"""The conversation pages as a team uses them all day, in two windows: the sidebar (live
unread counts and presence), the details panel, the phone layout, search then jump, files
by paste and drag with progress and cancel, replies, keyboard-only edit and delete, and one
socket per tab."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from rooms import services
from rooms.models import Message
from tests.browser.conftest import log_in, run_outside_loop

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def team(transactional_db, settings):
    settings.UCHAT_MESSAGE_RATE = 100_000  # the fixtures send many messages as one person
    himanshu = UserFactory(username="himanshu", display_name="Himanshu Ranjan")
    abhishek = UserFactory(username="abhishek", display_name="Abhishek Kumar")
    general = run_outside_loop(
        services.room_create, creator=himanshu, name="General", members=[abhishek]
    )
    random = run_outside_loop(
        services.room_create, creator=himanshu, name="Random", members=[abhishek]
    )
    return himanshu, abhishek, general, random


def say(room, sender, body, **extra):
    message, _ = run_outside_loop(
        services.message_create, conversation=room, sender=sender, body=body, **extra
    )
    return message


def opened(new_page, username, path, **options):
    page = new_page(**options)
    log_in(page, username)
    page.goto(path)
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return page


def test_sidebar_counts_unread_live_shows_presence_and_the_details_panel_collapses(new_page, team):
    himanshu, abhishek, general, random = team
    direct = run_outside_loop(
        services.direct_conversation_get_or_create, user=himanshu, other=abhishek
    )
    say(direct, abhishek, "hi there")
    reader = opened(
        new_page, "himanshu", f"/rooms/{general.pk}/", viewport={"width": 1280, "height": 800}
    )
    sidebar = reader.locator("#sidebar")
    expect(sidebar).to_be_visible()
    expect(sidebar.get_by_role("link", name=re.compile("General"))).to_have_attribute(
        "aria-current", "page"
    )
    expect(reader.locator("#room-name")).to_have_text("#General")
    dm_link = sidebar.locator(f'.sidebar-link[data-conversation="{direct.pk}"]')
    expect(dm_link).to_contain_text("Abhishek Kumar")
    expect(dm_link.locator(".presence-dot")).not_to_have_class(re.compile(r"\bonline\b"))

    writer = opened(new_page, "abhishek", f"/rooms/{random.pk}/")
    # Abhishek came online: the dot beside his name turns green in the other window.
    expect(dm_link.locator(".presence-dot")).to_have_class(re.compile(r"\bonline\b"))
    writer.locator("#message-input").fill("over in random")
    writer.locator("#message-input").press("Enter")
    writer.locator("#message-input").fill("and again")
    writer.locator("#message-input").press("Enter")
    random_link = sidebar.locator(f'.sidebar-link[data-conversation="{random.pk}"]')
    expect(random_link.locator(".unread")).to_have_text("2 unread")
    # The open conversation's own messages are read, not counted.
    writer.goto(f"/rooms/{general.pk}/")
    expect(writer.locator("#connection")).to_have_attribute("data-state", "online")  # scripts ran
    writer.locator("#message-input").fill("here too")
    writer.locator("#message-input").press("Enter")
    expect(reader.locator("#messages li.message").last).to_contain_text("here too")
    general_link = sidebar.locator(f'.sidebar-link[data-conversation="{general.pk}"]')
    expect(general_link.locator(".unread")).to_be_hidden()
    writer.context.close()
    expect(dm_link.locator(".presence-dot")).not_to_have_class(
        re.compile(r"\bonline\b"), timeout=15000
    )

    # The details panel: members and files; collapsed and opened again from the header.
    details = reader.locator("#details")
    expect(details.get_by_role("heading", name="Members")).to_be_visible()
    reader.get_by_role("button", name="Details").click()
    expect(details).to_be_hidden()
    expect(reader.get_by_role("button", name="Details")).to_have_attribute("aria-expanded", "false")
    reader.get_by_role("button", name="Details").click()
    expect(details.locator("#members li")).to_have_count(2)


def test_phone_layout_keeps_header_and_composer_and_slides_the_sidebar_in(new_page, team):
    himanshu, abhishek, general, random = team
    for i in range(40):
        say(general, abhishek, f"line {i}")
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    page = opened(new_page, "himanshu", f"/rooms/{general.pk}/", **phone)
    size = page.viewport_size
    for selector in ("#room-name", "#message-input", "#notif-badge + *, .navbar-brand"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None, selector
        assert 0 <= box["y"] <= box["y"] + box["height"] <= size["height"], selector
    assert page.locator("#message-input").bounding_box()["y"] > size["height"] / 2
    assert page.evaluate("document.scrollingElement.scrollTop") == 0
    expect(page.locator("#sidebar")).to_be_hidden()
    page.get_by_role("button", name="Open the conversation list").tap()
    expect(page.locator("#sidebar")).to_be_visible()
    page.locator("#sidebar").get_by_role("link", name=re.compile("Random")).tap()
    expect(page).to_have_url(re.compile(f"/rooms/{random.pk}/$"))
    # The notification badge is not hidden in the collapsed menu.
    direct = run_outside_loop(
        services.direct_conversation_get_or_create, user=abhishek, other=himanshu
    )
    say(direct, abhishek, "ping")
    expect(page.locator("#notif-badge")).to_be_visible()
    expect(page.locator("#notif-badge")).to_have_text("1")


def test_search_then_jump_to_the_hit_and_read_on_to_the_present(new_page, team):
    _himanshu, abhishek, general, random = team
    hit = say(general, abhishek, "The invoice for the **zeppelin** order is attached")
    for i in range(70):
        say(general, abhishek, f"filler {i}")
    secret = run_outside_loop(services.room_create, creator=abhishek, name="Secret", members=[])
    say(secret, abhishek, "zeppelin secrets")
    page = opened(new_page, "himanshu", f"/rooms/{random.pk}/")
    page.get_by_role("searchbox", name="Search messages").first.fill("zeppelin")
    page.get_by_role("searchbox", name="Search messages").first.press("Enter")
    results = page.locator("#search-results li")
    expect(results).to_have_count(1)  # not the room he is not in
    expect(results.first.locator("mark")).to_have_text("zeppelin")
    expect(results.first).to_contain_text("General")
    results.first.get_by_role("link", name=re.compile("Jump to message")).click()
    target = page.locator(f"#message-{hit.pk}")
    expect(target).to_be_in_viewport()
    expect(target).to_have_class(re.compile(r"\btarget\b"))
    expect(target.locator(".body strong")).to_have_text("zeppelin")
    # No gap on the way back to the present: every filler once, in order.
    newer = page.get_by_role("button", name="Load newer messages")
    while newer.is_visible():
        newer.click()
        page.wait_for_timeout(200)
    bodies = page.locator("#messages li.message .body").all_inner_texts()
    fillers = [b for b in bodies if b.startswith("filler")]
    assert fillers == [f"filler {i}" for i in range(70)]
    # Now live again: the other window's message arrives.
    other = opened(new_page, "abhishek", f"/rooms/{general.pk}/")
    other.locator("#message-input").fill("back to the present")
    other.locator("#message-input").press("Enter")
    expect(page.locator("#messages li.message").last).to_contain_text("back to the present")


def paste_file(page, name, mime, data: bytes):
    page.locator("#message-input").focus()
    page.evaluate(
        """([name, mime, bytes]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], name, { type: mime }));
            const event = new ClipboardEvent(
                "paste", { clipboardData: transfer, bubbles: true, cancelable: true });
            document.getElementById("message-input").dispatchEvent(event);
        }""",
        [name, mime, list(data)],
    )


def test_paste_and_drop_files_with_progress_and_cancel(new_page, team):
    _himanshu, _abhishek, general, _random = team
    sender = opened(new_page, "himanshu", f"/rooms/{general.pk}/")
    reader = opened(new_page, "abhishek", f"/rooms/{general.pk}/")

    sender.locator("#message-input").fill("the caption stays")
    paste_file(sender, "report.pdf", "application/pdf", PDF)
    card = reader.locator("#messages li.message a.file-card")
    expect(card).to_contain_text("report.pdf")
    expect(sender.locator("#message-input")).to_have_value("the caption stays")
    expect(reader.locator("#files")).to_contain_text("report.pdf")
    download = reader.request.get(card.get_attribute("href"))
    assert download.status == 200
    assert download.headers["content-disposition"].startswith("attachment;")
    assert 'filename="report.pdf"' in download.headers["content-disposition"]
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.body() == PDF

    # Dropped onto the conversation: a text file.
    sender.evaluate(
        """() => {
            const transfer = new DataTransfer();
            transfer.items.add(
                new File(["line one\\nline two\\n"], "notes.txt", { type: "text/plain" }));
            const zone = document.querySelector(".conversation-body");
            const options = { dataTransfer: transfer, bubbles: true, cancelable: true };
            zone.dispatchEvent(new DragEvent("dragover", options));
            zone.dispatchEvent(new DragEvent("drop", options));
        }"""
    )
    expect(reader.locator("#messages li.message a.file-card").last).to_contain_text("notes.txt")

    # A program is refused by its bytes, whatever it is called; nothing is stored.
    paste_file(sender, "harmless.pdf", "application/pdf", b"MZ\x90\x00" + b"\x00" * 200)
    expect(sender.locator("#composer-error")).to_contain_text("not accepted")
    assert Message.objects.filter(conversation=general).count() == 2

    # A slow upload shows its progress and can be cancelled: nothing arrives.
    cdp = sender.context.new_cdp_session(sender)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 50, "downloadThroughput": -1, "uploadThroughput": 40_000},
    )
    big = PDF + b"%" + b"x" * 1_500_000 + b"\n"
    paste_file(sender, "big.pdf", "application/pdf", big)
    item = sender.locator("#upload-tray li")
    expect(item).to_contain_text("big.pdf")
    sender.wait_for_function(
        "() => (document.querySelector('#upload-tray progress') || {}).value > 0"
    )
    item.get_by_role("button", name=re.compile("Cancel uploading")).click()
    expect(item).to_have_count(0)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    sender.wait_for_timeout(1500)
    assert Message.objects.filter(conversation=general).count() == 2
    expect(reader.locator("#messages li.message")).to_have_count(2)


def test_reply_quotes_the_message_and_keyboard_alone_edits_and_deletes(new_page, team):
    _himanshu, abhishek, general, _random = team
    question = say(general, abhishek, "Who is on call tonight?")
    writer = opened(new_page, "himanshu", f"/rooms/{general.pk}/")
    reader = opened(new_page, "abhishek", f"/rooms/{general.pk}/")
    # Keyboard only: Tab reaches the question's Reply button.
    original = writer.locator(f"#message-{question.pk}")
    reply = original.get_by_role("button", name="Reply", exact=True)
    reply.focus()
    expect(reply).to_be_focused()
    writer.keyboard.press("Enter")
    expect(writer.locator("#reply-bar")).to_contain_text("Replying to Abhishek Kumar")
    writer.keyboard.type("I am")
    writer.keyboard.press("Enter")
    answer = reader.locator("#messages li.message").last
    expect(answer.locator(".reply-quote")).to_contain_text("Abhishek Kumar Who is on call tonight?")
    expect(writer.locator("#reply-bar")).to_be_hidden()
    stored = Message.objects.get(body="I am")
    assert stored.reply_to_id == question.pk

    # Edit and delete with the keyboard alone: focus, Enter, type, Enter.
    mine = writer.locator(f"#message-{stored.pk}")
    edit = mine.get_by_role("button", name="Edit")
    edit.focus()
    writer.keyboard.press("Enter")
    box = mine.get_by_label("Edit message")
    expect(box).to_be_focused()
    box.press("Control+a")
    writer.keyboard.type("I am, until 2 am")
    writer.keyboard.press("Tab")
    writer.keyboard.press("Enter")  # Save
    expect(answer.locator(".body")).to_have_text("I am, until 2 am (edited)")
    writer.once("dialog", lambda dialog: dialog.accept())
    delete = writer.locator(f"#message-{stored.pk}").get_by_role("button", name="Delete")
    delete.focus()
    writer.keyboard.press("Enter")
    expect(reader.locator(f"#message-{stored.pk} .body")).to_have_text("message deleted")


def test_one_socket_per_tab_carries_the_conversation_and_the_sidebar(new_page, team):
    _himanshu, abhishek, general, random = team
    login = new_page()
    log_in(login, "himanshu")
    page = login.context.new_page()  # a tab of its own, logged in
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(f"/rooms/{general.pk}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    login.close()
    page.wait_for_timeout(500)
    assert len(sockets) == 1
    assert sockets[0].endswith("/ws/me/")
    say(general, abhishek, "in the open room")
    say(random, abhishek, "in the other room")
    expect(page.locator("#messages li.message").last).to_contain_text("in the open room")
    expect(page.locator(f'.sidebar-link[data-conversation="{random.pk}"] .unread')).to_have_text(
        "1 unread"
    )
    expect(page.locator("#messages")).not_to_contain_text("in the other room")
    assert len(sockets) == 1
