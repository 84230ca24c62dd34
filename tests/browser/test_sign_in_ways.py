"""Sign-up and log-in as a new person meets them, in Chromium against a live server that has
GitHub log-in switched on (against a fake GitHub on loopback: no network) and texts codes to
files: a social sign-up, a phone sign-up and log-in by code, the guided tour, and e-mails that
name the site."""

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import expect

from accounts.models import User
from accounts.site import site_identity_sync
from tests.browser.conftest import LiveServer, run_outside_loop

pytestmark = pytest.mark.browser
SITE = "Acme Help"


class FakeGitHub(BaseHTTPRequestHandler):
    """GitHub's OAuth endpoints as allauth calls them (GITHUB_URL, as for GitHub Enterprise):
    consent is granted at once, and the person is Octo Dev with a verified address."""

    def _json(self, payload: object) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path == "/login/oauth/authorize":
            query = parse_qs(url.query)
            back = (
                query["redirect_uri"][0]
                + "?"
                + urlencode({"code": "granted", "state": query["state"][0]})
            )
            self.send_response(302)
            self.send_header("Location", back)
            self.end_headers()
        elif url.path == "/api/v3/user":
            self._json({"id": 77, "login": "octodev", "name": "Octo Dev", "email": None})
        elif url.path == "/api/v3/user/emails":
            self._json([{"email": "octo@gh.example", "primary": True, "verified": True}])
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/login/oauth/access_token"):
            self._json({"access_token": "gh-token", "token_type": "bearer"})
        else:
            self.send_error(404)

    def log_message(self, *args: object) -> None:
        pass


class SignInServer(LiveServer):
    """The live server, and the folders its e-mails and texts land in."""

    def __init__(self, log_dir: Path, mail: Path, texts: Path, **env_overrides: str) -> None:
        super().__init__(log_dir, mail, **env_overrides)
        self.mail, self.texts = mail, texts


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    github = ThreadingHTTPServer(("127.0.0.1", 0), FakeGitHub)
    threading.Thread(target=github.serve_forever, daemon=True).start()
    folder = tmp_path_factory.mktemp("sign-in-ways")
    mail, texts = folder / "mail", folder / "sms"
    mail.mkdir()
    live = SignInServer(
        folder,
        mail,
        texts,
        UCHAT_SITE_NAME=SITE,
        UCHAT_GITHUB_CLIENT_ID="uchat-test",
        UCHAT_GITHUB_CLIENT_SECRET="not-secret",
        UCHAT_GITHUB_URL=f"http://127.0.0.1:{github.server_port}",
        UCHAT_SMS_BACKEND="file",
        UCHAT_SMS_FILE_PATH=str(texts),
    )
    yield live
    live.stop()
    github.shutdown()


@pytest.fixture
def page(browser, server, transactional_db, settings):
    # The Site row (what e-mails are signed with) as the server's UCHAT_SITE_NAME makes it.
    settings.UCHAT_SITE_NAME = SITE
    run_outside_loop(site_identity_sync)
    context = browser.new_context(base_url=server.url, timezone_id="Asia/Kolkata")
    context.set_default_timeout(10000)
    yield context.new_page()
    context.close()


