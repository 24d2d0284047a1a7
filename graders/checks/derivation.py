"""Multi-step numeric questions: a graph of named steps with follow-through credit.

In:  a ``Derivation`` (steps, each a sympy formula of the parameters and of earlier steps), the
     parameters, and the student's answers (one variable per asked step).
Out: one ``Verdict`` per asked step; ``solve`` gives the reference value of every asked step. A
     step off the reference path carries a ``StepDetail`` (its formula, the values it was fed
     and what it gives) and, when it names no mistake, the message that says so.

Each answered step is judged against the reference value, then against its own formula fed
with the student's values for its parents (``follow-through``); the better verdict wins. A
step the student skipped is filled, for the steps after it, by its formula applied to the
student's own earlier numbers. The tolerance of a step is widened by the rounding the student
applied to that step's inputs (propagated through the formula's partial derivatives), and an
update step is judged at the size of its change through ``Step.scale``.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import sympy
from sympy.parsing.sympy_parser import parse_expr

from graders.checks.misreading import Misreading, find_misreading
from graders.checks.numeric import (
    NumberCheck,
    Tolerance,
    format_number,
    number_from_text,
    rounded_figures,
    rounding_mistake,
    rounding_of,
    side_by_side,
    within,
)
from graders.maths.expressions import ParseError
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
from graders.model.described import Expect, Expectation
from graders.model.questions import Item, Params

Numeric = Callable[..., float]


@dataclass(frozen=True)
class StepDetail:
    """A step off the reference path: its formula (as text and as LaTeX), the student's own
    values it was fed (name and value text, in the formula's order) and what it gives."""

    formula: str
    latex: str
    inputs: tuple[tuple[str, str], ...]
    should_give: str

    def to_json(self) -> dict[str, Any]:
        return {
            "formula": self.formula,
            "latex": self.latex,
            "inputs": dict(self.inputs),
            "should_give": self.should_give,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StepDetail:
        inputs = tuple((str(k), str(v)) for k, v in dict(data["inputs"]).items())
        return cls(str(data["formula"]), str(data["latex"]), inputs, str(data["should_give"]))

    @property
    def follows(self) -> Message:
        """The message of a step that follows from the student's own values."""
        return Message("feedback.follow_through", {"value": self.should_give})

    def misses(self, expected: str, given: str) -> Message:
        """The message of a step that matches neither the reference nor the student's values."""
        fields = {"expected": expected, "value": self.should_give, "given": given}
        return Message("feedback.step_incorrect", fields)


@dataclass(frozen=True)
class Step:
    """One named quantity of a derivation.

    ``formula`` uses the parameters' and earlier steps' names as sympy symbols. ``points`` of 0
    marks an internal step that is not asked. ``scale``, when given, is the size the step is
    judged at (an updated weight is judged by its change, ``eta * gradient``). ``mistakes``
    are named wrong formulas of the same symbols. ``written`` is the formula as the course
    writes it, in its order (sympy syntax over the same names, ``sigmoid(z)`` allowed): what
    the reports show; it must equal ``formula`` (checked when the derivation is compiled).
    """

    name: str
    label: str
    formula: sympy.Expr
    points: float = 0.0
    scale: sympy.Expr | None = None
    mistakes: tuple[tuple[Mistake, sympy.Expr], ...] = ()
    written: str = ""

    @property
    def asked(self) -> bool:
        return self.points > 0


@dataclass(frozen=True)
class _Compiled:
    """A step's formula and partial derivatives as fast numeric functions."""

    args: tuple[str, ...]
    value: Numeric
    partials: tuple[Numeric, ...]
    scale: Numeric | None
    mistakes: tuple[tuple[Mistake, Numeric], ...]

    def at(self, fn: Numeric, env: Mapping[str, float]) -> float:
        try:
            return float(fn(*(env[a] for a in self.args)))
        except (ArithmeticError, ValueError):
            return math.nan

    def rounding(self, env: Mapping[str, float], rounding: Mapping[str, float]) -> float:
        """How far the inputs' rounding can move this step: sum of |df/dp| * u_p."""
        total = 0.0
        for name, partial in zip(self.args, self.partials, strict=True):
            u = rounding.get(name, 0.0)
            if u:
                total += abs(self.at(partial, env)) * u
        return total if math.isfinite(total) else 0.0


class _OnFirstCall:
    """A numeric function made on its first call: most partial derivatives of a derivation
    (those by a parameter, which carries no rounding) and every named mistake of a step that
    no student got wrong are never evaluated, and making one is a millisecond of sympy."""

    __slots__ = ("_fn", "_make")

    def __init__(self, make: Callable[[], Numeric]) -> None:
        self._make = make
        self._fn: Numeric | None = None

    def __call__(self, *args: float) -> float:
        fn = self._fn
        if fn is None:  # two threads may both make it: the same function either way
            fn = self._fn = self._make()
        return fn(*args)


def _compile(step: Step, names: Sequence[str]) -> _Compiled:
    used = {s.name for s in step.formula.free_symbols}
    for _, wrong in step.mistakes:
        used |= {s.name for s in wrong.free_symbols}
    if step.scale is not None:
        used |= {s.name for s in step.scale.free_symbols}
    args = tuple(n for n in names if n in used)
    symbols = [sympy.Symbol(a) for a in args]

    def fn(expr: sympy.Expr) -> Numeric:
        # no docstring: printing the formula into one is two fifths of lambdify's time
        return sympy.lambdify(symbols, expr, modules="math", docstring_limit=0)

    def partial(symbol: sympy.Symbol) -> Numeric:
        return _OnFirstCall(lambda: fn(sympy.diff(step.formula, symbol)))

    return _Compiled(
        args=args,
        value=fn(step.formula),
        partials=tuple(partial(symbol) for symbol in symbols),
        scale=fn(step.scale) if step.scale is not None else None,
        mistakes=tuple((m, _OnFirstCall(functools.partial(fn, e))) for m, e in step.mistakes),
    )


@dataclass(frozen=True)
class _StudentValues:
    """The student's own value of every step (given, or derived from their earlier values)."""

    env: dict[str, float]
    rounding: dict[str, float]
    given: dict[str, Answer]


SIGMOID = sympy.Function("sigma")
"""The logistic function as a written formula names it (``sigmoid(z)``, shown as σ(z))."""


def written_expr(text: str, names: Sequence[str]) -> sympy.Expr:
    """A step's written formula as an unevaluated sympy expression: its terms and factors in
    the order written (print it with ``order="none"``)."""
    return _written_expr(text, tuple(names))


@functools.lru_cache(maxsize=1024)
def _written_expr(text: str, names: tuple[str, ...]) -> sympy.Expr:
    """``written_expr``, memoized: every student's page shows the course's written steps, and
    parsing one is a millisecond of sympy (sympy expressions are immutable)."""
    scope: dict[str, Any] = {n: sympy.Symbol(n) for n in names}
    scope["sigmoid"] = SIGMOID
    return parse_expr(text, local_dict=scope, global_dict=_PARSE_GLOBALS, evaluate=False)


_PARSE_GLOBALS: dict[str, Any] = {
    "Add": sympy.Add,
    "Mul": sympy.Mul,
    "Pow": sympy.Pow,
    "Integer": sympy.Integer,
    "Float": sympy.Float,
    "Rational": sympy.Rational,
    "Symbol": sympy.Symbol,
    "exp": sympy.exp,
    "log": sympy.log,
}


def _check_written(step: Step, names: Sequence[str]) -> None:
    """That ``step.written`` names only known names and equals ``step.formula`` (at a few
    seeded points of (0.1, 0.9)): a shown formula never differs from the graded one."""
    try:
        shown = written_expr(step.written, names)
    except Exception as exc:  # sympy's parser raises many kinds of errors
        raise ValueError(f"step {step.name}: written formula {step.written!r}: {exc}") from exc
    shown = shown.doit().replace(SIGMOID, lambda z: 1 / (1 + sympy.exp(-z)))
    unknown = {s.name for s in shown.free_symbols} - set(names)
    if unknown:
        raise ValueError(f"step {step.name}: written formula uses undefined {sorted(unknown)}")
    symbols = sorted(step.formula.free_symbols | shown.free_symbols, key=str)
    both = sympy.lambdify(symbols, [step.formula, shown], modules="math", docstring_limit=0)
    rng = random.Random(step.name)
    for _ in range(3):
        ours, theirs = both(*(rng.uniform(0.1, 0.9) for _ in symbols))
        if not math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12):
            raise ValueError(f"step {step.name}: written formula differs from its formula")


@dataclass(frozen=True)
class Derivation:
    r"""A graph of steps; implements the ``Part`` protocol.

    ``notation`` is how the course writes a step's or parameter's name, as LaTeX
    (``"e1_y_hat": r"\hat{y}^{(1)}"``): the reports print the steps' ``written`` formulas with
    it; a name it does not list keeps sympy's typesetting (``w1`` as w₁, ``eta`` as η).
    """

    steps: tuple[Step, ...]
    parameters: tuple[str, ...]
    tolerance: Tolerance = field(default_factory=Tolerance)
    follow_through_credit: float = 1.0
    hints: Mapping[str, str] = field(default_factory=dict)
    notation: Mapping[str, str] = field(default_factory=dict)
    misread_credit: float = 0.5  # the step where a misread given first shows (it costs once)

    @cached_property
    def _compiled(self) -> tuple[_Compiled, ...]:
        names = list(self.parameters)
        out = []
        for step in self.steps:
            unknown = {s.name for s in step.formula.free_symbols} - set(names)
            if unknown:
                raise ValueError(f"step {step.name} uses undefined names {sorted(unknown)}")
            if step.written:
                _check_written(step, names)
            out.append(_compile(step, names))
            names.append(step.name)
        return tuple(out)

    def written(self, name: str) -> sympy.Expr | None:
        """Step ``name``'s formula as the course writes it (``Step.written``), or None."""
        names = list(self.parameters)
        for step in self.steps:
            if step.name == name:
                return written_expr(step.written, names) if step.written else None
            names.append(step.name)
        raise KeyError(name)

    @cached_property
    def items(self) -> tuple[Item, ...]:
        """The asked steps, as items (made once: a batch asks for them for every student)."""
        return tuple(
            Item(s.name, s.label, s.points, self.hints.get(s.name, ""))
            for s in self.steps
            if s.asked
        )

    def evaluate(self, params: Params) -> dict[str, float]:
        """Every parameter and step value of the reference solution."""
        env = {p: float(params[p]) for p in self.parameters}
        for step, comp in zip(self.steps, self._compiled, strict=True):
            env[step.name] = comp.at(comp.value, env)
        return env

    def solve(self, params: Params) -> Mapping[str, Any]:
        env = self.evaluate(params)
        return {s.name: env[s.name] for s in self.steps if s.asked}

    def expectations(self, params: Params) -> Mapping[str, Expectation]:
        """Every asked step is a number, compared with ``tolerance`` (``Describing``)."""
        return {
            i.variable: Expectation(Expect.NUMBER, tolerance=self.tolerance) for i in self.items
        }

    def formula(self, name: str) -> sympy.Expr:
        for step in self.steps:
            if step.name == name:
                return step.formula
        raise KeyError(name)

    def student_values(self, answers: Mapping[str, Answer], params: Params) -> _StudentValues:
        """The student's chain: their number where they gave one, else the formula on theirs."""
        env = {p: float(params[p]) for p in self.parameters}
        rounding: dict[str, float] = {}
        given: dict[str, Answer] = {}
        for step, comp in zip(self.steps, self._compiled, strict=True):
            answer = answers.get(step.name)
            if (
                step.asked
                and answer is not None
                and answer.kind is Kind.NUMBER
                and math.isfinite(answer.value)
            ):
                env[step.name] = float(answer.value)
                # their number carries its own rounding and the rounding of the inputs it came from
                rounding[step.name] = rounding_of(
                    answer.text, self.tolerance.sig_figs
                ) + comp.rounding(env, rounding)
                given[step.name] = answer
            else:
                env[step.name] = comp.at(comp.value, env)
                rounding[step.name] = comp.rounding(env, rounding)
        return _StudentValues(env, rounding, given)

    def grade(self, answers: Mapping[str, Answer], params: Params) -> Mapping[str, Verdict]:
        answers, read = _numbers_from_text(answers)
        reference = self.evaluate(params)
        own = self.student_values(answers, params)
        verdicts: dict[str, Verdict] = {}
        for step, comp in zip(self.steps, self._compiled, strict=True):
            if step.asked:
                answer = answers.get(step.name, Answer(Kind.ABSENT, note="variable not defined"))
                verdicts[step.name] = self._grade_step(step, comp, answer, reference, own)
        verdicts = self._with_misreading(verdicts, params, reference, own)
        for name, how in read.items():
            if name in verdicts:
                feedback = f"{how[0].upper()}{how[1:]}. {verdicts[name].feedback}".strip()
                verdicts[name] = replace(verdicts[name], feedback=feedback)
        return verdicts

    def _with_misreading(
        self,
        verdicts: dict[str, Verdict],
        params: Params,
        reference: Mapping[str, float],
        own: _StudentValues,
    ) -> dict[str, Verdict]:
        """Wrong steps that all follow from one given read otherwise: named once, at the first
        of them (``misread_credit``), and follow-through for the others."""
        wrong = {
            name: float(own.given[name].value)
            for name, verdict in verdicts.items()
            if verdict.status is Status.INCORRECT and verdict.mistake is None and name in own.given
        }
        compiled = {step.name: comp for step, comp in zip(self.steps, self._compiled, strict=True)}

        def matches(name: str, target: float) -> bool:
            comp, answer = compiled[name], own.given[name]
            scale = comp.at(comp.scale, reference) if comp.scale else None
            slack = comp.rounding(own.env, own.rounding)
            check = NumberCheck(target, self.tolerance, scale, slack)
            return within(check, float(answer.value), answer.text)

        def step_value(name: str, given: str, value: float) -> list[tuple[float, str]]:
            comp, env = compiled[name], {**own.env, given: value}
            return [(comp.at(comp.value, env), "")] + [
                (comp.at(wrong, env), mistake.id) for mistake, wrong in comp.mistakes
            ]

        def uses(name: str, given: str) -> bool:
            return given in compiled[name].args

        stated = {p: own.env[p] for p in self.parameters if math.isfinite(own.env[p])}
        right = [
            name
            for name, verdict in verdicts.items()
            if verdict.status in (Status.CORRECT, Status.FOLLOW_THROUGH) and name in own.given
        ]
        finding = find_misreading(step_value, uses, stated, wrong, matches, right)
        if finding is None:
            return verdicts
        return {**verdicts, **self._misread_verdicts(finding, verdicts)}

    def _misread_verdicts(
        self, finding: Misreading, verdicts: Mapping[str, Verdict]
    ) -> dict[str, Verdict]:
        first, *rest = finding.explained
        sentence = finding.sentence()
        mistake = Mistake(
            "misread-given",
            f"A misread given: {sentence}. It is counted once, here; the steps that follow "
            f"from it get follow-through.",
            self.misread_credit,
            persian=f"داده‌ای اشتباه خوانده شده: {finding.sentence_fa()}. این اشتباه یک بار، "
            "همین‌جا، کم می‌شود و گام‌هایی که از آن پیروی می‌کنند نمرهٔ پیرو خطای قبلی می‌گیرند.",
        )
        updated = {
            first: replace(
                verdicts[first],
                status=Status.INCORRECT,
                credit=mistake.credit,
                feedback=mistake.explanation,
                mistake=mistake,
                message=None,
            )
        }
        for name in rest:
            slip = finding.slips.get(name)
            also = f", with the slip {slip} as well" if slip else ""
            verdict = verdicts[name]
            step = verdict.detail if isinstance(verdict.detail, StepDetail) else None
            updated[name] = replace(
                verdict,
                status=Status.FOLLOW_THROUGH,
                credit=self.follow_through_credit,
                feedback=(
                    f"Follows from your reading of the given ({sentence}){also}; the misreading "
                    f"is counted once, at {first}."
                ),
                message=step.follows if step and verdict.mistake is None else None,
            )
        return updated

    def _grade_step(
        self,
        step: Step,
        comp: _Compiled,
        answer: Answer,
        reference: Mapping[str, float],
        own: _StudentValues,
    ) -> Verdict:
        expected = reference[step.name]
        shown = format_number(expected)
        if step.name not in own.given:
            if not answer.unanswered:
                return Verdict(
                    Status.INVALID,
                    0.0,
                    given=answer.text or answer.kind.value,
                    expected=shown,
                    feedback=f"Expected a number for {step.label}, got {kind_phrase(answer)}.",
                )
            return missing_verdict(answer, shown)
        value = float(answer.value)
        given = answer.text if 0 < len(answer.text) <= 24 else format_number(value)
        slack = comp.rounding(own.env, own.rounding)
        ref_scale = comp.at(comp.scale, reference) if comp.scale else None
        allowed = self.tolerance.allowed(expected, value, ref_scale)
        given, shown = side_by_side(value, answer.text, expected, allowed, self.tolerance.sig_figs)
        if within(NumberCheck(expected, self.tolerance, ref_scale, slack), value, answer.text):
            return Verdict(Status.CORRECT, 1.0, given=given, expected=shown)

        follow = comp.at(comp.value, own.env)
        own_scale = comp.at(comp.scale, own.env) if comp.scale else None
        explain = self._explain(step, comp, own.env, follow)
        if math.isfinite(follow) and within(
            NumberCheck(follow, self.tolerance, own_scale, slack), value, answer.text
        ):
            return Verdict(
                Status.FOLLOW_THROUGH,
                self.follow_through_credit,
                given=given,
                expected=shown,
                feedback=(
                    f"Not the reference value, but it follows correctly from your own earlier "
                    f"values (they give {format_number(follow)})."
                ),
                detail=explain,
                message=explain.follows,
            )
        for mistake, wrong in comp.mistakes:
            for env, scale in ((reference, ref_scale), (own.env, own_scale)):
                target = comp.at(wrong, env)
                check = NumberCheck(target, self.tolerance, scale, slack)
                if math.isfinite(target) and within(check, value, answer.text):
                    return Verdict(
                        Status.INCORRECT,
                        mistake.credit,
                        given=given,
                        expected=shown,
                        feedback=mistake.explanation,
                        mistake=mistake,
                        detail=explain,
                    )
        for target, credit in ((expected, 1.0), (follow, self.follow_through_credit)):
            figures = rounded_figures(answer.text, target, self.tolerance.sig_figs)
            if figures:
                mistake = rounding_mistake(answer.text.strip(), figures, self.tolerance)
                mistake = replace(mistake, credit=mistake.credit * credit)
                return Verdict(
                    Status.INCORRECT,
                    mistake.credit,
                    given=given,
                    expected=shown,
                    feedback=mistake.explanation
                    + ("" if target == expected else " (from your own earlier values)"),
                    mistake=mistake,
                    detail=explain,
                )
        return Verdict(
            Status.INCORRECT,
            0.0,
            given=given,
            expected=shown,
            feedback=(
                f"Expected {shown}. From your own earlier values, {explain.formula} "
                f"gives {format_number(follow)}; {given} matches neither."
            ),
            detail=explain,
            message=explain.misses(shown, given),
        )

    @staticmethod
    def _explain(
        step: Step, comp: _Compiled, env: Mapping[str, float], follow: float
    ) -> StepDetail:
        """The formula, the values it was fed and what it gives: for the report."""
        return StepDetail(
            formula=f"{step.name} = {step.written or sympy.sstr(step.formula)}",
            latex=sympy.latex(step.formula),
            inputs=tuple({a: format_number(env[a]) for a in comp.args}.items()),
            should_give=format_number(follow),
        )


def _numbers_from_text(
    answers: Mapping[str, Answer],
) -> tuple[dict[str, Answer], dict[str, str]]:
    """Answers with numbers written as text read as numbers, and how each was read. Text that
    is not a number is left as it is (the step then says it expected a number)."""
    out, read = dict(answers), {}
    for name, answer in answers.items():
        try:
            number, how = number_from_text(answer)
        except ParseError:
            continue
        if how:
            out[name], read[name] = number, how
    return out, read
