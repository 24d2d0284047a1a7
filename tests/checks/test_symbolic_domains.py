"""The symbolic check where references are narrow or inexact, and proofs that run long."""

from __future__ import annotations

import contextlib
import operator
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from graders.checks.symbolic import check_expression, prove_equal, run_killable, sample_points
from graders.model.answers import Answer, Kind, Status

a, b, x, k = (sympy.Symbol(name) for name in "abxk")


def _text(answer: str) -> Answer:
    return Answer(Kind.TEXT, answer, text=answer)


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


def _descendants(pid: int) -> set[int]:
    """Every living process below ``pid``, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if stat[0] != "Z":
                    parents[int(entry.name)] = int(stat[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def test_a_proof_past_its_limit_is_killed_and_leaves_nothing_running() -> None:
    assert run_killable(operator.add, ("pro", "ved"), 30.0, "timed out") == "proved"
    before = _descendants(os.getpid())  # the fork server, started by the first proof
    start = time.perf_counter()
    outcome = run_killable(time.sleep, (30,), 0.2, "timed out")
    assert outcome == "timed out"
    assert time.perf_counter() - start < 2.0
    deadline = time.monotonic() + 5
    while _descendants(os.getpid()) - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _descendants(os.getpid()) - before == set()  # the killed proof is gone


def test_a_proof_s_limit_is_its_own_processor_time_not_the_busy_clock() -> None:
    # about 0.3 s of processor time, limit 0.5 s: with six processes spinning on the cores the
    # child needs well over 0.5 s on the clock, and must still finish (its answer, an int, is
    # "not proved"; running out of time would be "timed out")
    run_killable(operator.add, ("pro", "ved"), 30.0, "timed out")  # the fork server is up
    started = time.process_time()
    sum(range(2 * 10**7))
    work = time.process_time() - started
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(6)]
    try:
        time.sleep(0.2)
        clock = time.monotonic()
        outcome = run_killable(sum, (range(2 * 10**7),), max(0.5, 1.6 * work), "timed out")
        seconds = time.monotonic() - clock
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    assert outcome == "not proved", f"{work:.2f} s of work, {seconds:.2f} s on the clock"


def test_a_proof_that_fails_or_answers_nonsense_is_not_proved() -> None:
    assert run_killable(operator.truediv, (1, 0), 5.0, "timed out") == "not proved"
    assert run_killable(operator.add, (1, 2), 5.0, "timed out") == "not proved"


def test_proofs_run_while_other_threads_use_blas() -> None:
    """Forking the grader while another thread is inside a BLAS call used to deadlock both."""
    stop = threading.Event()

    def multiply() -> None:
        a = np.random.default_rng(0).random((300, 300))
        while not stop.is_set():
            a @ a

    worker = threading.Thread(target=multiply)
    worker.start()
    try:
        x = sympy.Symbol("x", real=True)
        for _ in range(20):
            assert prove_equal(sympy.sin(x) ** 2, 1 - sympy.cos(x) ** 2, 10.0) == "proved"
    finally:
        stop.set()
        worker.join()


# --- the question's declared assumptions decide where a symbol is sampled ----------------------


@given(st.integers(0, 2**32 - 1), st.sampled_from(["positive", "nonnegative", "negative"]))
def test_a_declared_sign_holds_at_every_sample_point(seed: int, sign: str) -> None:
    declared = sympy.Symbol("a", real=True, **{sign: True})
    free = sympy.Symbol("b", real=True)
    for point in sample_points([declared, free], seed):
        assert (point[declared] > 0) if sign != "negative" else (point[declared] < 0)
    drawn = [point[free] for point in sample_points([declared, free], seed)]
    assert min(drawn) < 0 < max(drawn)  # an undeclared symbol keeps both signs


def test_a_reference_defined_for_positive_values_is_sampled_where_it_is_defined() -> None:
    a, b = sympy.symbols("a b", positive=True)
    right = check_expression(_text("2*log(a) + log(b)"), sympy.log(a**2 * b), variables=["a", "b"])
    assert right.status is Status.CORRECT and "region" not in right.details
    wrong = check_expression(_text("log(a) + log(b)"), sympy.log(a**2 * b), variables=["a", "b"])
    assert wrong.status is Status.INCORRECT and "not equivalent" in wrong.feedback.lower()
    undeclared = sympy.Symbol("x", real=True)
    # without the declaration, 2·log(a) is undefined for a < 0 where log(a²·b) is not
    loose = check_expression(_text("2*log(x)"), sympy.log(undeclared**2), variables=["x"])
    assert loose.status is Status.INCORRECT