def code_texted_to(folder: Path, phone: str, seen: int = 0) -> str:
    """The newest code texted to the number, once more than ``seen`` texts reached it."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        texts = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
        mine = [t["text"] for t in texts if t["to"] == phone]
        if len(mine) > seen and (found := re.match(r"(\S+) is your ", mine[-1])):
            return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no code texted to {phone}")


def test_social_sign_up_with_github(page, server):
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Continue with GitHub").click()
    page.get_by_role("button", name="Continue").click()  # allauth asks before leaving
    expect(page.get_by_role("heading", name="Hi Octo Dev!")).to_be_visible()
    expect(page).to_have_title(f"Dashboard · {SITE}")
    user = User.objects.get(email="octo@gh.example")
    assert SocialAccount.objects.get(user=user).provider == "github"
    # New here: the tour starts, for a member.
    expect(page.get_by_role("dialog", name="Your rooms")).to_be_visible()


def test_phone_sign_up_then_log_in_by_texted_code_and_the_site_named_in_e_mail(page, server):
    page.goto("/accounts/signup/")
    page.get_by_label("First name").fill("Priya")
    page.locator("#id_username").fill("priya")
    page.get_by_label("E-mail address").fill("priya@example.com")
    page.get_by_label("Mobile number").fill("+91 98765 43210")
    page.locator("#id_password1").fill("a-long-pass-42")
    page.locator("#id_password2").fill("a-long-pass-42")
    page.get_by_role("button", name="Sign Up").click()

    expect(page.get_by_role("heading", name="Enter Phone Verification Code")).to_be_visible()
    page.get_by_label("Code").fill("WRONG1")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    page.get_by_label("Code").fill(code_texted_to(server.texts, "+919876543210"))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Hi Priya!")).to_be_visible()

    # The address still gets its own link, in an e-mail that names the site.
    mails = [p.read_text() for p in server.mail.iterdir()]
    [confirm] = [m for m in mails if "priya@example.com" in m]
    assert f"[{SITE}]" in confirm
    assert f"Hello from {SITE}!" in confirm
    assert "Hello from !" not in confirm

    page.get_by_role("button", name="Skip tour").click()
    page.get_by_test_id("nav-user").click()
    page.get_by_role("button", name="Log out").click()

    page.goto("/accounts/login/")
    page.get_by_role("link", name="Send me a sign-in code").click()
    page.get_by_label("Mobile number").fill("+91 98765 43210")
    page.get_by_role("button", name="Request Code").click()
    page.get_by_label("Code").fill(code_texted_to(server.texts, "+919876543210", seen=1))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Hi Priya!")).to_be_visible()
    expect(page.get_by_test_id("tour")).to_have_count(0)  # skipped once: remembered


def _tour_saved(response) -> bool:
    """tour.js telling the server the tour ended (a reload before it would show it again)."""
    return "/accounts/tour/" in response.url and response.request.method == "POST"


def test_the_tour_by_keyboard_once_then_restarted_from_the_menu(page, server):
    from tickets.tests.factories import AgentFactory

    AgentFactory(username="newagent", first_name="Nina", tour_done_at=None)
    page.goto("/accounts/login/")
    page.locator("#id_login").fill("newagent")
    page.locator("#id_password").fill("correct-horse-9")
    page.get_by_role("button", name="Sign In").click()

    tour = page.get_by_role("dialog", name="Your rooms")
    expect(tour).to_be_visible()
    expect(page.get_by_text("Step 1 of 6")).to_be_visible()
    expect(page.locator("[data-tour=rooms]")).to_have_class(re.compile("tour-target"))
    page.keyboard.press("Tab")  # focus starts on the step's title; Tab reaches the buttons
    expect(page.get_by_role("button", name="Skip tour")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("dialog", name="Direct messages")).to_be_visible()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    expect(page.get_by_role("dialog", name="Notes and canned replies")).to_be_visible()
    page.get_by_role("button", name="Done").focus()
    with page.expect_response(_tour_saved):  # before the reload below
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("tour")).to_have_count(0)

    page.reload()
    expect(page.get_by_role("heading", name="Hi Nina!")).to_be_visible()
    expect(page.get_by_test_id("tour")).to_have_count(0)

    page.get_by_test_id("nav-user").click()
    page.get_by_test_id("tour-restart").click()
    expect(page.get_by_role("dialog", name="Your rooms")).to_be_visible()
    with page.expect_response(_tour_saved):
        page.keyboard.press("Escape")
    expect(page.get_by_test_id("tour")).to_have_count(0)
    page.reload()
    expect(page.get_by_test_id("tour")).to_have_count(0)
