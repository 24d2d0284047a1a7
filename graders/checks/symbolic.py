"""Symbolic answers: a student's formula compared with the reference formula.

In:  an ``Answer`` (EXPR or TEXT: a formula as text, read by
     ``graders.maths.expressions``; NUMBER: a constant), the reference as a sympy expression,
     the variable names the question defines, its notation maps (``a2_1 -> sigmoid(z2_1)``),
     named mistakes (each an expression) and a seed for the sample points.
Out: a ``Verdict``.

Equivalence is decided numerically and confirmed symbolically:

1. Both sides (after the notation maps) are evaluated at seeded random points with mpmath at
   30 digits, by ``graders.maths.expressions.evaluate``, a walker over the sympy tree (no
   ``lambdify``, no generated code). Points where the reference is undefined are skipped.
   Where the reference is defined and the student's formula is not (log of a negative,
   division by zero, a complex value), both are tried at a nearby point: a formula defined
   and equal there has only an isolated gap, so formulas equal except at a point (``f(x)/x``
   against ``tanh(sp(x))``) are equal; otherwise the formula is undefined on a region where
   the reference is defined, a domain mismatch, reported as such.
2. A numeric match is confirmed by proving ``student - reference == 0``: ``cancel`` after
   ``rewrite(exp)`` first (fast, and enough for sigmoid/tanh/sech/softplus identities), then
   ``simplify``. sympy cannot be interrupted, so the proof runs in a child process (forked,
   so it starts at once with the expressions in hand) that may use ``symbolic_timeout``
   seconds of processor time (at most ``PROOF_WALL_FACTOR`` times that on the clock) and is
   then killed: a hard answer never leaves a proof running to slow later checks, and a busy
   machine does not cut a proof a quiet one would finish.
   If it has not finished, the verdict stays correct and says it was confirmed numerically
   only. ``FormulaDetail.confirmed_by`` records which route settled it.
3. A numeric mismatch is incorrect; the named mistakes are then compared the same way, and the
   first that matches is attached with its credit.

Symbols the student uses that the reference does not are named in the feedback. A formula
that could be read carries a ``FormulaDetail``: how it was read, both formulas typeset, and
what the comparison found.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import random
import select
import signal
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, fields
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any

import mpmath
import sympy
from sympy.core.function import AppliedUndef

from graders.maths.expressions import (
    FUNCTIONS,
    ParseError,
    evaluate,
    is_name,
    looks_like_latex,
    numeric_context,
    parse_expression,
    render_expression,
)
from graders.model.answers import (
    MANUAL,
    Answer,
    Kind,
    Message,
    Mistake,
    Status,
    Verdict,
    kind_phrase,
    missing_verdict,
)

DIGITS = 30
"""Working precision of the numeric comparison, in decimal digits."""

POINTS = 24
"""Sample points per comparison."""

MIN_POINTS = 8
"""Fewest points where the reference must be defined for a numeric decision."""

RTOL = 1e-12
ATOL = 1e-15
"""Two values agree when they differ by at most max(ATOL, RTOL * the larger magnitude)."""

ACCURATE_BITS = 33
"""A difference evaluated with at least this many accurate bits (10 digits) is surely not 0."""

NUDGE = 1e-6
"""Relative step to a nearby point when a formula is undefined at a sample point."""

GIVEN_SHOWN = 300
"""Longest student text repeated in a verdict."""

TYPESET_LIMIT = 600
"""Longest formula (as sympy text) also typeset as MathML in the detail; longer ones get LaTeX."""

SYMBOLIC_TIMEOUT = 1.5
"""Seconds of processor time the symbolic proof may use."""

RANGES: tuple[tuple[float, float], ...] = (
    (-5.0, 5.0),
    (-2.0, 2.0),
    (0.05, 3.0),
    (-3.0, -0.05),
    (-0.5, 0.5),
    (1.0, 5.0),
    (-5.0, -1.0),
)
"""Where sample values are drawn: mixed signs, small and moderate magnitudes (|x| <= 5)."""

REGIONS: tuple[tuple[tuple[float, float], ...], ...] = (
    ((0.05, 3.0), (1.0, 5.0), (0.2, 2.0)),
    ((-0.95, 0.95), (0.05, 0.95), (-0.5, 0.5)),
    ((5.0, 25.0), (1.0, 10.0), (3.0, 12.0)),
)
"""Where to look next when the expected formula is defined at too few of the usual points
(log(a) + log(b) wants a, b > 0; asin(x) wants |x| <= 1; sqrt(x - 5) wants x >= 5): every
variable is drawn from one region's ranges, and the first region that gives enough points is
used together with the usual points."""

SUSPECT = 1e-24
"""Two formulas agreeing at every point but differing there by more than this (relative, or
in absolute terms near 0) are checked for being apart in the grader's own process, before
any proof: a proof that times out must never turn a real difference into "correct". Equal
formulas computed at DIGITS = 30 digits agree far more closely."""

FLOAT_PRECISION = 1e-13
"""How closely an answer must agree with a reference holding binary floats (about 15
digits) to be equal at the reference's precision."""

