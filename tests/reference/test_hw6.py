"""Tests for reference.hw6: the derivatives against torch autograd and sympy proofs, the limits
against sympy's limit and large/small β, the initial losses against torch's own loss functions;
and the grading of the many right forms and the named wrong ones.
"""

from __future__ import annotations

import math
import random

import pytest
import sympy
import torch

from graders.model.answers import Answer, Kind, Status, Verdict
from graders.model.parts import ExpressionPart, NumberPart, TextPart
from reference import hw6

x = sympy.Symbol("x", real=True)
beta = sympy.Symbol("beta", real=True)


def text(value: str) -> Answer:
    return Answer(Kind.TEXT, value, text=value)


def num(value: float, written: str | None = None) -> Answer:
    return Answer(Kind.NUMBER, value, text=repr(value) if written is None else written)


@pytest.fixture(scope="module")
def parts() -> dict[str, ExpressionPart]:
    return {part.item.variable: part for part in hw6.activation_parts()}


def grade(part: ExpressionPart, written: str) -> Verdict:
    variable = part.item.variable
    return part.grade({variable: text(written)}, hw6.PARAMS)[variable]


# --- the references against autograd and sympy proofs ---------------------------------------


def torch_derivative(function: object, at: float, b: float = 1.0) -> float:
    assert callable(function)
    t = torch.tensor(at, dtype=torch.float64, requires_grad=True)
    function(t, b).backward()
    assert t.grad is not None
    return t.grad.item()


TORCH_FUNCTIONS = {
    "q1_swish_derivative": lambda t, b: t * torch.sigmoid(t),
    "q1_mish_derivative": lambda t, b: t * torch.tanh(torch.nn.functional.softplus(t)),
    "q1_swish_beta_derivative": lambda t, b: t * torch.sigmoid(b * t),
}


@pytest.mark.parametrize("variable", sorted(TORCH_FUNCTIONS))
def test_derivatives_match_torch_autograd(parts: dict, variable: str) -> None:
    reference = parts[variable].expected(hw6.PARAMS)
    at = sympy.lambdify([x, beta], reference, modules="math")
    rng = random.Random(1)
    for _ in range(50):
        point, b = rng.uniform(-6, 6), rng.uniform(0.1, 4)
        expected = torch_derivative(TORCH_FUNCTIONS[variable], point, b)
        assert at(point, b) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def sig(u: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-u))


@pytest.mark.parametrize(
    ("variable", "textbook"),
    [
        ("q1_swish_derivative", sig(x) + x * sig(x) * (1 - sig(x))),
        (
            "q1_mish_derivative",
            sympy.tanh(sympy.log(1 + sympy.exp(x)))
            + x * sympy.sech(sympy.log(1 + sympy.exp(x))) ** 2 * sig(x),
        ),
        (
            "q1_swish_beta_derivative",
            sig(beta * x) + beta * x * sig(beta * x) * (1 - sig(beta * x)),
        ),
    ],
)
def test_derivatives_equal_the_textbook_forms(
    parts: dict, variable: str, textbook: sympy.Expr
) -> None:
    difference = parts[variable].expected(hw6.PARAMS) - textbook
    assert sympy.simplify(difference.rewrite(sympy.exp)) == 0


def test_the_limits_are_sympys_limits_and_numeric_limits(parts: dict) -> None:
    positive, negative = sympy.Symbol("x", positive=True), sympy.Symbol("x", negative=True)
    f = lambda u: u / (1 + sympy.exp(-beta * u))  # noqa: E731
    assert sympy.limit(f(positive), beta, sympy.oo) == positive
    assert sympy.limit(f(negative), beta, sympy.oo) == 0
    assert sympy.simplify(sympy.limit(f(x), beta, 0) - x / 2) == 0
    zero = sympy.lambdify([x], parts["q1_limit_beta_0"].expected(hw6.PARAMS), modules="math")
    infinity = sympy.lambdify([x], parts["q1_limit_beta_inf"].expected(hw6.PARAMS), modules="math")
    for point in (-3.0, -0.5, 0.0, 0.7, 2.5):
        with torch.no_grad():
            t = torch.tensor(point, dtype=torch.float64)
            small = (t * torch.sigmoid(1e-12 * t)).item()
            large = (t * torch.sigmoid(1e6 * t)).item()
        assert zero(point) == pytest.approx(small, abs=1e-9)
        assert infinity(point) == pytest.approx(large, abs=1e-9)


# --- grading: every right form, and the named wrong ones ------------------------------------

