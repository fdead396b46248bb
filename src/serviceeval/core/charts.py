"""Small charts drawn on the server as inline SVG (issue 12 item 3).

No script, no external asset, nothing a printer or a screen reader cannot take:
each chart is one `<svg role="img">` named by its `<title>` and described by its
`<desc>` (the text alternative: every figure in words), with a `viewBox` so it
scales down to a 390 px phone, on a white ground so it prints. Series differ by
colour *and* by pattern (bars) or marker and dash (lines), and bars carry their
value as a direct label where it fits, so colour alone never tells them apart.
The pages show the same figures as a table beside each chart.

Output is deterministic (same input, same bytes): coordinates are rounded to one
decimal and every figure goes through `format_points` (never scientific notation).
Text is escaped here; the result is marked safe for templates.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import NamedTuple

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .numbers import format_points

WIDTH = 480
HEIGHT = 260
FONT = 14
SMALL = 12
TEXT = "#1b1b1b"
GRID = "#c9c9c9"
AXIS = "#4a4a4a"
# Each at least 4.5:1 against white (non-text contrast needs 3:1), far apart in hue.
COLOURS = ("#0b5394", "#b45309", "#15803d", "#6d28d9", "#a4000f", "#374151")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "10 4", "4 2")
MARKERS = ("circle", "square", "triangle", "diamond", "circle", "square")

_ID = re.compile(r"^[a-z][a-z0-9-]{0,60}$")


class Series(NamedTuple):
    """One named row of figures (None where there is no figure)."""

    name: str
    values: Sequence


Formatter = Callable[[object], str]


# --- helpers --------------------------------------------------------------------------


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def _n(x: float) -> str:
    """A coordinate: one decimal at most, no "-0"."""
    text = f"{round(x, 1):.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _text_width(text: str, size: float) -> float:
    """About how wide `text` is: CJK characters are square, others about 0.6 em."""
    return sum(size if ord(c) >= 0x2E80 else size * 0.6 for c in str(text))


def _fit(text: str, width: float, size: float) -> list[str]:
    """`text` on at most two lines of `width`, the rest cut with an ellipsis."""
    text = str(text)
    if _text_width(text, size) <= width:
        return [text]
    lines, line = [], ""
    for c in text:
        if _text_width(line + c, size) > width:
            lines.append(line)
            line = c
            if len(lines) == 2:
                break
        else:
            line += c
    else:
        lines.append(line)
        return lines[:2]
    first, second = lines[0], lines[1]
    while second and _text_width(second + "…", size) > width:
        second = second[:-1]
    return [first, second + "…"]


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / ticks if span > 0 else 1
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power  # pragma: no cover - the loop always returns


def _scale(values, y_min=None, y_max=None, whole=False) -> tuple[float, float, float]:
    """(bottom, top, step) of a y axis holding every value and zero (`whole`: counts,
    so whole steps)."""
    numbers = [float(v) for v in values if v is not None]
    low = min([0.0, *numbers]) if y_min is None else float(y_min)
    high = max([0.0, *numbers]) if y_max is None else float(y_max)
    if high <= low:
        high = low + 1
    step = _nice_step(high - low)
    if whole:
        step = max(1.0, math.ceil(step))
    bottom = math.floor(low / step) * step if y_min is None else low
    top = math.ceil(high / step) * step if y_max is None else high
    if top <= bottom:
        top = bottom + step
    return bottom, top, step


def _fmt_tick(value: float) -> str:
    return format_points(Decimal(repr(round(value, 4))))


def _join(items: list[str]) -> str:
    # A list read out: 「；」 in Chinese, "; " in English.
    return _("; ").join(items) if items else _("No figures.")


def _item(label, value: str) -> str:
    return _("%(label)s: %(value)s") % {"label": label, "value": value}


def _open(chart_id: str, title: str, desc: str, height: int) -> list[str]:
    if not _ID.match(chart_id):
        raise ValueError(f"chart id {chart_id!r}: lower-case letters, digits and '-'")
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'preserveAspectRatio="xMidYMid meet" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-size="{FONT}" fill="{TEXT}">',
        f'<title id="{chart_id}-title">{_esc(title)}</title>',
        f'<desc id="{chart_id}-desc">{_esc(desc)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]


def _patterns(chart_id: str, n: int) -> str:
    """One fill per series: plain, stripes, dots, cross-hatch, lines, checks."""
    marks = (
        "",
        '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#ffffff" stroke-width="2"/>',
        '<circle cx="4" cy="4" r="1.6" fill="#ffffff"/>',
        '<path d="M0,0 L8,8 M8,0 L0,8" stroke="#ffffff" stroke-width="1.4"/>',
        '<path d="M0,4 L8,4" stroke="#ffffff" stroke-width="2"/>',
        '<path d="M0,0 h4 v4 h-4 z M4,4 h4 v4 h-4 z" fill="#ffffff" fill-opacity="0.6"/>',
    )
    out = ["<defs>"]
    for i in range(n):
        colour = COLOURS[i % len(COLOURS)]
        out.append(
            f'<pattern id="{chart_id}-p{i}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="{colour}"/>{marks[i % len(marks)]}</pattern>'
        )
    out.append("</defs>")
    return "".join(out)


def _legend(chart_id: str, names: Sequence[str], *, lines: bool) -> tuple[list[str], int]:
    """The legend across the top, wrapped; returns its markup and its height."""
    out, x, y = ['<g class="legend">'], 8.0, 6.0
    for i, name in enumerate(names):
        w = 22 + _text_width(name, FONT) + 14
        if x + w > WIDTH - 8 and x > 8:
            x, y = 8.0, y + 20
        if lines:
            out.append(_line_swatch(i, x, y + 8))
        else:
            out.append(
                f'<rect x="{_n(x)}" y="{_n(y + 1)}" width="16" height="14" '
                f'fill="url(#{chart_id}-p{i})" stroke="{AXIS}" stroke-width="0.5"/>'
            )
        out.append(f'<text x="{_n(x + 22)}" y="{_n(y + 13)}">{_esc(name)}</text>')
        x += w
    out.append("</g>")
    return out, int(y + 24)


def _marker(i: int, x: float, y: float, r: float = 4) -> str:
    colour = COLOURS[i % len(COLOURS)]
    kind = MARKERS[i % len(MARKERS)]
    if kind == "square":
        return (
            f'<rect class="point" x="{_n(x - r)}" y="{_n(y - r)}" width="{_n(2 * r)}" '
            f'height="{_n(2 * r)}" fill="{colour}"/>'
        )
    if kind == "triangle":
        pts = f"{_n(x)},{_n(y - r - 1)} {_n(x + r + 1)},{_n(y + r)} {_n(x - r - 1)},{_n(y + r)}"
        return f'<polygon class="point" points="{pts}" fill="{colour}"/>'
    if kind == "diamond":
        pts = f"{_n(x)},{_n(y - r - 1)} {_n(x + r + 1)},{_n(y)} {_n(x)},{_n(y + r + 1)} {_n(x - r - 1)},{_n(y)}"
        return f'<polygon class="point" points="{pts}" fill="{colour}"/>'
    return f'<circle class="point" cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{colour}"/>'


def _line_swatch(i: int, x: float, y: float) -> str:
    colour = COLOURS[i % len(COLOURS)]
    dash = DASHES[i % len(DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x + 16)}" y2="{_n(y)}" stroke="{colour}" '
        f'stroke-width="2"{dash_attr}/>' + _marker(i, x + 8, y, 3)
    )


class _Plot:
    """The plotting area and its y axis."""

    def __init__(self, top: int, values, *, y_min=None, y_max=None, whole=False):
        self.left, self.right = 52, WIDTH - 12
        self.top, self.bottom = top + 14, HEIGHT - 40 + top
        self.low, self.high, self.step = _scale(values, y_min, y_max, whole)

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def y(self, value) -> float:
        v = min(max(float(value), self.low), self.high)
        return self.bottom - (v - self.low) / (self.high - self.low) * self.height

    def axis(self, y_label: str) -> list[str]:
        out = ['<g class="axis">']
        ticks = round((self.high - self.low) / self.step)
        for k in range(ticks + 1):
            value = self.low + k * self.step
            y = self.y(value)
            colour = AXIS if abs(value) < 1e-9 else GRID
            out.append(
                f'<line x1="{self.left}" y1="{_n(y)}" x2="{self.right}" y2="{_n(y)}" '
                f'stroke="{colour}" stroke-width="1"/>'
            )
            out.append(
                f'<text x="{self.left - 6}" y="{_n(y + 4)}" text-anchor="end" '
                f'font-size="{SMALL}">{_esc(_fmt_tick(value))}</text>'
            )
        out.append(
            f'<line x1="{self.left}" y1="{self.top}" x2="{self.left}" y2="{self.bottom}" '
            f'stroke="{AXIS}" stroke-width="1"/>'
        )
        if y_label:
            out.append(
                f'<text x="{self.left}" y="{self.top - 4}" font-size="{SMALL}">{_esc(y_label)}</text>'
            )
        out.append("</g>")
        return out

    def x_labels(self, labels: Sequence[str], centres: Sequence[float], slot: float) -> list[str]:
        out = ['<g class="x-labels">']
        for label, cx in zip(labels, centres, strict=True):
            for k, line in enumerate(_fit(label, slot - 4, FONT)):
                out.append(
                    f'<text x="{_n(cx)}" y="{self.bottom + 18 + k * 15}" '
                    f'text-anchor="middle">{_esc(line)}</text>'
                )
        out.append("</g>")
        return out


def _height(legend_height: int) -> int:
    return HEIGHT + legend_height


# --- the charts -----------------------------------------------------------------------


def bar_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence,
    desc: str | None = None,
    y_label: str = "",
    y_max=None,
    notes: Sequence[str] | None = None,
    fmt: Formatter = format_points,
) -> SafeString:
    """One bar per label (e.g. a total per ROC year), each with its value above it and
    an optional note under the value (e.g. the grade)."""
    notes = list(notes) if notes is not None else [""] * len(labels)
    if desc is None:
        desc = _join(
            [
                _item(label, " ".join(filter(None, [fmt(v), note])))
                for label, v, note in zip(labels, values, notes, strict=True)
            ]
        )
    top = 6
    plot = _Plot(top, values, y_min=0, y_max=y_max)
    height = _height(top)
    out = _open(chart_id, title, desc, height)
    out.append(_patterns(chart_id, 1))
    out += plot.axis(y_label)
    n = max(len(labels), 1)
    slot = (plot.right - plot.left) / n
    bar_w = min(56.0, slot * 0.6)
    centres = [plot.left + slot * (i + 0.5) for i in range(n)]
    out.append('<g class="bars">')
    for cx, value, note in zip(centres, values, notes, strict=True):
        label_y = plot.bottom - 6
        if value is not None:
            y = plot.y(value)
            out.append(
                f'<rect class="bar" x="{_n(cx - bar_w / 2)}" y="{_n(y)}" width="{_n(bar_w)}" '
                f'height="{_n(plot.bottom - y)}" fill="url(#{chart_id}-p0)"/>'
            )
            label_y = y - 6
        text = fmt(value)
        if note:
            out.append(
                f'<text x="{_n(cx)}" y="{_n(label_y - 14)}" text-anchor="middle" '
                f'font-size="{SMALL}">{_esc(note)}</text>'
            )
        out.append(f'<text x="{_n(cx)}" y="{_n(label_y)}" text-anchor="middle">{_esc(text)}</text>')
    out.append("</g>")
    out += plot.x_labels(labels, centres, slot)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped


def grouped_bar_chart(
    *,
    chart_id: str,
    title: str,
    groups: Sequence[str],
    series: Sequence[Series],
    desc: str | None = None,
    y_label: str = "",
    y_max=None,
    whole: bool = False,
    fmt: Formatter = format_points,
) -> SafeString:
    """Bars side by side within each group, one patterned fill per series (e.g. the
    agencies of each grade, per group; each dimension's total, per year)."""
    if desc is None:
        desc = _join(
            [
                _item(
                    group,
                    _(", ").join(_item(s.name, fmt(s.values[g])) for s in series),
                )
                for g, group in enumerate(groups)
            ]
        )
    legend, legend_h = _legend(chart_id, [s.name for s in series], lines=False)
    values = [v for s in series for v in s.values]
    plot = _Plot(legend_h, values, y_min=0, y_max=y_max, whole=whole)
    out = _open(chart_id, title, desc, _height(legend_h))
    out.append(_patterns(chart_id, len(series)))
    out += legend
    out += plot.axis(y_label)
    n, k = max(len(groups), 1), max(len(series), 1)
    slot = (plot.right - plot.left) / n
    bar_w = min(40.0, slot * 0.8 / k)
    centres = [plot.left + slot * (i + 0.5) for i in range(n)]
    # Direct labels on every bar or on none (the table has them): never on some only.
    labelled = all(
        _text_width(fmt(v), SMALL) <= bar_w + 2 for s in series for v in s.values if v is not None
    )
    out.append('<g class="bars">')
    for g, cx in enumerate(centres):
        start = cx - bar_w * k / 2
        for i, s in enumerate(series):
            value = s.values[g]
            x = start + i * bar_w
            if value is None:
                continue
            y = plot.y(value)
            out.append(
                f'<rect class="bar" x="{_n(x + 1)}" y="{_n(y)}" width="{_n(bar_w - 2)}" '
                f'height="{_n(plot.bottom - y)}" fill="url(#{chart_id}-p{i})"/>'
            )
            if labelled:
                text = fmt(value)
                out.append(
                    f'<text x="{_n(x + bar_w / 2)}" y="{_n(y - 4)}" text-anchor="middle" '
                    f'font-size="{SMALL}">{_esc(text)}</text>'
                )
    out.append("</g>")
    out += plot.x_labels(groups, centres, slot)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped


def line_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    desc: str | None = None,
    y_label: str = "",
    y_min=None,
    y_max=None,
    fmt: Formatter = format_points,
) -> SafeString:
    """A trend: one line per series over the labels (ROC years, months), each with its
    own marker and dash; a missing figure breaks the line. Values may be negative
    (growth rates): the zero line is drawn darker."""
    if desc is None:
        desc = _join(
            [
                _item(
                    s.name,
                    _(", ").join(
                        _item(label, fmt(v)) for label, v in zip(labels, s.values, strict=True)
                    ),
                )
                for s in series
            ]
        )
    legend, legend_h = _legend(chart_id, [s.name for s in series], lines=True)
    plot = _Plot(legend_h, [v for s in series for v in s.values], y_min=y_min, y_max=y_max)
    out = _open(chart_id, title, desc, _height(legend_h))
    out += legend
    out += plot.axis(y_label)
    n = max(len(labels), 1)
    slot = (plot.right - plot.left) / n
    centres = [plot.left + slot * (i + 0.5) for i in range(n)]
    for i, s in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        dash = DASHES[i % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<g class="series" data-series="{i}">')
        path, pen = [], "M"
        for cx, value in zip(centres, s.values, strict=True):
            if value is None:
                pen = "M"
                continue
            path.append(f"{pen}{_n(cx)},{_n(plot.y(value))}")
            pen = "L"
        if path:
            out.append(
                f'<path class="line" d="{" ".join(path)}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{dash_attr}/>'
            )
        for cx, value in zip(centres, s.values, strict=True):
            if value is not None:
                out.append(_marker(i, cx, plot.y(value)))
        out.append("</g>")
    if len(series) == 1:  # one line: its values beside the points
        out.append('<g class="values">')
        for cx, value in zip(centres, series[0].values, strict=True):
            if value is not None:
                out.append(
                    f'<text x="{_n(cx)}" y="{_n(plot.y(value) - 8)}" text-anchor="middle" '
                    f'font-size="{SMALL}">{_esc(fmt(value))}</text>'
                )
        out.append("</g>")
    out += plot.x_labels(labels, centres, slot)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped
