"""How a part describes its items to the public manifest (what a student's ``check`` sees).

In:  a part (``graders.model.questions.Part``) and the homework's parameters.
Out: ``Expectation`` per answer variable — the kind of answer expected (``Expect``), a table's
     shape, a choice's options, a trained model's public check (``Sanity``), and how a shown
     answer is compared — never the answer itself; ``expectations`` asks a part for them.

A part describes itself by implementing ``Describing`` (one method, ``expectations``); a part
that does not (a homework's own kind, ``reference/hw2.py``'s ``OptimiserComparison``) is
described by the type of its reference values: a number, a whole number, a table and its
shape. Either way ``graders.student.public`` needs no edit for a new kind of part.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

import numpy as np
import sympy

from graders.checks.numeric import Tolerance
from graders.model.questions import Params, Part


class Expect(StrEnum):
    """The kind of answer an item expects, as the public manifest names it."""

    NUMBER = "number"
    INTEGER = "integer"  # a count: a whole number
    CHOICE = "choice"
    TEXT = "text"
    TABLE = "table"
    EXPRESSION = "expression"
    ANY = "any"  # anything (a trained model, ...): only presence is checked


@dataclass(frozen=True)
class Sanity:
    """The public check of a trained model: the grader runs it on the first images of the
    kernel's own test split of ``dataset`` (``x_test``, whose labels the student has too), and
    it must give one row of class scores per image (one number for two classes) and do clearly
    better than chance: at least ``floor``. Never the question's bar, never the grader's
    held-out images."""

    dataset: str
    classes: tuple[int, ...] = ()  # only these classes; the last one is label 1 (binary)
    invert: bool = False  # the images followed by their inverted copies (1 - x)
    keys: tuple[float, ...] = ()  # a list of models (or a dict by these keys): the best counts

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "classes": list(self.classes),
            "invert": self.invert,
            "keys": list(self.keys),
        }


@dataclass(frozen=True)
class Expectation:
    """What a student may know of one item before grading: the kind of answer, a table's
    ``shape``, a choice's ``options`` (id -> spellings), a trained model's ``sanity`` check,
    and the ``tolerance`` a shown answer (``Question.show_result``) is compared with."""

    expect: Expect
    shape: tuple[int, ...] | None = None
    options: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sanity: Sanity | None = None
    tolerance: Tolerance | None = None


@runtime_checkable
class Describing(Protocol):
    """A part that says what each of its items expects, by answer variable."""

    def expectations(self, params: Params) -> Mapping[str, Expectation]: ...


def expectations(part: Part, params: Params) -> Mapping[str, Expectation]:
    """Every item of ``part``'s expectation: its own description, or one read off the type of
    its reference values (``by_value``)."""
    if isinstance(part, Describing):
        return part.expectations(params)
    return by_value(part, params)


def by_value(part: Part, params: Params) -> dict[str, Expectation]:
    """Each item's expectation from the type and shape of its reference value alone."""
    solved = part.solve(params)
    return {i.variable: expectation_of_value(solved.get(i.variable)) for i in part.items}


def with_sanity(
    found: Mapping[str, Expectation], sanity: Mapping[str, Sanity]
) -> dict[str, Expectation]:
    """``found`` with the trained models of ``sanity`` (by variable) given their check."""
    return {v: replace(e, sanity=sanity[v]) if v in sanity else e for v, e in found.items()}


def expectation_of_value(value: Any) -> Expectation:
    """The kind of answer a reference value asks for, from its type and shape alone."""
    if isinstance(value, bool | np.bool_):
        return Expectation(Expect.ANY)
    if isinstance(value, numbers.Integral):
        return Expectation(Expect.INTEGER)
    if isinstance(value, numbers.Real):
        return Expectation(Expect.NUMBER)
    if isinstance(value, sympy.Basic):
        return Expectation(Expect.NUMBER if value.is_number else Expect.EXPRESSION)
    if isinstance(value, np.ndarray | list | tuple):
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return Expectation(Expect.ANY)
        return Expectation(Expect.TABLE, shape=tuple(int(n) for n in array.shape))
    return Expectation(Expect.ANY)
