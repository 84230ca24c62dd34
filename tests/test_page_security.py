"""Pages load nothing from elsewhere (a Content-Security-Policy on every page), images shared
by URL are never loaded by members' browsers, oversize bodies are refused before they are
read, SQLite runs with synchronous=FULL, and a DM with a deleted person stays readable."""

import pytest
from django.db import connection
from django.test import Client

from accounts import services as account_services
from rooms import services

pytestmark = [pytest.mark.django_db]


def test_every_page_has_a_strict_csp(auth_client):
    for path in ["/", "/rooms/new/", "/notifications/", "/tickets/", "/accounts/profile/"]:
        policy = auth_client.get(path)["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "img-src 'self' data: blob:" in policy
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy


def test_every_response_denies_powerful_browser_features(auth_client, client):
    """Camera, microphone, location, payment and device access are off for the site and
    anything it frames; the video players keep full screen and picture-in-picture."""
    responses = [
        auth_client.get("/"),
        auth_client.get("/api/rooms"),
        client.get("/accounts/login/"),
        client.get("/api/rooms"),  # a 401 too
        client.get("/no-such-page/"),
    ]
    for response in responses:
        policy = response["Permissions-Policy"]
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert f"{feature}=()" in policy, (response.request["PATH_INFO"], policy)
        assert 'fullscreen=(self "https://www.youtube-nocookie.com"' in policy


def test_the_page_script_links_images_by_url_instead_of_loading_them():
    from pathlib import Path

    script = (Path(__file__).resolve().parent.parent / "static/js/message_render.js").read_text()
    assert "chat-image-link" in script  # the browser test in tests/browser checks the page


def test_an_oversize_body_is_refused_from_its_length(auth_client, settings):
    settings.UCHAT_MAX_REQUEST_BYTES = 1000
    response = auth_client.post("/api/rooms", "x" * 2000, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == 413
    page = auth_client.post("/rooms/new/", {"name": "x" * 2000})
    assert page.status_code == 413


def test_sqlite_is_synchronous_full():
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL here: fsync is its own setting")
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_direct_conversation_with_a_deleted_person_stays_readable(user, other_user):
    conversation = services.direct_conversation_get_or_create(user=user, other=other_user)
    services.message_create(conversation=conversation, sender=other_user, body="bye for now")
    account_services.user_delete(user=other_user)
    client = Client()
    client.force_login(user)
    dashboard = client.get("/")
    assert f'href="/conversations/{conversation.pk}/"'.encode() in dashboard.content
    page = client.get(f"/conversations/{conversation.pk}/")
    assert page.status_code == 200
    assert b"deleted user" in page.content
