"""Ready-made question parts: one answer variable graded by one check.

In:  the item, and how its reference follows from the homework's parameters.
Out: objects that implement the ``Part`` protocol of ``graders.questions`` (``items``,
     ``solve``, ``grade``) around the pure checks of ``graders.checks``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graders.answers import ABSENT, Answer, Kind, Mistake, Status, Verdict, missing_verdict
from graders.checks.choice import Options, check_choice
from graders.checks.numeric import NumberCheck, Tolerance, check_number
from graders.questions import Item, Params


@dataclass(frozen=True)
class ChoicePart:
    """One choice answer; ``expected`` computes the right option id from the parameters."""

    item: Item
    options: Options
    expected: Callable[[Params], str]

    @property
    def items(self) -> tuple[Item, ...]:
        return (self.item,)

    def solve(self, params: Params) -> Mapping[str, Any]:
        return {self.item.variable: self.expected(params)}

    def grade(self, answers: Mapping[str, Answer], params: Params) -> Mapping[str, Verdict]:
        answer = answers.get(self.item.variable, ABSENT)
        return {self.item.variable: check_choice(answer, self.options, self.expected(params))}


@dataclass(frozen=True)
class NumberPart:
    """One numeric answer computed from the parameters, with optional named mistakes."""

    item: Item
    expected: Callable[[Params], float]
    tolerance: Tolerance = field(default_factory=Tolerance)
    mistakes: Sequence[tuple[Mistake, Callable[[Params], float]]] = ()

    @property
    def items(self) -> tuple[Item, ...]:
        return (self.item,)

    def solve(self, params: Params) -> Mapping[str, Any]:
        return {self.item.variable: self.expected(params)}

    def grade(self, answers: Mapping[str, Answer], params: Params) -> Mapping[str, Verdict]:
        check = NumberCheck(
            self.expected(params),
            self.tolerance,
            mistakes=tuple((m, f(params)) for m, f in self.mistakes),
        )
        answer = answers.get(self.item.variable, ABSENT)
        return {self.item.variable: check_number(answer, check)}


@dataclass(frozen=True)
class TextPart:
    """A free-text answer: graded by a person against ``rubric`` (verdict ``manual``).

    Until an override gives it points it earns none; a blank answer is ``missing`` and needs
    nobody. ``model`` is the answer a TA would accept, shown to whoever grades it.
    """

    item: Item
    rubric: str
    model: str = ""

    @property
    def items(self) -> tuple[Item, ...]:
        return (self.item,)

    def solve(self, params: Params) -> Mapping[str, Any]:
        return {self.item.variable: self.model or self.rubric}

    def grade(self, answers: Mapping[str, Answer], params: Params) -> Mapping[str, Verdict]:
        answer = answers.get(self.item.variable, ABSENT)
        return {self.item.variable: check_text(answer, self.rubric, self.model)}


def check_text(answer: Answer, rubric: str, model: str = "") -> Verdict:
    """``manual`` for a written answer, with the rubric for the person who grades it."""
    if not answer.given or answer.kind is Kind.ERROR:
        return missing_verdict(answer, model)
    if answer.kind is not Kind.TEXT or not str(answer.value).strip():
        if answer.kind is Kind.TEXT:
            return Verdict(Status.MISSING, 0.0, expected=model, feedback="No answer (empty text).")
        return Verdict(
            Status.INVALID,
            0.0,
            given=answer.text,
            expected=model,
            feedback=f"Expected written text, got {answer.kind.value}.",
        )
    return Verdict(
        Status.MANUAL,
        0.0,
        given=str(answer.value),
        expected=model,
        feedback="Waiting for a person to grade this answer.",
        extra={"rubric": rubric},
    )
