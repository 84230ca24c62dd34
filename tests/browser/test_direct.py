"""Two people in a direct conversation: an image and a video, seen live, with the badge."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def test_image_and_video_arrive_live_and_only_a_reader_elsewhere_gets_a_badge(
    new_page, transactional_db, settings, tmp_path
):
    UserFactory(username="himanshu", display_name="Himanshu")
    UserFactory(username="abhishek", display_name="Abhishek")
    sender = new_page()
    log_in(sender, "himanshu")
    sender.goto("/dm/abhishek/")
    expect(sender.locator("#connection")).to_have_attribute("data-state", "online")

    reader = new_page()
    log_in(reader, "abhishek")
    reader.goto("/dm/himanshu/")
    expect(reader.locator("#connection")).to_have_attribute("data-state", "online")
    badge = reader.locator("#notif-badge")
    expect(badge).to_be_hidden()

    sender.locator("#image-input").set_input_files(
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": png()}]
    )
    image = reader.locator("#messages li img.chat-image")
    expect(image).to_have_count(1)
    src = image.get_attribute("src")
    assert src.startswith("/attachments/")
    # the image really loads for the other party
    assert reader.evaluate("(src) => fetch(src).then(r => r.status)", src) == 200

    sender.get_by_role("button", name="Video link…").click()
    sender.get_by_label("YouTube or Vimeo link").fill("https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    sender.get_by_role("button", name="Share video").click()
    video = reader.locator("#messages li iframe.chat-video")
    expect(video).to_have_count(1)
    expect(video).to_have_attribute("src", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")

    # B7: the reader has the conversation open: no notification for what they see arrive.
    expect(badge).to_be_hidden()
    reader.goto("/")
    sender.locator("#message-input").fill("Are you there?")
    sender.locator("#message-input").press("Enter")
    expect(badge).to_be_visible()
    expect(badge).to_have_text("1")


def test_a_bad_video_link_is_refused_and_kept(new_page, transactional_db):
    UserFactory(username="himanshu")
    UserFactory(username="abhishek")
    page = new_page()
    log_in(page, "himanshu")
    page.goto("/dm/abhishek/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    page.get_by_role("button", name="Video link…").click()
    page.get_by_label("YouTube or Vimeo link").fill("https://example.org/not-a-video")
    page.get_by_role("button", name="Share video").click()
    expect(page.locator("#composer-error")).to_have_text(
        "The video source must be youtube or vimeo."
    )
    expect(page.get_by_label("YouTube or Vimeo link")).to_have_value(
        "https://example.org/not-a-video"
    )


def test_photos_lose_their_location_unless_the_sender_keeps_it(new_page, transactional_db):
    from rooms.tests.test_image_metadata import gps_of, photo_jpeg

    UserFactory(username="himanshu")
    UserFactory(username="abhishek")
    page = new_page()
    log_in(page, "himanshu")
    page.goto("/dm/abhishek/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    keep = page.get_by_label("Keep photo location and details")
    expect(keep).not_to_be_checked()
    photo = {"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()}
    images = page.locator("#messages li img.chat-image")
    page.locator("#image-input").set_input_files(files=[photo])
    expect(images).to_have_count(1)
    keep.check()
    page.locator("#image-input").set_input_files(files=[photo])
    expect(images).to_have_count(2)
    fetch = "(src) => fetch(src).then(r => r.arrayBuffer()).then(b => [...new Uint8Array(b)])"
    stripped, kept = (
        bytes(page.evaluate(fetch, images.nth(i).get_attribute("src"))) for i in range(2)
    )
    assert gps_of(stripped) == {}
    assert gps_of(kept)[1] == "N"  # GPSLatitudeRef: where it was taken
