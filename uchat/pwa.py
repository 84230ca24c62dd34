"""uchat as an installable app: the web app manifest, its icons (drawn here with Pillow from
the design tokens' colours), the service worker at the site's root and the offline page it
keeps. What the service worker caches and never caches: static/js/sw.js and
docs/notifications.md ("On phones")."""

import hashlib
import io
import json
import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from PIL import Image, ImageDraw

ICON_SIZES = {"icon-192": 192, "icon-512": 512, "maskable-512": 512, "apple-touch-icon": 180}
ICON_MAX_AGE = 30 * 24 * 3600  # the icons change only with the palette
# What the offline page needs, kept by the service worker when it installs.
SHELL_STATIC = [
    "bootstrap/css/bootstrap.min.css",
    "css/tokens.css",
    "css/uchat.css",
    "css/chrome.css",
    "js/theme.js",
    "favicon.svg",
]


@lru_cache(maxsize=1)
def palette() -> dict[str, str]:
    """The light palette's colours (static/css/tokens.css: --u-accent, --u-bg, ...)."""
    path = finders.find("css/tokens.css")
    text = Path(str(path)).read_text() if path else ""
    block = text.split("}", 1)[0]
    colours = dict(re.findall(r"--u-([\w-]+):\s*(#[0-9a-fA-F]{6})\b", block))
    return {"accent": colours.get("accent", "#4f46e5"), "bg": colours.get("bg", "#ffffff")}


def _rgb(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


@lru_cache(maxsize=len(ICON_SIZES))
def icon_png(name: str) -> bytes:
    """A chat bubble in the page's background colour on the accent colour. ``maskable-*``
    fills the square and keeps the bubble inside the central safe zone (80%); the others
    are a rounded square (the apple-touch-icon a full one: iOS rounds it)."""
    size = ICON_SIZES[name]
    scale = 4  # drawn large, then scaled down: smooth edges without anti-aliased drawing
    big = size * scale
    accent, bg = _rgb(palette()["accent"]), _rgb(palette()["bg"])
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if name.startswith("maskable") or name == "apple-touch-icon":
        draw.rectangle((0, 0, big, big), fill=accent)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.22, fill=accent)
    glyph = 0.5 if name.startswith("maskable") else 0.6  # the bubble's width, of the icon's
    left = big * (1 - glyph) / 2
    top = big * (1 - glyph * 0.86) / 2
    right, bottom = big - left, top + big * glyph * 0.7
    draw.rounded_rectangle((left, top, right, bottom), radius=big * glyph * 0.16, fill=bg)
    tail_x = left + big * glyph * 0.22
    draw.polygon(
        [
            (tail_x, bottom - 2),
            (tail_x + big * glyph * 0.22, bottom - 2),
            (tail_x, bottom + big * glyph * 0.18),
        ],
        fill=bg,
    )
    dot = big * glyph * 0.065
    middle_y = (top + bottom) / 2
    for i in (-1, 0, 1):
        x = big / 2 + i * big * glyph * 0.22
        draw.ellipse((x - dot, middle_y - dot, x + dot, middle_y + dot), fill=accent)
    image = image.resize((size, size), Image.Resampling.LANCZOS)
    if name == "apple-touch-icon":
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def theme_color(request: HttpRequest) -> dict[str, str]:
    """``app_theme_color`` for every page's <meta name="theme-color"> (the manifest's)."""
    return {"app_theme_color": palette()["accent"]}


@require_safe
@cache_control(public=True, max_age=ICON_MAX_AGE)
def icon(request: HttpRequest, name: str) -> HttpResponse:
    if name not in ICON_SIZES:
        raise Http404
    return HttpResponse(icon_png(name), content_type="image/png")


@require_safe
@cache_control(public=True, max_age=24 * 3600)
def manifest(request: HttpRequest) -> HttpResponse:
    colours = palette()
    name = settings.UCHAT_SITE_NAME
    icons = [
        {"src": "/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": "/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {
            "src": "/icons/maskable-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    body = {
        "id": "/",
        "name": name,
        "short_name": name[:12],
        "description": f"{name}: rooms, direct messages and help from the desk.",
        "lang": "en",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": colours["accent"],
        "background_color": colours["bg"],
        "icons": icons,
    }
    return HttpResponse(json.dumps(body, indent=1), content_type="application/manifest+json")


@lru_cache(maxsize=1)
def _worker_source() -> tuple[str, str]:
    """static/js/sw.js, and a version: a hash of it and of every static file, so that a deploy
    that changes any of them installs a new worker with a new cache (the old one is dropped)."""
    path = finders.find("js/sw.js")
    if not path:
        raise Http404
    source = Path(str(path)).read_text()
    digest = hashlib.sha256(source.encode())
    for finder in finders.get_finders():
        for relative, storage in sorted(finder.list([]), key=lambda pair: pair[0]):
            digest.update(relative.encode())
            with storage.open(relative) as handle:
                digest.update(hashlib.sha256(handle.read()).digest())
    return source, digest.hexdigest()[:16]


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, at the root so that its scope is the whole site. Its settings come
    first (self.UCHAT_SW); browsers look for a new one on every navigation (no-cache)."""
    source, version = _worker_source()
    config = {
        "version": version,
        "offline": "/offline/",
        "static": settings.STATIC_URL,
        "shell": [
            "/offline/",
            *(static(path) for path in SHELL_STATIC),
            "/icons/icon-192.png",
            "/manifest.webmanifest",
        ],
    }
    response = HttpResponse(
        f"self.UCHAT_SW = {json.dumps(config)};\n{source}",
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def offline(request: HttpRequest) -> HttpResponse:
    """The page the service worker shows when a page cannot load: nobody's data on it, so the
    same copy serves everyone on the device."""
    context = {"site_name": settings.UCHAT_SITE_NAME, "theme_color": palette()["accent"]}
    response = render(request, "offline.html", context)
    response["Cache-Control"] = "no-cache"
    return response
