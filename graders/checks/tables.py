"""Table checks: a student's array compared with the reference table, cell by cell.

In:  an ``Answer`` (ARRAY, or NUMBER for a 0-d table), the expected table as an array, the
     tolerances, and the whole-table ``Diagnosis`` list the question declares.
Out: a ``Verdict`` whose ``TableDetail`` is the diff for the report, written in the record as::

         {"shape": [4, 4], "expected": [[...]], "given": [[...]], "wrong": [[...]],
          "cells": 16, "matching": 15}

     plus ``"given_shape"`` when the shapes differ, ``"diagnosis"`` (the mistake id) when the
     whole answer matches a known wrong variant and ``"slips"`` (copying slips, in words).
     Non-finite given cells are written as the strings ``"nan"``, ``"inf"`` and ``"-inf"`` so
     the diff stays valid JSON. The verdict's ``Message`` says the same in the catalogue's
     words (``feedback.table_*``).

Rules:

- Two cells agree when ``|g - e| <= atol + rtol * max(|g|, |e|)``: symmetric in ``g`` and ``e``,
  and never an exact test because ``atol`` is positive by default. NaN and infinity never agree.
- Shape first: an answer whose shape differs is INVALID, except that singleton axes are ignored
  (a 1×4×4 tensor is the 4×4 table) and that a shape matching a diagnosis (a transposed 3×4
  table given as 4×3) is that mistake.
- Credit is the fraction of agreeing cells; CORRECT only when every cell agrees.
- When every cell agrees with a diagnosis' variant, the verdict is INCORRECT with that mistake
  and ``mistake.credit``. A variant that coincides with the expected table (a symmetric table is
  its own transpose, ``p`` and ``1 - p`` coincide at 0.5) is never used, so it cannot turn a
  correct answer into a mistake.

A course's own whole-table mistakes (HW2's dropout tables) are declared in its reference
module (``reference/dropout.py``) as ``Diagnosis``es and handed to ``check_table``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from graders.model.answers import (
    Answer,
    Kind,
    Message,
    Mistake,
    Status,
    Verdict,
    kind_phrase,
    missing_verdict,
)

DEFAULT_RTOL = 1e-2
"""Relative tolerance: hand-computed tables are rounded to two or three significant figures."""

DEFAULT_ATOL = 1e-2
"""Absolute tolerance: answers rounded to two decimals pass; a reference cell of 0 accepts
1e-12 and rejects 0.1."""


# --------------------------------------------------------------------------------------------
# The detail of a table verdict


@dataclass(frozen=True)
class TableDetail:
    """Both tables of a table verdict, cell by cell, as JSON-ready nested lists.

    ``wrong`` marks the cells that differ (None when the shapes differ and no cell was
    compared); ``given_shape`` is the student's shape when it is not the expected one;
    ``diagnosis`` the id of the whole-table mistake it matches; ``slips`` the copying slips
    found, in words.
    """

    shape: tuple[int, ...]
    expected: Any
    given: Any
    wrong: Any
    cells: int
    matching: int
    given_shape: tuple[int, ...] | None = None
    diagnosis: str | None = None
    slips: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The record's keys, in the order the check has always written them: ``given_shape``
        right after ``shape`` when no cell was compared, last when the cells were compared
        after dropping singleton axes."""
        shape = {"shape": list(self.shape)}
        other = {} if self.given_shape is None else {"given_shape": list(self.given_shape)}
        out = {
            **shape,
            **(other if self.wrong is None else {}),
            "expected": self.expected,
            "given": self.given,
            "wrong": self.wrong,
            "cells": self.cells,
            "matching": self.matching,
        }
        if self.diagnosis is not None:
            out["diagnosis"] = self.diagnosis
        if self.slips:
            out["slips"] = list(self.slips)
        return out if self.wrong is None else {**out, **other}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TableDetail:
        given_shape = data.get("given_shape")
        diagnosis = data.get("diagnosis")
        return cls(
            shape=tuple(int(n) for n in data["shape"]),
            expected=data["expected"],
            given=data["given"],
            wrong=data["wrong"],
            cells=int(data["cells"]),
            matching=int(data["matching"]),
            given_shape=None if given_shape is None else tuple(int(n) for n in given_shape),
            diagnosis=None if diagnosis is None else str(diagnosis),
            slips=tuple(str(s) for s in data.get("slips", ())),
        )

    @property
    def message(self) -> Message:
        """What a verdict with this detail says when it names no mistake."""
        if self.wrong is None and self.given_shape is not None:
            given, expected = shape_text(self.given_shape), shape_text(self.shape)
            return Message("feedback.table_shape", {"expected": expected, "given": given})
        if self.matching == self.cells:
            return Message("feedback.table_correct", {"cells": self.cells})
        return Message(
            "feedback.table_cells", {"wrong": self.cells - self.matching, "cells": self.cells}
        )


