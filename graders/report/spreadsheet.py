"""Spreadsheet cells: text that a spreadsheet program shows as text, never runs as a formula.

In:  a value bound for a CSV cell (a student id, a comment, an answer, a number).
Out: the value to write: numbers unchanged; text that a spreadsheet would read as a formula
     (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, as OWASP's
     "CSV Injection" page lists) prefixed with a single quote, unless it is a plain number.

Every CSV the grader writes (``grades.csv``, exports) passes its cells through ``cell``; the
``csv`` module's own quoting then takes care of commas, quotes and line breaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def cell(value: object) -> object:
    """The value to write in one CSV cell; see the module's docstring."""
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def row(values: Iterable[object]) -> list[object]:
    """``cell`` applied to every value of a row."""
    return [cell(value) for value in values]
