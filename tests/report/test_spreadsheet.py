"""graders.report.spreadsheet: no CSV cell reaches a spreadsheet as a formula."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from graders.report.spreadsheet import cell, row, uncell


def test_formulas_are_shown_as_text() -> None:
    for text in (
        '=HYPERLINK("http://x","y")',
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)",
        "-2+3",
        "\t=1",
        "\r=1",
    ):
        assert cell(text) == "'" + text


def test_plain_numbers_and_ordinary_text_are_unchanged() -> None:
    for value in ("-0.5", "+3", "1e-3", "-.25", "seed-student", "a=b", 3, -2.5, None):
        assert cell(value) == value


@given(st.text())
def test_no_written_cell_starts_a_formula(text: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(row([text]))
    (back,) = next(csv.reader(io.StringIO(buffer.getvalue()))) or [""]
    if back.startswith(("=", "+", "-", "@", "\t", "\r")):
        float(back)  # only a plain number may start so


@given(st.text() | st.text().map(lambda s: "'" + s) | st.text().map(lambda s: "'=" + s))
def test_uncell_gives_back_what_cell_was_given(text: str) -> None:
    written = cell(text)
    assert isinstance(written, str) and uncell(written) == text
