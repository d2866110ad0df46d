"""Minimal inline SVG charts for the bulletin (no scripts, no CDN; print as vectors).

Each function returns markup safe to put in a template; labels are escaped.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

RED = "#b71c1c"
GREY = "#9e9e9e"


def _num(v) -> str:
    if isinstance(v, Decimal):
        v = v.normalize()
        return f"{v:f}" if v != v.to_integral_value() else str(int(v))
    return str(v)


def hbars(items: list[tuple[str, Decimal]], *, title: str, width: int = 640, bar: int = 18) -> str:
    """Horizontal bars, one per (label, value), largest scale = the largest value."""
    label_w, pad, gap = 130, 8, 6
    top = 28
    height = top + len(items) * (bar + gap) + pad
    biggest = max((float(v) for _, v in items), default=0) or 1
    span = width - label_w - 60
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" font-size="12">',
           f'<text x="0" y="16" font-weight="bold" font-size="14">{escape(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = top + i * (bar + gap)
        w = max(1.0, float(value) / biggest * span) if value else 0
        out.append(f'<text x="{label_w - 6}" y="{y + bar - 5}" text-anchor="end">{escape(label)}</text>')
        out.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar}" fill="{RED}"/>')
        out.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar - 5}">{_num(value)}</text>')
    out.append("</svg>")
    return mark_safe("".join(out))


def columns(items: list[tuple[str, Decimal]], *, title: str, width: int = 640, height: int = 220) -> str:
    """Vertical columns (a monthly trend), labels under each column."""
    top, bottom, left = 28, 34, 8
    n = max(1, len(items))
    slot = (width - left * 2) / n
    col = slot * 0.62
    biggest = max((float(v) for _, v in items), default=0) or 1
    span = height - top - bottom - 14
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" font-size="11">',
           f'<text x="0" y="16" font-weight="bold" font-size="14">{escape(title)}</text>',
           f'<line x1="{left}" y1="{height - bottom}" x2="{width - left}" y2="{height - bottom}" stroke="{GREY}"/>']
    for i, (label, value) in enumerate(items):
        x = left + i * slot + (slot - col) / 2
        h = float(value) / biggest * span if value else 0
        y = height - bottom - h
        cx = x + col / 2
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{col:.1f}" height="{h:.1f}" fill="{RED}"/>')
        out.append(f'<text x="{cx:.1f}" y="{y - 3:.1f}" text-anchor="middle">{_num(value)}</text>')
        out.append(f'<text x="{cx:.1f}" y="{height - bottom + 14}" text-anchor="middle">{escape(label)}</text>')
    out.append("</svg>")
    return mark_safe("".join(out))
