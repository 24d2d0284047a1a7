"""Tests for graders.checks.numeric: tolerances, rounding slack, scale and verdicts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from graders.checks.numeric import (
    NumberCheck,
    Tolerance,
    check_number,
    first_difference,
    rounding_of,
    side_by_side,
    within,
)
from graders.model.answers import ABSENT, Answer, Kind, Mistake, Status


def number(value: float, text: str | None = None) -> Answer:
    """A NUMBER answer; by default written at full precision (no rounding slack)."""
    return Answer(Kind.NUMBER, value, text=repr(value) if text is None else text)


def exact_text(value: float) -> str:
    """``value`` written with 18 significant figures: never read as rounded by hand."""
    return f"{value:.17e}"


DEFAULT = Tolerance()


def decision(given_value: float, expected: float, tolerance: Tolerance = DEFAULT) -> bool:
    return within(NumberCheck(expected, tolerance), given_value, exact_text(given_value))


# --- rounding_of -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sig_figs", "slack"),
    [
        ("0.916", 3, 0.0005),
        ("0.9160", 3, 0.00005),
        ("  0.916\n", 3, 0.0005),
        ("-0.916", 3, 0.0005),
        ("916", 3, 0.5),
        ("0.0500", 3, 0.00005),
        ("1.23e-3", 3, 0.000005),
        ("1.23E-3", 3, 0.000005),
        ("1.230e+5", 3, 50.0),
        ("4.567e2", 4, 0.05),
    ],
)
def test_rounding_of_is_half_a_unit_in_the_last_written_place(
    text: str, sig_figs: int, slack: float
) -> None:
    assert rounding_of(text, sig_figs) == pytest.approx(slack, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "sig_figs"),
    [
        ("0.9", 3),  # one figure: below the band, no slack
        ("0.92", 3),
        ("0.916", 4),
        ("1e-3", 3),
        ("1E-3", 3),
        ("1.2e-3", 3),
        (repr(1 / 3), 3),  # full float precision: nothing was rounded by hand
        (repr(2 / 3), 3),
        (repr(0.1 + 0.2), 3),
        (repr(math.pi), 3),
        ("0", 3),
        ("0.000", 3),
        ("nan", 3),
        ("inf", 3),
        ("-Infinity", 3),
        ("", 3),
        ("   ", 3),
        ("abc", 3),
        ("0.9.1", 3),
        ("1/3", 3),
        ("0x1p-3", 3),
        ("۰٫۹۱۶", 3),  # Persian digits: not a plain decimal
        ("1.23e400", 3),  # beyond any float
        ("1.23e-400", 3),  # below any float
        ("1.23e99999999999999999999", 3),
        ("1e99999999999999999999", 3),
    ],
)
def test_rounding_of_gives_no_slack(text: str, sig_figs: int) -> None:
    assert rounding_of(text, sig_figs) == 0.0


def test_rounding_slack_is_used_only_when_enough_figures_were_kept() -> None:
    tight = Tolerance(rtol=1e-9, atol=1e-12, sig_figs=3)
    exact = 0.91606
    check = NumberCheck(exact, tight)
    assert within(check, 0.916, "0.916")
    assert not within(check, 0.916, exact_text(0.916))  # same number, full precision: no slack
    assert not within(check, 0.92, "0.92")  # two figures: no slack, and 0.004 off


# --- check_number verdicts -----------------------------------------------------------------


def test_correct_within_relative_tolerance() -> None:
    verdict = check_number(number(0.9955), NumberCheck(1.0))
    assert verdict.status is Status.CORRECT
    assert verdict.credit == 1.0
    assert verdict.mistake is None


def test_incorrect_outside_tolerance_with_zero_credit_and_feedback() -> None:
    verdict = check_number(number(1.05), NumberCheck(1.0))
    assert verdict.status is Status.INCORRECT
    assert verdict.credit == 0.0
    assert verdict.mistake is None
    assert verdict.given == "1.05"
    assert verdict.expected == "1.00"  # at the precision the student wrote and 1% decides
    assert "1.05" in verdict.feedback


def test_named_mistake_with_its_credit() -> None:
    sign = Mistake("update-sign", "moved with the gradient", credit=0.25)
    half = Mistake("half", "halved", credit=0.5)
    check = NumberCheck(0.5, mistakes=((half, 0.25), (sign, 0.7)))
    verdict = check_number(number(0.7), check)
    assert verdict.status is Status.INCORRECT
    assert verdict.mistake == sign
    assert verdict.credit == 0.25
    assert verdict.feedback == sign.explanation


def test_a_mistake_matches_within_tolerance_and_not_beyond() -> None:
    sign = Mistake("update-sign", "moved with the gradient")
    check = NumberCheck(0.5, mistakes=((sign, 0.7),))
    assert check_number(number(0.701), check).mistake == sign
    assert check_number(number(0.8), check).mistake is None


def test_the_right_answer_wins_over_a_mistake_of_the_same_value() -> None:
    clash = Mistake("clash", "same as the reference")
    verdict = check_number(number(1.0), NumberCheck(1.0, mistakes=((clash, 1.0),)))
    assert verdict.status is Status.CORRECT
    assert verdict.mistake is None


@pytest.mark.parametrize(
    "answer",
    [ABSENT, Answer(Kind.PLACEHOLDER, text="...")],
)
def test_not_given_is_missing(answer: Answer) -> None:
    verdict = check_number(answer, NumberCheck(0.5))
    assert verdict.status is Status.MISSING
    assert verdict.credit == 0.0
    assert verdict.expected == "0.5"


def test_placeholder_feedback_says_so() -> None:
    verdict = check_number(Answer(Kind.PLACEHOLDER), NumberCheck(0.5))
    assert "placeholder" in verdict.feedback


def test_failed_code_is_error() -> None:
    answer = Answer(Kind.ERROR, note="ZeroDivisionError: division by zero")
    verdict = check_number(answer, NumberCheck(0.5))
    assert verdict.status is Status.ERROR
    assert verdict.credit == 0.0
    assert "ZeroDivisionError" in verdict.feedback


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        (Answer(Kind.ARRAY, np.array([0.5, 0.5]), text="[0.5 0.5]"), "array"),
        (Answer(Kind.ARRAY, np.array(0.5), text="0.5"), "array"),
        (Answer(Kind.BOOL, True, text="True"), "bool"),
        (Answer(Kind.BOOL, False, text="False"), "bool"),
        (Answer(Kind.TEXT, "نیم", text="نیم"), "not a number"),
        (Answer(Kind.EXPR, "x/2", text="x/2"), "expr"),
        (Answer(Kind.LIST, (number(0.5),), text="0.5"), "list"),
        (Answer(Kind.UNSUPPORTED, note="cannot read an object of type Foo"), "Foo"),
    ],
)
def test_non_numbers_are_invalid(answer: Answer, phrase: str) -> None:
    verdict = check_number(answer, NumberCheck(0.5))
    assert verdict.status is Status.INVALID
    assert verdict.credit == 0.0
    assert phrase in verdict.feedback


# --- integers, zero, scale -------------------------------------------------------------------


def test_integer_tolerance_is_exact() -> None:
    count = Tolerance(integer=True)
    assert check_number(number(9226.0, "9226"), NumberCheck(9226, count)).status is Status.CORRECT
    for near in (9227.0, 9225.0, 9226.000001, 9226.0 + 2**-30):
        assert check_number(number(near), NumberCheck(9226, count)).status is Status.INCORRECT
    # the default relative tolerance would have taken the neighbour
    assert check_number(number(9227.0), NumberCheck(9226)).status is Status.CORRECT


def test_integer_tolerance_gives_no_rounding_slack() -> None:
    count = Tolerance(integer=True)
    assert not within(NumberCheck(100.0, count), 100.4, "100.4")


def test_a_reference_of_zero_accepts_float_noise_and_rejects_real_error() -> None:
    zero = NumberCheck(0.0)
    for noise in (1e-12, -1e-12, 5.551115123125783e-17, Tolerance().atol):
        assert check_number(number(noise), zero).status is Status.CORRECT, noise
    for wrong in (0.1, -0.1, 1e-3, 1e-6):
        assert check_number(number(wrong), zero).status is Status.INCORRECT, wrong


def test_scale_judges_an_update_at_the_size_of_its_change() -> None:
    w, step = 0.6, 0.001  # w >> step
    expected = w - step
    slipped = w - 1.1 * step  # the step is 10 % too large
    plain = NumberCheck(expected)
    assert check_number(number(slipped), plain).status is Status.CORRECT  # why scale is needed
    scaled = NumberCheck(expected, scale=step)
    assert check_number(number(slipped), scaled).status is Status.INCORRECT
    assert check_number(number(w - 1.005 * step), scaled).status is Status.CORRECT


def test_scale_applies_to_named_mistakes_too() -> None:
    w, step = 0.6, 0.001
    sign = Mistake("update-sign", "moved with the gradient")
    check = NumberCheck(w - step, scale=step, mistakes=((sign, w + step),))
    assert check_number(number(w + step), check).mistake == sign
    assert check_number(number(w + 1.2 * step), check).mistake is None


def test_input_rounding_widens_the_tolerance() -> None:
    tight = Tolerance(rtol=1e-9, atol=1e-12)
    assert not within(NumberCheck(2.0, tight), 2.001, exact_text(2.001))
    assert within(NumberCheck(2.0, tight, input_rounding=0.0015), 2.001, exact_text(2.001))


# --- non-finite answers ---------------------------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("expected", [0.0, 1.0, -3.5])
def test_non_finite_answers_never_crash_and_are_not_correct(bad: float, expected: float) -> None:
    wrong = Mistake("any", "a mistake whose value is the same non-finite number")
    for text in (repr(bad), "", "1.00"):
        check = NumberCheck(expected, mistakes=((wrong, bad),))
        verdict = check_number(number(bad, text), check)
        assert verdict.status is Status.INCORRECT
        assert verdict.credit == 0.0
        assert not within(NumberCheck(expected), bad, text)


# --- properties -----------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
tolerances = st.builds(
    Tolerance,
    rtol=st.sampled_from([0.0, 1e-6, 1e-3, 0.01, 0.02, 0.1]),
    atol=st.sampled_from([0.0, 1e-12, 1e-9, 1e-6, 1e-3]),
)


@given(a=finite, b=finite, tol=tolerances)
def test_swapping_given_and_expected_never_changes_the_decision(
    a: float, b: float, tol: Tolerance
) -> None:
    assert decision(a, b, tol) == decision(b, a, tol)


@given(
    a=finite,
    b=finite,
    tol=tolerances,
    k=st.integers(min_value=-60, max_value=60),
)
def test_scaling_by_a_power_of_two_never_changes_the_decision(
    a: float, b: float, tol: Tolerance, k: int
) -> None:
    assume(a == 0.0 or abs(a) > 1e-280)  # keep clear of subnormal numbers
    assume(b == 0.0 or abs(b) > 1e-280)
    f = 2.0**k
    scaled = Tolerance(rtol=tol.rtol, atol=tol.atol * f)
    assert decision(a, b, tol) == decision(a * f, b * f, scaled)


significant = st.floats(min_value=1e-6, max_value=1e9).flatmap(lambda m: st.sampled_from([m, -m]))


@given(x=significant, k=st.integers(min_value=3, max_value=10))
def test_rounding_to_k_significant_figures_is_accepted(x: float, k: int) -> None:
    text = f"{x:.{k}g}"
    assert check_number(number(float(text), text), NumberCheck(x)).status is Status.CORRECT


@given(x=significant, k=st.integers(min_value=3, max_value=8))
def test_rounding_slack_alone_accepts_k_figures_under_a_tight_tolerance(x: float, k: int) -> None:
    # rtol far below the rounding error: the slack comes from the written figures only
    tight = Tolerance(rtol=1e-11, atol=0.0, sig_figs=3)
    text = f"{x:#.{k}g}"  # trailing zeros kept, as a student writing k figures would
    assert within(NumberCheck(x, tight), float(text), text)


@given(
    x=significant,
    sign=st.sampled_from([1.0, -1.0]),
    k=st.one_of(st.none(), st.integers(min_value=3, max_value=10)),
)
def test_five_percent_off_is_rejected(x: float, sign: float, k: int | None) -> None:
    wrong = x * (1 + sign * 0.05)
    text = repr(wrong) if k is None else f"{wrong:.{k}g}"
    verdict = check_number(number(float(text), text), NumberCheck(x))
    assert verdict.status is Status.INCORRECT


@given(
    bad=st.sampled_from([math.nan, math.inf, -math.inf]),
    expected=st.floats(allow_nan=False, allow_infinity=False),
    text=st.text(max_size=30),
    scale=st.one_of(st.none(), st.floats(allow_nan=False)),
)
def test_non_finite_given_is_never_correct(
    bad: float, expected: float, text: str, scale: float | None
) -> None:
    verdict = check_number(number(bad, text), NumberCheck(expected, scale=scale))
    assert verdict.status is Status.INCORRECT


@given(text=st.text(max_size=40), sig_figs=st.integers(min_value=1, max_value=20))
def test_rounding_of_never_raises_and_is_never_negative(text: str, sig_figs: int) -> None:
    slack = rounding_of(text, sig_figs)
    assert math.isfinite(slack)
    assert slack >= 0.0


def test_yours_and_expected_are_shown_at_the_deciding_precision() -> None:
    verdict = check_number(
        Answer(Kind.NUMBER, 0.9160615681024419, "0.9160615681024419"), NumberCheck(0.916062)
    )
    assert (verdict.given, verdict.expected) == ("0.9161", "0.9161")
    # a student who rounded by hand (earning its slack) is shown as rounded, the reference too
    assert side_by_side(0.916, "0.916", 0.9160615, 0.00916) == ("0.916", "0.916")
    # at a tight tolerance the digits that decide are all shown
    assert side_by_side(0.91607, "", 0.916062, 1e-6) == ("0.9160700", "0.9160620")
    assert first_difference("0.9160700", "0.9160620") == 6
    assert first_difference("1.05", "1.00") == 3
    assert first_difference("1.00", "1.00") is None
    assert first_difference("abc", "abd") is None


@given(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(1e-9, 1e3),
)
def test_side_by_side_keeps_one_precision_and_the_deciding_digits(
    given_value: float, expected_value: float, allowed: float
) -> None:
    shown_given, shown_expected = side_by_side(given_value, "", expected_value, allowed)
    decimals = lambda text: len(text.split(".")[1]) if "." in text else 0  # noqa: E731
    assert decimals(shown_given) == decimals(shown_expected)
    # one unit in the last shown place is finer than the tolerance
    assert 10.0 ** -decimals(shown_expected) <= allowed
