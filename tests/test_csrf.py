"""Every state-changing page refuses a POST without a CSRF token (Django's own check, with the
test client's exemption switched off). The list of addresses is walked from the URL
configuration itself, so a new page is covered the day it is added; docs/reliability.md lists
the exemptions and why."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = [pytest.mark.django_db]

# Answer POSTs without a CSRF token on purpose, each for a reason (docs/reliability.md).
EXEMPT = {
    "/check",  # the health check: changes nothing
    "/api/check",  # the same
    "/api/login",  # JSON only (a cross-site form cannot send it), and no session is set
    "/api/token/refresh",  # the same, with a refresh token in the body
    # A widget visitor has no session (docs/widget.md): a chat's start is checked by its
    # Origin (cross-site on purpose), the rating by the visitor's token in a header.
    "/api/widget/x/sessions",
    "/api/widget/x/rating",
    # An incoming webhook's secret URL (docs/integrations.md): no session, the token is the
    # authority, as Slack's; a forged post without the token is a 404.
    "/hooks/x/",
}


def _paths(patterns: list, prefix: str = "") -> list[str]:
    found = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _paths(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            found.append(route)
    return found


def _concrete(route: str) -> str | None:
    route = route.lstrip("^").rstrip("$")
    if "(?P" in route or "\\" in route:
        return None  # regex routes: the admin's and static files', covered below by the admin
    path = re.sub(r"<int:[^>]+>", "1", route)
    path = re.sub(r"<[^>]+>", "x", path)
    return "/" + path


def all_pages() -> list[str]:
    paths = {p for p in map(_concrete, _paths(get_resolver().url_patterns)) if p is not None}
    return sorted(p for p in paths if not p.startswith(("/static/", "/media/")))


def test_the_walk_finds_the_pages_that_matter():
    pages = all_pages()
    expected_pages = [
        "/rooms/new/", "/accounts/delete/", "/tickets/new/", "/api/rooms",
        "/accounts/password/change/", "/notifications/read/", "/admin/login/",
    ]  # fmt: skip
    for expected in expected_pages:
        assert any(p.rstrip("/") == expected.rstrip("/") for p in pages), expected


@pytest.mark.parametrize("path", all_pages())
def test_post_without_a_csrf_token_changes_nothing(path, user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(path, {"name": "x", "body": "x", "password": "x"})
    if path in EXEMPT:
        return
    # 403 (CSRF), or a page that takes no POST at all (405), or a GET-only redirect.
    assert response.status_code in (403, 405), (path, response.status_code)
