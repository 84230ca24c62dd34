"""The installable app's files (uchat/pwa.py): the manifest, its icons, the service worker at
the root and the offline page, with the headers browsers need and the page's links to them."""

import io
import json

import pytest
from PIL import Image

pytestmark = pytest.mark.django_db


def test_the_manifest_names_the_site_and_its_icons(client, settings):
    settings.UCHAT_SITE_NAME = "Acme Chat"
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert (manifest["name"], manifest["start_url"], manifest["scope"]) == ("Acme Chat", "/", "/")
    assert manifest["display"] == "standalone"
    assert (manifest["theme_color"], manifest["background_color"]) == ("#4f46e5", "#ffffff")
    sizes = {(icon["sizes"], icon["purpose"]): icon["src"] for icon in manifest["icons"]}
    assert set(sizes) == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for (size, _), src in sizes.items():
        icon = client.get(src)
        assert icon["Content-Type"] == "image/png"
        assert "max-age=2592000" in icon["Cache-Control"]
        image = Image.open(io.BytesIO(icon.content))
        assert f"{image.width}x{image.height}" == size
    maskable = Image.open(io.BytesIO(client.get(sizes[("512x512", "maskable")]).content))
    assert maskable.convert("RGB").getpixel((2, 2)) == (0x4F, 0x46, 0xE5)  # fills the square
    assert client.get("/icons/nope.png").status_code == 404


def test_the_service_worker_is_served_at_the_root_uncached(client):
    response = client.get("/sw.js")
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    head, _ = response.content.decode().split(";\n", 1)
    config = json.loads(head.removeprefix("self.UCHAT_SW = "))
    assert config["offline"] == "/offline/"
    assert "/offline/" in config["shell"]
    assert "/static/css/tokens.css" in config["shell"]
    assert not any(url.startswith("/api/") for url in config["shell"])
    assert len(config["version"]) == 16


def test_the_offline_page_says_so_and_names_nobody(auth_client, user):
    page = auth_client.get("/offline/").content.decode()
    assert "You're offline" in page
    assert user.username not in page
    assert "csrfmiddlewaretoken" not in page


def test_every_page_links_the_app_and_the_csp_allows_its_worker(auth_client):
    page = auth_client.get("/")
    html = page.content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert '<meta name="theme-color" content="#4f46e5">' in html
    assert 'rel="apple-touch-icon" href="/icons/apple-touch-icon.png"' in html
    assert "/static/js/pwa.js" in html
    assert 'id="push-toggle"' in html
    policy = page["Content-Security-Policy"]
    assert "worker-src 'self'" in policy
    assert "manifest-src 'self'" in policy
