"""Misread givens: a derivation whose wrong numbers all follow from one given read otherwise.

In:  the steps the student got wrong (name -> their number), the givens with their stated
     values, each wrong step's formula as a function of one given (the student's own values
     for everything else) and a test of whether a number matches a value for a step.
Out: a ``Misreading`` (which given, the value the student's numbers follow from, which steps
     it explains), or None.

For each given in turn, the first wrong step whose formula uses it is solved for that given
(numerically, from several starting points, on the student's own values for the other
inputs, as follow-through does), and every root is tried on all the wrong steps that use the
given: a root that explains at least MIN_EXPLAINED of them is a misreading (seed HW1's student
read t2 = 0.02 instead of 0.99, and E, dE/dw7, dE/dw8 and dE/db2 all follow). The value is
shown with the fewest significant figures that still explain the same steps (0.02, not
0.0200003). A single wrong step is never blamed on a misreading: any one number can be solved
for, so one match is no evidence.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

import mpmath

MIN_EXPLAINED = 2
"""Fewest wrong steps one misread given must explain."""

_STARTS = (1.0, 0.5, 2.0, -1.0, 0.1, 10.0)
"""Starting points of the root search, as multiples of the given's value (and as values)."""


@dataclass(frozen=True)
class Misreading:
    """The given the student seems to have read otherwise, and what it explains."""

    given: str
    value: float  # what the student's numbers follow from
    stated: float  # what the question gives
    explained: tuple[str, ...]  # the wrong steps that follow from it, in step order
    slips: Mapping[str, str] = field(default_factory=dict)  # step -> named mistake also made

    def sentence(self) -> str:
        return (
            f"your numbers follow from {self.given} = {_shown(self.value)}; the question gives "
            f"{self.given} = {_shown(self.stated)}"
        )

    def sentence_fa(self) -> str:
        """``sentence`` in Persian."""
        return (
            f"اعداد شما از {self.given} = {_shown(self.value)} به دست می‌آیند؛ سؤال "
            f"{self.given} = {_shown(self.stated)} را داده است"
        )


StepValue = Callable[[str, str, float], Sequence[tuple[float, str]]]
"""(step, given, v) -> what the step's formula gives on the student's own values with the
given set to v: the formula's value (named "") and the value of each of the step's named
mistakes (by id), so that a misreading is found under a slip the student also made."""
Matches = Callable[[str, float], bool]


def find_misreading(
    step_value: StepValue,
    uses: Callable[[str, str], bool],
    stated: Mapping[str, float],
    wrong: Mapping[str, float],
    matches: Matches,
    right: Collection[str] = (),
) -> Misreading | None:
    """The misreading of one given that explains the most wrong steps, or None.

    ``stated`` maps each given to its value in the question; ``wrong`` maps the steps judged
    wrong to the student's numbers (in step order); ``uses(step, given)`` says whether the
    step's formula uses the given; ``matches(step, value)`` whether the student's number for
    the step matches ``value``. ``right`` are the steps the student got right: a value of the
    given under which one of them that uses it would be wrong is no misreading (a student who
    used η = 0.1 in five updates did not read η as 0.5 in the sixth; that is a slip).
    """
    best: Misreading | None = None
    for given, value in stated.items():
        users = [name for name in wrong if uses(name, given)]
        if len(users) < MIN_EXPLAINED:
            continue
        first = users[0]
        residual = _residual(step_value, first, given, wrong[first])
        witnesses = [name for name in right if uses(name, given)]
        for root in _roots(residual, value):
            explained = _explained(step_value, given, root, users, matches)
            if len(explained) < MIN_EXPLAINED:
                continue
            if len(_explained(step_value, given, root, witnesses, matches)) < len(witnesses):
                continue  # a step the student got right with the stated value contradicts it
            shown = _simplest(step_value, given, root, users, matches, explained)
            found = Misreading(
                given,
                shown,
                value,
                tuple(explained),
                {name: slip for name, slip in explained.items() if slip},
            )
            if best is None or _rank(found) > _rank(best):
                best = found
    return best


def _rank(found: Misreading) -> tuple[int, int, int]:
    """More steps explained, then a value with fewer figures (a value misread from the page
    is written with few: 0.02 rather than 1.584), then fewer slips needed."""
    figures = len(f"{abs(found.value):.6g}".replace(".", "").replace("-", "").strip("0"))
    return len(found.explained), -figures, -len(found.slips)


def _residual(
    step_value: StepValue, step: str, given: str, number: float
) -> Callable[[float], float]:
    """The step's formula with the given set to v, less the student's number: 0 at a root."""
    return lambda value: step_value(step, given, value)[0][0] - number


def _explained(
    step_value: StepValue, given: str, value: float, users: Sequence[str], matches: Matches
) -> dict[str, str]:
    """The steps the value explains, each with the named mistake it needs ("" for none)."""
    explained: dict[str, str] = {}
    for name in users:
        for target, slip in step_value(name, given, value):
            if math.isfinite(target) and matches(name, target):
                explained[name] = slip
                break
    return explained


def _simplest(
    step_value: StepValue,
    given: str,
    root: float,
    users: Sequence[str],
    matches: Matches,
    explained: Mapping[str, str],
) -> float:
    """``root`` with the fewest significant figures that explain the same steps."""
    for digits in range(1, 7):
        rounded = float(f"{root:.{digits}g}")
        if _explained(step_value, given, rounded, users, matches) == explained:
            return rounded
    return root


def _roots(function: Callable[[float], float], stated: float) -> list[float]:
    """Distinct real roots of ``function`` found from several starting points, other than
    the stated value itself."""
    context = mpmath.MPContext()
    context.dps = 15
    roots: list[float] = []
    scale = abs(stated) or 1.0
    for start in {stated * factor for factor in _STARTS} | set(_STARTS):
        try:
            root = float(
                context.findroot(
                    lambda v: function(float(v)), (start, start + 0.01 * scale), solver="secant"
                )
            )
        except (ArithmeticError, ValueError, TypeError, ZeroDivisionError):
            continue
        if not math.isfinite(root) or abs(root - stated) <= 1e-9 * scale:
            continue
        if all(abs(root - other) > 1e-9 * max(1.0, abs(other)) for other in roots):
            roots.append(root)
    return roots


def _shown(value: float) -> str:
    return f"{value:.6g}"
