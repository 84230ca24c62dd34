"""Icons come from the lucide package and are drawn by the server: inline in templates, from
one sprite for scripts (core/icons.py)."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template

from core import icons

STATIC_JS = Path(__file__).resolve().parent.parent / "static" / "js"


def test_every_icon_a_script_draws_is_in_the_sprite():
    used = set()
    for path in STATIC_JS.glob("*.js"):
        used |= set(re.findall(r"\bicon\(\s*[\"']([a-z0-9-]+)[\"']", path.read_text()))
    assert used <= set(icons.SPRITE), sorted(used - set(icons.SPRITE))


def test_the_sprite_has_a_symbol_per_icon_and_hides_itself():
    sprite = icons.sprite()
    assert sprite.count("<symbol ") == len(icons.SPRITE)
    for name in icons.SPRITE:
        assert f'id="i-{name}"' in sprite
    assert 'aria-hidden="true"' in sprite
    assert "<path" in sprite


def test_the_template_tag_draws_an_icon_hidden_from_screen_readers():
    html = Template('{% icon "pencil" size=20 %}').render(Context())
    assert html.startswith("<svg")
    assert 'aria-hidden="true"' in html
    assert 'width="20"' in html


def test_an_unknown_icon_is_an_error_not_an_empty_space():
    with pytest.raises(Exception, match="does not exist"):
        Template('{% icon "no-such-icon" %}').render(Context())
