"""Requests the server makes to addresses other people chose (Web Push endpoints; later
webhooks), made safe against being aimed inward (SSRF).

``guarded_session()`` is a requests Session that:

- resolves the host itself and refuses loopback, private, link-local, multicast, reserved,
  unspecified and shared addresses and the clouds' metadata addresses (any of the name's
  answers being one refuses the name), unless ``allow_private`` (tests, closed networks; the
  metadata addresses stay refused even then);
- connects to the very address it checked (the TLS name and ``Host`` stay the host's), so a
  name that resolves differently a moment later (DNS rebinding) cannot slip through;
- never follows a redirect, ignores proxy variables of the environment, reads at most
  ``max_bytes`` of an answer (undecoded), and gives every request one deadline of ``timeout``
  seconds for all of it (resolving, connecting, the headers and the body): a server that
  trickles a byte at a time cannot hold the caller's thread past it. A watchdog timer shuts
  the request's sockets down at the deadline, which wakes any read blocked on them, and the
  answer fails with ``requests.Timeout``.

A refusal's text (``str(exc)``) is the same generic sentence whatever the address, since it
reaches the people who chose the URL: which address a name resolved to inside the network is
logged on the server (``exc.detail``), never shown.
"""

import contextlib
import contextvars
import ipaddress
import logging
import socket
import threading
import time
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError
from urllib3.util.connection import create_connection

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
REFUSED_TEXT = "That address is not allowed (it is a private, loopback or metadata address)"
UNRESOLVED_TEXT = "That address's host name does not resolve"

# Instance metadata services (AWS, GCP, Azure, OpenStack: 169.254.169.254; AWS's IPv6 one;
# Alibaba's): refused whatever the settings say.
METADATA = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
CHUNK = 8192  # bytes read at a time from an answer's body


class OutboundRefused(Exception):
    """The destination is one the server must not reach (or its name does not resolve). Not
    an OSError, so that urllib3 passes it on as it is instead of retrying or wrapping it.
    ``str()`` is the generic text people may see; ``detail`` (logged) names the address."""

    def __init__(self, text: str, *, detail: str) -> None:
        super().__init__(text)
        self.detail = detail
        logger.info("outbound request refused: %s", detail)


def _embedded_ipv4(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), which is where it goes."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def address_allowed(address: IPAddress, *, allow_private: bool = False) -> bool:
    """Whether the server may connect to ``address``."""
    target = _embedded_ipv4(address)
    if address in METADATA or target in METADATA:
        return False
    if allow_private:
        return True
    return target.is_global and not (
        target.is_multicast or target.is_reserved or target.is_unspecified
    )


def _getaddrinfo(host: str, port: int, *, within: float | None) -> list[Any]:
    """getaddrinfo, given up after ``within`` seconds (a socket shutdown cannot wake a
    resolver: it runs on a daemon thread, left to finish on its own if it is late)."""
    if within is None:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[Any] = []
    failed: list[BaseException] = []

    def resolve() -> None:
        try:
            found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except BaseException as exc:  # handed to the caller below
            failed.append(exc)

    worker = threading.Thread(target=resolve, name="outbound-resolve", daemon=True)
    worker.start()
    worker.join(max(within, 0.0))
    if worker.is_alive():
        raise TimeoutError(f"resolving {host} took longer than the request's deadline")
    if failed:
        raise failed[0]
    return found


def address_for(
    host: str, port: int, *, allow_private: bool = False, within: float | None = None
) -> str:
    """The address to connect to for ``host``: resolved once, every answer checked."""
    try:
        answers = _getaddrinfo(host, port, within=within)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundRefused(UNRESOLVED_TEXT, detail=f"{host} does not resolve") from exc
    addresses = [ipaddress.ip_address(str(answer[4][0]).split("%")[0]) for answer in answers]
    if not addresses:
        raise OutboundRefused(UNRESOLVED_TEXT, detail=f"{host} does not resolve")
    for address in addresses:
        if not address_allowed(address, allow_private=allow_private):
            raise OutboundRefused(
                REFUSED_TEXT, detail=f"{host} resolves to a refused address ({address})"
            )
    return str(addresses[0])


