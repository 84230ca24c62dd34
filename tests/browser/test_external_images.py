"""An image shared by URL (the API's image content) is a link on the page, never loaded: the
reader's browser makes no request to the image's host, so that host never learns who read it."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from rooms import services
from tests.browser.conftest import log_in, run_outside_loop

pytestmark = pytest.mark.browser


def test_an_image_by_url_is_a_link_and_is_never_fetched(new_page, transactional_db):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    room = run_outside_loop(services.room_create, creator=alice, name="Photos", members=[bob])
    content = {"type": "image", "url": "http://127.0.0.9:9/tracker.png", "width": 10, "height": 10}
    run_outside_loop(services.message_create, conversation=room, sender=alice, content=content)
    reader = new_page()
    requested: list[str] = []
    reader.on("request", lambda request: requested.append(request.url))
    log_in(reader, "bob")
    reader.goto(f"/rooms/{room.pk}/")
    link = reader.locator("#messages a.chat-image-link")
    expect(link).to_have_count(1)
    expect(link).to_contain_text("127.0.0.9:9")
    expect(reader.locator("#messages img")).to_have_count(0)
    assert not [url for url in requested if "127.0.0.9" in url]
