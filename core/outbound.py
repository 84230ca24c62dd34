"""Requests the server makes to addresses other people chose (Web Push endpoints; later
webhooks), made safe against being aimed inward (SSRF).

``guarded_session()`` is a requests Session that:

- resolves the host itself and refuses loopback, private, link-local, multicast, reserved,
  unspecified and shared addresses and the clouds' metadata addresses (any of the name's
  answers being one refuses the name), unless ``allow_private`` (tests, closed networks; the
  metadata addresses stay refused even then);
- connects to the very address it checked (the TLS name and ``Host`` stay the host's), so a
  name that resolves differently a moment later (DNS rebinding) cannot slip through;
- never follows a redirect, ignores proxy variables of the environment, times out within
  ``timeout`` seconds per step, and reads at most ``max_bytes`` of an answer (undecoded).
"""

import ipaddress
import socket
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.connection import create_connection

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Instance metadata services (AWS, GCP, Azure, OpenStack: 169.254.169.254; AWS's IPv6 one;
# Alibaba's): refused whatever the settings say.
METADATA = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OutboundRefused(Exception):
    """The destination is one the server must not reach (or its name does not resolve). Not
    an OSError, so that urllib3 passes it on as it is instead of retrying or wrapping it."""


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


def address_for(host: str, port: int, *, allow_private: bool = False) -> str:
    """The address to connect to for ``host``: resolved once, every answer checked."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundRefused(f"{host} does not resolve") from exc
    addresses = [ipaddress.ip_address(str(answer[4][0]).split("%")[0]) for answer in answers]
    if not addresses:
        raise OutboundRefused(f"{host} does not resolve")
    for address in addresses:
        if not address_allowed(address, allow_private=allow_private):
            raise OutboundRefused(f"{host} resolves to a refused address ({address})")
    return str(addresses[0])


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
        address = address_for(self._dns_host, self.port, allow_private=self.allow_private)
        try:
            sock = create_connection(
                (address, self.port),
                self.timeout,
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
            raise OutboundRefused(f"{self.host}: connected to a refused address ({peer})")
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
        kwargs["timeout"] = (
            min(asked, self.timeout) if isinstance(asked, int | float) else self.timeout
        )
        verb = method.decode() if isinstance(method, bytes) else method
        response = super().request(verb, str(url), *args, **kwargs)
        try:
            content = response.raw.read(self.max_bytes, decode_content=False) or b""
        finally:
            response.close()
        response._content = content
        response._content_consumed = True
        return response


def guarded_session(
    *, allow_private: bool = False, timeout: float = 5.0, max_bytes: int = 4096
) -> requests.Session:
    return GuardedSession(allow_private=allow_private, timeout=timeout, max_bytes=max_bytes)
