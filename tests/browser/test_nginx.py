"""The deployment of docs/deploy.md, for real: Debian's nginx in front of two uchat processes
on loopback, two people in two browsers. A message crosses from one process to the other;
when one process dies, its browser reconnects through nginx to the other and catches up,
each message shown once. Per-address limits hold whatever X-Forwarded-For a client makes up."""

import contextlib
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from rooms import services
from rooms.tests.test_direct import png_bytes
from tests.browser.conftest import LiveServer, _free_port, log_in, run_outside_loop, s3_env

pytestmark = pytest.mark.browser

# The site block of docs/deploy.md, with loopback ports and a temporary prefix. The pin
# cookie only lets the test put each person on a known process (hash on a cookie: the same
# person stays on one process; when it is down nginx tries the next one).
NGINX_CONF = """
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    upstream uchat {{
        hash $cookie_pin;
{servers}    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 27m;
        location / {{
            proxy_pass http://uchat;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 1h;
            proxy_next_upstream error timeout;
            add_header X-Uchat-Upstream $upstream_addr always;
        }}
    }}
}}
"""
UPSTREAM = "        server 127.0.0.1:{} max_fails=1 fail_timeout=30s;\n"


def _nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None
    )


@contextlib.contextmanager
def _behind_nginx(
    tmp_path: Path,
    mail_dir: Path,
    count: int,
    *,
    own_data_dirs: bool = False,
    env: dict[str, str] | None = None,
):
    """``count`` uchat processes behind nginx, with docs/deploy.md's environment for a site
    behind one proxy (UCHAT_TRUSTED_PROXIES=1) plus ``env``: (nginx's URL, the processes).
    ``own_data_dirs``: each process has a data folder of its own, as on separate machines."""
    binary = _nginx_binary()
    if binary is None or not settings.REDIS_URL:
        if os.environ.get("UCHAT_REQUIRE_SERVICES") == "1":
            pytest.fail("nginx and REDIS_URL are required (UCHAT_REQUIRE_SERVICES=1)")
        pytest.skip("needs Debian's nginx and Redis")
    servers = []
    for n in range(count):
        machine = dict(env or {})
        if own_data_dirs:
            (tmp_path / f"machine{n}").mkdir()
            machine["UCHAT_DATA_DIR"] = str(tmp_path / f"machine{n}")
        servers.append(LiveServer(tmp_path, mail_dir, UCHAT_TRUSTED_PROXIES="1", **machine))
    port = _free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            dir=tmp_path, port=port, servers="".join(UPSTREAM.format(s.port) for s in servers)
        )
    )
    nginx = subprocess.Popen(  # noqa: S603
        [binary, "-c", str(conf), "-p", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while _upstream(url, "x") is None:
            if nginx.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("nginx did not start:\n" + _log(tmp_path / "error.log"))
            time.sleep(0.1)
        yield url, servers
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        for server in servers:
            server.stop()


@pytest.fixture
def front(tmp_path, mail_dir, live_server_url, s3_bucket):
    """Two processes that share nothing but PostgreSQL, Redis and the object store (data
    folders of their own), behind nginx."""
    store = s3_env(s3_bucket[1])
    with _behind_nginx(tmp_path, mail_dir, 2, own_data_dirs=True, env=store) as (url, servers):
        yield url, servers


def _log(path: Path) -> str:
    return path.read_text() if path.exists() else "(no log)"


def _upstream(url: str, pin: str) -> str | None:
    """Which uchat process nginx sends this pin to."""
    headers = {"Cookie": f"pin={pin}"}
    request = urllib.request.Request(f"{url}/check", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.headers["X-Uchat-Upstream"]
    except OSError:
        return None


def _pins_on_each(url: str, servers: list[LiveServer]) -> list[str]:
    """A pin that nginx sends to each process, in the order of ``servers``."""
    wanted = [f"127.0.0.1:{s.port}" for s in servers]
    found: dict[str, str] = {}
    for n in range(200):
        upstream = _upstream(url, f"p{n}")
        if upstream in wanted and upstream not in found:
            found[upstream] = f"p{n}"
        if len(found) == len(wanted):
            return [found[w] for w in wanted]
    raise AssertionError(f"nginx sent every pin to one process: {found}")


def _person(browser, url: str, pin: str):
    context = browser.new_context(base_url=url, timezone_id="Asia/Kolkata")
    context.set_default_timeout(15000)
    context.add_cookies([{"name": "pin", "value": pin, "url": url}])
    return context, context.new_page()


def _served_by(page) -> str:
    return page.evaluate("fetch('/check').then(r => r.headers.get('X-Uchat-Upstream'))")


def test_behind_nginx_messages_cross_processes_and_a_dead_process_is_survived(
    browser, front, transactional_db
):
    url, servers = front
    himanshu = UserFactory(username="himanshu", display_name="Himanshu")
    abhishek = UserFactory(username="abhishek", display_name="Abhishek")
    room = run_outside_loop(
        services.room_create, creator=himanshu, name="Behind nginx", members=[abhishek]
    )
    first_pin, second_pin = _pins_on_each(url, servers)
    contexts = []
    try:
        pages = {}
        for name, pin in (("himanshu", first_pin), ("abhishek", second_pin)):
            context, page = _person(browser, url, pin)
            contexts.append(context)
            log_in(page, name)
            page.goto(f"/rooms/{room.pk}/")
            expect(page.locator("#connection")).to_have_attribute("data-state", "online")
            pages[name] = page
        writer, reader = pages["himanshu"], pages["abhishek"]
        assert _served_by(writer) == f"127.0.0.1:{servers[0].port}"
        assert _served_by(reader) == f"127.0.0.1:{servers[1].port}"

        # One process to the other, through nginx, live.
        writer.locator("#message-input").fill("across processes")
        writer.locator("#message-input").press("Enter")
        expect(reader.locator("#messages li").filter(has_text="across processes")).to_be_visible()

        # An image shared through one machine shows on the other (the object store, through
        # a signed URL the pages' Content-Security-Policy lets load).
        writer.locator("#image-input").set_input_files(
            files=[{"name": "plan.png", "mimeType": "image/png", "buffer": png_bytes()}]
        )
        shown = reader.locator("#messages img.chat-image")
        expect(shown).to_have_count(1)
        shown.scroll_into_view_if_needed()  # images load lazily
        deadline = time.monotonic() + 15
        while not shown.evaluate("img => img.complete && img.naturalWidth > 0"):
            assert time.monotonic() < deadline, "the image never loaded on the other machine"
            time.sleep(0.1)

        # The writer's process dies; the reader keeps talking meanwhile.
        servers[0].kill()
        for i in range(3):
            reader.locator("#message-input").fill(f"while you were away {i}")
            reader.locator("#message-input").press("Enter")
            expect(reader.locator("#messages li .body").last).to_have_text(
                f"while you were away {i}"
            )

        # The writer's page reconnects through nginx to the surviving process and catches up.
        expect(writer.locator("#connection")).to_have_attribute(
            "data-state", "online", timeout=30000
        )
        bodies = writer.locator("#messages li .body")
        expect(bodies.filter(has_text="while you were away 2")).to_have_count(1, timeout=15000)
        assert [text for text in bodies.all_inner_texts() if text] == [
            "across processes",
            "while you were away 0",
            "while you were away 1",
            "while you were away 2",
        ]
        assert _served_by(writer) == f"127.0.0.1:{servers[1].port}"
        writer.locator("#message-input").fill("back again")
        writer.locator("#message-input").press("Enter")
        expect(reader.locator("#messages li .body").last).to_have_text("back again")
    finally:
        for context in contexts:
            context.close()
        from rooms.models import Presence

        deadline = time.monotonic() + 10
        while Presence.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.05)


def _post(opener, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_behind_nginx_a_made_up_forwarded_for_resets_no_limit(tmp_path, mail_dir, live_server_url):
    """Each log-in claims another X-Forwarded-For; nginx appends the address it saw, and that
    is the one every limit counts: the API's failures per name (5), its log-in throttle (10 a
    minute here) and allauth's failed web log-ins per address (3 a minute here)."""
    env = {"UCHAT_API_LOGIN_RATE": "10/min", "UCHAT_LOGIN_FAILED_LIMIT": "3/m/ip,100/5m/key"}
    with _behind_nginx(tmp_path, mail_dir, 1, env=env) as (url, _):
        opener = urllib.request.build_opener()
        statuses, errors = [], []
        for n, name in enumerate(["himanshu"] * 6 + [f"guess{n}" for n in range(6)]):
            status, text = _post(
                opener,
                f"{url}/api/login",
                json.dumps({"username": name, "password": "wrong"}).encode(),
                {"Content-Type": "application/json", "X-Forwarded-For": f"203.0.113.{n}"},
            )
            statuses.append(status)
            errors.append(json.loads(text)["error"])
        # Five wrong passwords for one name, then that name is refused from this address.
        assert statuses[:6] == [401] * 5 + [429]
        assert errors[5] == "Too Many Failed Logins"
        # Other names: the throttle ends the guessing at 10 log-ins a minute from the address.
        assert statuses[6:] == [401] * 4 + [429] * 2
        assert errors[-1] == "Too Many Requests"

        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        pages = []
        for n in range(5):
            with browser.open(f"{url}/accounts/login/", timeout=10) as response:
                token = re.search(
                    r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode()
                )
            assert token, "no CSRF token on the log-in page"
            form = {"login": "himanshu", "password": f"wrong{n}", "csrfmiddlewaretoken": token[1]}
            status, page = _post(
                browser,
                f"{url}/accounts/login/",
                urllib.parse.urlencode(form).encode(),
                {"X-Forwarded-For": f"198.51.100.{n}", "Referer": f"{url}/accounts/login/"},
            )
            assert status == 200
            pages.append(page)
        refused = ["Too many tries" in page for page in pages]
        assert refused == [False] * 3 + [True] * 2
