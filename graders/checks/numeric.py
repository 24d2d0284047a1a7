"""Numeric answers: a number compared with its reference.

In:  an ``Answer`` (NUMBER, or anything else, which is judged missing/invalid), the reference
     value, a ``Tolerance``, optionally the scale the value is judged at, the uncertainty the
     student's rounded inputs carry, and named mistakes (each a value).
Out: a ``Verdict``; one for a number written as text carries a ``NumberDetail`` (how it was
     read).

The allowed error is ``max(atol, rtol * scale) + rounding``: ``scale`` defaults to the larger
of |reference| and |answer| (so the test is symmetric and a reference of 0 is not an exact
test), and ``rounding`` is half a unit in the last place the student wrote when they kept at
least ``Tolerance.sig_figs`` significant figures. Counts (``Tolerance.integer``) must be exact.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from graders.maths.expressions import ParseError
from graders.maths.numbers import read_number
from graders.model.answers import (
    Answer,
    Kind,
    Mistake,
    Status,
    Verdict,
    kind_phrase,
    missing_verdict,
)


@dataclass(frozen=True)
class NumberDetail:
    """The detail of a number written as text: how it was read ("read as the fraction 1/4")."""

    read_as: str

    def to_json(self) -> dict[str, str]:
        return {"read_as": self.read_as}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> NumberDetail:
        return cls(str(data["read_as"]))


@dataclass(frozen=True)
class Tolerance:
    """How close a number must be: relative and absolute together, or exact for counts."""

    rtol: float = 0.01
    atol: float = 1e-9
    sig_figs: int = 3  # rounding to at least this many significant figures earns its slack
    integer: bool = False
    rounded_credit: float = 0.5  # for the value rounded to fewer figures than sig_figs

    def allowed(self, reference: float, given: float, scale: float | None = None) -> float:
        """The largest error accepted between ``given`` and ``reference``."""
        size = abs(scale) if scale is not None else max(abs(reference), abs(given))
        return max(self.atol, self.rtol * size)


def rounding_of(text: str, sig_figs: int) -> float:
    """Half a unit in the last written place of ``text`` when it keeps ``sig_figs`` figures.

    ``0.916`` gives 0.0005; ``0.9`` (one figure, below the band) gives 0: a student who rounds
    that hard earns no slack. Text that is not a plain decimal gives 0.
    """
    try:
        number = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return 0.0
    if not number.is_finite() or number.is_zero():
        return 0.0
    _, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int) or len(digits) < sig_figs:
        return 0.0
    if len(digits) >= 15:  # full float precision: nothing was rounded by hand
        return 0.0
    try:
        return 0.5 * 10.0**exponent
    except OverflowError:  # written beyond any float's range: no answer was rounded there
        return 0.0


def format_number(value: float) -> str:
    """A number as the report shows it: up to 6 significant figures, plainly."""
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


MAX_DECIMALS = 12


def decisive_decimals(allowed: float, text: str = "", sig_figs: int = 3) -> int | None:
    """The decimal places at which ``allowed`` (the error a check accepts) is resolved: one
    more than its first significant place, or fewer when the student rounded by hand (``text``
    keeps fewer places, and that rounding earned its slack: ``rounding_of``). None when no
    fixed-point display fits (no tolerance, or beyond ``MAX_DECIMALS``)."""
    if not math.isfinite(allowed) or allowed <= 0:
        return None
    places = max(0, math.ceil(-math.log10(allowed)) + 1)
    if places > MAX_DECIMALS:
        return None
    written = _written_decimals(text) if rounding_of(text, sig_figs) else None
    return min(places, written) if written is not None else places


def _written_decimals(text: str) -> int | None:
    try:
        number = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    exponent = number.as_tuple().exponent
    if not number.is_finite() or not isinstance(exponent, int) or len(text.strip()) > 24:
        return None
    return max(0, -exponent)


def side_by_side(
    given: float, text: str, expected: float, allowed: float, sig_figs: int = 3
) -> tuple[str, str]:
    """The student's number and the reference at the same precision, the one that decides the
    verdict (``decisive_decimals``): ``0.9160615681024419`` beside ``0.916062`` at a 1%
    tolerance shows ``0.9161`` beside ``0.9161``. Falls back to how each is shown alone."""
    places = decisive_decimals(allowed, text, sig_figs)
    alone = (text if 0 < len(text) <= 24 else format_number(given), format_number(expected))
    if places is None or max(abs(given), abs(expected)) >= 1e15:
        return alone
    if not (math.isfinite(given) and math.isfinite(expected)):
        return alone
    return f"{given:.{places}f}", f"{expected:.{places}f}"


def first_difference(given: str, expected: str) -> int | None:
    """The index of the first character where two numbers shown side by side differ, or None
    when they agree or are not both plain numbers of the same layout."""
    if given == expected or len(given) != len(expected):
        return None
    try:
        float(given), float(expected)
    except ValueError:
        return None
    return next(i for i, (a, b) in enumerate(zip(given, expected, strict=True)) if a != b)


@dataclass(frozen=True)
class NumberCheck:
    """The settings of one numeric comparison."""

    expected: float
    tolerance: Tolerance = Tolerance()
    scale: float | None = None  # judge at this size (e.g. a weight's change, not the weight)
    input_rounding: float = 0.0  # error the student's own rounded inputs carry into this value
    mistakes: Sequence[tuple[Mistake, float]] = ()
    units: tuple[str, ...] = ()  # words accepted after a number written as text ("nats")


def number_from_text(answer: Answer, units: Collection[str] = ()) -> tuple[Answer, str]:
    """A text answer that reads as a number (``graders.maths.numbers``), as a number answer,
    with how it was read ("" for an answer that is not text). Raises ``ParseError``."""
    if answer.kind is not Kind.TEXT or not isinstance(answer.value, str):
        return answer, ""
    reading = read_number(answer.value, units)
    text = reading.decimal or repr(reading.value)
    return Answer(Kind.NUMBER, reading.value, text=text), reading.how


def rounded_figures(text: str, expected: float, sig_figs: int) -> int | None:
    """How many significant figures ``text`` keeps, when it is ``expected`` rounded to that
    many and that is fewer than ``sig_figs`` (0.0004 for 0.000438568: 1); else None."""
    try:
        number = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number.is_zero() or not math.isfinite(expected):
        return None
    figures = len(number.as_tuple().digits)
    if figures >= sig_figs or expected == 0:
        return None
    exact = Decimal(repr(expected))
    place = exact.adjusted() - figures + 1  # the power of ten of the last figure kept
    rounded = exact.quantize(Decimal(1).scaleb(place), rounding=ROUND_HALF_UP)
    return figures if rounded == number else None


def _named(mistake: Mistake, shown: str, expected: str) -> Verdict:
    """The verdict of an answer that is ``mistake``: incorrect, at the mistake's credit."""
    return Verdict(
        Status.INCORRECT,
        mistake.credit,
        given=shown,
        expected=expected,
        feedback=mistake.explanation,
        mistake=mistake,
    )


