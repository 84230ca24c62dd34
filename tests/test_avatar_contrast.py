"""Avatars are white initials on a colour picked from the person's id (``--hue``): every hue
the style sheets allow must keep WCAG's 4.5:1 for small text. axe-core in the browser tests
sees only the hues of that run's ids, so a rule that fails for some hues passes most runs."""

import colorsys
import re
from pathlib import Path

CSS = Path(__file__).resolve().parent.parent / "static" / "css"
AVATAR = re.compile(r"hsl\(var\(--hue(?:, *\d+)?\) +(\d+)% +(\d+)%\)")


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_white_initials_keep_4_5_to_1_on_every_hue():
    found = [
        (sheet.name, int(s), int(lightness))
        for sheet in CSS.glob("*.css")
        for s, lightness in AVATAR.findall(sheet.read_text())
    ]
    assert found, "no avatar colours found: the pattern no longer matches the style sheets"
    for sheet, saturation, lightness in found:
        worst = min(
            1.05
            / (_luminance(colorsys.hls_to_rgb(h / 360, lightness / 100, saturation / 100)) + 0.05)
            for h in range(360)
        )
        assert worst >= 4.5, f"{sheet}: hsl(hue {saturation}% {lightness}%) gives {worst:.2f}:1"
