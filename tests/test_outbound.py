"""core.outbound: requests to addresses other people chose never reach inside (loopback,
private, link-local, metadata), connect to the address that was checked, follow no redirect
and read little."""

import ipaddress
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from core import outbound


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",  # shared address space (carrier NAT)
        "0.0.0.0",  # noqa: S104
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",  # IPv4-mapped
        "::ffff:127.0.0.1",
        "2002:0a00:0001::1",  # 6to4 of 10.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "ff02::1",
    ],
)
def test_inside_addresses_are_refused(address):
    assert not outbound.address_allowed(ipaddress.ip_address(address))


def test_public_addresses_are_allowed_and_private_ones_only_when_the_setting_says_so():
    assert outbound.address_allowed(ipaddress.ip_address("142.250.1.1"))
    assert outbound.address_allowed(ipaddress.ip_address("2a00:1450:4001::1"))
    assert outbound.address_allowed(ipaddress.ip_address("127.0.0.1"), allow_private=True)
    assert outbound.address_allowed(ipaddress.ip_address("10.0.0.1"), allow_private=True)
    # Metadata stays refused whatever the setting.
    for metadata in ("169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254"):
        assert not outbound.address_allowed(ipaddress.ip_address(metadata), allow_private=True)


def _answers(*addresses):
    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    return getaddrinfo


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", _answers("10.0.0.7"))
    with pytest.raises(outbound.OutboundRefused):
        outbound.address_for("push.example.com", 443)
    # One bad answer among good ones refuses the name too.
    monkeypatch.setattr(socket, "getaddrinfo", _answers("142.250.1.1", "127.0.0.1"))
    with pytest.raises(outbound.OutboundRefused):
        outbound.address_for("push.example.com", 443)
    monkeypatch.setattr(socket, "getaddrinfo", _answers("142.250.1.1"))
    assert outbound.address_for("push.example.com", 443) == "142.250.1.1"


class _Server:
    def __init__(self, status=200, headers=(), body=b"") -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_the_session_refuses_loopback_unless_allowed_and_connects_to_the_checked_address(
    monkeypatch,
):
    server = _Server(status=201, body=b"x" * 100_000)
    try:
        with pytest.raises(outbound.OutboundRefused):
            outbound.guarded_session().post(server.url, data=b"hi")
        # A name that passes the check is connected to at the checked address, not re-resolved.
        monkeypatch.setattr(socket, "getaddrinfo", _answers("127.0.0.1"))
        session = outbound.guarded_session(allow_private=True, max_bytes=1024)
        response = session.post(server.url.replace("127.0.0.1", "push.test"), data=b"hi")
        assert response.status_code == 201
        assert len(response.content) == 1024  # read at most max_bytes
    finally:
        server.close()


def test_redirects_are_never_followed():
    server = _Server(status=307, headers=[("Location", "http://169.254.169.254/latest/")])
    try:
        response = outbound.guarded_session(allow_private=True).post(server.url, data=b"hi")
        assert response.status_code == 307  # answered as it is, not followed
    finally:
        server.close()


def test_proxies_from_the_environment_are_ignored(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.1:3128")
    session = outbound.guarded_session()
    assert session.trust_env is False
    with pytest.raises(requests.RequestException):
        session.post("ftp://example.com/", data=b"")


class _Trickler:
    """A server that answers a byte every ``every`` seconds, for ever: ``head`` first (in
    full at once when ``head_at_once``), then spaces as the body."""

    def __init__(self, head: bytes, *, head_at_once: bool, every: float = 0.1) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/"
        self.stop = threading.Event()
        self.head, self.head_at_once, self.every = head, head_at_once, every
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn:
            try:
                conn.recv(65536)
                if self.head_at_once:
                    conn.sendall(self.head)
                    rest = b""
                else:
                    rest = self.head
                while not self.stop.is_set():
                    conn.sendall(rest[:1] or b" ")
                    rest = rest[1:]
                    time.sleep(self.every)
            except OSError:  # the client hung up: what the test wants
                pass

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


@pytest.mark.parametrize(
    ("head", "at_once"),
    [
        (b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000, False),  # headers never end
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", True),  # a body of known length
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", True),  # read until the end
    ],
    ids=["headers", "sized-body", "body-to-eof"],
)
@pytest.mark.timeout(20)
def test_a_trickling_server_is_given_up_at_the_deadline_not_per_read(head, at_once):
    """Each byte comes well within the per-read time-out; the whole answer never does."""
    server = _Trickler(head, head_at_once=at_once)
    try:
        session = outbound.guarded_session(allow_private=True, timeout=1.0, max_bytes=1 << 20)
        started = time.monotonic()
        with pytest.raises(requests.Timeout):
            session.post(server.url, data=b"hi")
        assert time.monotonic() - started < 2.0
    finally:
        server.close()


def test_a_refusal_names_no_address(monkeypatch):
    """Room admins read the refusal; the address a name resolved to stays on the server."""
    monkeypatch.setattr(socket, "getaddrinfo", _answers("10.20.30.40"))
    with pytest.raises(outbound.OutboundRefused) as refused:
        outbound.address_for("intranet.example.com", 443)
    assert "10.20.30.40" not in str(refused.value)
    assert str(refused.value) == outbound.REFUSED_TEXT
    assert "10.20.30.40" in refused.value.detail