RIGHT = [
    ("q1_swish_derivative", "sigmoid(x) + x*sigmoid(x)*(1 - sigmoid(x))"),
    ("q1_swish_derivative", "f + sigmoid(x)*(1 - f)"),
    ("q1_swish_derivative", "(1 + exp(-x) + x*exp(-x))/(1 + exp(-x))**2"),
    ("q1_swish_derivative", r"\sigma(x) + x\sigma(x)(1-\sigma(x))"),
    ("q1_swish_derivative", "σ(x) + xσ(x)(1 − σ(x))"),
    ("q1_mish_derivative", "tanh(softplus(x)) + x*sech(softplus(x))**2*sigmoid(x)"),
    ("q1_mish_derivative", "f/x + x*sigmoid(x)*sech(sp(x))**2"),
    ("q1_mish_derivative", "tanh(sp(x)) + x*(1 - tanh(sp(x))**2)*sigmoid(x)"),
    ("q1_mish_derivative", "tanh(sp(x)) + x*sigmoid(x)/cosh(sp(x))**2"),
    ("q1_mish_derivative", r"\tanh(\ln(1+e^{x})) + x \operatorname{sech}^2(\ln(1+e^x)) \sigma(x)"),
    ("q1_swish_beta_derivative", "sigmoid(beta*x) + beta*x*sigmoid(beta*x)*(1 - sigmoid(beta*x))"),
    ("q1_swish_beta_derivative", "f/x + beta*f*(1 - f/x)"),
    ("q1_limit_beta_0", "x/2"),
    ("q1_limit_beta_0", "0.5*x"),
    ("q1_limit_beta_inf", "max(x, 0)"),
    ("q1_limit_beta_inf", "relu(x)"),
    ("q1_limit_beta_inf", "(x + abs(x))/2"),
]


@pytest.mark.parametrize(("variable", "written"), RIGHT)
def test_right_forms_are_correct(parts: dict, variable: str, written: str) -> None:
    verdict = grade(parts[variable], written)
    assert verdict.status is Status.CORRECT, verdict.feedback
    assert verdict.credit == 1.0


WRONG = [
    ("q1_swish_derivative", "sigmoid(x)", "product-rule"),
    ("q1_swish_derivative", "x*sigmoid(x)*(1 - sigmoid(x))", "product-rule"),
    ("q1_swish_derivative", "sigmoid(x)*(1 - sigmoid(x))", "sigmoid-derivative-only"),
    ("q1_swish_derivative", "sigmoid(x) - x*sigmoid(x)*(1 - sigmoid(x))", None),
    ("q1_mish_derivative", "tanh(sp(x)) + x*sech(sp(x))**2", "chain-rule"),
    ("q1_mish_derivative", "tanh(sp(x))", "product-rule"),
    ("q1_mish_derivative", "tanh(sp(x)) - x*sech(sp(x))**2*sigmoid(x)", None),
    (
        "q1_swish_beta_derivative",
        "sigmoid(beta*x) + x*sigmoid(beta*x)*(1 - sigmoid(beta*x))",
        "chain-rule",
    ),
    ("q1_limit_beta_0", "x", "limit-sigma-zero"),
    ("q1_limit_beta_inf", "x", "limit-positive-only"),
]


@pytest.mark.parametrize(("variable", "written", "mistake"), WRONG)
def test_wrong_forms_are_incorrect_and_named(
    parts: dict, variable: str, written: str, mistake: str | None
) -> None:
    verdict = grade(parts[variable], written)
    assert verdict.status is Status.INCORRECT
    assert (verdict.mistake.id if verdict.mistake else None) == mistake


def test_f_of_x_written_as_a_call_reads_as_a_product(parts: dict) -> None:
    # the answer help says so: f stands for the function; f(x) is f times x
    verdict = grade(parts["q1_swish_derivative"], "f(x) + sigmoid(x)*(1 - f(x))")
    assert verdict.status is Status.INCORRECT
    assert "f*x" in verdict.details["read_as"]


def test_a_symbol_the_question_does_not_define_is_named(parts: dict) -> None:
    verdict = grade(parts["q1_swish_derivative"], "sigmoid(y) + y*sigmoid(y)*(1 - sigmoid(y))")
    assert verdict.status is Status.INCORRECT
    assert "y" in verdict.details["unknown_symbols"]


def test_solutions_are_python_syntax_the_grader_reads_back(parts: dict) -> None:
    for variable, part in parts.items():
        written = part.solve(hw6.PARAMS)[variable]
        assert isinstance(written, str)
        assert grade(part, written).status is Status.CORRECT, variable