WIDE: tuple[tuple[float, float], ...] = ((-1200.0, -10.0), (10.0, 1200.0))
PROBES = 8
"""After an agreement at the usual points, the two are also compared at PROBES points of
large magnitude (WIDE): a difference where both have a value there is a difference. Points
where either side is undefined or overflows are skipped; they are no evidence either way."""

_NOTATION_ROUNDS = 8

Point = Mapping[sympy.Symbol, float]


@dataclass(frozen=True)
class FormulaDetail:
    """What the check found about a formula it could read, for the report.

    ``route`` is how the text was read (python, latex or number) and ``read_as`` the formula as
    read (sympy text); ``unknown_symbols`` the names the reference lacks; ``given_*`` and
    ``expected_*`` both formulas typeset (LaTeX, and MathML for short ones). Of the comparison:
    ``region`` (where the points were drawn when the usual ones were too few), ``points``
    compared, ``wide_probe`` (points of large magnitude where they differ), ``proof`` (the
    symbolic proof's outcome), ``confirmed_by`` (symbolic or numeric, for a correct formula),
    ``undefined_points`` (a domain mismatch) and ``mistake`` (the id of the named mistake it
    matches). ``model_relation`` is what a course's own check found about the model the formula
    builds (HW1's logistic weights beside the softmax model: written ``model``).
    None is "not found"; the record holds only what was found, in the fields' order.
    """

    route: str | None = None
    read_as: str | None = None
    unknown_symbols: tuple[str, ...] | None = None
    given_latex: str | None = None
    given_mathml: str | None = None
    expected_latex: str | None = None
    expected_mathml: str | None = None
    region: tuple[tuple[float, ...], ...] | None = None
    points: int | None = None
    wide_probe: int | None = None
    proof: str | None = None
    confirmed_by: str | None = None
    undefined_points: int | None = None
    mistake: str | None = None
    model_relation: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, key in _FORMULA_KEYS:
            value = getattr(self, name)
            if value is None:
                continue
            if name == "region":
                value = [list(bounds) for bounds in value]
            elif name == "unknown_symbols":
                value = list(value)
            out[key] = value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FormulaDetail:
        found: dict[str, Any] = {}
        for name, key in _FORMULA_KEYS:
            if data.get(key) is None:
                continue
            value = data[key]
            if name == "region":
                value = tuple(tuple(float(x) for x in bounds) for bounds in value)
            elif name == "unknown_symbols":
                value = tuple(str(x) for x in value)
            elif name in ("points", "wide_probe", "undefined_points"):
                value = int(value)
            else:
                value = str(value)
            found[name] = value
        return cls(**found)


_FORMULA_KEYS = tuple(
    (f.name, "model" if f.name == "model_relation" else f.name) for f in fields(FormulaDetail)
)
"""``FormulaDetail``'s fields and their keys in the record, in order."""


