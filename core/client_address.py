"""The address a request comes from, decided in one place for everything that limits or
records by address: the API's throttles (DRF), its log-in failure counter
(accounts.services), allauth's rate limits and its sessions list; and the key a limit counts
an address under (``address_key``).

Behind UCHAT_TRUSTED_PROXIES proxies (nginx in docs/deploy.md: 1), each of them appends the
address it saw to X-Forwarded-For, so the client is that many hops from the right; whatever
stands further left was written by the client and is never believed. With 0 the header is
ignored. DRF (NUM_PROXIES = 0) and allauth (ALLAUTH_TRUSTED_PROXY_COUNT = 0) then take
REMOTE_ADDR as it is, and the header is removed so that nothing else reads it on its own.
"""

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def client_address(*, remote_addr: str, forwarded_for: str | None, trusted: int) -> str:
    """The client's address given the connection's peer, X-Forwarded-For and the number of
    proxies in front. A header with fewer hops than proxies (it did not pass them all) or a
    hop that is not an address leaves the peer's address: stricter, never looser."""
    if trusted <= 0 or not forwarded_for:
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",")]
    if len(hops) < trusted:
        return remote_addr
    try:
        return str(ipaddress.ip_address(hops[-trusted]))
    except ValueError:
        return remote_addr


def address_key(address: str, *, ipv6_prefix: int = 64) -> str:
    """What a limit counts an address as: an IPv4 address itself, an IPv6 address its /64
    (one host or one home holds a whole /64 and may use any address in it, so counting each
    address would give a guesser 2**64 counters). Doors anyone may knock on without an account
    (the widget's sessions) count a /48: a home is often given a /56, a site a /48."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/{ipv6_prefix}", strict=False))
    return str(ip)


class ClientAddressMiddleware:
    """First in MIDDLEWARE: every later reader of REMOTE_ADDR sees the client's address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        meta["REMOTE_ADDR"] = client_address(
            remote_addr=meta.get("REMOTE_ADDR", ""),
            forwarded_for=meta.pop("HTTP_X_FORWARDED_FOR", None),
            trusted=settings.UCHAT_TRUSTED_PROXIES,
        )
        return self.get_response(request)
