"""Answers and verdicts: the plain data that flows from harvest through check to score.

In:  nothing (this module only defines the contract).
Out: ``Answer`` (what a student gave for one variable, already parsed from plain data),
     ``Verdict`` (what a check decided about one item), ``Mistake`` (a named wrong variant),
     ``Detail`` (the protocol of a kind of check's typed detail of its verdict) and
     ``Message`` (a verdict's explanation as a key of the reports' catalogue with its fields).

Every class here is a frozen dataclass; checks are pure functions from ``Answer`` (plus the
reference) to ``Verdict``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple, Protocol, runtime_checkable

import numpy as np


class Status(StrEnum):
    """The verdicts of DESIGN.md's table; the value is the word written to results."""

    CORRECT = "correct"
    FOLLOW_THROUGH = "follow-through"
    INCORRECT = "incorrect"
    MISSING = "missing"
    INVALID = "invalid"
    ERROR = "error"
    MANUAL = "manual"


class Kind(StrEnum):
    """What kind of plain value the harvest brought back for one variable."""

    ABSENT = "absent"  # the variable was never defined
    PLACEHOLDER = "placeholder"  # left as ``...`` or ``None``
    NUMBER = "number"
    BOOL = "bool"
    TEXT = "text"
    EXPR = "expr"  # a sympy expression, brought out as its text
    ARRAY = "array"  # numbers in an n-dimensional array
    LIST = "list"  # a list of non-numeric answers (texts, choices)
    UNSUPPORTED = "unsupported"  # an object the harvest cannot turn into plain data
    ERROR = "error"  # the student's code for it failed


@dataclass(frozen=True)
class Answer:
    """One harvested answer variable.

    ``value`` is a ``float`` for NUMBER, ``bool`` for BOOL, ``str`` for TEXT and EXPR, a float
    ``numpy.ndarray`` for ARRAY, a tuple of ``Answer`` for LIST and ``None`` otherwise.
    ``text`` is how the value reads (the shortest repr of a number, so the grader can see the
    precision a student rounded to); ``note`` explains ABSENT/UNSUPPORTED/ERROR.
    """

    kind: Kind
    value: Any = None
    text: str = ""
    note: str = ""

    @property
    def given(self) -> bool:
        """Whether the student wrote something in this variable."""
        return self.kind not in (Kind.ABSENT, Kind.PLACEHOLDER)

    @property
    def unanswered(self) -> bool:
        """Not given, or the code that computes it failed: every check's verdict for it is
        ``missing_verdict``'s (missing, or error)."""
        return not self.given or self.kind is Kind.ERROR

    def as_array(self) -> np.ndarray | None:
        """The answer as a float array (a number is a 0-d array), or None."""
        if self.kind is Kind.ARRAY:
            return np.asarray(self.value, dtype=float)
        if self.kind is Kind.NUMBER:
            return np.asarray(self.value, dtype=float)
        return None


ABSENT = Answer(Kind.ABSENT, note="variable not defined")


@dataclass(frozen=True)
class Mistake:
    """A named wrong variant of an answer: an id, what it means, optional partial credit.

    ``explanation`` is English; ``persian`` is the same explanation for ``--lang fa`` pages,
    declared beside it (a page with none shows the English). The author writes the short id;
    it is local to the homework that declares it: two homeworks may both name an
    ``update-sign``, each in its own notation, and where homeworks meet the mistake is known by
    its homework too (``MistakeKey``, ``qualified_mistake``).
    """

    id: str
    explanation: str
    credit: float = 0.0
    persian: str = ""


def qualified_mistake(homework: str, mistake: str) -> str:
    """A named mistake's id with its homework's (``hw4:update-sign``): unique across homeworks.

    A results record keeps the short id under ``mistake`` beside its ``assignment``; this is
    the key for whatever puts records of several homeworks together."""
    return f"{homework}:{mistake}"