@dataclass(frozen=True)
class Comparison:
    """How a formula compares with a target formula at the sample points.

    ``defined`` counts points where the target is defined; ``compared`` those where both
    are; ``differing`` those where both are defined and disagree; ``undefined`` those where
    the target is defined and the formula is not. ``example`` is the first differing point
    (with the two values), ``undefined_at`` the first point of the domain mismatch.
    """

    defined: int
    compared: int
    differing: int
    undefined: int
    example: tuple[Point, float, float] | None = None
    undefined_at: Point | None = None
    closest: float = 0.0
    """The largest relative difference among the points where the two agree."""

    @property
    def equal(self) -> bool:
        """Equal at every point where the target is defined (and there are enough of them)."""
        return self.defined >= MIN_POINTS and self.differing == 0 and self.undefined == 0


def check_expression(
    answer: Answer,
    reference: sympy.Expr,
    *,
    variables: Sequence[str],
    substitutions: Mapping[str, sympy.Expr] = MappingProxyType({}),
    mistakes: Sequence[tuple[Mistake, sympy.Expr]] = (),
    seed: int = 0,
    shown_as: str = "",
    symbolic_timeout: float = SYMBOLIC_TIMEOUT,
) -> Verdict:
    """Judge a student's formula against ``reference``.

    ``variables`` are the names the question defines (shown when the student uses others);
    ``substitutions`` map a name to what it stands for and are applied to both sides (and to
    the mistakes) before comparing; ``mistakes`` are named wrong formulas; ``seed`` fixes the
    sample points; ``shown_as`` is how the expected answer is displayed (default: sympy's
    text of ``reference``). No I/O and no shared state: the same inputs give the same status,
    credit and feedback. The proof's limit is processor time, so the machine's load does not
    decide whether it finishes; a proof within a hair of its limit may still finish on one run
    and not on the next (that changes only the wording and ``FormulaDetail.confirmed_by``).
    """
    expected = shown_as or sympy.sstr(reference)
    if answer.unanswered:
        return missing_verdict(answer, expected)
    signs = declared_signs(reference)
    notation = {name: _standardise(value, signs) for name, value in substitutions.items()}
    given = _given_text(answer)
    try:
        read, route = _read(answer, _names_to_declare(variables, notation, reference))
    except ParseError as error:
        feedback = f"Your formula could not be read: {error.message}."
        return Verdict(Status.INVALID, 0.0, given=given, expected=expected, feedback=feedback)
    student = _expand_notation(_standardise(read, signs), notation)
    target = _expand_notation(_standardise(reference, signs), notation)
    variants = [
        (m, _expand_notation(_standardise(wrong, signs), notation)) for m, wrong in mistakes
    ]
    read_as = sympy.sstr(read)
    facts: dict[str, Any] = {}
    status, credit, note, mistake = _judge(student, target, variants, seed, symbolic_timeout, facts)
    detail = FormulaDetail(
        route=route,
        read_as=read_as,
        unknown_symbols=tuple(sorted(_names(student) - _names(target))),
        **_typeset("given", read, len(read_as)),
        **_typeset("expected", reference, len(expected)),
        **facts,
    )
    notes = [note, *_unknown_symbols_note(student, target, variables)]
    return Verdict(
        status,
        credit,
        given=given,
        expected=expected,
        feedback=" ".join(notes),
        mistake=mistake,
        detail=detail,
        message=_message(status, detail),
    )


def _message(status: Status, detail: FormulaDetail) -> Message | None:
    if status is Status.MANUAL:
        return MANUAL
    if status is Status.CORRECT and detail.confirmed_by in ("symbolic", "numeric"):
        return Message(
            "feedback.proved" if detail.confirmed_by == "symbolic" else "feedback.numeric_only"
        )
    return None


