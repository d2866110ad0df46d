"""Server-rendered charts: inline SVG strings, no JavaScript, no CDN.

Every function returns a ``SafeString`` holding one ``<svg>`` element that scales to the width of
its container (``viewBox`` + ``width="100%"``), so the same chart reads on a 390px phone and on
A4 paper. Text is escaped here; callers pass plain strings and numbers. Colours come from
:data:`COLOURS` (red/amber/green of the warnings, and the portal's red for plain series), and
``class`` hooks (``chart``, ``chart-bar``, ``chart-line``) let print CSS adjust them.

API (all keyword arguments after the data are optional):

``column_chart(labels, values, *, title="", unit="", colour=COLOURS["series"], height=180,
cumulative=False)``
    Vertical bars, one per label (months of a trend). ``cumulative=True`` adds a line of the
    running total on a second scale (right axis), which is how a county reads "how far along".

``bar_chart(rows, *, title="", unit="", max_value=None, href=True)``
    Horizontal bars for rankings. ``rows`` is a list of :class:`Bar` (label, value, colour,
    optional note shown after the value, optional link). Height grows with the number of rows.

``progress_bar(percent, *, rag="green", expected=None, label="")``
    A thin bar filled to ``percent`` (capped at 100 in the drawing, not in the label) in the
    RAG colour, with a tick at ``expected`` (the share of the campaign period elapsed).

``month_label(date)`` → "3月" (or "2024年1月" for January, so a year boundary shows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLOURS = {
    "green": "#2e7d32",
    "amber": "#e0a800",
    "red": "#c62828",
    "grey": "#9e9e9e",
    "series": "#b71c1c",
    "line": "#1565c0",
    "grid": "#e0e0e0",
    "text": "#333333",
}
FONT = "font-family=\"system-ui, -apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif\""


def _num(v) -> float:
    if v is None:
        return 0.0
    return float(v)


def fmt(v) -> str:
    """A compact number for a chart label: 1280000 → 128万, 12.5 → 12.5, 3 → 3."""
    x = _num(v)
    if abs(x) >= 100000:
        w = x / 10000
        return f"{w:.0f}万" if w == int(w) or abs(w) >= 100 else f"{w:.1f}万"
    if x == int(x):
        return str(int(x))
    return f"{x:.1f}"


def _nice_max(x: float) -> float:
    """A round axis maximum ≥ x (1, 2, 2.5, 5 × 10ⁿ)."""
    if x <= 0:
        return 1.0
    import math

    exp = 10 ** math.floor(math.log10(x))
    for m in (1, 2, 2.5, 5, 10):
        if x <= m * exp:
            return m * exp
    return 10 * exp


def _axis_max(x: float, whole: bool) -> float:
    """The axis maximum for four grid steps: ``_nice_max`` for amounts; for counts (``whole``) four
    whole steps of 1, 2, 5 × 10ⁿ, so that no tick reads 0.5 次."""
    if not whole:
        return _nice_max(x)
    import math

    need = max(math.ceil(x / 4), 1)
    exp = 10 ** math.floor(math.log10(need))
    for m in (1, 2, 5, 10):
        if need <= m * exp:
            return 4 * m * exp
    return 40 * exp


def month_label(d: dt.date) -> str:
    return f"{d.year}年{d.month}月" if d.month == 1 else f"{d.month}月"


def _svg(width: int, height: int, body: str, title: str, css: str) -> SafeString:
    t = escape(title)
    # Every text in ``body`` and the title is escaped where it is built (this module); numbers
    # and the colour constants are ours.
    return mark_safe(  # nosec B308 B703
        f'<svg class="chart {css}" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-label="{t}" {FONT} '
        f'xmlns="http://www.w3.org/2000/svg"><title>{t}</title>{body}</svg>'
    )


def column_chart(labels, values, *, title: str = "", unit: str = "", colour: str = COLOURS["series"],
                 height: int = 180, cumulative: bool = False) -> SafeString:
    """Vertical bars per label (e.g. month), optionally with a running-total line."""
    labels, values = list(labels), [_num(v) for v in values]
    n = max(len(values), 1)
    width = 600
    left, right, top, bottom = 36, 40 if cumulative else 10, 16, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    whole = all(v == int(v) for v in values)
    vmax = _axis_max(max(values, default=0), whole)
    slot = plot_w / n
    bar_w = max(min(slot * 0.62, 48), 2)
    parts = []
    for i in range(5):  # grid and left axis labels
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                     f'stroke="{COLOURS["grid"]}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
                     f'fill="{COLOURS["text"]}">{escape(fmt(vmax * i / 4))}</text>')
    step = 1 if n <= 12 else (2 if n <= 24 else 3)
    for i, (lab, v) in enumerate(zip(labels, values, strict=False)):
        h = plot_h * v / vmax if vmax else 0
        x = left + slot * i + (slot - bar_w) / 2
        y = top + plot_h - h
        parts.append(f'<rect class="chart-bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                     f'fill="{colour}"><title>{escape(str(lab))}:{escape(fmt(v))}{escape(unit)}</title></rect>')
        if v and n <= 14:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" font-size="10" text-anchor="middle" '
                         f'fill="{COLOURS["text"]}">{escape(fmt(v))}</text>')
        if i % step == 0:
            parts.append(f'<text x="{left + slot * i + slot / 2:.1f}" y="{height - 8}" font-size="11" '
                         f'text-anchor="middle" fill="{COLOURS["text"]}">{escape(str(lab))}</text>')
    if cumulative and values:
        running, total = [], 0.0
        for v in values:
            total += v
            running.append(total)
        cmax = _axis_max(total, whole)
        pts = " ".join(f"{left + slot * i + slot / 2:.1f},{top + plot_h - plot_h * c / cmax:.1f}"
                       for i, c in enumerate(running))
        parts.append(f'<polyline class="chart-line" points="{pts}" fill="none" stroke="{COLOURS["line"]}" '
                     f'stroke-width="2"/>')
        for i in range(5):
            y = top + plot_h - plot_h * i / 4
            parts.append(f'<text x="{width - right + 4}" y="{y + 4:.1f}" font-size="11" '
                         f'fill="{COLOURS["line"]}">{escape(fmt(cmax * i / 4))}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
                 f'stroke="{COLOURS["text"]}" stroke-width="1"/>')
    return _svg(width, height, "".join(parts), title, "chart-columns")


@dataclass
class Bar:
    label: str
    value: Decimal | float | int | None
    colour: str = COLOURS["series"]
    note: str = ""          # shown after the value, e.g. "↑3"
    href: str = ""          # the label links here when given


def bar_chart(rows: list[Bar], *, title: str = "", unit: str = "", max_value=None) -> SafeString:
    """Horizontal bars, one row each (rankings); the height follows the number of rows."""
    rows = list(rows)
    width, row_h, label_w, value_w, top = 600, 24, 150, 110, 4
    height = top * 2 + row_h * max(len(rows), 1)
    vmax = _num(max_value) if max_value else max((_num(r.value) for r in rows), default=0) or 1.0
    plot_w = width - label_w - value_w
    parts = []
    for i, r in enumerate(rows):
        y = top + row_h * i
        v = _num(r.value)
        w = max(plot_w * min(v / vmax, 1.0), 0) if vmax else 0
        label = escape(r.label if len(r.label) <= 10 else r.label[:9] + "…")
        text = f'<text x="{label_w - 6}" y="{y + 16}" font-size="13" text-anchor="end" fill="{COLOURS["text"]}">{label}</text>'
        if r.href:
            text = f'<a href="{escape(r.href)}">{text}</a>'
        parts.append(text)
        parts.append(f'<rect class="chart-bar" x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
                     f'fill="{r.colour}"><title>{escape(r.label)}:{escape(fmt(v))}{escape(unit)}</title></rect>')
        note = f" {escape(r.note)}" if r.note else ""
        parts.append(f'<text x="{label_w + w + 5:.1f}" y="{y + 16}" font-size="12" fill="{COLOURS["text"]}">'
                     f'{escape(fmt(v))}{escape(unit)}{note}</text>')
    return _svg(width, height, "".join(parts), title, "chart-bars")


def progress_bar(percent, *, rag: str = "green", expected=None, label: str = "") -> SafeString:
    """A progress bar in the RAG colour with a tick at the expected share (both in %)."""
    width, height = 200, 14
    p = max(min(_num(percent), 100.0), 0.0) if percent is not None else 0.0
    colour = COLOURS.get(rag, COLOURS["grey"])
    parts = [f'<rect x="0" y="2" width="{width}" height="10" rx="5" fill="{COLOURS["grid"]}"/>',
             f'<rect class="chart-bar" x="0" y="2" width="{width * p / 100:.1f}" height="10" rx="5" fill="{colour}"/>']
    if expected is not None:
        x = width * max(min(_num(expected), 100.0), 0.0) / 100
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="{COLOURS["text"]}" '
                     f'stroke-width="2"><title>应达进度 {escape(fmt(expected))}%</title></line>')
    return _svg(width, height, "".join(parts), label or f"完成 {fmt(percent)}%", "chart-progress")