class _Deadline:
    """One request's deadline: the sockets it opened, shut down by a timer when it passes."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def left(self) -> float:
        return self.at - time.monotonic()

    def start(self) -> None:
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down at the deadline. A duplicate descriptor is kept: TLS wrapping
        detaches the original object, and a shutdown through either ends the connection."""
        with self._lock:
            self._sockets.append(sock.dup())
            late = self.expired
        if late:
            self._expire()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            doomed = list(self._sockets)
        for sock in doomed:
            with contextlib.suppress(OSError):  # already closed by the other side
                sock.shutdown(socket.SHUT_RDWR)

    def end(self) -> None:
        self._timer.cancel()
        with self._lock:
            doomed, self._sockets = self._sockets, []
        for sock in doomed:
            sock.close()


_deadline: contextvars.ContextVar[_Deadline | None] = contextvars.ContextVar(
    "outbound_deadline", default=None
)


class _GuardedConnectionMixin:
    """urllib3's connection, opening its socket to the checked address only."""

    allow_private = False
    _dns_host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any
    host: str

    def _new_conn(self) -> socket.socket:
        deadline = _deadline.get()
        within = deadline.left() if deadline is not None else None
        try:
            address = address_for(
                self._dns_host, self.port, allow_private=self.allow_private, within=within
            )
        except TimeoutError as exc:
            raise ConnectTimeoutError(self, f"Resolving {self.host} timed out") from exc
        timeout = self.timeout
        if deadline is not None:
            left = deadline.left()
            if left <= 0:
                raise ConnectTimeoutError(self, f"Connection to {self.host} timed out")
            if not isinstance(timeout, int | float) or timeout > left:
                timeout = left
        try:
            sock = create_connection(
                (address, self.port),
                timeout,
                source_address=self.source_address,
                socket_options=self.socket_options,
            )
        except TimeoutError as exc:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out") from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to connect: {exc}") from exc  # type: ignore[arg-type]
        peer = ipaddress.ip_address(sock.getpeername()[0].split("%")[0])
        if not address_allowed(peer, allow_private=self.allow_private):  # belt and braces
            sock.close()
            raise OutboundRefused(
                REFUSED_TEXT, detail=f"{self.host}: connected to a refused address ({peer})"
            )
        if deadline is not None:
            deadline.watch(sock)
        return sock


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, *, allow_private: bool) -> None:
        flag = {"allow_private": allow_private}
        http = type("GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), flag)
        https = type("GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection), flag)
        self._pools = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
        }
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pools


class GuardedSession(requests.Session):
    def __init__(self, *, allow_private: bool, timeout: float, max_bytes: int) -> None:
        super().__init__()
        self.trust_env = False  # no HTTP(S)_PROXY: the check must see the real destination
        self.timeout = timeout
        self.max_bytes = max_bytes
        adapter = _GuardedAdapter(allow_private=allow_private)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        kwargs["allow_redirects"] = False  # whichever way it is called
        return super().send(request, **kwargs)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs["allow_redirects"] = False
        kwargs["stream"] = True
        asked = kwargs.get("timeout")
        seconds = min(asked, self.timeout) if isinstance(asked, int | float) else self.timeout
        kwargs["timeout"] = seconds
        verb = method.decode() if isinstance(method, bytes) else method
        deadline = _Deadline(seconds)
        token = _deadline.set(deadline)
        deadline.start()
        try:
            try:
                response = super().request(verb, str(url), *args, **kwargs)
                try:
                    content = self._read(response, deadline)
                finally:
                    response.close()
            except (requests.RequestException, OSError, HTTPError) as exc:
                if deadline.expired:
                    raise requests.exceptions.ReadTimeout(
                        f"No full answer within {seconds} seconds."
                    ) from exc
                raise
            if deadline.expired:  # a shutdown reads as the end of a body of unknown length
                raise requests.exceptions.ReadTimeout(f"No full answer within {seconds} seconds.")
        finally:
            deadline.end()
            _deadline.reset(token)
            # A pooled connection would be reused without being watched: every request opens
            # its own (the addresses are other people's; there is little to reuse anyway).
            for adapter in self.adapters.values():
                adapter.close()
        response._content = content
        response._content_consumed = True
        return response

    def _read(self, response: requests.Response, deadline: _Deadline) -> bytes:
        """At most max_bytes of the body (undecoded), in chunks, until the deadline."""
        chunks: list[bytes] = []
        size = 0
        while size < self.max_bytes:
            if deadline.left() <= 0:
                deadline.expired = True
                break
            chunk = response.raw.read(min(CHUNK, self.max_bytes - size), decode_content=False)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)


def guarded_session(
    *, allow_private: bool = False, timeout: float = 5.0, max_bytes: int = 4096
) -> requests.Session:
    return GuardedSession(allow_private=allow_private, timeout=timeout, max_bytes=max_bytes)
