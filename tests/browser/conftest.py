"""Browser tests: Playwright (PyPI) drives Debian's Chromium against a live Daphne process that
shares the test database and the channel layer with the test."""

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent.parent
# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture(scope="session")
def mail_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mail")


def s3_env(bucket: str) -> dict[str, str]:
    """A server process's environment for the test's object store (the ``s3_bucket`` fixture)."""
    return {
        "UCHAT_S3_BUCKET": bucket,
        "UCHAT_S3_ENDPOINT_URL": os.environ["UCHAT_TEST_S3_ENDPOINT_URL"],
        "UCHAT_S3_ACCESS_KEY_ID": os.environ["UCHAT_TEST_S3_ACCESS_KEY_ID"],
        "UCHAT_S3_SECRET_ACCESS_KEY": os.environ["UCHAT_TEST_S3_SECRET_ACCESS_KEY"],
    }


class LiveServer:
    """A real Daphne process serving uchat.asgi on the test database."""

    def __init__(self, log_dir: Path, mail_dir: Path, **env_overrides: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "EMAIL_URL": "filemail://",
            "EMAIL_FILE_PATH": str(mail_dir),
            "UCHAT_CELERY_EAGER": "1",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "UCHAT_LOGIN_FAILED_LIMIT": "100/m/ip,100/5m/key",
            # 20 writing frames per socket, refilled over 10 minutes: a flood stays refused
            # however slow the machine is.
            "UCHAT_WS_RATE": "20",
            "UCHAT_WS_RATE_WINDOW": "600",
            "UCHAT_MESSAGE_RATE": "1000",  # scripted people type faster than people do
            "UCHAT_ROOMS_PER_HOUR": "1000",
            "UCHAT_TICKETS_PER_HOUR": "1000",
            # Admins assign by hand in the browser tests; auto-assignment is tested in tickets/.
            "UCHAT_TICKET_AUTO_ASSIGN": "0",
            **env_overrides,
        }
        self.log_path = log_dir / f"server-{self.port}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115
        # The server bin/run starts (UCHAT_SERVER picks another one).
        server = os.environ.get("UCHAT_SERVER", "uvicorn")
        self.process = subprocess.Popen(  # noqa: S603
            [str(ROOT / "bin/serve"), server, "127.0.0.1", str(self.port)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/check", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("a live server did not start:\n" + self.log_path.read_text())
            time.sleep(0.2)

    def kill(self) -> None:
        """As a crash would: no clean shutdown."""
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="session")
def live_server_url(django_db_setup, django_db_blocker, mail_dir):
    server = LiveServer(Path(mail_dir).parent, mail_dir)
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        if os.environ.get("UCHAT_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{CHROMIUM} is required (UCHAT_REQUIRE_SERVICES=1)")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def new_page(browser, live_server_url, transactional_db):
    """Open a fresh browser context (one person) on the live server."""
    contexts = []

    def open_page(**options):
        """``options``: Playwright's context options (viewport, bypass_csp for axe ...)."""
        context = browser.new_context(
            base_url=live_server_url, timezone_id="Asia/Kolkata", **options
        )
        context.set_default_timeout(10000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    # Let the server finish its disconnect writes (presence) before the tables are flushed:
    # a TRUNCATE racing them can deadlock.
    from rooms.models import Presence

    deadline = time.monotonic() + 10
    while Presence.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture
def clean_mail(mail_dir):
    shutil.rmtree(mail_dir, ignore_errors=True)
    mail_dir.mkdir(parents=True, exist_ok=True)
    return mail_dir


def log_in(page, username: str, password: str = "correct-horse-9") -> None:
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/")


@pytest.fixture(autouse=True)
def _fast_and_local(settings):
    """Overrides the root fixture: the live server checks passwords with the real (Argon2)
    hashers, so people made here must have real hashes."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def run_outside_loop(function, /, **kwargs):
    """Call a service from a browser test. Playwright's event loop runs in the test's thread,
    where async_to_sync (the broadcast) may not run; a worker thread is what a view would be."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, **kwargs).result()