def _judge(
    student: sympy.Expr,
    target: sympy.Expr,
    variants: Sequence[tuple[Mistake, sympy.Expr]],
    seed: int,
    symbolic_timeout: float,
    facts: dict[str, Any],
) -> tuple[Status, float, str, Mistake | None]:
    """Status, credit, feedback and mistake for two prepared formulas; fills in ``facts``
    (``FormulaDetail``'s fields of the comparison: ``region``, ``points``, ``proof`` ...)."""
    symbols = _free_symbols(student, target, *(v for _, v in variants))
    points = sample_points(symbols, seed)
    evaluations = Evaluations(points)
    comparison = compare(student, target, points, evaluations)
    for region in REGIONS if comparison.defined < MIN_POINTS else ():
        wider = [*points, *sample_points(symbols, seed, ranges=region)]
        wider_evaluations = Evaluations(wider)
        found = compare(student, target, wider, wider_evaluations)
        if found.defined >= MIN_POINTS:
            points, evaluations, comparison = wider, wider_evaluations, found
            facts["region"] = tuple(tuple(bounds) for bounds in region)
            break
    facts["points"] = comparison.compared
    if comparison.defined < MIN_POINTS:
        note = "The expected formula could not be evaluated at enough points to compare."
        return Status.MANUAL, 0.0, note, None
    if comparison.equal:
        probe = compare(student, target, sample_points(symbols, seed, PROBES, WIDE))
        if probe.differing:  # |x + 100| - 100 and |x + 101| - 101 differ only for x < -100
            facts["wide_probe"] = probe.differing
            return Status.INCORRECT, 0.0, _difference_note(probe), None
        real = [p for i, p in enumerate(points) if evaluations.at(target, i) is not None]
        floats = target.has(sympy.Float) and comparison.closest <= RTOL
        suspect = comparison.closest > (FLOAT_PRECISION if floats else SUSPECT)
        if suspect and apart(student - at_its_precision(target), real):
            facts["proof"] = "apart"  # 1e-50*sin(x) and 1e-50*cos(x), or 2**70 + 1 and 2**70
            return Status.INCORRECT, 0.0, _apart_note(), None
        proof = prove_equal(student, at_its_precision(target), symbolic_timeout, real)
        if floats and proof in ("apart", "not proved"):
            proof = "float reference"  # equal to the digits the reference holds
        facts["proof"] = proof
        if proof == "apart":
            return Status.INCORRECT, 0.0, _apart_note(), None
        facts["confirmed_by"] = "symbolic" if proof == "proved" else "numeric"
        return Status.CORRECT, 1.0, _correct_note(proof), None
    if comparison.differing == 0:
        facts["undefined_points"] = comparison.undefined
        return Status.INCORRECT, 0.0, _domain_note(comparison), None
    for mistake, variant in variants:
        if compare(student, variant, points, evaluations).equal:
            facts["mistake"] = mistake.id
            note = f"This looks like a known mistake: {mistake.explanation}"
            return Status.INCORRECT, mistake.credit, note, mistake
    return Status.INCORRECT, 0.0, _difference_note(comparison), None


def _typeset(side: str, expr: sympy.Expr, size: int) -> dict[str, Any]:
    """``<side>_latex`` and ``<side>_mathml`` for the report; MathML only for short formulas."""
    try:
        if size > TYPESET_LIMIT:
            return {f"{side}_latex": sympy.latex(expr)}
        rendering = render_expression(expr)
    except Exception:  # sympy's printers fail on some unusual trees; the report shows text
        return {}
    return {f"{side}_latex": rendering.latex, f"{side}_mathml": rendering.mathml}


# --------------------------------------------------------------------------------------------
# Reading the answer


def _given_text(answer: Answer) -> str:
    """What the student wrote, shortened for display."""
    given = answer.value.strip() if isinstance(answer.value, str) else answer.text
    return given if len(given) <= GIVEN_SHOWN else given[: GIVEN_SHOWN - 3] + "..."


def _read(answer: Answer, declared: Collection[str]) -> tuple[sympy.Expr, str]:
    """The student's formula and the route that read it (python, latex or number)."""
    if answer.kind is Kind.NUMBER:
        return _constant(answer.value), "number"
    if answer.kind not in (Kind.EXPR, Kind.TEXT):
        raise ParseError(f"expected a formula, got {kind_phrase(answer)}")
    if not isinstance(answer.value, str):
        raise ParseError("expected a formula written as text")
    route = "latex" if looks_like_latex(answer.value) else "python"
    return parse_expression(answer.value, declared), route


def _constant(value: object) -> sympy.Expr:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParseError("expected a number")
    number = float(value)
    if number != number or abs(number) == float("inf"):
        raise ParseError("the number is not finite")
    exact = Fraction(repr(number))
    return sympy.Rational(exact.numerator, exact.denominator)


