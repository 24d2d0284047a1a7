"""Small charts as inline SVG: read without JavaScript, fetched from nowhere.

In:  plain numbers: the class's scores (for the histogram) or a student's loss histories (for
     the line plot).
Out: ``Markup`` holding one ``<svg>`` element whose only visible text is numbers; titles,
     legends and captions belong to the page around it, so they follow the page's language and
     direction (the chart itself always runs left to right).

Colours and strokes come from the page's CSS classes (``chart``, ``bar``, ``axis``,
``series-N``), so the charts follow the page's theme.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 560
HEIGHT = 200
MARGIN_LEFT = 44
MARGIN_RIGHT = 12
MARGIN_TOP = 14
MARGIN_BOTTOM = 28
MAX_POINTS = 400
"""Points drawn per line; longer histories are thinned evenly (the last point is kept)."""

SERIES_COLOURS = 4
"""Distinct series styles (``series-0`` .. ``series-3``) before they repeat."""


def _num(value: float) -> str:
    """A coordinate with two decimals."""
    return f"{value:.2f}"


def _tick(value: float) -> str:
    """An axis label: three significant figures."""
    return f"{value:.3g}"


@dataclass(frozen=True)
class Bin:
    """One bar of the histogram: scores in [low, high) (the last bin includes its high)."""

    low: float
    high: float
    count: int


def bin_width(top: float, most: int = 12) -> float:
    """The smallest of 1, 2, 2.5 and 5 times a power of ten that splits [0, top] into at most
    ``most`` bins, so that bin edges read as round numbers."""
    for exponent in range(-6, 10):
        for mantissa in (1.0, 2.0, 2.5, 5.0):
            width = mantissa * 10.0**exponent
            if top / width <= most:
                return width
    return top / most


def bins_of(scores: Sequence[float], max_score: float, most: int = 12) -> tuple[Bin, ...]:
    """Bins of one round width from 0 up to ``max_score`` (at most ``most`` of them): the last
    bin is as wide as the others, its high edge past ``max_score`` when the width does not
    divide it (37 points in bins of 5: 35–40); scores outside are counted in the end bins."""
    top = max_score if max_score > 0 else max([*scores, 1.0])
    width = bin_width(top, most)
    count = max(1, math.ceil(top / width - 1e-9))
    edges = [round(i * width, 9) for i in range(count + 1)]
    counts = [0] * count
    for score in scores:
        counts[min(max(bisect.bisect_right(edges, score) - 1, 0), count - 1)] += 1
    return tuple(Bin(edges[i], edges[i + 1], n) for i, n in enumerate(counts))


def _frame(body: str, label: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">{body}</svg>'
    )


def _axes(x_ticks: Sequence[tuple[float, str]], y_ticks: Sequence[tuple[float, str]]) -> str:
    """Axis lines with labels; tick positions are already in SVG coordinates."""
    bottom = HEIGHT - MARGIN_BOTTOM
    parts = [
        f'<line class="axis" x1="{MARGIN_LEFT}" y1="{bottom}" '
        f'x2="{WIDTH - MARGIN_RIGHT}" y2="{bottom}"/>',
        f'<line class="axis" x1="{MARGIN_LEFT}" y1="{MARGIN_TOP}" '
        f'x2="{MARGIN_LEFT}" y2="{bottom}"/>',
    ]
    for x, text in x_ticks:
        parts.append(
            f'<text class="tick" x="{_num(x)}" y="{bottom + 16}" '
            f'text-anchor="middle">{escape(text)}</text>'
        )
    for y, text in y_ticks:
        parts.append(
            f'<text class="tick" x="{MARGIN_LEFT - 6}" y="{_num(y + 4)}" '
            f'text-anchor="end">{escape(text)}</text>'
        )
    return "".join(parts)


def histogram_svg(bins: Sequence[Bin], label: str) -> Markup:
    """Bars of ``bins`` with their counts on top; ``label`` is the chart's accessible name."""
    if not bins:
        return _frame("", label)
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    tallest = max(max(b.count for b in bins), 1)
    bar_w = plot_w / len(bins)
    bottom = HEIGHT - MARGIN_BOTTOM
    parts = []
    for i, b in enumerate(bins):
        h = plot_h * b.count / tallest
        x = MARGIN_LEFT + i * bar_w
        parts.append(
            f'<rect class="bar" x="{_num(x + 1)}" y="{_num(bottom - h)}" '
            f'width="{_num(bar_w - 2)}" height="{_num(h)}">'
            f"<title>{_tick(b.low)}–{_tick(b.high)}: {b.count}</title></rect>"
        )
        if b.count:
            parts.append(
                f'<text class="count" x="{_num(x + bar_w / 2)}" y="{_num(bottom - h - 3)}" '
                f'text-anchor="middle">{b.count}</text>'
            )
    x_ticks = [(MARGIN_LEFT + i * bar_w, _tick(b.low)) for i, b in enumerate(bins)]
    x_ticks.append((MARGIN_LEFT + plot_w, _tick(bins[-1].high)))
    y_ticks = [(float(bottom), "0"), (float(MARGIN_TOP), str(tallest))]
    return _frame("".join(parts) + _axes(x_ticks, y_ticks), label)


def _thin(values: Sequence[float]) -> list[tuple[int, float]]:
    """(index, value) pairs, at most ``MAX_POINTS`` of them, first and last kept."""
    indexed = list(enumerate(values))
    if len(indexed) <= MAX_POINTS:
        return indexed
    step = (len(indexed) - 1) / (MAX_POINTS - 1)
    return [indexed[round(k * step)] for k in range(MAX_POINTS)]


def line_plot_svg(series: Mapping[str, Sequence[float]], label: str) -> Markup | None:
    """One line per series against its index (epoch or step 1, 2, ...); None if nothing to draw.

    Non-finite values break the line. The y axis spans the finite values of every series.
    """
    finite = [v for values in series.values() for v in values if math.isfinite(v)]
    longest = max((len(values) for values in series.values()), default=0)
    if not finite or longest == 0:
        return None
    low, high = min(finite), max(finite)
    if high == low:
        low, high = low - 0.5, high + 0.5
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

    def x_of(index: int) -> float:
        return MARGIN_LEFT + (plot_w * index / (longest - 1) if longest > 1 else plot_w / 2)

    def y_of(value: float) -> float:
        return MARGIN_TOP + plot_h * (high - value) / (high - low)

    parts = []
    for n, (name, values) in enumerate(series.items()):
        segments: list[list[str]] = [[]]
        for index, value in _thin(values):
            if math.isfinite(value):
                segments[-1].append(f"{_num(x_of(index))},{_num(y_of(value))}")
            elif segments[-1]:
                segments.append([])
        style = f"series-{n % SERIES_COLOURS}"
        for points in segments:
            if len(points) == 1:
                x, y = points[0].split(",")
                parts.append(f'<circle class="{style}" cx="{x}" cy="{y}" r="2.5"/>')
            elif points:
                parts.append(
                    f'<polyline class="line {style}" points="{" ".join(points)}">'
                    f"<title>{escape(name)}</title></polyline>"
                )
    x_ticks = [(x_of(0), "1"), (x_of(longest - 1), str(longest))] if longest > 1 else []
    y_ticks = [(y_of(high), _tick(high)), (y_of(low), _tick(low))]
    return _frame("".join(parts) + _axes(x_ticks, y_ticks), label)
