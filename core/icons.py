"""Icons: Lucide's SVGs from the ``lucide`` package (PyPI), drawn by the server.

Templates draw one with ``{% icon "name" %}`` (core.templatetags.icons), inline. Scripts draw
them from one sprite of ``<symbol>``s that every page carries (``{% icon_sprite %}`` in
base.html): ``icon("name")`` in static/js/icons.js is ``<svg><use href="#i-name">``. A name
a script uses must be in SPRITE (tests/test_icons.py reads static/js for them).
"""

import functools
from xml.etree import ElementTree

import lucide

# The icons scripts draw (static/js), by Lucide's names.
SPRITE = (
    "corner-up-left",
    "ellipsis",
    "eye",
    "file",
    "file-image",
    "file-text",
    "hash",
    "history",
    "life-buoy",
    "lock",
    "message-square",
    "message-square-reply",
    "messages-square",
    "paperclip",
    "pencil",
    "search",
    "send",
    "smile",
    "smile-plus",
    "trash-2",
    "user",
    "x",
    "users",  # user groups (mention suggestions, the Groups page)
    "square-slash",  # slash commands (the composer's list)
)

_ATTRS = (
    'viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" '
    'stroke-linecap="round" stroke-linejoin="round"'
)


def svg(name: str, *, size: int = 16, css: str = "icon") -> str:
    """One icon, inline; hidden from screen readers (its button or link carries the label)."""
    return lucide._render_icon(
        name, size, **{"class": css, "aria-hidden": "true", "focusable": "false"}
    )


@functools.cache
def sprite() -> str:
    """Every SPRITE icon as a ``<symbol id="i-<name>">``, in one hidden ``<svg>``."""
    symbols = []
    for name in SPRITE:
        shape = lucide._load_icon(name)
        inner = "".join(ElementTree.tostring(child, encoding="unicode") for child in shape)
        symbols.append(f'<symbol id="i-{name}" {_ATTRS}>{inner}</symbol>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" class="d-none" aria-hidden="true">'
        + "".join(symbols)
        + "</svg>"
    )
