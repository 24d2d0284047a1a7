"""Ready-made question parts: one answer variable graded by one check.

In:  the item, and how its reference follows from the homework's parameters.
Out: objects that implement the ``Part`` protocol of ``graders.questions`` (``items``,
     ``solve``, ``grade``) around the pure checks of ``graders.checks``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graders.answers import ABSENT, Answer, Mistake, Verdict
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
