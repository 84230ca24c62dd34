"""Limits every door applies to input before it is parsed or stored: JSON nesting depth, NUL
characters (PostgreSQL refuses them in text, so they turned into 500s), and database ids."""

import json
from typing import Any

MAX_JSON_DEPTH = 32
MAX_ID = 2**63 - 1  # a bigint; anything larger made the database raise


def json_too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when arrays/objects nest deeper than ``limit``. Cheap for ordinary input: the
    character scan runs only when there are more brackets than the limit at all."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def has_nul(text: str) -> bool:
    """A NUL character, raw or as a JSON escape."""
    return "\x00" in text or "\\u0000" in text


class InputRefused(ValueError):
    """Input refused before parsing; the message says why, for an error frame or a 400."""


def json_loads_limited(text: str) -> Any:
    if json_too_deep(text):
        raise InputRefused(f"JSON may nest at most {MAX_JSON_DEPTH} levels deep.")
    if has_nul(text):
        raise InputRefused("Text may not contain NUL characters.")
    try:
        return json.loads(text)
    except RecursionError:
        raise InputRefused(f"JSON may nest at most {MAX_JSON_DEPTH} levels deep.") from None


def is_id(value: Any) -> bool:
    """A whole number that can be a database id (booleans are not numbers here)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID
