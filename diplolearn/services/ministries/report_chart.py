"""The geometry of the completions chart, drawn on the server as SVG (templates/reports/
_chart.html): one column per week whose height is the completions so far, against a dashed
line at the number enrolled, so the gap between the two reads at a glance.

Right-to-left pages draw time from right to left and put the value axis on the right; the
template sets the SVG's ``direction`` from the page, so ``text-anchor="end"`` puts the axis
labels on the inner side in both directions. Colours and fonts come from the stylesheet
(classes, no inline styles: the Content-Security-Policy forbids them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from diplolearn.services.ministries.report_summary import CompletionSeries

WIDTH, HEIGHT = 640, 260
AXIS_INLINE, AXIS_BLOCK, TOP, END_MARGIN = 44, 34, 14, 10
MAX_LABELS = 8


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    starts_on: dt.date
    total: int


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    value: int


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    starts_on: dt.date


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[Label]
    # The axes: the baseline from (x1, base) to (x2, base), the value axis at axis_x.
    x1: float
    x2: float
    base: float
    axis_x: float
    target_y: float | None  # the line at the number enrolled
    target_label_x: float
    series: CompletionSeries


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000):
        if value <= step * 4:
            return max(step * -(-value // step), step)
    return value


def completion_chart(series: CompletionSeries, rtl: bool = False) -> Chart:
    weeks = series.weeks
    top = _nice_max(max(series.enrolled, series.completed, 1))
    plot_w = WIDTH - AXIS_INLINE - END_MARGIN
    plot_h = HEIGHT - AXIS_BLOCK - TOP
    base = TOP + plot_h

    def x_at(offset: float, width: float = 0.0) -> float:
        """Inline offset from the start of the plot to an x coordinate, mirrored for RTL."""
        x = AXIS_INLINE + offset
        return round(WIDTH - x - width if rtl else x, 2)

    def y_at(value: float) -> float:
        return round(base - plot_h * value / top, 2)

    slot = plot_w / max(len(weeks), 1)
    bar_w = round(min(max(slot * 0.7, 1.0), 48.0), 2)
    bars = [
        Bar(
            x_at(i * slot + (slot - bar_w) / 2, bar_w),
            y_at(w.total),
            bar_w,
            round(base - y_at(w.total), 2),
            w.starts_on,
            w.total,
        )
        for i, w in enumerate(weeks)
    ]
    every = max(1, -(-len(weeks) // MAX_LABELS))
    labels = [
        Label(x_at(i * slot + slot / 2), base + 20, w.starts_on)
        for i, w in enumerate(weeks)
        if i % every == 0
    ]
    ticks = [Tick(x_at(-6), y_at(v) + 4, v) for v in sorted({0, top // 2, top})]
    return Chart(
        WIDTH,
        HEIGHT,
        bars,
        ticks,
        labels,
        x1=x_at(0),
        x2=x_at(plot_w),
        base=base,
        axis_x=x_at(0),
        target_y=y_at(series.enrolled) if series.enrolled else None,
        target_label_x=x_at(plot_w - 4),
        series=series,
    )