def _names_to_declare(
    variables: Sequence[str], notation: Mapping[str, sympy.Expr], reference: sympy.Expr
) -> frozenset[str]:
    """The names the parser should treat as the question's symbols (valid names only)."""
    names = {*variables, *notation, *_names(reference)}
    return frozenset(name for name in names if is_name(name))


# --------------------------------------------------------------------------------------------
# Putting both sides in one form


SIGNS = ("positive", "nonnegative", "negative", "nonpositive")
"""The assumptions a question may declare on a symbol that decide where it is sampled."""


def declared_signs(reference: sympy.Expr) -> Mapping[str, str]:
    """The sign each symbol of the reference is declared with (``Symbol("a", positive=True)``),
    by name: applied to the student's symbol of the same name as well."""
    found = {}
    for symbol in getattr(reference, "free_symbols", ()):
        if isinstance(symbol, sympy.Symbol):
            sign = next((s for s in SIGNS if symbol.assumptions0.get(s)), None)
            if sign is not None:
                found[symbol.name] = sign
    return MappingProxyType(found)


def _standardise(expr: sympy.Expr, signs: Mapping[str, str] = MappingProxyType({})) -> sympy.Expr:
    """Real symbols by name (with the sign ``signs`` declares for a name), and applied undefined
    functions named like ours (sigma(x)) built."""
    if isinstance(expr, int | float) and not isinstance(expr, bool):
        expr = _constant(expr)
    replacements: dict[sympy.Basic, sympy.Basic] = {
        symbol: _real_symbol(symbol.name, signs.get(symbol.name))
        for symbol in expr.free_symbols
        if isinstance(symbol, sympy.Symbol)
    }
    expr = expr.xreplace(replacements)
    applied = {
        call: FUNCTIONS[type(call).__name__].build(*call.args)
        for call in expr.atoms(AppliedUndef)
        if _buildable(call)
    }
    return expr.xreplace(applied) if applied else expr


def _real_symbol(name: str, sign: str | None) -> sympy.Symbol:
    if sign is None:
        return sympy.Symbol(name, real=True)
    return sympy.Symbol(name, real=True, **{sign: True})


def at_its_precision(expr: sympy.Expr) -> sympy.Expr:
    """Every float in ``expr`` as the exact decimal it stands for at its own precision.

    A reference computed with binary floats carries their noise: 0.1*3 is
    0.30000000000000004. Read at the 15 significant digits a double holds, it is 0.3, the
    number meant, and an exact answer 0.3*x is then proved equal to it, not apart by 4e-17.
    An answer that agrees to those digits without being proved (x/3 against 0.333...*x) is
    equal at the reference's precision, never "apart" (see ``_judge``).
    """
    floats = expr.atoms(sympy.Float)
    if not floats:
        return expr
    exact = {}
    for number in floats:
        digits = max(1, int(number._prec * 0.30103))  # decimal digits its bits hold
        text = mpmath.nstr(mpmath.mpf(number._mpf_), digits, strip_zeros=True)
        fraction = Fraction(text)
        exact[number] = sympy.Rational(fraction.numerator, fraction.denominator)
    return expr.xreplace(exact)


def _buildable(call: sympy.Basic) -> bool:
    function = FUNCTIONS.get(type(call).__name__)
    return function is not None and function.least <= len(call.args) <= function.most


def _expand_notation(expr: sympy.Expr, notation: Mapping[str, sympy.Expr]) -> sympy.Expr:
    """Replace names by what they stand for, repeatedly (maps may refer to each other)."""
    if not notation:
        return expr
    replacements = {sympy.Symbol(name, real=True): value for name, value in notation.items()}
    for _ in range(_NOTATION_ROUNDS):
        expanded = expr.xreplace(replacements)
        if expanded == expr:
            break
        expr = expanded
    return expr


def _names(expr: sympy.Basic) -> set[str]:
    return {symbol.name for symbol in expr.free_symbols if isinstance(symbol, sympy.Symbol)}


def _free_symbols(*exprs: sympy.Basic) -> list[sympy.Symbol]:
    found = {s for expr in exprs for s in expr.free_symbols if isinstance(s, sympy.Symbol)}
    return sorted(found, key=lambda symbol: symbol.name)


