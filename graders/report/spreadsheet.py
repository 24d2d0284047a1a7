"""Spreadsheet cells: text that a spreadsheet program shows as text, never runs as a formula.

In:  a value bound for a CSV cell (a student id, a comment, an answer, a number).
Out: the value to write: numbers unchanged; text that a spreadsheet would read as a formula
     (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, as OWASP's
     "CSV Injection" page lists) prefixed with a single quote, unless it is a plain number
     (quotes already before such text get one more).

Every CSV the grader writes (``grades.csv``, the overrides rows of the class page) passes its
cells through ``cell``; the ``csv`` module's own quoting then takes care of commas, quotes and
line breaks. ``uncell`` undoes ``cell`` for a CSV the grader reads back (the overrides file).
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
    # quotes already before a formula get one more too, so that ``uncell`` can tell them apart
    return "'" + value if _formula(value.lstrip("'")) else value


def uncell(value: str) -> str:
    """The text ``cell`` was given, from what it wrote (a TA's own ``'`` elsewhere is kept)."""
    return value[1:] if value.startswith("'") and _formula(value.lstrip("'")) else value


def _formula(text: str) -> bool:
    return text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text)


def row(values: Iterable[object]) -> list[object]:
    """``cell`` applied to every value of a row."""
    return [cell(value) for value in values]