def rounding_mistake(shown: str, figures: int, tolerance: Tolerance) -> Mistake:
    """The named mistake of an answer right only at the fewer figures it was rounded to."""
    plural = "" if figures == 1 else "s"
    return Mistake(
        "too-few-figures",
        f"{shown} is the expected value rounded to {figures} significant figure{plural}: right "
        f"at that precision, but at least {tolerance.sig_figs} were asked for.",
        tolerance.rounded_credit,
        persian=f"{shown} همان مقدار مرجع است که به {figures} رقم بامعنا گرد شده: با همین دقت "
        f"درست است، اما دست‌کم {tolerance.sig_figs} رقم خواسته شده بود.",
    )


def within(check: NumberCheck, given: float, given_text: str) -> bool:
    """Whether ``given`` (written as ``given_text``) matches ``check.expected``."""
    tol = check.tolerance
    if not math.isfinite(given):
        return False
    if tol.integer:
        return given == check.expected
    own = rounding_of(given_text, tol.sig_figs)
    slack = tol.allowed(check.expected, given, check.scale) + check.input_rounding + own
    return abs(given - check.expected) <= slack


def check_number(answer: Answer, check: NumberCheck) -> Verdict:
    """Compare a numeric answer with its reference, naming a known mistake when one matches.

    A number written as text ("1/4", "۰٫۲۵", "25%") is read as one, and the verdict says how
    it was read; text that is not a number is invalid, with the reason.
    """
    if answer.unanswered:
        return missing_verdict(answer, format_number(check.expected))
    try:
        number, how = number_from_text(answer, check.units)
    except ParseError as error:
        return Verdict(
            Status.INVALID,
            0.0,
            given=str(answer.value)[:80],
            expected=format_number(check.expected),
            feedback=f"Your answer could not be read as a number: {error.message}.",
        )
    verdict = _check_number(number, check)
    if not how:
        return verdict
    feedback = f"{how[0].upper()}{how[1:]}. {verdict.feedback}".strip()
    return replace(verdict, feedback=feedback, detail=NumberDetail(how))


def _check_number(answer: Answer, check: NumberCheck) -> Verdict:
    expected = format_number(check.expected)
    if answer.kind is Kind.BOOL or answer.kind is not Kind.NUMBER:
        return Verdict(
            Status.INVALID,
            0.0,
            given=answer.text or answer.kind.value,
            expected=expected,
            feedback=f"Expected a number, got {_kind_phrase(answer)}.",
        )
    given = float(answer.value)
    shown = answer.text if 0 < len(answer.text) <= 24 else format_number(given)
    if not check.tolerance.integer:
        allowed = check.tolerance.allowed(check.expected, given, check.scale)
        shown, expected = side_by_side(
            given, answer.text, check.expected, allowed, check.tolerance.sig_figs
        )
    if within(check, given, answer.text):
        return Verdict(Status.CORRECT, 1.0, given=shown, expected=expected)
    for mistake, value in check.mistakes:
        if within(NumberCheck(value, check.tolerance, check.scale), given, answer.text):
            return _named(mistake, shown, expected)
    figures = rounded_figures(answer.text, check.expected, check.tolerance.sig_figs)
    if figures and not check.tolerance.integer:
        mistake = rounding_mistake(answer.text.strip() or shown, figures, check.tolerance)
        return _named(mistake, shown, expected)
    return Verdict(
        Status.INCORRECT,
        0.0,
        given=shown,
        expected=expected,
        feedback=f"{shown} is not within tolerance of the expected value.",
    )


def _kind_phrase(answer: Answer) -> str:
    if answer.kind is Kind.UNSUPPORTED:
        return kind_phrase(answer, {Kind.UNSUPPORTED: "an object that is not a number"})
    if answer.kind is Kind.ARRAY:
        return "an array"
    return f"a {answer.kind.value}"
