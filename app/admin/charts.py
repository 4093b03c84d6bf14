"""Geometry for the dashboard's hand-drawn SVG bar charts (no JavaScript needed)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int | float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    top: float  # the value at the top of the axis
    horizontal: bool
    label_width: int = 0


def columns(items: list[tuple[str, int]], width: int = 560, height: int = 200) -> Chart:
    """Vertical bars, e.g. calls per day; labels under the bars."""
    top = max([v for _, v in items] + [1])
    plot_h, step = height - 30, (width - 40) / max(len(items), 1)
    bars = [Bar(40 + i * step + step * 0.15, 10 + plot_h - plot_h * v / top * 0.92,
                step * 0.7, plot_h * v / top * 0.92, label, v)
            for i, (label, v) in enumerate(items)]
    return Chart(width, height, bars, top, horizontal=False)


def rows(items: list[tuple[str, float]], width: int = 560, label_width: int = 220) -> Chart:
    """Horizontal bars, e.g. escalation reasons; labels on the left."""
    top = max([v for _, v in items] + [1])
    height, row_h = 24 * max(len(items), 1) + 8, 24
    plot_w = width - label_width - 50
    bars = [Bar(label_width, 4 + i * row_h + 3, plot_w * v / top, row_h - 6, label, v)
            for i, (label, v) in enumerate(items)]
    return Chart(width, height, bars, top, horizontal=True, label_width=label_width)
