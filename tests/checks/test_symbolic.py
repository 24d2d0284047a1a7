"""Tests for graders.checks.symbolic: formulas judged by value, confirmed by proof."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from graders.checks.symbolic import (
    Evaluations,
    apart,
    check_expression,
    compare,
    is_zero,
    prove_equal,
    sample_points,
)
from graders.maths.expressions import parse_expression, sigmoid, softplus
from graders.model.answers import Answer, Kind, Mistake, Status, Verdict

# References are built the way a homework module builds them: plain symbols, our helpers.
x, u = sympy.Symbol("x"), sympy.Symbol("u")
SWISH_PRIME = sigmoid(x) + x * sigmoid(x) * (1 - sigmoid(x))
MISH_PRIME = sympy.tanh(softplus(x)) + x * sympy.sech(softplus(x)) ** 2 * sigmoid(x)
MISSING_SIGMA_PRIME = Mistake(
    "mish-missing-sigma-prime", "the chain rule through softplus lost its factor σ(x)", 0.5
)


def text(value: str) -> Answer:
    return Answer(Kind.TEXT, value, text=value)


def check(answer: str, reference: sympy.Expr, variables: tuple[str, ...] = ("x",)) -> Verdict:
    start = time.perf_counter()
    verdict = check_expression(text(answer), reference, variables=variables)
    assert time.perf_counter() - start < 1.0, answer
    return verdict


ACCEPTED = [
    # Swish: f(x) = x σ(x)
    ("sigmoid(x) + x*sigmoid(x)*(1-sigmoid(x))", SWISH_PRIME),
    ("x*sigmoid(x) + sigmoid(x)*(1 - x*sigmoid(x))", SWISH_PRIME),  # f + σ(x)(1 − f)
    ("(1 + exp(-x) + x*exp(-x))/(1 + exp(-x))**2", SWISH_PRIME),
    (r"\sigma(x) + x\sigma(x)(1-\sigma(x))", SWISH_PRIME),
    (r"\frac{1+e^{-x}+xe^{-x}}{(1+e^{-x})^2}", SWISH_PRIME),
    ("σ(x)(1 + x*(1 − σ(x)))", SWISH_PRIME),
    # Mish: f(x) = x tanh(softplus(x))
    ("tanh(sp(x)) + x*sech(sp(x))**2*sigmoid(x)", MISH_PRIME),
    ("x*tanh(sp(x))/x + x*sigmoid(x)*sech(sp(x))**2", MISH_PRIME),  # f(x)/x + ...
    ("tanh(softplus(x)) + x*(1 - tanh(softplus(x))**2)*sigmoid(x)", MISH_PRIME),
    ("tanh(log(1+exp(x))) + x*sigmoid(x)/cosh(log(1+e^x))**2", MISH_PRIME),
    (r"\tanh(\ln(1+e^x)) + x\,\operatorname{sech}^2(\ln(1+e^x))\,\sigma(x)", MISH_PRIME),
    # identities students lean on
    ("1/cosh(u)**2", sympy.sech(u) ** 2),
    ("1 - tanh(u)**2", sympy.sech(u) ** 2),
    ("sech(u)**2", 1 - sympy.tanh(u) ** 2),
    ("(1 + tanh(x/2))/2", sigmoid(x)),
    (r"\operatorname{sech}^2(x)", 1 / sympy.cosh(x) ** 2),
    ("σ(x)·(1−σ(x))", sigmoid(x) * (1 - sigmoid(x))),
    ("σ'(x)", sigmoid(x) * (1 - sigmoid(x))),
    ("e^x", sympy.exp(x)),
    ("exp(x)*sigmoid(-x)", sigmoid(x)),
    ("relu(x) - relu(-x)", x),
    ("log(exp(x) + 1) - x", softplus(-x)),
]


@pytest.mark.parametrize(("answer", "reference"), ACCEPTED)
def test_equivalent_forms_are_correct(answer: str, reference: sympy.Expr) -> None:
    variables = tuple(sorted(s.name for s in reference.free_symbols))
    verdict = check(answer, reference, variables)
    assert verdict.status is Status.CORRECT, verdict.feedback
    assert verdict.credit == 1.0
    assert verdict.details["confirmed_by"] in ("symbolic", "numeric")
    assert verdict.given == answer


def test_the_usual_forms_are_proved_symbolically() -> None:
    verdict = check("x*sigmoid(x) + sigmoid(x)*(1 - x*sigmoid(x))", SWISH_PRIME)
    assert verdict.details["confirmed_by"] == "symbolic"
    assert verdict.details["proof"] == "proved"
    assert "confirmed symbolically" in verdict.feedback


REJECTED = [
    # a sign changed
    ("sigmoid(x) - x*sigmoid(x)*(1-sigmoid(x))", SWISH_PRIME),
    ("x*sigmoid(x) - sigmoid(x)*(1 - x*sigmoid(x))", SWISH_PRIME),
    ("(1 + exp(-x) - x*exp(-x))/(1 + exp(-x))**2", SWISH_PRIME),
    (r"\sigma(x) + x\sigma(x)(1+\sigma(x))", SWISH_PRIME),
    (r"\frac{1+e^{-x}+xe^{x}}{(1+e^{-x})^2}", SWISH_PRIME),
    ("tanh(sp(x)) - x*sech(sp(x))**2*sigmoid(x)", MISH_PRIME),
    ("tanh(sp(x)) + x*sech(sp(x))**2*sigmoid(-x)", MISH_PRIME),
    ("1 + tanh(u)**2", sympy.sech(u) ** 2),
    ("(1 - tanh(x/2))/2", sigmoid(x)),
    ("σ(x)·(1+σ(x))", sigmoid(x) * (1 - sigmoid(x))),
    ("e^-x", sympy.exp(x)),
    # a product-rule term missing
    ("x*sigmoid(x)*(1-sigmoid(x))", SWISH_PRIME),
    ("sigmoid(x)", SWISH_PRIME),
    ("tanh(sp(x))", MISH_PRIME),
    ("x*sech(sp(x))**2*sigmoid(x)", MISH_PRIME),
    (r"x\,\operatorname{sech}^2(\ln(1+e^x))\,\sigma(x)", MISH_PRIME),
]


@pytest.mark.parametrize(("answer", "reference"), REJECTED)
def test_wrong_forms_are_incorrect(answer: str, reference: sympy.Expr) -> None:
    variables = tuple(sorted(s.name for s in reference.free_symbols))
    verdict = check(answer, reference, variables)
    assert verdict.status is Status.INCORRECT, verdict.feedback
    assert verdict.credit == 0.0
    assert verdict.mistake is None
    assert "Not equivalent" in verdict.feedback


def test_a_named_mistake_is_recognised() -> None:
    wrong = sympy.tanh(softplus(x)) + x * sympy.sech(softplus(x)) ** 2
    verdict = check_expression(
        text("tanh(softplus(x)) + x*(1 - tanh(softplus(x))**2)"),
        MISH_PRIME,
        variables=["x"],
        mistakes=[(MISSING_SIGMA_PRIME, wrong)],
    )
    assert verdict.status is Status.INCORRECT
    assert verdict.mistake == MISSING_SIGMA_PRIME
    assert verdict.credit == 0.5
    assert "lost its factor σ(x)" in verdict.feedback
    assert verdict.details["mistake"] == "mish-missing-sigma-prime"


def test_an_unmatched_mistake_is_not_attached() -> None:
    wrong = sympy.tanh(softplus(x)) + x * sympy.sech(softplus(x)) ** 2
    verdict = check_expression(
        text("tanh(sp(x))"), MISH_PRIME, variables=["x"], mistakes=[(MISSING_SIGMA_PRIME, wrong)]
    )
    assert verdict.status is Status.INCORRECT
    assert verdict.mistake is None


W31, A21, A22, Z21, Z22 = sympy.symbols("w3_1 a2_1 a2_2 z2_1 z2_2")
BACKPROP_VARIABLES = ("w3_1", "a2_1", "a2_2")
BACKPROP = W31 * A21 * (1 - A21)


def test_a_symbol_the_reference_lacks_is_named() -> None:
    verdict = check("w2_1*a2_1*(1 - a2_1)", BACKPROP, BACKPROP_VARIABLES)
    assert verdict.status is Status.INCORRECT
    assert "Your answer uses w2_1" in verdict.feedback
    assert "the answer depends on w3_1, a2_1, a2_2" in verdict.feedback
    assert verdict.details["unknown_symbols"] == ["w2_1"]


def test_notation_maps_accept_activations_for_their_definitions() -> None:
    substitutions = {"a2_1": sigmoid(Z21), "a2_2": sigmoid(Z22)}
    reference = W31 * sigmoid(Z21) * (1 - sigmoid(Z21))
    for answer in (
        "w3_1*a2_1*(1 - a2_1)",
        "w3_1*sigmoid(z2_1)*(1 - sigmoid(z2_1))",
        r"w3_1 \sigma(z2_1)(1-a2_1)",
        "w3_1*dsigmoid(z2_1)",
    ):
        verdict = check_expression(
            text(answer),
            reference,
            variables=["w3_1", "z2_1", "a2_1"],
            substitutions=substitutions,
        )
        assert verdict.status is Status.CORRECT, (answer, verdict.feedback)
    wrong = check_expression(
        text("w3_1*a2_2*(1 - a2_2)"),
        reference,
        variables=["w3_1", "z2_1", "a2_1"],
        substitutions=substitutions,
    )
    assert wrong.status is Status.INCORRECT
    assert "z2_2" in wrong.feedback  # a2_2 stands for sigmoid(z2_2), which is not expected


def test_equal_except_at_a_point_is_equal() -> None:
    symbol = sympy.Symbol("x", real=True)
    points = [{symbol: 0.0}, *sample_points([symbol], seed=3)]
    written_out = parse_expression("(x**2 + x)/x")
    assert compare(written_out, symbol + 1, points).equal
    verdict = check("(x**2 + x)/x", x + 1)
    assert verdict.status is Status.CORRECT


def test_a_domain_mismatch_is_reported() -> None:
    verdict = check("sqrt(x**3)/sqrt(x)", x)
    assert verdict.status is Status.INCORRECT
    assert "domain mismatch" in verdict.feedback
    assert "undefined at" in verdict.feedback
    assert verdict.details["undefined_points"] > 0


def test_missing_absent_and_failed_answers() -> None:
    absent = check_expression(Answer(Kind.ABSENT, note="variable not defined"), x, variables=["x"])
    assert absent.status is Status.MISSING
    placeholder = check_expression(Answer(Kind.PLACEHOLDER), x, variables=["x"])
    assert placeholder.status is Status.MISSING
    failed = check_expression(Answer(Kind.ERROR, note="NameError: y"), x, variables=["x"])
    assert failed.status is Status.ERROR
    assert failed.feedback == "NameError: y"


def test_a_number_is_accepted_as_a_constant() -> None:
    quarter = sympy.Rational(1, 4)
    assert check_expression(Answer(Kind.NUMBER, 0.25, "0.25"), quarter, variables=[]).status is (
        Status.CORRECT
    )
    assert check_expression(Answer(Kind.NUMBER, 0.3, "0.3"), quarter, variables=[]).status is (
        Status.INCORRECT
    )
    at_zero = sigmoid(sympy.Integer(0)) * (1 - sigmoid(sympy.Integer(0)))
    assert check_expression(text("1/4"), at_zero, variables=[]).status is Status.CORRECT


def test_other_kinds_are_invalid() -> None:
    for answer in (Answer(Kind.BOOL, True), Answer(Kind.UNSUPPORTED, note="a Module")):
        verdict = check_expression(answer, x, variables=["x"])
        assert verdict.status is Status.INVALID
        assert "expected a formula" in verdict.feedback


def test_expr_kind_is_read_like_text() -> None:
    verdict = check_expression(
        Answer(Kind.EXPR, "x/(1 + exp(-x))"), x * sigmoid(x), variables=["x"]
    )
    assert verdict.status is Status.CORRECT
    assert verdict.details["route"] == "python"


def test_unreadable_answers_are_invalid_with_the_reason() -> None:
    verdict = check("sigmoid(x", x)
    assert verdict.status is Status.INVALID
    assert verdict.feedback.startswith("Your formula could not be read:")
    verdict = check("foo(x)", x)
    assert "function 'foo' is not allowed" in verdict.feedback


HOSTILE = [
    "__import__('os').system('touch {marker}')",
    "x.__class__",
    "().__class__.__bases__",
    "9**9**9",
    "2**(10**10)",
    "(" * 5000 + "x" + ")" * 5000,
    "x" * (1 << 20),
    "lambda: __import__('os').system('touch {marker}')",
    'f\'{{__import__("os").system("touch {marker}")}}\'',
    "exec('import os; os.system(\"touch {marker}\")')",
    "eval('1')",
    "max(exp(exp(exp(100))), 1)",
    "sp((-123456789 + 0.5)*log(1000))",
    "sigmoid(-(123456789^(-(log(3.14159^(1e-300))))))",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_answers_are_invalid_fast_and_run_nothing(hostile: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    answer = hostile.format(marker=marker)
    start = time.perf_counter()
    verdict = check_expression(text(answer), SWISH_PRIME, variables=["x"])
    assert time.perf_counter() - start < 0.5
    assert verdict.status is Status.INVALID
    assert verdict.feedback.startswith("Your formula could not be read:")
    assert len(verdict.feedback) > len("Your formula could not be read: ") + 10
    assert not marker.exists()


def test_time_guard_leaves_a_numeric_confirmation() -> None:
    answer = "tanh(softplus(x)) + x*(1 - tanh(softplus(x))**2)*sigmoid(x)"
    verdict = check_expression(text(answer), MISH_PRIME, variables=["x"], symbolic_timeout=0.0)
    assert verdict.status is Status.CORRECT
    assert verdict.details["confirmed_by"] == "numeric"
    assert verdict.details["proof"] == "timed out"
    assert "confirmed numerically only" in verdict.feedback


def test_prove_equal_and_is_zero() -> None:
    assert is_zero(sympy.sech(u) ** 2 - (1 - sympy.tanh(u) ** 2))
    assert not is_zero(sympy.sech(u) - sympy.tanh(u))
    assert prove_equal(sigmoid(x), (1 + sympy.tanh(x / 2)) / 2, timeout=5.0) == "proved"


@pytest.mark.parametrize(
    ("answer", "reference"),
    [
        ("1 + exp(exp(4))", sympy.exp(sympy.exp(4))),  # 1 apart in 5e23: below any tolerance
        ("exp(exp(4))*(1 + exp(-exp(4)))", sympy.exp(sympy.exp(4)) + 2),  # another form
        ("x + exp(exp(5))", x + sympy.exp(sympy.exp(5)) - 3),
    ],
)
def test_a_difference_far_below_the_values_is_still_a_difference(
    answer: str, reference: sympy.Expr
) -> None:
    verdict = check_expression(text(answer), reference, variables=["x"])
    assert verdict.status is Status.INCORRECT, verdict.feedback
    assert verdict.details["proof"] == "apart"


def test_equal_forms_sympy_cannot_prove_are_never_apart() -> None:
    y = sympy.Symbol("y", positive=True)
    z = sympy.Symbol("z", positive=True)
    points = sample_points([y, z], seed=3)
    for difference in (
        sympy.sqrt(y**2 * z**2) - sympy.Abs(y) * sympy.Abs(z),
        sympy.cosh(y) ** 2 - sympy.sinh(y) ** 2 - 1,
        sympy.atan(sympy.exp(y)) + sympy.atan(sympy.exp(-y)) - sympy.pi / 2,
        sympy.exp(sympy.exp(y)) + 1 - sympy.exp(sympy.exp(y)) * (1 + sympy.exp(-sympy.exp(y))),
    ):
        assert not apart(difference, points), difference
    assert apart(sympy.exp(sympy.exp(y)) + 1 - sympy.exp(sympy.exp(y)), points)


def test_verdicts_are_deterministic_and_json_ready() -> None:
    first = check("x*sigmoid(x)*(1-sigmoid(x))", SWISH_PRIME)
    second = check("x*sigmoid(x)*(1-sigmoid(x))", SWISH_PRIME)
    assert first == second
    json.dumps(dict(first.details))
    correct = check("sigmoid(x) + x*sigmoid(x)*(1-sigmoid(x))", SWISH_PRIME)
    json.dumps(dict(correct.details))
    assert correct.details["given_mathml"].startswith("<m")
    assert "e^{- x}" in correct.details["expected_latex"]
    assert correct.details["read_as"] == "x*(1 - 1/(1 + exp(-x)))/(1 + exp(-x)) + 1/(1 + exp(-x))"


def test_sample_points_are_seeded_and_mixed() -> None:
    symbol = sympy.Symbol("x", real=True)
    points = sample_points([symbol], seed=7)
    assert points == sample_points([symbol], seed=7)
    assert points != sample_points([symbol], seed=8)
    values = [point[symbol] for point in points]
    assert min(values) < -1 and max(values) > 1 and any(abs(v) < 0.5 for v in values)
    assert all(abs(v) <= 5 for v in values)


# --------------------------------------------------------------------------------------------
# Property: any formula built from the whitelisted functions, printed by sympy, is judged
# equal to itself, and a shifted copy is not.

atoms = st.sampled_from([x, u, sympy.Integer(2), sympy.Rational(1, 2), sympy.Integer(3)])
functions = st.sampled_from(
    [sigmoid, softplus, sympy.tanh, sympy.sech, sympy.exp, sympy.cosh, lambda a: sympy.Max(a, 0)]
)


def _grow(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.builds(lambda a, b: a + b, children, children),
        st.builds(lambda a, b: a * b, children, children),
        st.builds(lambda a, b: a - b, children, children),
        st.builds(lambda f, a: f(a), functions, children),
    )


formulas = st.recursive(atoms, _grow, max_leaves=6)


@settings(max_examples=40, deadline=None)
@given(formula=formulas)
def test_printed_formulas_are_judged_equal_to_themselves(formula: sympy.Expr) -> None:
    verdict = check_expression(
        Answer(Kind.EXPR, sympy.sstr(formula)), formula, variables=["x", "u"]
    )
    assert verdict.status in (Status.CORRECT, Status.MANUAL), verdict.feedback
    shifted = check_expression(
        Answer(Kind.EXPR, sympy.sstr(formula + 1)), formula, variables=["x", "u"]
    )
    assert shifted.status in (Status.INCORRECT, Status.MANUAL), shifted.feedback


@settings(max_examples=60, deadline=None)
@given(first=formulas, second=formulas, target=formulas)
def test_comparisons_sharing_evaluations_count_as_comparisons_alone(
    first: sympy.Expr, second: sympy.Expr, target: sympy.Expr
) -> None:
    """A check compares one answer with the expected formula and then with each named
    mistake at the same points, keeping the values of subexpressions it has computed: what it
    kept must never change a count (formulas that share parts, or are the same, included)."""
    points = sample_points([x, u], seed=5)
    shared = Evaluations(points)
    for formula, other in ((first, target), (second, target), (first, second), (target, target)):
        alone = compare(formula, other, points)
        assert compare(formula, other, points, shared) == alone
