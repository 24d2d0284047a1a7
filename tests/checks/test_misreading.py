"""Misread givens in a derivation: named once, follow-through after it."""

from __future__ import annotations

import sympy

from graders.checks.derivation import Derivation, Step
from graders.model.answers import Answer, Kind, Status

a, b, t = sympy.symbols("a b t")
u, loss, grad = sympy.symbols("u loss grad")
DERIVATION = Derivation(
    steps=(
        Step("u", "u", a * b, points=1),
        Step("loss", "loss", (t - u) ** 2 / 2, points=1),
        Step("grad", "grad", (u - t) * b, points=1),
        Step("update", "update", b - grad / 10, points=1),
    ),
    parameters=("a", "b", "t"),
)
PARAMS = {"a": 1.5, "b": 2.0, "t": 0.9}


def number(value: float) -> Answer:
    text = f"{value:.6g}"
    return Answer(Kind.NUMBER, float(text), text=text)


def answers_for(params: dict[str, float]) -> dict[str, Answer]:
    values = DERIVATION.evaluate(params)
    return {name: number(values[name]) for name in ("u", "loss", "grad", "update")}


def test_numbers_that_follow_from_a_misread_given_name_it_once() -> None:
    answers = answers_for({**PARAMS, "t": 0.09})  # 0.9 read as 0.09
    verdicts = DERIVATION.grade(answers, PARAMS)
    assert verdicts["u"].status is Status.CORRECT
    assert verdicts["loss"].status is Status.INCORRECT
    assert verdicts["loss"].mistake is not None and verdicts["loss"].mistake.id == "misread-given"
    assert "t = 0.09; the question gives t = 0.9" in verdicts["loss"].feedback
    assert verdicts["loss"].credit == DERIVATION.misread_credit
    assert verdicts["grad"].status is Status.FOLLOW_THROUGH
    assert verdicts["update"].status is Status.FOLLOW_THROUGH  # from their own grad


def test_one_wrong_number_is_not_blamed_on_a_misreading() -> None:
    answers = answers_for(PARAMS)
    answers["loss"] = number(0.123)
    verdicts = DERIVATION.grade(answers, PARAMS)
    assert verdicts["loss"].status is Status.INCORRECT
    assert verdicts["loss"].mistake is None
    assert "matches neither" in verdicts["loss"].feedback


def test_right_numbers_are_left_alone() -> None:
    verdicts = DERIVATION.grade(answers_for(PARAMS), PARAMS)
    assert all(verdict.status is Status.CORRECT for verdict in verdicts.values())


def test_a_given_used_right_elsewhere_was_not_misread() -> None:
    """b is used by u (right with b = 2) and by grad and update: wrong numbers there that a
    different b would explain are slips, not a misreading of b."""
    u_right = PARAMS["a"] * PARAMS["b"]
    grad_b3 = (u_right - PARAMS["t"]) * 3.0  # from the student's own u, with b read as 3
    answers = answers_for(PARAMS)
    answers["grad"], answers["update"] = number(grad_b3), number(3.0 - grad_b3 / 10)
    # on their own (u left out, so nothing right uses b) the two follow from b = 3
    alone = {k: v for k, v in answers.items() if k != "u"}
    assert DERIVATION.grade(alone, PARAMS)["grad"].mistake is not None
    verdicts = DERIVATION.grade(answers, PARAMS)
    assert verdicts["u"].status is Status.CORRECT
    assert all(verdicts[k].mistake is None for k in ("grad", "update"))
    assert "b = 3" not in verdicts["grad"].feedback
