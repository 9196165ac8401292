"""Inline SVG charts readable without colour: each series has its own pattern, each bar its value written.

No JavaScript and nothing fetched from elsewhere. Each chart is an image (role="img") whose accessible
name summarises it and points to the data table printed right after it (the text alternative, RGAA 1.x).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

INK = "#1b1b1b"
TOWN = "var(--town, #1f5f5b)"

# Fills told apart by their shape, not their colour: solid, diagonal hatching, dots, cross-hatching.
PATTERNS = ["solid", "hatch", "dots", "cross"]
PATTERN_LABELS = {"solid": "plein", "hatch": "hachures", "dots": "points", "cross": "quadrillage"}


def _defs(prefix: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{prefix}-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="8" height="8" fill="#fff"/><line x1="0" y1="0" x2="0" y2="8" stroke="{TOWN}" '
        'stroke-width="4"/></pattern>'
        f'<pattern id="{prefix}-dots" width="7" height="7" patternUnits="userSpaceOnUse">'
        f'<rect width="7" height="7" fill="#fff"/><circle cx="3.5" cy="3.5" r="1.8" fill="{INK}"/></pattern>'
        f'<pattern id="{prefix}-cross" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="#fff"/><path d="M0 4H8M4 0V8" stroke="{INK}" stroke-width="1.5"/>'
        "</pattern></defs>"
    )


def _fill(prefix: str, pattern: str) -> str:
    return TOWN if pattern == "solid" else f"url(#{prefix}-{pattern})"


def _rect(prefix: str, pattern: str, x: float, y: float, w: float, h: float) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" '
        f'fill="{_fill(prefix, pattern)}" stroke="{INK}" stroke-width="1"/>'
    )


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 13, weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" font-weight="{weight}" '
        f'fill="{INK}">{escape(text)}</text>'
    )


# The server cannot measure text: a generous average glyph advance, in ems, for mixed-case French text (DejaVu
# Sans, wider than most system faces, averages about 0.53 em), so that the room kept for a label holds it.
EM_PER_CHAR = 0.62
LABEL_LINE_CHARS = 26  # a label longer than this wraps onto a second line (and more, never cut)
LINE_HEIGHT = 16


def text_width(text: str, size: int = 13) -> float:
    return len(text) * size * EM_PER_CHAR


def wrap_label(label: str, width: int = LABEL_LINE_CHARS) -> list[str]:
    """The label in lines of at most ``width`` characters, cut between words only: every word is kept whole.

    « Service › Catégorie » breaks after the « › » first, so that the category starts its own line.
    """
    lines: list[str] = []
    parts = label.split(" › ")
    for k, part in enumerate(parts):
        start = len(lines)
        for word in (part + (" ›" if k < len(parts) - 1 else "")).split():
            if len(lines) > start and len(lines[-1]) + 1 + len(word) <= width:
                lines[-1] += f" {word}"
            else:
                lines.append(word)
    return lines or [""]


def _label(x: float, middle: float, lines: list[str], size: int = 13) -> str:
    """Right-aligned lines centred vertically on ``middle``: one <text>, one <tspan> a line."""
    first = middle + 4 - (len(lines) - 1) * LINE_HEIGHT / 2
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{first + k * LINE_HEIGHT:.1f}">{escape(line)}</tspan>' for k, line in enumerate(lines)
    )
    return f'<text text-anchor="end" font-size="{size}" fill="{INK}">{spans}</text>'


def _svg(chart_id: str, width: int, height: int, label: str, body: str) -> SafeString:
    return mark_safe(
        f'<svg class="chart" id="{chart_id}" role="img" aria-labelledby="{chart_id}-titre" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">'
        f'<title id="{chart_id}-titre">{escape(label)}</title>{_defs(chart_id)}{body}</svg>'
    )


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as written next to the bar
    low: float | None = None  # uncertainty range, drawn as a whisker
    high: float | None = None


def horizontal_bars(
    chart_id: str, label: str, bars: list[Bar], reference: float | None = None, reference_label: str = ""
) -> SafeString:
    """One bar per item, value written after it, optional range whisker and reference line (the target).

    Labels are written whole: a long one wraps onto several lines, and the label column is as wide as its
    longest line (a right-aligned label wider than its column would run off the left edge, cut).
    """
    wrapped = [wrap_label(bar.label) for bar in bars]
    longest = max((text_width(line) for lines in wrapped for line in lines), default=0)
    label_width, bar_space, right = max(190, round(longest) + 16), 400, 230
    row, top = 34, 10
    heights = [max(row, LINE_HEIGHT * len(lines) + 10) for lines in wrapped]
    height = top + sum(heights or [row]) + (30 if reference is not None else 10)
    top_value = max([b.high or 0 for b in bars] + [b.value for b in bars] + [reference or 0, 1e-9])
    scale = bar_space / top_value
    parts = []
    for k, bar in enumerate(bars):
        middle = top + sum(heights[:k]) + heights[k] / 2
        parts.append(_label(label_width - 8, middle, wrapped[k]))
        y = middle - 16  # the bar (20 high from y + 6) and its value, centred on the label
        parts.append(_rect(chart_id, "solid", label_width, y + 6, bar.value * scale, 20))
        end = label_width + max(bar.value, bar.high or 0) * scale
        if bar.low is not None and bar.high is not None:
            x1, x2 = label_width + bar.low * scale, label_width + bar.high * scale
            whisker = f"M{x1:.1f} {y + 16}H{x2:.1f}M{x1:.1f} {y + 9}V{y + 23}M{x2:.1f} {y + 9}V{y + 23}"
            parts.append(f'<path d="{whisker}" stroke="#fff" stroke-width="5" fill="none"/>')  # halo on the bar
            parts.append(f'<path d="{whisker}" stroke="{INK}" stroke-width="2" fill="none"/>')
        parts.append(_text(end + 6, y + 20, bar.text, weight="bold"))
    if reference is not None:
        x = label_width + reference * scale
        bottom = top + sum(heights) + 4
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="{INK}" stroke-width="2" '
            'stroke-dasharray="6 4"/>'
        )
        parts.append(_text(x, bottom + 18, reference_label, anchor="middle", size=12))
    return _svg(chart_id, label_width + bar_space + right, height, label, "".join(parts))


def stacked_columns(chart_id: str, label: str, columns: list[tuple[str, list[float]]], series: list[str]) -> SafeString:
    """Stacked columns (one per period) of several series, each with its pattern, and a legend naming them."""
    left, top, plot_height, legend_height = 48, 12, 220, 28 * ((len(series) + 1) // 2)
    step = max(26, min(60, 640 // max(len(columns), 1)))
    legend = [f"{name} ({PATTERN_LABELS[PATTERNS[s % len(PATTERNS)]]})" for s, name in enumerate(series)]
    # Wide enough for the legend's second column too: a three-month chart would cut it off on the right.
    legend_right = [left + (s % 2) * 260 + 30 + round(text_width(text, 12)) + 8 for s, text in enumerate(legend)]
    width = max([left + step * max(len(columns), 1) + 20, 520, *legend_right])
    totals = [sum(values) for _, values in columns] or [0]
    top_value = max(max(totals), 1)
    magnitude = 10 ** max(len(str(int(top_value))) - 1, 0)
    tick = max(magnitude, 1)
    while top_value / tick > 5:
        tick *= 2
    scale = plot_height / (tick * (int(top_value // tick) + 1))
    parts = []
    level = 0
    while level * scale <= plot_height + 0.1:
        y = top + plot_height - level * scale
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#c7cbc9"/>')
        parts.append(_text(left - 6, y + 4, f"{level:g}", anchor="end", size=11))
        level += tick
    for k, (name, values) in enumerate(columns):
        x = left + k * step + 4
        y = top + plot_height
        for s, value in enumerate(values):
            h = value * scale
            y -= h
            parts.append(_rect(chart_id, PATTERNS[s % len(PATTERNS)], x, y, step - 8, h))
        parts.append(_text(x + (step - 8) / 2, top + plot_height - sum(values) * scale - 4, f"{sum(values):g}",
                           anchor="middle", size=11, weight="bold"))  # fmt: skip
        short = name.split("-", 1)[-1]
        parts.append(_text(x + (step - 8) / 2, top + plot_height + 16, short, anchor="middle", size=11))
    legend_top = top + plot_height + 34
    for s in range(len(series)):
        x = left + (s % 2) * 260
        y = legend_top + (s // 2) * 28
        pattern = PATTERNS[s % len(PATTERNS)]
        parts.append(_rect(chart_id, pattern, x, y, 22, 18))
        parts.append(_text(x + 30, y + 14, legend[s], size=12))
    return _svg(chart_id, width, legend_top + legend_height + 6, label, "".join(parts))
