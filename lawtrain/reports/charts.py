"""Charts as small scene descriptions (rectangles, lines, texts), drawn to SVG here and to PDF by pdf.py.

One drawing code path for the dashboard and the PDF: `bar_chart`, `column_chart` and `line_chart` lay out
a `Chart` in a top-left-origin coordinate system; `to_svg` writes it with presentation attributes only
(the CSP forbids style attributes); `reports.pdf` replays the same shapes with reportlab.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

FONT_STACK = '"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif'
INK = "#212529"
MUTED = "#5c636a"
GRID = "#dee2e6"
BAR = "#0d6efd"
BAR_ALT = "#198754"
WARN = "#b02a37"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str = BAR


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = GRID
    width: float = 1.0


@dataclass(frozen=True)
class PolyLine:
    points: tuple[tuple[float, float], ...]
    stroke: str = BAR
    width: float = 2.0


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float = 3.0
    fill: str = BAR


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float = 12.0
    anchor: str = "start"  # start | middle | end
    fill: str = INK
    rotate: float = 0.0


Shape = Rect | Line | PolyLine | Dot | Text


@dataclass(frozen=True)
class Chart:
    """A chart ready to draw: size, title/description for assistive technology, and shapes."""

    id: str
    title: str
    description: str
    width: float
    height: float
    shapes: tuple[Shape, ...] = field(default_factory=tuple)


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:.1f}"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1.0
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _count_max(value: float) -> float:
    """An axis maximum for counts: a multiple of 4, so the four gridlines fall on whole numbers."""
    if value <= 4:
        return 4.0
    return float(math.ceil(_nice_max(value) / 4) * 4) if _nice_max(value) % 4 else _nice_max(value)


def _shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(*, id: str, title: str, labels: Sequence[str], values: Sequence[float],
              value_labels: Sequence[str] | None = None, axis_label: str = "", max_value: float | None = None,
              width: float = 640, highlight_below: float | None = None) -> Chart:
    """Horizontal bars, one per label (long Chinese department names read best on the left)."""
    value_labels = list(value_labels or [_fmt(v) for v in values])
    label_w, right_pad, row_h, top, bottom = 150.0, 110.0, 26.0, 12.0, 44.0
    height = top + row_h * max(1, len(labels)) + bottom
    plot_w = width - label_w - right_pad
    top_value = max_value if max_value is not None else _nice_max(max(values, default=0))
    shapes: list[Shape] = []
    base_y = top + row_h * max(1, len(labels))
    for i in range(5):
        x = label_w + plot_w * i / 4
        shapes.append(Line(x, top, x, base_y))
        shapes.append(Text(x, base_y + 16, _fmt(top_value * i / 4), 11, "middle", MUTED))
    shapes.append(Line(label_w, top, label_w, base_y, INK))
    shapes.append(Line(label_w, base_y, label_w + plot_w, base_y, INK))
    for i, (label, value, vlabel) in enumerate(zip(labels, values, value_labels, strict=True)):
        y = top + row_h * i
        w = plot_w * min(value, top_value) / top_value if top_value else 0
        low = highlight_below is not None and value < highlight_below
        shapes.append(Rect(label_w, y + 5, max(w, 0.0), row_h - 10, WARN if low else BAR))
        shapes.append(Text(label_w - 6, y + row_h / 2 + 4, _shorten(label, 11), 12, "end"))
        shapes.append(Text(label_w + w + 4, y + row_h / 2 + 4, vlabel, 11, "start"))
    if axis_label:
        shapes.append(Text(label_w + plot_w / 2, height - 6, axis_label, 12, "middle", MUTED))
    desc = "；".join(f"{label} {vl}" for label, vl in zip(labels, value_labels, strict=True))
    return Chart(id, title, desc, width, height, tuple(shapes))


def column_chart(*, id: str, title: str, labels: Sequence[str], values: Sequence[float],
                 x_label: str = "", y_label: str = "", width: float = 640, height: float = 260) -> Chart:
    """Vertical columns with the count written above each (histograms, months)."""
    left, right, top, bottom = 48.0, 12.0, 20.0, 52.0
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _count_max(max(values, default=0))
    shapes: list[Shape] = []
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        shapes.append(Line(left, y, left + plot_w, y))
        shapes.append(Text(left - 6, y + 4, _fmt(top_value * i / 4), 11, "end", MUTED))
    shapes.append(Line(left, top, left, top + plot_h, INK))
    shapes.append(Line(left, top + plot_h, left + plot_w, top + plot_h, INK))
    n = max(1, len(values))
    slot = plot_w / n
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * value / top_value if top_value else 0
        x = left + slot * i
        shapes.append(Rect(x + slot * 0.15, top + plot_h - h, slot * 0.7, h, BAR))
        shapes.append(Text(x + slot / 2, top + plot_h - h - 4, _fmt(value), 11, "middle"))
        shapes.append(Text(x + slot / 2, top + plot_h + 15, label, 10 if n > 10 else 11, "middle", MUTED))
    if x_label:
        shapes.append(Text(left + plot_w / 2, height - 8, x_label, 12, "middle", MUTED))
    if y_label:
        shapes.append(Text(14, top + plot_h / 2, y_label, 12, "middle", MUTED, rotate=-90))
    desc = "；".join(f"{label}：{_fmt(v)}" for label, v in zip(labels, values, strict=True))
    return Chart(id, title, desc, width, height, tuple(shapes))


def line_chart(*, id: str, title: str, labels: Sequence[str], values: Sequence[float | None],
               value_labels: Sequence[str] | None = None, x_label: str = "", y_label: str = "",
               max_value: float = 100.0, width: float = 640, height: float = 240) -> Chart:
    """A line over categories (months); gaps where a value is None; the value written beside each point."""
    left, right, top, bottom = 48.0, 16.0, 22.0, 52.0
    plot_w, plot_h = width - left - right, height - top - bottom
    value_labels = list(value_labels or ["" if v is None else _fmt(v) for v in values])
    shapes: list[Shape] = []
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        shapes.append(Line(left, y, left + plot_w, y))
        shapes.append(Text(left - 6, y + 4, _fmt(max_value * i / 4), 11, "end", MUTED))
    shapes.append(Line(left, top, left, top + plot_h, INK))
    shapes.append(Line(left, top + plot_h, left + plot_w, top + plot_h, INK))
    n = max(1, len(values))
    slot = plot_w / n
    run: list[tuple[float, float]] = []
    points: list[Shape] = []
    for i, (label, value, vlabel) in enumerate(zip(labels, values, value_labels, strict=True)):
        x = left + slot * (i + 0.5)
        shapes.append(Text(x, top + plot_h + 15, label, 10 if n > 10 else 11, "middle", MUTED))
        if value is None:
            if len(run) > 1:
                shapes.append(PolyLine(tuple(run), BAR_ALT))
            run = []
            continue
        y = top + plot_h - plot_h * min(value, max_value) / max_value
        run.append((x, y))
        points.append(Dot(x, y, 3.0, BAR_ALT))
        points.append(Text(x, y - 7, vlabel, 10, "middle"))
    if len(run) > 1:
        shapes.append(PolyLine(tuple(run), BAR_ALT))
    shapes.extend(points)
    if x_label:
        shapes.append(Text(left + plot_w / 2, height - 8, x_label, 12, "middle", MUTED))
    if y_label:
        shapes.append(Text(14, top + plot_h / 2, y_label, 12, "middle", MUTED, rotate=-90))
    desc = "；".join(f"{label}：{vl or '—'}" for label, vl in zip(labels, value_labels, strict=True))
    return Chart(id, title, desc, width, height, tuple(shapes))


def _svg_shape(s: Shape) -> str:
    if isinstance(s, Rect):
        return f'<rect x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}" fill="{s.fill}"/>'
    if isinstance(s, Line):
        return (f'<line x1="{s.x1:.1f}" y1="{s.y1:.1f}" x2="{s.x2:.1f}" y2="{s.y2:.1f}" stroke="{s.stroke}" '
                f'stroke-width="{s.width:g}"/>')
    if isinstance(s, PolyLine):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in s.points)
        return f'<polyline points="{pts}" fill="none" stroke="{s.stroke}" stroke-width="{s.width:g}"/>'
    if isinstance(s, Dot):
        return f'<circle cx="{s.x:.1f}" cy="{s.y:.1f}" r="{s.r:g}" fill="{s.fill}"/>'
    rotate = f' transform="rotate({s.rotate:g} {s.x:.1f} {s.y:.1f})"' if s.rotate else ""
    return (f'<text x="{s.x:.1f}" y="{s.y:.1f}" font-size="{s.size:g}" text-anchor="{s.anchor}" '
            f'fill="{s.fill}"{rotate}>{escape(s.text)}</text>')


def to_svg(chart: Chart) -> str:
    """Inline SVG markup: role=img labelled by its <title> and <desc>, scaling to its container."""
    tid, did = f"{chart.id}-title", f"{chart.id}-desc"
    body = "".join(_svg_shape(s) for s in chart.shapes)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" id="{escape(chart.id)}" role="img" '
            f'aria-labelledby="{tid} {did}" viewBox="0 0 {chart.width:g} {chart.height:g}" '
            f'preserveAspectRatio="xMinYMin meet" font-family=\'{FONT_STACK}\'>'
            f'<title id="{tid}">{escape(chart.title)}</title><desc id="{did}">{escape(chart.description)}</desc>'
            f"{body}</svg>")
