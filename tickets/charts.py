"""The reports' charts, as SVG drawn on the server: no chart library, no script, nothing from
elsewhere. Each chart is an <svg role="img"> with a title, and the page shows its numbers
in a table too (for screen readers, and to copy)."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

COLOURS = ("#0d6efd", "#198754", "#fd7e14", "#6f42c1")


def _n(value: float) -> str:
    return f"{value:.1f}"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def columns(
    *, title: str, labels: Sequence[str], series: Sequence[Series], width: int = 640,
    height: int = 220, every: int = 1,
) -> SafeString:  # fmt: skip
    """Vertical columns, one group per label (a day), one colour per series, with a legend.
    ``every``: write one label in that many (30 days do not fit otherwise)."""
    top, bottom, left = 16, 36, 32
    plot_h = height - top - bottom
    peak = max([1.0, *(v for s in series for v in s.values)])
    slot = (width - left) / max(1, len(labels))
    bar = max(1.0, slot * 0.8 / max(1, len(series)))
    bars = []
    for i, label in enumerate(labels):
        for j, one in enumerate(series):
            value = one.values[i]
            h = plot_h * value / peak
            x = left + i * slot + slot * 0.1 + j * bar
            bars.append(
                (
                    _n(x),
                    _n(top + plot_h - h),
                    _n(bar),
                    _n(h),
                    COLOURS[j % len(COLOURS)],
                    f"{one.name}, {label}: {value:g}",
                )
            )
    marks = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
        bars,
    )
    names = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="11">{}</text>',
        [(left + i * slot, height - 20, label) for i, label in enumerate(labels) if i % every == 0],
    )
    legend = format_html_join(
        "",
        '<rect x="{}" y="{}" width="10" height="10" fill="{}"></rect>'
        '<text x="{}" y="{}" font-size="11">{}</text>',
        [
            (
                left + k * 140,
                height - 10,
                COLOURS[k % len(COLOURS)],
                left + k * 140 + 14,
                height - 1,
                s.name,
            )
            for k, s in enumerate(series)
        ],
    )
    return format_html(
        '<svg class="chart" role="img" viewBox="0 0 {w} {h}" width="100%" '
        'preserveAspectRatio="xMinYMin meet"><title>{t}</title>'
        '<text x="0" y="{ty}" font-size="11">{peak}</text>'
        '<line x1="{l}" y1="{base}" x2="{w}" y2="{base}" stroke="#6c757d"></line>'
        "{marks}{names}{legend}</svg>",
        w=width, h=height, t=title, ty=top + 4, peak=f"{peak:g}", l=left, base=top + plot_h,
        marks=marks, names=names, legend=legend,
    )  # fmt: skip


def bars(*, title: str, rows: Sequence[tuple[str, float, str]], width: int = 640) -> SafeString:
    """Horizontal bars: (label, value, the value as people read it) per row."""
    row_h, left, right = 26, 150, 110
    height = max(1, len(rows)) * row_h + 8
    peak = max([1.0, *(value for _, value, _ in rows)])
    span = width - left - right
    drawn = format_html_join(
        "",
        '<text x="0" y="{ty}" font-size="12">{label}</text>'
        '<rect x="{l}" y="{y}" width="{bw}" height="18" fill="{c}">'
        "<title>{label}: {text}</title></rect>"
        '<text x="{tx}" y="{ty}" font-size="12">{text}</text>',
        [
            {
                "label": label, "text": text, "l": left, "y": 4 + i * row_h, "ty": 17 + i * row_h,
                "bw": _n(span * value / peak), "tx": _n(left + span * value / peak + 6),
                "c": COLOURS[0],
            }
            for i, (label, value, text) in enumerate(rows)
        ],
    )  # fmt: skip
    return format_html(
        '<svg class="chart" role="img" viewBox="0 0 {w} {h}" width="100%" '
        'preserveAspectRatio="xMinYMin meet"><title>{t}</title>{drawn}</svg>',
        w=width, h=height, t=title, drawn=drawn,
    )  # fmt: skip