# --------------------------------------------------------------------------------------------
# Numeric comparison


def sample_points(
    symbols: Sequence[sympy.Symbol],
    seed: int,
    count: int = POINTS,
    ranges: Sequence[tuple[float, float]] = RANGES,
) -> list[Point]:
    """``count`` seeded points, each variable drawn from one of ``ranges`` in turn, and kept to
    the sign its question declares (a symbol declared ``positive`` or ``nonnegative`` is drawn
    as the magnitude, one declared ``negative`` as its negative)."""
    rng = random.Random(seed)
    points: list[Point] = []
    for i in range(count):
        point: dict[sympy.Symbol, float] = {}
        for j, symbol in enumerate(symbols):
            low, high = ranges[(i + j) % len(ranges)]
            point[symbol] = _declared_sign(symbol, rng.uniform(low, high))
        points.append(MappingProxyType(point))
    return points


def _declared_sign(symbol: sympy.Symbol, value: float) -> float:
    """``value`` with the sign ``symbol``'s assumptions declare (the value itself when none)."""
    if symbol.is_positive or symbol.is_nonnegative:
        return abs(value) or SMALLEST_MAGNITUDE
    if symbol.is_negative or symbol.is_nonpositive:
        return -(abs(value) or SMALLEST_MAGNITUDE)
    return value


SMALLEST_MAGNITUDE = 1e-3
"""A positive (or negative) symbol drawn at exactly 0 is drawn at this magnitude instead."""


class Evaluations:
    """Values of subexpressions at each of ``points``, shared by the comparisons of one answer:
    a formula written like the expected one, or like a named mistake, is then mostly looked up
    rather than computed again. One per check, never shared between checks."""

    def __init__(self, points: Sequence[Point]) -> None:
        self.points = points
        self.context = numeric_context(DIGITS)
        self._memos: list[dict[sympy.Basic, Any]] = [{} for _ in points]

    def at(self, expr: sympy.Expr, index: int) -> Any:
        """``expr``'s value at point ``index`` (see ``evaluate``)."""
        return evaluate(expr, self.points[index], self.context, self._memos[index])


def compare(
    formula: sympy.Expr,
    target: sympy.Expr,
    points: Sequence[Point],
    evaluations: Evaluations | None = None,
) -> Comparison:
    """Evaluate both at every point and count agreements, disagreements and gaps.

    Where the formula is undefined but the target is not, both are tried again at a nearby
    point: a formula defined there and agreeing has only an isolated gap (``f(x)/x`` at 0),
    which counts as agreement. ``evaluations`` (of the same ``points``) keeps what earlier
    comparisons computed.
    """
    if evaluations is None or evaluations.points is not points:
        evaluations = Evaluations(points)
    context = evaluations.context
    defined = compared = differing = undefined = 0
    example: tuple[Point, float, float] | None = None
    undefined_at: Point | None = None
    closest = 0.0
    for index, point in enumerate(points):
        expected = evaluations.at(target, index)
        if expected is None:
            continue
        defined += 1
        value = evaluations.at(formula, index)
        if value is None:
            nearby = _nudge(point)
            value, expected = evaluate(formula, nearby, context), evaluate(target, nearby, context)
        if value is None or expected is None:
            undefined += 1
            undefined_at = undefined_at or point
            continue
        compared += 1
        gap, size = abs(value - expected), max(abs(value), abs(expected))
        if gap > max(ATOL, RTOL * size):
            differing += 1
            example = example or (point, float(value), float(expected))
        elif size:
            closest = max(closest, float(gap / size))
    return Comparison(defined, compared, differing, undefined, example, undefined_at, closest)


def _nudge(point: Point) -> Point:
    """A point a little away from ``point`` in every coordinate."""
    return MappingProxyType({s: v + NUDGE * (1 + abs(v)) for s, v in point.items()})


# --------------------------------------------------------------------------------------------
# Symbolic confirmation


