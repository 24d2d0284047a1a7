"""Tests for graders.checks.derivation on a small synthetic graph.

a = p*q        b = a + r        c = b**2        (d = 3*c, internal, not asked)
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

from graders.checks.derivation import Derivation, Step, StepDetail
from graders.checks.numeric import Tolerance
from graders.model.answers import ABSENT, Answer, Kind, Mistake, Status
from graders.report.feedback import localized_feedback
from graders.report.i18n import messages

p, q, r, a, b, c = sympy.symbols("p q r a b c")
PARAMS = {"p": 1.2345678, "q": 2.3456789, "r": 0.5}
DOUBLED = Mistake("doubled", "b was doubled instead of squared.", credit=0.25)
SUBTRACTED = Mistake("subtracted", "r was subtracted.")
TIGHT = Tolerance(rtol=1e-9, atol=1e-12, sig_figs=3)


def derivation(tolerance: Tolerance = TIGHT) -> Derivation:
    return Derivation(
        (
            Step("a", "a = p·q", p * q, 1.0),
            Step("b", "b = a + r", a + r, 1.0, mistakes=((SUBTRACTED, a - r),)),
            Step("c", "c = b²", b**2, 2.0, mistakes=((DOUBLED, 2 * b),)),
            Step("d", "d = 3c (internal)", 3 * c),
        ),
        ("p", "q", "r"),
        tolerance,
    )


def expected() -> dict[str, float]:
    """The reference computed by hand, independently of the graph."""
    va = PARAMS["p"] * PARAMS["q"]
    vb = va + PARAMS["r"]
    return {"a": va, "b": vb, "c": vb * vb}


def num(value: float, text: str | None = None) -> Answer:
    """A NUMBER answer; by default written at full precision (no rounding slack)."""
    return Answer(Kind.NUMBER, value, text=f"{value:.17e}" if text is None else text)


def test_solve_gives_only_the_asked_steps() -> None:
    solved = derivation().solve(PARAMS)
    assert set(solved) == {"a", "b", "c"}
    for name, value in expected().items():
        assert solved[name] == pytest.approx(value, rel=1e-14)


def test_items_are_the_asked_steps_with_their_points() -> None:
    items = derivation().items
    assert [(i.variable, i.points) for i in items] == [("a", 1.0), ("b", 1.0), ("c", 2.0)]


def test_grade_returns_one_verdict_per_asked_step() -> None:
    verdicts = derivation().grade({}, PARAMS)
    assert set(verdicts) == {"a", "b", "c"}
    assert all(v.status is Status.MISSING for v in verdicts.values())


def test_an_undefined_name_in_a_formula_is_reported() -> None:
    broken = Derivation((Step("a", "a", p * sympy.Symbol("z"), 1.0),), ("p",))
    with pytest.raises(ValueError, match="z"):
        broken.solve({"p": 1.0})


def test_all_correct() -> None:
    answers = {k: num(v) for k, v in expected().items()}
    verdicts = derivation().grade(answers, PARAMS)
    for name, verdict in verdicts.items():
        assert verdict.status is Status.CORRECT, name
        assert verdict.credit == 1.0


def test_a_wrong_parent_gives_follow_through_to_children_computed_from_it() -> None:
    wrong_a = 3.0
    answers = {"a": num(wrong_a), "b": num(wrong_a + 0.5), "c": num((wrong_a + 0.5) ** 2)}
    verdicts = derivation().grade(answers, PARAMS)
    assert verdicts["a"].status is Status.INCORRECT
    assert verdicts["a"].credit == 0.0
    for name in ("b", "c"):
        assert verdicts[name].status is Status.FOLLOW_THROUGH, name
        assert verdicts[name].credit == 1.0
        assert verdicts[name].mistake is None


def test_follow_through_credit_is_the_derivation_setting() -> None:
    half = Derivation(derivation().steps, ("p", "q", "r"), TIGHT, follow_through_credit=0.5)
    answers = {"a": num(3.0), "b": num(3.5)}
    assert half.grade(answers, PARAMS)["b"].credit == 0.5


def test_a_child_wrong_even_from_the_students_own_parent_is_incorrect() -> None:
    answers = {"a": num(3.0), "b": num(3.7)}
    verdict = derivation().grade(answers, PARAMS)["b"]
    assert verdict.status is Status.INCORRECT
    assert verdict.credit == 0.0


def test_a_skipped_step_is_filled_from_the_students_own_values() -> None:
    wrong_a = 3.0
    answers = {"a": num(wrong_a), "c": num((wrong_a + 0.5) ** 2)}  # b left out
    verdicts = derivation().grade(answers, PARAMS)
    assert verdicts["a"].status is Status.INCORRECT
    assert verdicts["b"].status is Status.MISSING
    assert verdicts["c"].status is Status.FOLLOW_THROUGH
    assert verdicts["c"].details["inputs"] == {"b": "3.5"}


@pytest.mark.parametrize("placeholder", [ABSENT, Answer(Kind.PLACEHOLDER)])
def test_a_skipped_correct_chain_still_grades_later_steps_against_the_reference(
    placeholder: Answer,
) -> None:
    answers = {"a": placeholder, "b": placeholder, "c": num(expected()["c"])}
    verdicts = derivation().grade(answers, PARAMS)
    assert verdicts["a"].status is Status.MISSING
    assert verdicts["c"].status is Status.CORRECT


def test_a_parents_rounding_widens_the_childs_tolerance_just_enough() -> None:
    ref = expected()
    a3 = round(ref["a"], 3)
    u = 0.0005  # half a unit in the third decimal
    assert 0 < abs(a3 - ref["a"]) <= u
    answers = {"a": num(a3, f"{a3:.3f}"), "b": num(a3 + PARAMS["r"])}
    verdicts = derivation().grade(answers, PARAMS)
    assert verdicts["a"].status is Status.CORRECT  # its own rounding earns its slack
    assert verdicts["b"].status is Status.CORRECT  # not just follow-through

    # db/da = 1, so b may be off from the reference by up to u, and no further
    for off in (0.9 * u, -0.9 * u):
        answers["b"] = num(ref["b"] + off)
        assert derivation().grade(answers, PARAMS)["b"].status is Status.CORRECT, off
    for off in (3 * u, -3 * u):
        answers["b"] = num(ref["b"] + off)
        assert derivation().grade(answers, PARAMS)["b"].status is Status.INCORRECT, off


def test_the_same_parent_at_full_precision_earns_no_slack() -> None:
    a3 = round(expected()["a"], 3)
    answers = {"a": num(a3), "b": num(a3 + PARAMS["r"])}
    verdicts = derivation().grade(answers, PARAMS)
    assert verdicts["a"].status is Status.INCORRECT
    assert verdicts["b"].status is Status.FOLLOW_THROUGH


def test_rounding_propagates_through_the_partial_derivative() -> None:
    ref = expected()
    b3 = round(ref["b"], 3)
    slack = 2 * abs(b3) * 0.0005  # |dc/db| * u_b
    answers = {"a": num(ref["a"]), "b": num(b3, f"{b3:.3f}")}
    answers["c"] = num(ref["c"] + 0.9 * slack)
    assert derivation().grade(answers, PARAMS)["c"].status is Status.CORRECT
    answers["c"] = num(ref["c"] + 3 * slack)
    assert derivation().grade(answers, PARAMS)["c"].status is Status.INCORRECT


def test_rounding_carries_on_through_a_value_given_at_full_precision() -> None:
    # a rounded by hand; b and c then computed from it without further rounding: the
    # uncertainty of a reaches c through b, so c is right, not merely follow-through
    a3 = round(expected()["a"], 3)
    b_own = a3 + PARAMS["r"]
    answers = {"a": num(a3, f"{a3:.3f}"), "b": num(b_own), "c": num(b_own**2)}
    verdicts = derivation().grade(answers, PARAMS)
    assert [verdicts[k].status for k in "abc"] == [Status.CORRECT] * 3


def test_rounding_fills_through_a_skipped_step() -> None:
    a3 = round(expected()["a"], 3)
    b_own = a3 + PARAMS["r"]
    answers = {"a": num(a3, f"{a3:.3f}"), "c": num(b_own**2)}
    assert derivation().grade(answers, PARAMS)["c"].status is Status.CORRECT


def test_a_named_mistake_on_a_step() -> None:
    ref = expected()
    answers = {"a": num(ref["a"]), "b": num(ref["b"]), "c": num(2 * ref["b"])}
    verdict = derivation().grade(answers, PARAMS)["c"]
    assert verdict.status is Status.INCORRECT
    assert verdict.mistake == DOUBLED
    assert verdict.credit == DOUBLED.credit
    assert verdict.feedback == DOUBLED.explanation


def test_a_named_mistake_is_also_found_from_the_students_own_values() -> None:
    answers = {"a": num(3.0), "b": num(3.0 - PARAMS["r"])}
    verdict = derivation().grade(answers, PARAMS)["b"]
    assert verdict.mistake == SUBTRACTED
    answers = {"a": num(3.0), "b": num(3.5), "c": num(7.0)}
    assert derivation().grade(answers, PARAMS)["c"].mistake == DOUBLED


def test_a_wrong_step_explains_formula_inputs_and_what_they_give() -> None:
    answers = {"a": num(3.0), "b": num(3.5), "c": num(13.0)}
    verdict = derivation().grade(answers, PARAMS)["c"]
    assert verdict.status is Status.INCORRECT
    assert verdict.details["formula"] == "c = b**2"
    assert verdict.details["inputs"] == {"b": "3.5"}
    assert verdict.details["should_give"] == "12.25"
    assert verdict.details["latex"] == "b^{2}"
    assert "12.25" in verdict.feedback
    # both at the precision the tolerance decides at, the first differing digit findable
    decimals = len(verdict.expected.split(".")[1])
    assert verdict.expected == f"{expected()['c']:.{decimals}f}"
    assert len(verdict.given.split(".")[1]) == decimals


def test_follow_through_explains_too() -> None:
    answers = {"a": num(3.0), "b": num(3.5)}
    verdict = derivation().grade(answers, PARAMS)["b"]
    assert verdict.details["inputs"] == {"a": "3", "r": "0.5"}
    assert verdict.details["should_give"] == "3.5"


@pytest.mark.parametrize(
    "answer",
    [
        Answer(Kind.TEXT, "three and a half", text="three and a half"),
        Answer(Kind.EXPR, "a + r", text="a + r"),
        Answer(Kind.BOOL, True, text="True"),
        Answer(Kind.ARRAY, np.array([3.5]), text="[3.5]"),
        Answer(Kind.UNSUPPORTED, note="cannot read an object of type Foo"),
        Answer(Kind.NUMBER, math.nan, text="nan"),
    ],
)
def test_a_non_numeric_answer_for_a_step_is_invalid(answer: Answer) -> None:
    verdicts = derivation().grade({"a": num(expected()["a"]), "b": answer}, PARAMS)
    assert verdicts["b"].status is Status.INVALID
    assert verdicts["b"].credit == 0.0


def test_an_invalid_step_is_filled_so_its_children_still_count() -> None:
    ref = expected()
    answers = {"a": num(3.0), "b": Answer(Kind.TEXT, "?", text="?"), "c": num(3.5**2)}
    verdicts = derivation().grade(answers, PARAMS)
    assert verdicts["b"].status is Status.INVALID
    assert verdicts["c"].status is Status.FOLLOW_THROUGH
    answers["a"] = num(ref["a"])
    answers["c"] = num(ref["c"])
    assert derivation().grade(answers, PARAMS)["c"].status is Status.CORRECT


def test_an_error_step_is_error() -> None:
    answer = Answer(Kind.ERROR, note="NameError: name 'x' is not defined")
    verdict = derivation().grade({"b": answer}, PARAMS)["b"]
    assert verdict.status is Status.ERROR


def test_answers_for_internal_steps_are_ignored() -> None:
    ref = expected()
    answers = {k: num(v) for k, v in ref.items()}
    answers["d"] = num(-1.0)
    verdicts = derivation().grade(answers, PARAMS)
    assert "d" not in verdicts
    assert all(v.status is Status.CORRECT for v in verdicts.values())


def test_a_scaled_step_is_judged_at_its_scale() -> None:
    w, g, eta = sympy.symbols("w g eta")
    update = Derivation(
        (Step("w_new", "w - eta*g", w - eta * g, 1.0, scale=eta * g),),
        ("w", "g", "eta"),
        Tolerance(rtol=0.02, atol=1e-9),
    )
    params = {"w": 0.6, "g": 0.04, "eta": 0.1}
    right = 0.6 - 0.1 * 0.04
    slipped = 0.6 - 1.1 * 0.1 * 0.04
    assert update.grade({"w_new": num(right)}, params)["w_new"].status is Status.CORRECT
    assert update.grade({"w_new": num(slipped)}, params)["w_new"].status is Status.INCORRECT
    unscaled = Derivation(
        (Step("w_new", "w - eta*g", w - eta * g, 1.0),), ("w", "g", "eta"), update.tolerance
    )
    assert unscaled.grade({"w_new": num(slipped)}, params)["w_new"].status is Status.CORRECT


# --- written formulas: what the reports show must be what is graded ---------------------------


def _written(text: str, formula: sympy.Expr = b**2) -> Derivation:
    return Derivation(
        (
            Step("a", "a", p * q, 1.0),
            Step("b", "b", a + r, 1.0),
            Step("c", "c", formula, 1.0, written=text),
        ),
        ("p", "q", "r"),
    )


@pytest.mark.parametrize("text", ["b*b", "b**2", "1*b*b", "sigmoid(b)*0 + b**2"])
def test_a_written_formula_equal_to_the_graded_one_is_kept_as_written(text: str) -> None:
    book = _written(text)
    assert book.solve(PARAMS)["c"] == pytest.approx(expected()["c"])
    shown = book.written("c")
    assert shown is not None and sympy.sstr(shown, order="none").replace(" ", "") == text.replace(
        " ", ""
    ).replace("sigmoid", "sigma")
    assert book.written("a") is None  # no written form: the reports print the formula


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2*b", "differs"),
        ("b**2 + z", "undefined"),
        ("b**", "written formula"),
        ("c*b", "undefined"),
    ],
)
def test_a_written_formula_that_is_not_the_graded_one_is_refused(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        _written(text).solve(PARAMS)


def test_the_written_order_survives_where_sympy_would_reorder() -> None:
    book = Derivation(
        (
            Step("u", "u", r - p * q, 1.0, written="r - p*q"),
            Step("v", "v", (q - p) ** 2, 1.0, written="(q - p)**2"),
        ),
        ("p", "q", "r"),
    )
    assert sympy.sstr(r - p * q) == "-p*q + r"  # what sympy prints on its own
    assert sympy.sstr(book.written("u"), order="none") == "r - p*q"
    assert sympy.sstr(book.written("v"), order="none") == "(q - p)**2"


def test_steps_off_the_path_say_their_verdict_in_the_catalogue_s_words() -> None:
    fa = messages("fa")
    answers = {"a": num(3.0), "b": num(3.5), "c": num(99.0)}
    verdicts = derivation().grade(answers, PARAMS)
    follow, wrong = verdicts["b"], verdicts["c"]
    assert follow.status is Status.FOLLOW_THROUGH and isinstance(follow.detail, StepDetail)
    assert localized_feedback(follow, fa) == fa("feedback.follow_through", value="3.5")
    assert wrong.status is Status.INCORRECT and isinstance(wrong.detail, StepDetail)
    said = fa("feedback.step_incorrect", expected=wrong.expected, value="12.25", given=wrong.given)
    assert localized_feedback(wrong, fa) == said
    doubled = derivation().grade({"a": num(3.0), "b": num(3.5), "c": num(7.0)}, PARAMS)["c"]
    assert doubled.mistake == DOUBLED and doubled.message is None  # the mistake's own words