def test_a_missing_and_an_unreadable_answer(parts: dict) -> None:
    part = parts["q1_mish_derivative"]
    missing = part.grade({}, hw6.PARAMS)["q1_mish_derivative"]
    assert missing.status is Status.MISSING
    assert grade(part, "x*tanh(").status is Status.INVALID
    assert grade(part, "().__class__").status is Status.INVALID


# --- Q2(a): the initial losses --------------------------------------------------------------


@pytest.fixture(scope="module")
def losses() -> dict[str, NumberPart]:
    return {part.item.variable: part for part in hw6.loss_parts()}


def torch_losses(p: float, q: float, n: int = 1000) -> tuple[float, float]:
    """The two losses of a constant output p on n labels, a fraction q of them 1."""
    ones = round(q * n)
    labels = torch.tensor([1.0] * ones + [0.0] * (n - ones), dtype=torch.float64)
    outputs = torch.full_like(labels, p)
    mse = torch.nn.functional.mse_loss(outputs, labels).item()
    bce = torch.nn.functional.binary_cross_entropy(outputs, labels).item()
    return mse, bce


@pytest.mark.parametrize(("p", "q"), [(0.5, 0.5), (0.5, 0.1), (0.3, 0.5), (0.8, 0.25)])
def test_initial_losses_match_torchs_loss_functions(p: float, q: float) -> None:
    mse, bce = torch_losses(p, q)
    params = {"p": p, "q": q}
    assert hw6.initial_mse(params) == pytest.approx(mse, rel=1e-12)
    assert hw6.initial_bce(params) == pytest.approx(bce, rel=1e-12)


def test_the_course_values_are_a_quarter_and_ln_2(losses: dict) -> None:
    assert losses["q2_mse"].solve(hw6.PARAMS) == {"q2_mse": pytest.approx(0.25)}
    assert losses["q2_bce"].solve(hw6.PARAMS) == {"q2_bce": pytest.approx(math.log(2))}
    # with p = 0.5 the label balance does not matter
    assert hw6.initial_mse({"p": 0.5, "q": 0.1}) == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("variable", "written", "status", "mistake"),
    [
        ("q2_mse", "0.25", Status.CORRECT, None),
        ("q2_mse", "0.5", Status.INCORRECT, "not-squared"),
        ("q2_mse", "0.125", Status.INCORRECT, "half-mse"),
        ("q2_bce", "0.69", Status.CORRECT, None),
        ("q2_bce", "0.6931", Status.CORRECT, None),
        ("q2_bce", "1.0", Status.INCORRECT, "log-base"),
        ("q2_bce", "0.301", Status.INCORRECT, "log-base"),
        ("q2_bce", "-0.693", Status.INCORRECT, "bce-sign"),
        ("q2_bce", "0.5", Status.INCORRECT, None),
    ],
)
def test_loss_answers(
    losses: dict, variable: str, written: str, status: Status, mistake: str | None
) -> None:
    answer = num(float(written), written)
    verdict = losses[variable].grade({variable: answer}, hw6.PARAMS)[variable]
    assert verdict.status is status
    assert (verdict.mistake.id if verdict.mistake else None) == mistake


# --- the homework as a whole ----------------------------------------------------------------


def test_homework_questions_and_items() -> None:
    homework = hw6.homework()
    assert [q.id for q in homework.questions] == ["hw6.q1", "hw6.q2", "hw6.q3"]
    variables = homework.variables
    assert len(variables) == len(set(variables)) == 7 + 2 + 6  # Q3: reference.training
    texts = [p for p in homework.question("hw6.q1").parts if isinstance(p, TextPart)]
    assert [p.item.variable for p in texts] == ["q1c_answer", "q1d_answer"]
    assert all(p.rubric and p.model for p in texts)
    for question in homework.questions:
        question.prompt_for(homework.params)
    assert "f(x)" in homework.question("hw6.q1").answer_help  # how f is written is said


def test_text_answers_wait_for_a_person() -> None:
    part = next(p for p in hw6.homework().question("hw6.q1").parts if isinstance(p, TextPart))
    verdict = part.grade({"q1c_answer": text("ReLU does not saturate.")}, hw6.PARAMS)
    assert verdict["q1c_answer"].status is Status.MANUAL
    assert verdict["q1c_answer"].details["rubric"] == hw6.Q1C_RUBRIC.replace("{points}", "3")
    assert verdict["q1c_answer"].details["rubric"].startswith("3 points.")  # the item's points
