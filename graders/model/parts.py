"""Ready-made question parts: one answer variable graded by one check.

In:  the item, and how its reference follows from the homework's parameters.
Out: objects that implement the ``Part`` protocol of ``graders.model.questions`` (``items``,
     ``solve``, ``grade``) around the pure checks of ``graders.checks``, and the details their
     verdicts carry beyond the checks' own: ``TextDetail`` (a written answer's rubric, and
     whether its model answer is private) and ``ExpressionDetail`` (a formula's reference as
     LaTeX around the symbolic check's ``FormulaDetail``).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import sympy
from numpy.typing import ArrayLike

from graders.checks.choice import Options, check_choice
from graders.checks.numeric import NumberCheck, Tolerance, check_number
from graders.checks.symbolic import FormulaDetail, check_expression
from graders.checks.tables import DEFAULT_ATOL, DEFAULT_RTOL, Diagnosis, check_table
from graders.model.answers import (
    ABSENT,
    MANUAL,
    MISSING,
    Answer,
    Kind,
    Mistake,
    Status,
    Verdict,
    kind_phrase,
    missing_verdict,
)
from graders.model.described import Expect, Expectation
from graders.model.questions import POINTS, Item, Params, Text, resolve


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

    def expectations(self, params: Params) -> Mapping[str, Expectation]:
        options = {k: tuple(sorted(set(v) | {k})) for k, v in sorted(self.options.items())}
        return {self.item.variable: Expectation(Expect.CHOICE, options=options)}

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

    def expectations(self, params: Params) -> Mapping[str, Expectation]:
        expect = Expect.INTEGER if self.tolerance.integer else Expect.NUMBER
        return {self.item.variable: Expectation(expect, tolerance=self.tolerance)}

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
    nobody. ``rubric`` may say the item's points as ``{points}`` (they are declared once, on
    the item). ``model`` is the answer a TA would accept, shown in the student's report beside
    their answer ("Expected"); a course that keeps it from students declares ``private``, and
    the reports say so in its place (the rubric still reaches whoever grades it). Either may
    be a function of the parameters (``Text``), resolved for each student's numbers.
    """

    item: Item
    rubric: Text
    model: Text = ""
    private: bool = False

    @property
    def items(self) -> tuple[Item, ...]:
        return (self.item,)

    def rubric_for(self, params: Params) -> str:
        """The rubric for these parameters, its ``{points}`` the item's points."""
        return resolve(self.rubric, params).replace("{" + POINTS + "}", f"{self.item.points:g}")

    def model_for(self, params: Params) -> str:
        """The model answer for these parameters."""
        return resolve(self.model, params)

    def solve(self, params: Params) -> Mapping[str, Any]:
        return {self.item.variable: self.model_for(params) or self.rubric_for(params)}

    def expectations(self, params: Params) -> Mapping[str, Expectation]:
        return {self.item.variable: Expectation(Expect.TEXT)}

    def grade(self, answers: Mapping[str, Answer], params: Params) -> Mapping[str, Verdict]:
        answer = answers.get(self.item.variable, ABSENT)
        rubric = self.rubric_for(params)
        if self.private:
            verdict = check_text(answer, rubric)
            text = verdict.detail if isinstance(verdict.detail, TextDetail) else TextDetail()
            return {self.item.variable: replace(verdict, detail=replace(text, private=True))}
        return {self.item.variable: check_text(answer, rubric, self.model_for(params))}


@dataclass(frozen=True)
class TextDetail:
    """A written answer's detail: the rubric its grader reads (None for an answer that needs
    nobody), and whether the course keeps its model answer private (written
    ``"model": "private"``)."""

    rubric: str | None = None
    private: bool = False

    def to_json(self) -> dict[str, str]:
        out = {} if self.rubric is None else {"rubric": self.rubric}
        return {**out, "model": "private"} if self.private else out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TextDetail:
        rubric = data.get("rubric")
        return cls(None if rubric is None else str(rubric), data.get("model") == "private")


def check_text(answer: Answer, rubric: str, model: str = "") -> Verdict:
    """``manual`` for a written answer, with the rubric for the person who grades it."""
    if answer.unanswered:
        return missing_verdict(answer, model)
    if answer.kind is not Kind.TEXT or not str(answer.value).strip():
        if answer.kind is Kind.TEXT:
            return Verdict(
                Status.MISSING,
                0.0,
                expected=model,
                feedback="No answer (empty text).",
                message=MISSING,
            )
        return Verdict(
            Status.INVALID,
            0.0,
            given=answer.text,
            expected=model,
            feedback=f"Expected written text, got {kind_phrase(answer)}.",
        )
    return Verdict(
        Status.MANUAL,
        0.0,
        given=str(answer.value),
        expected=model,
        feedback="Waiting for a person to grade this answer.",
        detail=TextDetail(rubric),
        message=MANUAL,
    )


def _no_diagnoses(params: Params) -> Sequence[Diagnosis]:
    """No whole-table mistakes are declared."""
    return ()


