"""Inline SVG charts: the histogram agrees with numpy, the loss plot with its numbers."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from graders.report.charts import (
    HEIGHT,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    bin_width,
    bins_of,
    histogram_svg,
    line_plot_svg,
)

SVG = "{http://www.w3.org/2000/svg}"


@given(
    st.lists(st.floats(0, 60, allow_nan=False), max_size=80),
    st.sampled_from([5.0, 17.0, 22.0, 60.0, 100.0, 0.75]),
)
def test_bins_count_what_numpy_counts(scores: list[float], top: float) -> None:
    scores = [min(s, top) for s in scores]
    bins = bins_of(scores, top)
    edges = [b.low for b in bins] + [bins[-1].high]
    expected, _ = np.histogram(scores, bins=edges)
    # numpy's bins are half-open like ours except the last, which includes its right edge
    assert [b.count for b in bins] == expected.tolist()
    width = bin_width(top)
    assert edges[0] == 0 and top <= edges[-1] + 1e-9 < top + width
    assert all(b.high - b.low == pytest.approx(width) for b in bins)  # equal widths, the last too
    assert len(bins) <= 12


@pytest.mark.parametrize(
    ("top", "width"), [(22, 2), (5, 0.5), (100, 10), (17, 2), (60, 5), (1, 0.1), (3, 0.25)]
)
def test_bin_edges_are_round_numbers(top: float, width: float) -> None:
    assert bin_width(top) == pytest.approx(width)


def test_histogram_bars_are_proportional_to_counts() -> None:
    bins = bins_of([1, 1.5, 3, 9, 9.5, 9.9, 10], 10)
    svg = ET.fromstring(histogram_svg(bins, "scores"))
    assert svg.get("role") == "img" and svg.get("aria-label") == "scores"
    bars = svg.findall(f"{SVG}rect")
    assert len(bars) == len(bins)
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    tallest = max(b.count for b in bins)
    for bar, b in zip(bars, bins, strict=True):
        assert float(bar.get("height", "")) == pytest.approx(
            plot_height * b.count / tallest, abs=0.01
        )
        title = bar.find(f"{SVG}title")
        assert title is not None and title.text is not None
        assert title.text.endswith(f": {b.count}")


def test_line_plot_draws_each_history_and_breaks_at_non_finite_values() -> None:
    train = [2.0, 1.2, 0.8, 0.5, 0.4]
    test = [2.1, 1.5, math.nan, 1.3, 1.4]
    svg = ET.fromstring(line_plot_svg({"train_loss": train, "test_loss": test}, "loss") or "")
    lines = svg.findall(f"{SVG}polyline")
    # train is one line; test is broken by its NaN into a line of two points and one of two
    assert [len(p.get("points", "").split()) for p in lines] == [5, 2, 2]
    ys = [float(pt.split(",")[1]) for pt in lines[0].get("points", "").split()]
    assert ys == sorted(ys)  # a falling loss is drawn going down the page (y grows downwards)
    top, bottom = min(ys), max(ys)
    assert top == pytest.approx(
        MARGIN_TOP + (HEIGHT - MARGIN_TOP - MARGIN_BOTTOM) * (2.1 - 2.0) / (2.1 - 0.4), abs=0.01
    )
    assert bottom == pytest.approx(HEIGHT - MARGIN_BOTTOM)
    labels = [t.text for t in svg.findall(f"{SVG}text")]
    assert "2.1" in labels and "0.4" in labels and "5" in labels


def test_line_plot_of_nothing_is_none_and_one_point_is_a_dot() -> None:
    assert line_plot_svg({}, "loss") is None
    assert line_plot_svg({"train_loss": [math.nan]}, "loss") is None
    svg = ET.fromstring(line_plot_svg({"train_loss": [0.3]}, "loss") or "")
    assert len(svg.findall(f"{SVG}circle")) == 1


def test_long_histories_are_thinned() -> None:
    svg = ET.fromstring(line_plot_svg({"train_loss": [1 / (n + 1) for n in range(5000)]}, "") or "")
    (line,) = svg.findall(f"{SVG}polyline")
    assert len(line.get("points", "").split()) == 400
