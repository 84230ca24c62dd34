"""uchat on phones: Chromium finds the site installable (DevTools' installability check), the
user menu subscribes this device and stops it again, the service worker shows the offline page
when the network is gone, and a push delivered through the DevTools protocol is shown as a
notification by the service worker."""

import base64
import json
import os
import time

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from notifications.models import PushSubscription
from tests.browser.conftest import CHROMIUM, log_in

pytestmark = pytest.mark.browser


def poll(page, read, done, seconds=15.0):
    """``read()`` until ``done`` says yes; the wait lets Playwright hear DevTools events."""
    deadline = time.monotonic() + seconds
    value = read()
    while not done(value) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        value = read()
    return value


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _point() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


SUBSCRIPTION = {
    "endpoint": "https://fcm.googleapis.com/fcm/send/test-device",
    "expirationTime": None,
    "keys": {"p256dh": _b64url(_point()), "auth": _b64url(os.urandom(16))},
}
FAKE_PUSH_MANAGER = """(() => {
  let current = null;
  PushManager.prototype.subscribe = async function (options) {
    window.pushKeyBytes = options.applicationServerKey.byteLength;
    const json = SUBSCRIPTION;
    current = { endpoint: json.endpoint, toJSON: () => json, unsubscribe: async () => {
      current = null;
      return true;
    } };
    return current;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
})();"""


@pytest.fixture
def app_context(browser, live_server_url, tmp_path):
    """A browser profile of its own: Chromium never installs apps from an incognito context,
    which is what a plain new context is."""
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        base_url=live_server_url,
        viewport={"width": 390, "height": 844},
        color_scheme="light",
    )
    context.set_default_timeout(10000)
    context.grant_permissions(["notifications"], origin=live_server_url)
    yield context
    context.close()


def test_installable_offline_page_and_a_pushed_notification(
    app_context, live_server_url, transactional_db
):
    UserFactory(username="priya", display_name="Priya Patel")
    page = app_context.pages[0] if app_context.pages else app_context.new_page()
    log_in(page, "priya")
    active = poll(
        page,
        lambda: page.evaluate("navigator.serviceWorker.ready.then((r) => Boolean(r.active))"),
        bool,
    )
    assert active
    page.reload()  # now under the worker's control

    cdp = page.context.new_cdp_session(page)
    errors = poll(
        page,
        lambda: cdp.send("Page.getInstallabilityErrors")["installabilityErrors"],
        lambda value: value == [],
    )
    assert errors == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert not manifest["errors"]

    # The user menu subscribes this device and stops it again. Headless Chromium reaches no
    # real push service: its PushManager hands out the subscription a browser would.
    page.add_init_script(FAKE_PUSH_MANAGER.replace("SUBSCRIPTION", json.dumps(SUBSCRIPTION)))
    page.reload()
    toggle = page.locator("#push-toggle")
    page.get_by_test_id("nav-user").click()
    expect(toggle).to_have_text("Notify me on this device")
    toggle.click()
    expect(toggle).to_have_text("Stop notifications on this device")
    stored = PushSubscription.objects.get()
    assert (stored.endpoint, stored.user.username) == (SUBSCRIPTION["endpoint"], "priya")
    assert stored.session_hash  # a log-out on this device will remove it
    assert page.evaluate("window.pushKeyBytes") == 65  # the site's key, as bytes
    page.get_by_test_id("nav-user").click()  # the menu closed after the choice
    toggle.click()
    expect(toggle).to_have_text("Notify me on this device")
    assert not PushSubscription.objects.exists()

    # A push, delivered as a push service would, is shown by the worker.
    registrations = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    poll(page, lambda: registrations, bool)
    ours = [r for r in registrations if r["scopeURL"] == live_server_url + "/"]
    assert ours, registrations
    registration = ours[0]
    data = {"title": "Bob B.", "body": "Lunch at one?", "url": "/notifications/", "tag": "c-1"}
    script = """navigator.serviceWorker.ready
        .then((r) => r.getNotifications())
        .then((list) => list.map((n) =>
            ({title: n.title, body: n.body, tag: n.tag, url: n.data.url})))"""
    push = {
        "origin": live_server_url,
        "registrationId": registration["registrationId"],
        "data": json.dumps(data),
    }
    shown = []
    # A push that arrives while the permission is still being granted to the worker is
    # dropped; one tag, so a second delivery replaces the first rather than adding one.
    for _ in range(4):
        cdp.send("ServiceWorker.deliverPushMessage", push)
        shown = poll(page, lambda: page.evaluate(script), bool, seconds=4)
        if shown:
            break
    assert shown == [
        {
            "title": "Bob B.",
            "body": "Lunch at one?",
            "tag": "c-1",
            "url": f"{live_server_url}/notifications/",
        }
    ]

    # Offline: a page that cannot load shows the kept offline page, never a stored page.
    page.context.set_offline(True)
    page.goto("/notifications/")
    expect(page.get_by_role("heading", name="You're offline")).to_be_visible()
    expect(page.get_by_text("Priya")).to_have_count(0)
    page.context.set_offline(False)
    page.goto("/notifications/")
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