TABLE_MISTAKE = Message("feedback.table_mistake")
"""Said before a whole-table mistake's own words."""


def shape_text(shape: Sequence[int]) -> str:
    """A shape as the pages write it: ``4 × 4``; ``1`` for a single number."""
    return " × ".join(str(n) for n in shape) if shape else "1"


# --------------------------------------------------------------------------------------------
# Diagnoses


@dataclass(frozen=True)
class FixedVariant:
    """A precomputed wrong table, stored as plain tuples so it compares and hashes by value.

    Called with the expected table (which it ignores), it returns the variant as an array.
    """

    shape: tuple[int, ...]
    cells: tuple[float, ...]

    @classmethod
    def of(cls, table: ArrayLike) -> FixedVariant:
        """Freeze ``table`` (anything numpy reads as a float array)."""
        array = np.asarray(table, dtype=float)
        return cls(tuple(int(n) for n in array.shape), tuple(float(x) for x in array.ravel()))

    def __call__(self, expected: np.ndarray) -> np.ndarray:
        return np.array(self.cells, dtype=float).reshape(self.shape)


@dataclass(frozen=True)
class Diagnosis:
    """A named whole-table mistake: the ``Mistake`` and how to get its table.

    ``derive`` takes the expected table and returns the wrong variant a student with this
    mistake would give; ``Diagnosis.of_variant`` wraps a variant computed in advance.
    """

    mistake: Mistake
    derive: Callable[[np.ndarray], np.ndarray]

    @classmethod
    def of_variant(cls, mistake: Mistake, variant: ArrayLike) -> Diagnosis:
        """A diagnosis whose wrong table is ``variant`` whatever the expected table is."""
        return cls(mistake, FixedVariant.of(variant))

    def variant_for(self, expected: np.ndarray) -> np.ndarray:
        """The wrong table this mistake produces, given the expected table."""
        return np.asarray(self.derive(expected), dtype=float)


TRANSPOSED = Mistake(
    "table.transposed",
    "The table is transposed: its rows and columns are swapped.",
    persian="جدول ترانهاده است: جای سطرها و ستون‌ها عوض شده است.",
)
MIRRORED = Mistake(
    "table.mirrored",
    "The table is mirrored left to right (its columns are in reverse order), as happens when "
    "a table written right to left is copied column by column.",
    persian=(
        "جدول چپ‌به‌راست قرینه شده است (ستون‌ها به ترتیب وارونه‌اند)، همان‌طور که "
        "وقتی جدولی راست‌به‌چپ ستون‌به‌ستون رونویسی شود پیش می‌آید."
    ),
)


def transposed(mistake: Mistake = TRANSPOSED) -> Diagnosis:
    """The diagnosis 'rows and columns swapped', derived from whatever table is expected."""
    return Diagnosis(mistake, np.transpose)


def mirrored(mistake: Mistake = MIRRORED) -> Diagnosis:
    """The diagnosis 'columns in reverse order' (``np.fliplr``) for a table of 2 or more axes."""
    return Diagnosis(mistake, _flip_columns)


def _flip_columns(expected: np.ndarray) -> np.ndarray:
    """``expected`` with its second axis reversed (unchanged below two axes)."""
    return np.fliplr(expected) if expected.ndim >= 2 else expected


# --------------------------------------------------------------------------------------------
# Cell comparison