def prove_equal(
    formula: sympy.Expr, target: sympy.Expr, timeout: float, points: Sequence[Point] = ()
) -> str:
    """Try to prove ``formula - target == 0`` within ``timeout`` seconds.

    Returns ``"proved"``, ``"apart"`` (the difference, evaluated as one expression at
    ``points``, is surely not 0), ``"not proved"`` (sympy finished without reaching 0) or
    ``"timed out"``. The work runs in a child process, killed at the time limit (sympy cannot
    be interrupted, and a thread cannot be stopped); see ``run_killable``.
    """
    plain = [dict(point) for point in points]  # a mapping proxy cannot be sent to a process
    return run_killable(_prove, (formula, target, plain), timeout, "timed out")


def _prove(formula: sympy.Expr, target: sympy.Expr, points: Sequence[Point]) -> str:
    difference = formula - target
    if is_zero(difference):
        return "proved"
    return "apart" if apart(difference, points) else "not proved"


_OUTCOMES = ("proved", "apart", "not proved")


def run_killable(
    work: Callable[..., object], args: tuple[Any, ...], timeout: float, late: str
) -> str:
    """``work(*args)`` (one of _OUTCOMES; anything else, or a failure, is "not proved")
    computed in a child process, or ``late`` if it has not answered before using ``timeout``
    seconds of processor time (``_answered``); the child is then killed, so nothing lingers.

    The child is forked from multiprocessing's fork server, a single-threaded process that has
    imported this module, never from the grader itself: forking the grader while another of its
    threads is inside a BLAS call deadlocks both (OpenBLAS's fork handler waits for that call,
    which waits for the pool the handler is stopping). ``work`` and ``args`` must pickle. In a
    daemonic process (which may not start children: a Dask worker) the grader forks itself.
    """
    if multiprocessing.current_process().daemon:
        return _run_forked(work, args, timeout, late)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_answer, args=(work, args, sender), daemon=True)
    process.start()
    sender.close()
    answer: object = None
    try:
        if _answered(receiver.poll, process.pid, timeout):
            answer = receiver.recv()
    except (EOFError, OSError):  # the child died without answering
        answer = "not proved"
    finally:
        receiver.close()
        if answer is None:
            process.kill()
        process.join()
    if answer is None:
        return late
    return answer if isinstance(answer, str) and answer in _OUTCOMES else "not proved"


def _answer(work: Callable[..., object], args: tuple[Any, ...], sender: Any) -> None:
    """The child's side of ``run_killable``: one answer sent, then leave."""
    try:
        answer = work(*args)
    except BaseException:  # a sympy failure is "not proved", never a crash
        answer = "not proved"
    sender.send(answer if answer in _OUTCOMES else "not proved")
    sender.close()


