"""Numbers written as text, and answers rounded to fewer figures than asked."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graders.checks.derivation import Derivation, Step
from graders.checks.numeric import NumberCheck, Tolerance, check_number, rounded_figures
from graders.maths.expressions import ParseError
from graders.maths.numbers import read_number
from graders.model.answers import Answer, Kind, Status


def text(value: str) -> Answer:
    return Answer(Kind.TEXT, value, text=value)


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("1/4", 0.25),
        ("۰٫۲۵", 0.25),
        ("٠٫٢٥", 0.25),
        ("2.5e-3", 0.0025),
        ("25%", 0.25),
        ("２５％", 0.25),
        ("-3/8", -0.375),
        ("−0.5", -0.5),
        (" 7 ", 7.0),
        ("2.5×10^-3", 0.0025),
        ("2.5 x 10^(-3)", 0.0025),
        ("2.5*10**-3", 0.0025),
        ("2.5·10⁻³", 0.0025),
        ("۲٫۵×۱۰^-۳", 0.0025),
        ("-4×10^2", -400.0),
    ],
)
def test_a_number_written_as_text_is_read_and_the_report_says_how(
    written: str, value: float
) -> None:
    verdict = check_number(text(written), NumberCheck(value))
    assert verdict.status is Status.CORRECT, verdict.feedback
    assert verdict.feedback.startswith(f"Read {written.strip()!r} as")


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("0.693 nats", "without a unit"),
        ("1,5", "comma"),
        ("abc", "not a number"),
        ("1/0", "denominator 0"),
        ("", "empty"),
    ],
)
def test_text_that_is_not_a_number_is_invalid_with_the_reason(written: str, reason: str) -> None:
    verdict = check_number(text(written), NumberCheck(0.693))
    assert verdict.status is Status.INVALID
    assert reason in verdict.feedback


def test_a_declared_unit_is_accepted() -> None:
    verdict = check_number(text("0.693 nats"), NumberCheck(0.693, units=("nats",)))
    assert verdict.status is Status.CORRECT


@settings(max_examples=200, deadline=None)
@given(numerator=st.integers(-(10**6), 10**6), denominator=st.integers(1, 10**6))
def test_fractions_are_read_exactly(numerator: int, denominator: int) -> None:
    assert read_number(f"{numerator}/{denominator}").value == float(
        Fraction(numerator, denominator)
    )


def test_refusals_are_parse_errors_with_a_message() -> None:
    with pytest.raises(ParseError, match="unit"):
        read_number("3 kg")


def test_a_tiny_gradient_rounded_to_one_figure_is_right_at_its_precision() -> None:
    check = NumberCheck(0.000438568, Tolerance(rtol=0.01, sig_figs=3, rounded_credit=0.4))
    verdict = check_number(Answer(Kind.NUMBER, 0.0004, text="0.0004"), check)
    assert verdict.status is Status.INCORRECT
    assert verdict.mistake is not None and verdict.mistake.id == "too-few-figures"
    assert verdict.credit == 0.4
    assert "rounded to 1 significant figure" in verdict.feedback
    wrong = check_number(Answer(Kind.NUMBER, 0.0005, text="0.0005"), check)
    assert wrong.mistake is None and wrong.credit == 0.0


def test_rounded_figures_rounds_half_up_and_needs_fewer_figures_than_asked() -> None:
    assert rounded_figures("0.3", 0.25, 3) == 1
    assert rounded_figures("0.2", 0.25, 3) is None
    assert rounded_figures("0.00044", 0.000438568, 3) == 2
    assert rounded_figures("0.000439", 0.000438568, 3) is None  # enough figures: tolerance


def test_a_derivation_step_rounded_too_far_is_not_matches_neither() -> None:
    import sympy

    a = sympy.Symbol("a")
    derivation = Derivation(steps=(Step("g", "g", a / 2280, points=1),), parameters=("a",))
    verdicts = derivation.grade({"g": Answer(Kind.NUMBER, 0.0004, text="0.0004")}, {"a": 1.0})
    assert verdicts["g"].mistake is not None and verdicts["g"].mistake.id == "too-few-figures"
    assert "matches neither" not in verdicts["g"].feedback
    as_text = derivation.grade({"g": text("4.386e-4")}, {"a": 1.0})
    assert as_text["g"].status is Status.CORRECT
    assert "Read '4.386e-4'" in as_text["g"].feedback
