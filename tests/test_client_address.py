"""The client's address, decided once (core.client_address) for every per-address limit: the
API's throttles, its log-in failure counter and allauth's rate limits. Behind
UCHAT_TRUSTED_PROXIES proxies it is the address the nearest of them saw; a made-up
X-Forwarded-For changes nothing (tests/browser/test_nginx.py does the same through nginx)."""

import json

import pytest
from allauth.account.adapter import get_adapter
from django.test import Client, RequestFactory
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle

from core.client_address import ClientAddressMiddleware

NGINX = "127.0.0.1"


def _through(meta: dict, trusted: int, settings) -> tuple[str, str, str]:
    """REMOTE_ADDR, DRF's throttle identity and allauth's client address of one request."""
    settings.UCHAT_TRUSTED_PROXIES = trusted
    seen = {}

    def view(request):
        seen["request"] = request

    request = RequestFactory().get("/", **meta)
    ClientAddressMiddleware(view)(request)
    request = seen["request"]
    return (
        request.META["REMOTE_ADDR"],
        AnonRateThrottle().get_ident(Request(request)),
        get_adapter(request).get_client_ip(request),
    )


@pytest.mark.parametrize(
    ("forwarded_for", "trusted", "client"),
    [
        ("198.51.100.7", 1, "198.51.100.7"),  # what nginx adds: the address it saw
        ("6.6.6.6, 198.51.100.7", 1, "198.51.100.7"),  # a made-up hop before it
        ("6.6.6.6, 198.51.100.7, 10.0.0.2", 2, "198.51.100.7"),  # a balancer, then nginx
        ("6.6.6.6, 198.51.100.7", 0, NGINX),  # no proxy trusted: the header is ignored
        ("198.51.100.7", 2, NGINX),  # fewer hops than proxies: not through them all
        ("not-an-address", 1, NGINX),
    ],
)
def test_every_limit_sees_one_client_address(settings, forwarded_for, trusted, client):
    meta = {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": forwarded_for}
    assert _through(meta, trusted, settings) == (client, client, client)


@pytest.mark.django_db
def test_made_up_forwarded_for_does_not_reset_the_api_log_in_throttle(settings):
    """The API's log-in throttle (20 a minute from an address) used to count each distinct
    X-Forwarded-For on its own: 30 of 30 log-ins went through with made-up ones."""
    settings.UCHAT_TRUSTED_PROXIES = 1
    statuses = []
    for n in range(30):
        response = Client(REMOTE_ADDR=NGINX).post(
            "/api/login",
            json.dumps({"username": f"nobody{n}", "password": "wrong"}),
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.7",
        )
        statuses.append(response.status_code)
    assert statuses[:20] == [401] * 20
    assert set(statuses[20:]) == {429}


def test_limits_count_an_ipv6_network_not_an_address():
    from core.client_address import address_key

    assert address_key("192.0.2.7") == "192.0.2.7"
    assert address_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert (
        address_key("2001:db8:1:2::5") == address_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    )
    # A door without an account counts a /48: a home's /56 is one counter, not 256.
    wide = {address_key(f"2001:db8:1:{n:x}::1", ipv6_prefix=48) for n in range(256)}
    assert wide == {"2001:db8:1::/48"}