def cells_agree(
    given: ArrayLike, expected: ArrayLike, *, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL
) -> np.ndarray:
    """Which cells agree: a boolean array of the broadcast shape of ``given`` and ``expected``.

    A cell agrees when both values are finite and ``|g - e| <= atol + rtol * max(|g|, |e|)``.
    The test is symmetric: swapping ``given`` and ``expected`` gives the same answer.
    """
    g = np.asarray(given, dtype=float)
    e = np.asarray(expected, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        bound = atol + rtol * np.maximum(np.abs(g), np.abs(e))
        close = np.abs(g - e) <= bound
    return np.asarray(close & np.isfinite(g) & np.isfinite(e), dtype=bool)


def _check_tolerances(rtol: float, atol: float) -> None:
    """Raise ValueError unless both tolerances are finite and non-negative."""
    if not (np.isfinite(rtol) and np.isfinite(atol) and rtol >= 0 and atol >= 0):
        raise ValueError(f"tolerances must be finite and non-negative, got {rtol=}, {atol=}")


# --------------------------------------------------------------------------------------------
# Reading the answer


def _as_float_table(value: Any) -> np.ndarray | None:
    """``value`` as a rectangular float array, or None if it is not one (ragged, text, complex).

    Object arrays are accepted only when every element is a real number or a bool.
    """
    try:
        raw = np.asarray(value)
    except (ValueError, TypeError):
        return None
    if raw.dtype.kind in "biuf":
        return raw.astype(float)
    if raw.dtype.kind == "O":
        elements = raw.ravel().tolist()
        if all(_is_real(x) for x in elements):
            return np.array([float(x) for x in elements], dtype=float).reshape(raw.shape)
    return None


def _is_real(x: Any) -> bool:
    """Whether ``x`` is a real number (a bool counts; a string or a complex does not)."""
    return isinstance(x, numbers.Real | bool | np.bool_)


def describe_shape(shape: tuple[int, ...]) -> str:
    """How a shape reads in feedback: 'a single number', 'a vector of 4', 'a 4×4 table'."""
    if not shape:
        return "a single number"
    if len(shape) == 1:
        return f"a vector of {shape[0]}"
    dims = "×".join(str(n) for n in shape)
    return f"a {dims} table" if len(shape) == 2 else f"a {dims} array"


def _same_up_to_singletons(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """Whether two shapes differ only by axes of length 1."""
    return tuple(n for n in a if n != 1) == tuple(n for n in b if n != 1)


# --------------------------------------------------------------------------------------------
# Display and JSON


def _json_cells(table: np.ndarray) -> Any:
    """``table`` as nested lists of floats (-0.0 written as 0.0), with non-finite cells written
    as 'nan', 'inf' and '-inf'."""
    cells = table.astype(object)
    for index in np.ndindex(table.shape):
        x = float(table[index])
        cells[index] = x + 0.0 if np.isfinite(x) else _nonfinite_text(x)
    return cells.tolist()


def _nonfinite_text(x: float) -> str:
    """'nan', 'inf' or '-inf'."""
    if np.isnan(x):
        return "nan"
    return "inf" if x > 0 else "-inf"


def _display(table: np.ndarray) -> str:
    """A short text form of a table for the verdict's ``given``/``expected`` strings (-0 as 0)."""
    if table.ndim == 0:
        return f"{float(table) + 0.0:.6g}"
    return np.array2string(table + 0.0, precision=4, separator=", ", max_line_width=120)


# --------------------------------------------------------------------------------------------
# The check


def check_table(
    answer: Answer,
    expected: ArrayLike,
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    diagnoses: Sequence[Diagnosis] = (),
) -> Verdict:
    """Compare a student's table with ``expected``, cell by cell.

    In:  ``answer`` (ARRAY, or NUMBER for a 0-d table); ``expected``, finite numbers of any
         shape; tolerances (see ``cells_agree``); ``diagnoses`` tried in order.
    Out: CORRECT (all cells agree), INCORRECT (partial credit = fraction of agreeing cells, or a
         matched diagnosis with its mistake and ``mistake.credit``), INVALID (not a table of
         numbers, or the wrong shape), or MISSING/ERROR for answers not given.
    Raises ValueError for a non-finite ``expected`` or for negative tolerances.
    """
    _check_tolerances(rtol, atol)
    reference = np.asarray(expected, dtype=float)
    if not np.all(np.isfinite(reference)):
        raise ValueError("the expected table must be finite")
    shown_expected = _display(reference)

    if answer.unanswered:
        return missing_verdict(answer, shown_expected)
    if answer.kind not in (Kind.ARRAY, Kind.NUMBER):
        return Verdict(
            Status.INVALID,
            0.0,
            given=answer.text,
            expected=shown_expected,
            feedback=(
                f"Expected {describe_shape(reference.shape)} of numbers, "
                f"got {_kind_phrase(answer)}."
            ),
        )
    table = _as_float_table(answer.value)
    if table is None:
        return Verdict(
            Status.INVALID,
            0.0,
            given=answer.text,
            expected=shown_expected,
            feedback=(
                f"Expected {describe_shape(reference.shape)} of numbers; the answer is not a "
                "rectangular table of real numbers."
            ),
        )
    shown_given = answer.text or _display(table)

    if table.shape != reference.shape:
        return _check_other_shape(
            table, reference, shown_given, shown_expected, rtol=rtol, atol=atol, diagnoses=diagnoses
        )
    return _check_same_shape(
        table, reference, shown_given, shown_expected, rtol=rtol, atol=atol, diagnoses=diagnoses
    )


def _kind_phrase(answer: Answer) -> str:
    """How an answer's kind reads in feedback (an unreadable one with the harvest's reason)."""
    phrases = {
        Kind.TEXT: "text",
        Kind.EXPR: "a symbolic expression",
        Kind.BOOL: "a true/false value",
        Kind.LIST: "a list of non-numeric values",
        Kind.UNSUPPORTED: "an object that is not plain data",
    }
    return kind_phrase(answer, phrases)


def _check_other_shape(
    table: np.ndarray,
    reference: np.ndarray,
    shown_given: str,
    shown_expected: str,
    *,
    rtol: float,
    atol: float,
    diagnoses: Sequence[Diagnosis],
) -> Verdict:
    """The verdict for a table whose shape is not the expected one."""
    for diagnosis in diagnoses:
        variant = diagnosis.variant_for(reference)
        if (
            variant.shape == table.shape
            and _usable_variant(variant, reference, rtol=rtol, atol=atol)
            and bool(np.all(cells_agree(table, variant, rtol=rtol, atol=atol)))
        ):
            detail = TableDetail(
                shape=tuple(reference.shape),
                expected=_json_cells(reference),
                given=_json_cells(table),
                wrong=None,
                cells=int(reference.size),
                matching=0,
                given_shape=tuple(table.shape),
                diagnosis=diagnosis.mistake.id,
            )
            return _mistake_verdict(diagnosis.mistake, shown_given, shown_expected, detail)

    if table.size == reference.size and _same_up_to_singletons(table.shape, reference.shape):
        verdict = _check_same_shape(
            table.reshape(reference.shape),
            reference,
            shown_given,
            shown_expected,
            rtol=rtol,
            atol=atol,
            diagnoses=diagnoses,
        )
        if not isinstance(verdict.detail, TableDetail):
            return verdict
        return replace(verdict, detail=replace(verdict.detail, given_shape=tuple(table.shape)))

    detail = TableDetail(
        shape=tuple(reference.shape),
        expected=_json_cells(reference),
        given=_json_cells(table),
        wrong=None,
        cells=int(reference.size),
        matching=0,
        given_shape=tuple(table.shape),
    )
    return Verdict(
        Status.INVALID,
        0.0,
        given=shown_given,
        expected=shown_expected,
        feedback=(
            f"Wrong shape: expected {describe_shape(reference.shape)}, "
            f"got {describe_shape(table.shape)}."
        ),
        detail=detail,
        message=detail.message,
    )


def _check_same_shape(
    table: np.ndarray,
    reference: np.ndarray,
    shown_given: str,
    shown_expected: str,
    *,
    rtol: float,
    atol: float,
    diagnoses: Sequence[Diagnosis],
) -> Verdict:
    """The verdict for a table of the expected shape."""
    agree = cells_agree(table, reference, rtol=rtol, atol=atol)
    matching = int(np.count_nonzero(agree))
    cells = int(reference.size)
    detail = TableDetail(
        shape=tuple(reference.shape),
        expected=_json_cells(reference),
        given=_json_cells(table),
        wrong=np.logical_not(agree).tolist(),
        cells=cells,
        matching=matching,
    )
    if matching == cells:
        return Verdict(
            Status.CORRECT,
            1.0,
            given=shown_given,
            expected=shown_expected,
            feedback=f"All {_cells_phrase(cells)} match.",
            detail=detail,
            message=detail.message,
        )

    for diagnosis in diagnoses:
        variant = diagnosis.variant_for(reference)
        if (
            variant.shape == reference.shape
            and _usable_variant(variant, reference, rtol=rtol, atol=atol)
            and bool(np.all(cells_agree(table, variant, rtol=rtol, atol=atol)))
        ):
            diagnosed = replace(detail, diagnosis=diagnosis.mistake.id)
            return _mistake_verdict(diagnosis.mistake, shown_given, shown_expected, diagnosed)

    wrong = cells - matching
    feedback = (
        f"{wrong} of {cells} cells differ from the reference (marked in the table)."
        if cells > 1
        else "The value differs from the reference."
    )
    slips = copying_slips(table, reference, agree, rtol=rtol, atol=atol)
    if slips:
        detail = replace(detail, slips=tuple(slips))
        feedback += " These look like copying slips: " + "; ".join(slips) + "."
    return Verdict(
        Status.INCORRECT,
        matching / cells,
        given=shown_given,
        expected=shown_expected,
        feedback=feedback,
        detail=detail,
        message=detail.message,
    )


def copying_slips(
    table: np.ndarray, reference: np.ndarray, agree: np.ndarray, *, rtol: float, atol: float
) -> list[str]:
    """Wrong cells explained by copying: a row written right to left, two cells exchanged,
    or the digits of a cell reversed (2.3 for 3.2). Each slip is described once, in words."""
    if table.ndim != 2 or table.shape != reference.shape:
        return []
    slips: list[str] = []
    explained = np.zeros(table.shape, dtype=bool)
    for row in range(table.shape[0]):
        differing = np.flatnonzero(~agree[row])
        # a row whose ends changed places is mirrored; two neighbours exchanged are a pair
        spans = differing.size > 2 or (differing.size and differing[-1] - differing[0] > 1)
        if spans and np.all(cells_agree(table[row], reference[row][::-1], rtol=rtol, atol=atol)):
            slips.append(f"row {row + 1} is written right to left (mirrored)")
            explained[row] = True
    wrong = [tuple(int(i) for i in cell) for cell in np.argwhere(~agree & ~explained)]
    for k, first in enumerate(wrong):
        for second in wrong[k + 1 :]:
            if explained[first] or explained[second]:
                continue
            if _close(table[first], reference[second], rtol, atol) and _close(
                table[second], reference[first], rtol, atol
            ):
                slips.append(f"cells {_cell(first)} and {_cell(second)} are exchanged")
                explained[first] = explained[second] = True
    for cell in wrong:
        if not explained[cell] and _digits_reversed(float(table[cell]), float(reference[cell])):
            given, expected = _short(float(table[cell])), _short(float(reference[cell]))
            slips.append(f"cell {_cell(cell)} has its digits reversed ({given} for {expected})")
    return slips


def _close(a: float, b: float, rtol: float, atol: float) -> bool:
    return bool(cells_agree(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol))


def _cell(index: tuple[int, ...]) -> str:
    """A cell as a TA names it: (row, column), counted from 1."""
    return "(" + ", ".join(str(i + 1) for i in index) + ")"


def _short(value: float) -> str:
    return f"{value:g}"


def _digits_reversed(given: float, expected: float) -> bool:
    """Whether ``given`` is ``expected`` with its digits in reverse order (2.3 for 3.2, 0.45
    for 0.54), at the precision the given number was written with."""
    if not (math.isfinite(given) and math.isfinite(expected)) or given == expected:
        return False
    if (given < 0) != (expected < 0):
        return False
    text = _short(abs(given))
    places = len(text.partition(".")[2]) if "e" not in text else None
    if places is None:
        return False
    shown = f"{abs(expected):.{places}f}"
    digits_given = text.replace(".", "").lstrip("0")
    digits_expected = shown.replace(".", "").lstrip("0")
    return len(digits_given) >= 2 and digits_given[::-1] == digits_expected


def _cells_phrase(n: int) -> str:
    """'1 cell' or 'n cells'."""
    return "1 cell" if n == 1 else f"{n} cells"


def _usable_variant(
    variant: np.ndarray, reference: np.ndarray, *, rtol: float, atol: float
) -> bool:
    """Whether a diagnosis' variant can name a mistake: finite, and not the expected table itself.

    A variant that agrees with ``reference`` cell by cell, possibly after dropping singleton
    axes, coincides with it and is skipped.
    """
    if not np.all(np.isfinite(variant)):
        return False
    if variant.size != reference.size or not _same_up_to_singletons(variant.shape, reference.shape):
        return True
    aligned = variant.reshape(reference.shape)
    return not bool(np.all(cells_agree(aligned, reference, rtol=rtol, atol=atol)))


def _mistake_verdict(
    mistake: Mistake, shown_given: str, shown_expected: str, detail: TableDetail
) -> Verdict:
    """INCORRECT with ``mistake`` attached and its credit."""
    return Verdict(
        Status.INCORRECT,
        mistake.credit,
        given=shown_given,
        expected=shown_expected,
        feedback=f"The whole table matches a known mistake. {mistake.explanation}",
        mistake=mistake,
        detail=detail,
        message=TABLE_MISTAKE,
    )