def _run_forked(
    work: Callable[..., object], args: tuple[Any, ...], timeout: float, late: str
) -> str:
    """``run_killable`` by forking this process (where it may not start children)."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer in one write, then leave without any clean-up
        os.close(reader)
        try:
            answer = work(*args)
        except BaseException:
            answer = "not proved"
        index = _OUTCOMES.index(answer) if answer in _OUTCOMES else _OUTCOMES.index("not proved")
        os.write(writer, index.to_bytes(1, "big"))
        os._exit(0)
    os.close(writer)
    try:
        readable = lambda wait: bool(select.select([reader], [], [], wait)[0])  # noqa: E731
        data = os.read(reader, 1) if _answered(readable, pid, timeout) else b""
    finally:
        os.close(reader)
        if not data:
            _kill(pid)
        os.waitpid(pid, 0)
    return _OUTCOMES[data[0]] if data and data[0] < len(_OUTCOMES) else late


PROOF_WALL_FACTOR = 4.0
"""A proof's clock ceiling, a multiple of its processor-time limit: a child starved of the
processor by a busy machine still ends."""

_POLL_SECONDS = 0.02


def _answered(ready: Callable[[float], bool], pid: int | None, limit: float) -> bool:
    """Whether the child ``pid`` answered (``ready(wait)`` says so) before it had used ``limit``
    seconds of processor time, and within ``PROOF_WALL_FACTOR`` times that on the clock.

    Processor time, not the clock: on a machine busy with other work a proof gets the same
    budget as on a quiet one, so whether it finishes (and the verdict's wording) does not
    change with the load; the time a fork server takes to start is not counted either. Where
    a process's processor time cannot be read, the clock is the measure."""
    started = time.monotonic()
    ceiling = started + max(limit, 0.0) * PROOF_WALL_FACTOR
    while True:
        if ready(_POLL_SECONDS):
            return True
        now = time.monotonic()
        used = _processor_seconds(pid)
        if (now - started if used is None else used) >= limit or now >= ceiling:
            return ready(0)


def _processor_seconds(pid: int | None) -> float | None:
    """The user and system time process ``pid`` has used so far (Linux's ``/proc``)."""
    if pid is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it may have finished just now
        os.kill(pid, signal.SIGKILL)


def apart(difference: sympy.Expr, points: Sequence[Point], tries: int = 4) -> bool:
    """Whether ``difference`` is surely not 0 at one of the first ``tries`` points.

    Comparing the two sides' values cannot see a difference far below their size (``1 +
    exp(exp(4))`` against ``exp(exp(4))`` differ by 1 in 5e23); sympy's evalf of the difference
    itself raises its precision through cancellation, and returns a number with accurate digits
    only when it is not 0 (an equal pair gives ``0.e-165``, with none).
    """
    for point in points[:tries]:
        try:
            value = difference.evalf(30, subs=dict(point))
        except Exception:  # evalf fails on some trees: no evidence either way
            continue
        if value.is_Number and value != 0 and getattr(value, "_prec", 0) >= ACCURATE_BITS:
            return True
    return False


def is_zero(difference: sympy.Expr) -> bool:
    """Whether sympy can show the expression is identically 0 (cancel first, then simplify)."""
    if difference == 0:
        return True
    rewritten = difference.rewrite(sympy.exp)
    try:
        if sympy.cancel(rewritten) == 0:
            return True
    except Exception:  # cancel refuses some expressions; simplify may still manage
        pass
    return bool(sympy.simplify(rewritten) == 0)


# --------------------------------------------------------------------------------------------
# Feedback


def _correct_note(proof: str) -> str:
    if proof == "proved":
        return "Correct: equivalent to the expected formula (confirmed symbolically)."
    if proof == "float reference":
        return (
            "Correct: equal to the expected formula at every sample point, to the precision "
            "of its decimal numbers (it was computed with binary floats, about 15 digits)."
        )
    reason = (
        "a symbolic proof did not finish in time"
        if proof == "timed out"
        else "sympy could not simplify the difference to 0"
    )
    return (
        "Correct: equal to the expected formula at every sample point "
        f"(confirmed numerically only; {reason})."
    )


def _apart_note() -> str:
    return (
        "Incorrect: it agrees with the expected formula to 12 digits at every sample point, but "
        "the difference of the two, evaluated exactly, is not 0: it is far smaller than the "
        "values themselves."
    )


def _difference_note(comparison: Comparison) -> str:
    if comparison.example is None:
        return "Not equivalent to the expected formula."
    point, value, expected = comparison.example
    return (
        f"Not equivalent to the expected formula: at {_describe(point)} yours is "
        f"{value:.6g}, the expected one is {expected:.6g}."
    )


def _domain_note(comparison: Comparison) -> str:
    where = f" (e.g. at {_describe(comparison.undefined_at)})" if comparison.undefined_at else ""
    return (
        "Your formula agrees with the expected one where both are defined, but it is undefined "
        f"at {comparison.undefined} of {comparison.defined} sample points where the expected "
        f"one is defined{where}: a domain mismatch."
    )


def _unknown_symbols_note(
    student: sympy.Expr, target: sympy.Expr, variables: Sequence[str]
) -> list[str]:
    unknown = sorted(_names(student) - _names(target))
    if not unknown:
        return []
    depends = list(variables) or sorted(_names(target))
    uses = ", ".join(unknown)
    which = "which the expected formula does not" if len(unknown) == 1 else "which it does not"
    tail = f"; the answer depends on {', '.join(depends)}" if depends else ""
    return [f"Your answer uses {uses}, {which}{tail}."]


def _describe(point: Point | None) -> str:
    if not point:
        return "a constant"
    return ", ".join(f"{symbol.name} = {value:.4g}" for symbol, value in point.items())
