"""The symbolic check where references are narrow or inexact, and proofs that run long."""

from __future__ import annotations

import os
import time

import pytest
import sympy

from graders.checks.symbolic import check_expression, run_killable
from graders.model.answers import Answer, Kind, Status

a, b, x, k = (sympy.Symbol(name) for name in "abxk")


def check(answer: str, reference: sympy.Expr, variables: list[str]) -> tuple[Status, str]:
    verdict = check_expression(
        Answer(Kind.TEXT, answer, text=answer), reference, variables=variables
    )
    return verdict.status, verdict.feedback


@pytest.mark.parametrize(
    ("answer", "reference", "variables"),
    [
        ("log(a^2*b)", 2 * sympy.log(a) + sympy.log(b), ["a", "b"]),
        ("x^log(a)", a ** sympy.log(x), ["a", "x"]),
        (r"\log_a x", sympy.log(x, a), ["a", "x"]),
        ("arcsin(x)/2", sympy.asin(x) / 2, ["x"]),
        ("6*((x-2)^3)^k", 6 * (x - 2) ** (3 * k), ["x", "k"]),
    ],
)
def test_a_narrow_reference_is_sampled_where_it_is_defined(
    answer: str, reference: sympy.Expr, variables: list[str]
) -> None:
    status, feedback = check(answer, reference, variables)
    assert status is Status.CORRECT, feedback


def test_a_narrow_reference_still_tells_wrong_from_right() -> None:
    status, _ = check("log(a*b)", 2 * sympy.log(a) + sympy.log(b), ["a", "b"])
    assert status is Status.INCORRECT


def test_a_float_reference_is_compared_at_its_precision() -> None:
    status, feedback = check("0.3*x", 0.1 * 3 * x, ["x"])
    assert status is Status.CORRECT, feedback
    status, feedback = check("x/3", x * (1 / 3), ["x"])
    assert status is Status.CORRECT and "precision" in feedback
    status, _ = check("0.33*x", x * (1 / 3), ["x"])
    assert status is Status.INCORRECT


def test_an_exact_reference_is_still_exact() -> None:
    status, _ = check("0.333333333333333", sympy.Rational(1, 3), [])
    assert status is Status.INCORRECT


def test_a_proof_past_its_limit_is_killed_and_leaves_nothing_running() -> None:
    start = time.perf_counter()
    outcome = run_killable(lambda: time.sleep(30) or "proved", 0.2, "timed out")
    assert outcome == "timed out"
    assert time.perf_counter() - start < 2.0
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left, running or unreaped


def test_a_proof_that_fails_is_not_proved() -> None:
    def failing() -> str:
        raise RuntimeError("sympy gave up")

    assert run_killable(failing, 5.0, "timed out") == "not proved"
