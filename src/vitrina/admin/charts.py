"""Bar charts drawn on the server as SVG (no script, no CDN): geometry here, markup in
`templates/admin/_charts.html`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    shown: str
    """The value as people read it (money, a count), for the tooltip and the label."""
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    title: str
    width: int
    height: int
    bars: list[Bar]
    baseline: float
    peak: str
    """The highest value as shown, written on the axis."""
    every: int
    """Label every n-th bar (30 days do not fit under one another)."""
    top: int
    """The highest value."""


def bar_chart(
    title: str,
    points: Sequence[tuple[str, int, str]],
    *,
    width: int = 640,
    height: int = 220,
    label_every: int = 1,
) -> BarChart:
    """`points` are (label, value, value as shown); bars share the width, the tallest fills
    the height above a strip kept for labels."""
    top, bottom, left = 18.0, 34.0, 8.0
    plot = height - top - bottom
    slot = (width - 2 * left) / max(len(points), 1)
    peak_value = max((value for _label, value, _shown in points), default=0)
    scale = plot / peak_value if peak_value > 0 else 0.0
    bars = []
    for index, (label, value, shown) in enumerate(points):
        bar_height = max(value, 0) * scale
        bars.append(
            Bar(
                label=label,
                value=value,
                shown=shown,
                x=left + index * slot + slot * 0.15,
                y=top + plot - bar_height,
                width=slot * 0.7,
                height=bar_height,
            )
        )
    peak = next((shown for _label, value, shown in points if value == peak_value), "0")
    return BarChart(title, width, height, bars, top + plot, peak, max(label_every, 1), peak_value)