class MistakeKey(NamedTuple):
    """Where a named mistake is declared: its homework, its question and its short id."""

    homework: str
    question: str
    mistake: str

    @property
    def qualified(self) -> str:
        """``hw4:update-sign`` (``qualified_mistake``)."""
        return qualified_mistake(self.homework, self.mistake)


@runtime_checkable
class Detail(Protocol):
    """What one kind of check adds to its verdict for the reports (a table's cells, a step's
    formula and inputs, a training run's figures): a frozen dataclass of the check's module.

    Readers (the student's page, the public manifest, the class page, CI) test for the
    concrete type and read its fields; ``to_json`` is its form in the results record, under
    the test's ``extra`` (``graders.model.results``), and the check's module offers the
    reverse (``from_json``) for readers of records.
    """

    def to_json(self) -> Mapping[str, Any]:
        """The detail as JSON-ready data (the keys a results record's ``extra`` holds)."""
        ...


@dataclass(frozen=True)
class Message:
    """A verdict's explanation as a key of the reports' catalogue (``graders.report.i18n``)
    and the fields its text is filled with: each language's page says it in its own words,
    without reading the check's English text again. A key the page's language lacks falls
    back on the verdict's English ``feedback``.

    A verdict that names a mistake is explained by the mistake's own words
    (``Mistake.persian``); its message, when it has one, is said before them (a table's "the
    whole table matches a known mistake"). The check that sets the verdict's status sets its
    message: code that changes a verdict's status or mistake (``replace``) sets it again.
    """

    key: str
    fields: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """A check's decision about one item.

    ``credit`` is the fraction of the item's points earned (0..1). ``given`` and ``expected``
    are display strings; ``feedback`` is the explanation shown to the student, in English;
    ``message`` is the same explanation as a catalogue key for other languages. ``detail`` is
    the check's typed detail (a ``Detail``), whose JSON the record writes as ``extra``.
    """

    status: Status
    credit: float
    given: str = ""
    expected: str = ""
    feedback: str = ""
    mistake: Mistake | None = None
    detail: Detail | None = None
    message: Message | None = None

    @property
    def details(self) -> Mapping[str, Any]:
        """What the record's ``extra`` holds: the typed ``detail``'s JSON (empty without one)."""
        return {} if self.detail is None else self.detail.to_json()

    def __post_init__(self) -> None:
        if not 0.0 <= self.credit <= 1.0:
            raise ValueError(f"credit must lie in [0, 1], got {self.credit}")


MISSING = Message("feedback.missing")
"""The message of a verdict with no answer."""

MANUAL = Message("feedback.manual")
"""The message of a verdict left for a person."""


def missing_verdict(answer: Answer, expected: str = "") -> Verdict:
    """The verdict for an answer that was not given, or whose code failed."""
    if answer.kind is Kind.ERROR:
        return Verdict(Status.ERROR, 0.0, expected=expected, feedback=answer.note)
    reason = "left as a placeholder" if answer.kind is Kind.PLACEHOLDER else answer.note
    return Verdict(
        Status.MISSING, 0.0, expected=expected, feedback=f"No answer ({reason}).", message=MISSING
    )


KIND_PHRASES: Mapping[Kind, str] = MappingProxyType(
    {
        Kind.NUMBER: "a number",
        Kind.BOOL: "a true/false value",
        Kind.TEXT: "text",
        Kind.EXPR: "a symbolic expression",
        Kind.ARRAY: "an array of numbers",
        Kind.LIST: "a list",
        Kind.UNSUPPORTED: "an answer that could not be read",
    }
)


def kind_phrase(answer: Answer, phrases: Mapping[Kind, str] = KIND_PHRASES) -> str:
    """How an answer of a kind the check cannot use reads after "got" in feedback.

    The phrase of its kind comes from ``phrases`` (falling back on ``KIND_PHRASES``); for an
    answer the harvest could not read, the harvest's reason follows, so the student learns why.
    """
    phrase = phrases.get(answer.kind) or KIND_PHRASES.get(answer.kind, answer.kind.value)
    if answer.kind is Kind.UNSUPPORTED and answer.note:
        return f"{phrase}: {answer.note}"
    return phrase