@dataclass(frozen=True)
class TablePart:
    """One table answer (an array of numbers) compared cell by cell with ``check_table``.

    ``expected`` computes the reference table from the parameters; ``diagnoses`` the whole-table
    mistakes to recognise (transposed, mirrored, a wrong scaling ...), tried in order. Credit is
    the fraction of cells that agree within ``rtol``/``atol`` (see ``graders.checks.tables``).
    """

    item: Item
    expected: Callable[[Params], ArrayLike]
    diagnoses: Callable[[Params], Sequence[Diagnosis]] = _no_diagnoses
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL

    @property
    def items(self) -> tuple[Item, ...]:
        return (self.item,)

    def solve(self, params: Params) -> Mapping[str, Any]:
        """The reference table as nested lists of floats (what a student would assign)."""
        table = np.asarray(self.expected(params), dtype=float) + 0.0  # -0.0 reads as 0.0
        return {self.item.variable: table.tolist()}

    def expectations(self, params: Params) -> Mapping[str, Expectation]:
        shape = tuple(int(n) for n in np.shape(np.asarray(self.expected(params), dtype=float)))
        tolerance = Tolerance(rtol=self.rtol, atol=self.atol)
        return {self.item.variable: Expectation(Expect.TABLE, shape=shape, tolerance=tolerance)}

    def grade(self, answers: Mapping[str, Answer], params: Params) -> Mapping[str, Verdict]:
        answer = answers.get(self.item.variable, ABSENT)
        verdict = check_table(
            answer,
            self.expected(params),
            rtol=self.rtol,
            atol=self.atol,
            diagnoses=tuple(self.diagnoses(params)),
        )
        return {self.item.variable: verdict}


def _no_notation(params: Params) -> Mapping[str, sympy.Expr]:
    """No notation is declared."""
    return {}


@dataclass(frozen=True)
class ExpressionPart:
    """One symbolic answer compared with ``check_expression`` (``graders.checks.symbolic``).

    ``expected`` computes the reference formula from the parameters, written with the names
    the question declares in ``variables``; it may use the question's notation (``a2_1``
    rather than ``sigmoid(z2_1)``). ``notation`` maps a name to what it stands for
    (``a2_1 -> sigmoid(z2_1)``) and is applied to both sides, so an answer written either way
    is right. ``mistakes`` are named wrong formulas, each computed from the parameters.
    ``solve`` gives the reference as Python-syntax text (what a student with full marks could
    assign). The sample points are seeded by the answer variable's name: a re-run gives the
    same verdict.
    """

    item: Item
    expected: Callable[[Params], sympy.Expr]
    variables: Sequence[str] = ()
    notation: Callable[[Params], Mapping[str, sympy.Expr]] = _no_notation
    mistakes: Sequence[tuple[Mistake, Callable[[Params], sympy.Expr]]] = ()
    shown_as: str = ""

    @property
    def items(self) -> tuple[Item, ...]:
        return (self.item,)

    @property
    def seed(self) -> int:
        """The seed of the sample points: stable across runs and machines."""
        return zlib.crc32(self.item.variable.encode("utf-8"))

    def solve(self, params: Params) -> Mapping[str, Any]:
        return {self.item.variable: sympy.sstr(self.expected(params))}

    def expectations(self, params: Params) -> Mapping[str, Expectation]:
        """Presence only: the manifest has always said ``any`` of a formula (the reference is
        text), so a student's check does not parse it."""
        return {self.item.variable: Expectation(Expect.ANY)}

    def grade(self, answers: Mapping[str, Answer], params: Params) -> Mapping[str, Verdict]:
        reference = self.expected(params)
        answer = answers.get(self.item.variable, ABSENT)
        verdict = check_expression(
            answer,
            reference,
            variables=tuple(self.variables),
            substitutions=self.notation(params),
            mistakes=tuple((mistake, wrong(params)) for mistake, wrong in self.mistakes),
            seed=self.seed,
            shown_as=self.shown_as or sympy.sstr(reference),
        )
        latex = sympy.latex(reference)
        formula = verdict.detail if isinstance(verdict.detail, FormulaDetail) else None
        if formula is None:
            return {self.item.variable: replace(verdict, detail=ExpressionDetail(latex))}
        if (
            formula.given_latex is None
            and formula.route == "latex"
            and isinstance(answer.value, str)
        ):
            formula = replace(formula, given_latex=str(answer.value).strip())
        expected = latex if formula.expected_latex is None else formula.expected_latex
        detail = ExpressionDetail(expected, replace(formula, expected_latex=None))
        return {self.item.variable: replace(verdict, detail=detail)}


@dataclass(frozen=True)
class ExpressionDetail:
    """A symbolic answer's detail: the reference as LaTeX (``expected_latex``, written first),
    and the check's ``FormulaDetail`` for a formula it could read (its own ``expected_latex``
    left out: it is this one)."""

    expected_latex: str
    formula: FormulaDetail | None = None

    def to_json(self) -> dict[str, Any]:
        found = {} if self.formula is None else self.formula.to_json()
        return {"expected_latex": self.expected_latex, **found}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExpressionDetail:
        rest = {key: value for key, value in data.items() if key != "expected_latex"}
        formula = FormulaDetail.from_json(rest) if rest else None
        return cls(str(data["expected_latex"]), formula)
