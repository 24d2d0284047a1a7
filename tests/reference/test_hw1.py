"""Tests for reference.hw1: Q1 against torch autograd, Q2 against sympy's own derivative of the
composed network, Q3 against a sympy proof that softmax(z)_2 = σ(z2 − z1); and their grading.

Expected numbers and formulas are computed here independently (torch, plain Python, sympy
differentiation of the whole network), never copied from the reference module.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping

import pytest
import sympy
import torch
from fakes import build_demos

from graders.checks.derivation import Derivation
from graders.maths.expressions import parse_expression
from graders.model.answers import Answer, Kind, Status, Verdict
from reference import hw1

WEIGHTS = tuple(f"w{k}" for k in range(1, 9))
PARAMETERS = (*WEIGHTS, "b1", "b2")
FORWARD = ("net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1", "net_o2", "out_o2", "E")

# --- an independent route: torch autograd ---------------------------------------------------


def torch_step(params: Mapping[str, float]) -> dict[str, float]:
    """Forward values, E, every gradient and every updated value, with autograd."""
    v = {
        name: torch.tensor(params[name], dtype=torch.float64, requires_grad=True)
        for name in PARAMETERS
    }
    i1, i2, t1, t2 = (
        torch.tensor(params[k], dtype=torch.float64) for k in ("i1", "i2", "t1", "t2")
    )
    net_h1 = v["w1"] * i1 + v["w2"] * i2 + v["b1"]
    net_h2 = v["w3"] * i1 + v["w4"] * i2 + v["b1"]
    out_h1, out_h2 = torch.sigmoid(net_h1), torch.sigmoid(net_h2)
    net_o1 = v["w5"] * out_h1 + v["w6"] * out_h2 + v["b2"]
    net_o2 = v["w7"] * out_h1 + v["w8"] * out_h2 + v["b2"]
    out_o1, out_o2 = torch.sigmoid(net_o1), torch.sigmoid(net_o2)
    loss = 0.5 * (t1 - out_o1) ** 2 + 0.5 * (t2 - out_o2) ** 2
    loss.backward()
    values = {
        "net_h1": net_h1,
        "out_h1": out_h1,
        "net_h2": net_h2,
        "out_h2": out_h2,
        "net_o1": net_o1,
        "out_o1": out_o1,
        "net_o2": net_o2,
        "out_o2": out_o2,
        "E": loss,
    }
    out = {k: t.item() for k, t in values.items()}
    for name, tensor in v.items():
        assert tensor.grad is not None
        out[f"dE_d{name}"] = tensor.grad.item()
        out[f"{name}_new"] = tensor.item() - params["eta"] * tensor.grad.item()
    return out


# --- helpers --------------------------------------------------------------------------------


def num(value: float, text: str | None = None) -> Answer:
    return Answer(Kind.NUMBER, value, text=repr(value) if text is None else text)


def rounded(value: float, figures: int = 4) -> Answer:
    text = f"{value:.{figures}g}"
    return num(float(text), text)


def answers_of(values: Mapping[str, float]) -> dict[str, Answer]:
    return {k: num(v) for k, v in values.items()}


def text(value: str) -> Answer:
    return Answer(Kind.TEXT, value, text=value)


def statuses(verdicts: Mapping[str, Verdict]) -> dict[str, Status]:
    return {k: v.status for k, v in verdicts.items()}


def mistake_ids(verdicts: Mapping[str, Verdict]) -> dict[str, str | None]:
    return {k: (v.mistake.id if v.mistake else None) for k, v in verdicts.items()}


@pytest.fixture(scope="module")
def derivation() -> Derivation:
    return hw1.backprop_derivation()


@pytest.fixture(scope="module")
def truth() -> dict[str, float]:
    return torch_step(hw1.PARAMS)


def random_params(seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    return {
        "i1": rng.uniform(-1, 1),
        "i2": rng.uniform(-1, 1),
        **{name: rng.uniform(-1, 1) for name in PARAMETERS},
        "t1": rng.uniform(0, 1),
        "t2": rng.uniform(0, 1),
        "eta": rng.choice([0.1, 0.5, 1.0]),
    }


# === Q1: the reference against autograd ======================================================


def test_every_value_of_the_step_is_asked(derivation: Derivation) -> None:
    names = {item.variable for item in derivation.items}
    expected = {
        *FORWARD,
        *(f"dE_d{p}" for p in PARAMETERS),
        *(f"{p}_new" for p in PARAMETERS),
    }
    assert names == expected
    assert len(names) == 9 + 10 + 10


def test_course_parameters_are_the_homeworks() -> None:
    assert hw1.PARAMS == {
        "i1": 0.05,
        "i2": 0.1,
        "w1": 0.15,
        "w2": 0.2,
        "w3": 0.25,
        "w4": 0.3,
        "w5": 0.4,
        "w6": 0.45,
        "w7": 0.5,
        "w8": 0.55,
        "b1": 0.35,
        "b2": 0.6,
        "t1": 0.01,
        "t2": 0.99,
        "eta": 0.5,
    }


def assert_matches(solved: Mapping[str, float], truth: Mapping[str, float]) -> None:
    assert set(solved) == set(truth)
    for name, value in truth.items():
        assert abs(solved[name] - value) <= 1e-12 * max(1.0, abs(value)), name


def test_reference_matches_torch_autograd(derivation: Derivation, truth: dict) -> None:
    assert_matches(derivation.solve(hw1.PARAMS), truth)


@pytest.mark.parametrize("seed", range(5))
def test_reference_matches_autograd_for_other_parameters(derivation: Derivation, seed: int) -> None:
    params = random_params(seed)
    assert_matches(derivation.solve(params), torch_step(params))


def test_a_shared_bias_collects_both_units(truth: dict) -> None:
    # the shared bias's gradient is the sum of the two units' deltas, not one of them
    delta_h1 = truth["dE_dw1"] / hw1.PARAMS["i1"]
    delta_h2 = truth["dE_dw3"] / hw1.PARAMS["i1"]
    assert truth["dE_db1"] == pytest.approx(delta_h1 + delta_h2)
    assert abs(truth["dE_db1"] - delta_h1) > 0.1 * abs(truth["dE_db1"])
    delta_o1 = truth["dE_dw5"] / truth["out_h1"]
    delta_o2 = truth["dE_dw7"] / truth["out_h1"]
    assert truth["dE_db2"] == pytest.approx(delta_o1 + delta_o2)


def test_the_step_lowers_the_loss(truth: dict) -> None:
    after = {**hw1.PARAMS, **{p: truth[f"{p}_new"] for p in PARAMETERS}}
    assert torch_step(after)["E"] < truth["E"]


def test_step_formulas_use_only_parameters_and_earlier_steps(derivation: Derivation) -> None:
    known = set(hw1.PARAMS)
    for step in derivation.steps:
        assert {s.name for s in step.formula.free_symbols} <= known, step.name
        for _, wrong in step.mistakes:
            assert {s.name for s in wrong.free_symbols} <= known, step.name
        known.add(step.name)


def value_at(expr: sympy.Expr, env: Mapping[str, float]) -> float:
    names = [sympy.Symbol(k) for k in env]
    return float(sympy.lambdify(names, expr, modules="math")(*env.values()))


def test_no_named_mistake_coincides_with_the_reference(derivation: Derivation) -> None:
    # every named mistake lies outside the tolerance of the right value: it can be told apart
    tolerance = derivation.tolerance
    for params in (hw1.PARAMS, {**random_params(11), "eta": 0.3}):  # η = 1 is a wrong rate
        env = derivation.evaluate(params)
        for step in derivation.steps:
            scale = None if step.scale is None else value_at(step.scale, env)
            for mistake, wrong in step.mistakes:
                value = value_at(wrong, env)
                allowed = tolerance.allowed(env[step.name], value, scale)
                assert abs(value - env[step.name]) > allowed, (step.name, mistake.id)


# === Q1: grading ============================================================================


def test_every_value_rounded_to_four_figures_is_correct(
    derivation: Derivation, truth: dict
) -> None:
    answers = {k: rounded(v) for k, v in truth.items()}
    assert any(a.value != truth[k] for k, a in answers.items())
    verdicts = derivation.grade(answers, hw1.PARAMS)
    assert statuses(verdicts) == dict.fromkeys(truth, Status.CORRECT)


def test_values_rounded_to_two_figures_are_not_all_accepted(
    derivation: Derivation, truth: dict
) -> None:
    answers = {k: rounded(v, 2) for k, v in truth.items()}
    verdicts = derivation.grade(answers, hw1.PARAMS)
    assert any(v.status is not Status.CORRECT for v in verdicts.values())


def test_a_student_who_carries_rounded_numbers_forward_is_correct(derivation: Derivation) -> None:
    p = hw1.PARAMS

    def sig(z: float) -> float:
        return 1 / (1 + math.exp(-z))

    a: dict[str, Answer] = {}
    a["net_h1"] = rounded(p["w1"] * p["i1"] + p["w2"] * p["i2"] + p["b1"])
    a["out_h1"] = rounded(sig(a["net_h1"].value))
    a["net_h2"] = rounded(p["w3"] * p["i1"] + p["w4"] * p["i2"] + p["b1"])
    a["out_h2"] = rounded(sig(a["net_h2"].value))
    h1, h2 = a["out_h1"].value, a["out_h2"].value
    a["net_o1"] = rounded(p["w5"] * h1 + p["w6"] * h2 + p["b2"])
    a["out_o1"] = rounded(sig(a["net_o1"].value))
    a["net_o2"] = rounded(p["w7"] * h1 + p["w8"] * h2 + p["b2"])
    a["out_o2"] = rounded(sig(a["net_o2"].value))
    o1, o2 = a["out_o1"].value, a["out_o2"].value
    a["E"] = rounded(0.5 * (p["t1"] - o1) ** 2 + 0.5 * (p["t2"] - o2) ** 2)
    d1 = (o1 - p["t1"]) * o1 * (1 - o1)
    d2 = (o2 - p["t2"]) * o2 * (1 - o2)
    grads = {"w5": d1 * h1, "w6": d1 * h2, "w7": d2 * h1, "w8": d2 * h2, "b2": d1 + d2}
    e1 = (d1 * p["w5"] + d2 * p["w7"]) * h1 * (1 - h1)
    e2 = (d1 * p["w6"] + d2 * p["w8"]) * h2 * (1 - h2)
    grads |= {"w1": e1 * p["i1"], "w2": e1 * p["i2"], "w3": e2 * p["i1"], "w4": e2 * p["i2"]}
    grads["b1"] = e1 + e2
    for name, g in grads.items():
        a[f"dE_d{name}"] = rounded(g)
        a[f"{name}_new"] = rounded(p[name] - p["eta"] * a[f"dE_d{name}"].value)
    verdicts = derivation.grade(a, p)
    assert statuses(verdicts) == dict.fromkeys(a, Status.CORRECT)


def test_an_updated_weight_is_judged_at_the_size_of_its_change(
    derivation: Derivation, truth: dict
) -> None:
    change = truth["w1_new"] - hw1.PARAMS["w1"]
    assert abs(change) < 1e-3  # tiny beside w1 itself
    answers = answers_of(truth)
    answers["w1_new"] = num(hw1.PARAMS["w1"] + 1.1 * change)  # 0.00002 away, 10% of the change
    assert derivation.grade(answers, hw1.PARAMS)["w1_new"].status is Status.INCORRECT


def test_a_slip_follows_through_exactly_where_it_reaches(
    derivation: Derivation, truth: dict
) -> None:
    # out_h2 written wrongly, everything after computed exactly from the student's own numbers
    p = hw1.PARAMS

    def sig(z: float) -> float:
        return 1 / (1 + math.exp(-z))

    h1, h2 = truth["out_h1"], truth["out_h2"] + 0.05
    values = {k: truth[k] for k in ("net_h1", "out_h1", "net_h2")}
    values["out_h2"] = h2
    values["net_o1"] = p["w5"] * h1 + p["w6"] * h2 + p["b2"]
    values["net_o2"] = p["w7"] * h1 + p["w8"] * h2 + p["b2"]
    o1, o2 = sig(values["net_o1"]), sig(values["net_o2"])
    values |= {"out_o1": o1, "out_o2": o2}
    values["E"] = 0.5 * (p["t1"] - o1) ** 2 + 0.5 * (p["t2"] - o2) ** 2
    d1, d2 = (o1 - p["t1"]) * o1 * (1 - o1), (o2 - p["t2"]) * o2 * (1 - o2)
    e1 = (d1 * p["w5"] + d2 * p["w7"]) * h1 * (1 - h1)
    e2 = (d1 * p["w6"] + d2 * p["w8"]) * h2 * (1 - h2)
    grads = {"w5": d1 * h1, "w6": d1 * h2, "w7": d2 * h1, "w8": d2 * h2, "b2": d1 + d2}
    grads |= {"w1": e1 * p["i1"], "w2": e1 * p["i2"], "w3": e2 * p["i1"], "w4": e2 * p["i2"]}
    grads["b1"] = e1 + e2
    for name, g in grads.items():
        values[f"dE_d{name}"] = g
        values[f"{name}_new"] = p[name] - p["eta"] * g
    verdicts = derivation.grade(answers_of(values), p)
    assert verdicts["out_h2"].status is Status.INCORRECT
    untouched = {"net_h1", "out_h1", "net_h2"}
    for name, verdict in verdicts.items():
        if name in untouched:
            assert verdict.status is Status.CORRECT, name
        elif name != "out_h2":
            # every later value depends on out_h2 (through the outputs), and follows from it
            assert verdict.status is Status.FOLLOW_THROUGH, name
            assert verdict.credit == 1.0


def test_follow_through_shows_the_formula_and_the_students_inputs(
    derivation: Derivation, truth: dict
) -> None:
    answers = answers_of(truth)
    answers["out_o1"] = num(0.8)
    p = hw1.PARAMS
    answers["E"] = num(0.5 * (p["t1"] - 0.8) ** 2 + 0.5 * (p["t2"] - truth["out_o2"]) ** 2)
    verdict = derivation.grade(answers, p)["E"]
    assert verdict.status is Status.FOLLOW_THROUGH
    assert verdict.details["inputs"]["out_o1"] == "0.8"
    assert "out_o1" in verdict.details["formula"]


# --- named mistakes, each computed here in plain Python -------------------------------------


def plain(truth: Mapping[str, float]) -> dict[str, float]:
    """The quantities a student computes by hand, from the reference forward values."""
    p = hw1.PARAMS
    o1, o2, h1, h2 = truth["out_o1"], truth["out_o2"], truth["out_h1"], truth["out_h2"]
    return {
        "err1": o1 - p["t1"],
        "err2": o2 - p["t2"],
        "s1": o1 * (1 - o1),
        "s2": o2 * (1 - o2),
        "h1": h1,
        "h2": h2,
    }


def test_gradients_with_the_sign_flipped_are_named(derivation: Derivation, truth: dict) -> None:
    answers = answers_of(truth)
    for p in PARAMETERS:
        answers[f"dE_d{p}"] = num(-truth[f"dE_d{p}"])
    verdicts = derivation.grade(answers, hw1.PARAMS)
    for p in ("w5", "w6", "w7", "w8"):
        assert mistake_ids(verdicts)[f"dE_d{p}"] == "gradient-sign", p
    # ∂E/∂b2 and the hidden gradients follow from the student's own (sign-flipped) deltas
    for p in ("b2", "w1", "w2", "w3", "w4", "b1"):
        assert verdicts[f"dE_d{p}"].status is Status.FOLLOW_THROUGH, p


def test_output_gradients_without_the_sigmoid_derivative_are_named(
    derivation: Derivation, truth: dict
) -> None:
    q = plain(truth)
    answers = answers_of(truth)
    answers["dE_dw5"] = num(q["err1"] * q["h1"])
    answers["dE_dw8"] = num(q["err2"] * q["h2"])
    verdicts = derivation.grade(answers, hw1.PARAMS)
    assert mistake_ids(verdicts)["dE_dw5"] == "missing-sigmoid-derivative"
    assert mistake_ids(verdicts)["dE_dw8"] == "missing-sigmoid-derivative"


def test_hidden_gradients_without_the_hidden_sigmoid_derivative_are_named(
    derivation: Derivation, truth: dict
) -> None:
    q, p = plain(truth), hw1.PARAMS
    d1, d2 = q["err1"] * q["s1"], q["err2"] * q["s2"]
    answers = answers_of(truth)
    answers["dE_dw1"] = num((d1 * p["w5"] + d2 * p["w7"]) * p["i1"])
    answers["dE_db1"] = num((d1 * p["w5"] + d2 * p["w7"]) + (d1 * p["w6"] + d2 * p["w8"]))
    verdicts = derivation.grade(answers, p)
    assert mistake_ids(verdicts)["dE_dw1"] == "missing-sigmoid-derivative"
    assert mistake_ids(verdicts)["dE_db1"] == "missing-sigmoid-derivative"


@pytest.mark.parametrize("factor", [2.0, 0.5])
def test_the_half_factor_handled_wrongly_is_named(
    derivation: Derivation, truth: dict, factor: float
) -> None:
    answers = answers_of(truth)
    answers["dE_dw6"] = num(factor * truth["dE_dw6"])
    answers["dE_dw4"] = num(factor * truth["dE_dw4"])
    verdicts = derivation.grade(answers, hw1.PARAMS)
    assert mistake_ids(verdicts)["dE_dw6"] == "half-factor"
    assert mistake_ids(verdicts)["dE_dw4"] == "half-factor"


def test_a_loss_without_its_half_is_named(derivation: Derivation, truth: dict) -> None:
    p = hw1.PARAMS
    answers = answers_of(truth)
    answers["E"] = num((p["t1"] - truth["out_o1"]) ** 2 + (p["t2"] - truth["out_o2"]) ** 2)
    assert mistake_ids(derivation.grade(answers, p))["E"] == "half-factor"


def test_a_bias_gradient_from_one_unit_is_named(derivation: Derivation, truth: dict) -> None:
    q, p = plain(truth), hw1.PARAMS
    d1, d2 = q["err1"] * q["s1"], q["err2"] * q["s2"]
    answers = answers_of(truth)
    answers["dE_db2"] = num(d1)
    answers["dE_db1"] = num((d1 * p["w6"] + d2 * p["w8"]) * q["h2"] * (1 - q["h2"]))
    verdicts = derivation.grade(answers, p)
    assert mistake_ids(verdicts)["dE_db2"] == "bias-one-unit"
    assert mistake_ids(verdicts)["dE_db1"] == "bias-one-unit"
    assert verdicts["dE_db2"].feedback == hw1.BIAS_ONE_UNIT.explanation


@pytest.mark.parametrize(
    ("mistake", "update"),
    [
        ("update-sign", lambda w, g, eta: w + eta * g),
        ("wrong-learning-rate", lambda w, g, eta: w - g),
        ("wrong-learning-rate", lambda w, g, eta: w - 0.1 * eta * g),
        ("no-change", lambda w, g, eta: w),
    ],
)
def test_wrong_updates_are_named(
    derivation: Derivation, truth: dict, mistake: str, update: object
) -> None:
    assert callable(update)
    p = hw1.PARAMS
    answers = answers_of(truth)
    for name in PARAMETERS:
        answers[f"{name}_new"] = num(update(p[name], truth[f"dE_d{name}"], p["eta"]))
    verdicts = derivation.grade(answers, p)
    for name in PARAMETERS:
        assert verdicts[f"{name}_new"].status is Status.INCORRECT, name
        assert mistake_ids(verdicts)[f"{name}_new"] == mistake, name


def test_the_figure_read_with_swapped_weights_is_named_with_half_credit(
    derivation: Derivation, truth: dict
) -> None:
    p = hw1.PARAMS
    answers = answers_of(truth)
    answers["net_h1"] = num(p["w1"] * p["i1"] + p["w3"] * p["i2"] + p["b1"])
    answers["net_h2"] = num(p["w2"] * p["i1"] + p["w4"] * p["i2"] + p["b1"])
    verdicts = derivation.grade(answers, p)
    for name in ("net_h1", "net_h2"):
        assert mistake_ids(verdicts)[name] == "swapped-weights"
        assert verdicts[name].credit == 0.5


# --- the seed student (sheet 004), their numbers as they wrote them --------------------------

# Typed by connection: the student's figure put w3 on i2 -> h1 and w7 on h2 -> o1, so their
# "dE/dw3" is the course's dE_dw2, their "dE/dw7" the course's dE_dw6, and so on; their updates
# by the old value they started from.
SEED = {
    name: value
    for name, value in build_demos().HW1_SEED.items()  # the same sheet as the seed demo's
    if not name.startswith(("q2_", "q3_"))
}

SEED_VERDICTS = {
    "net_h1": ("incorrect", "swapped-weights"),
    "out_h1": ("correct", None),  # σ(0.3825) = 0.5945, within half a percent of 0.5933
    "net_h2": ("incorrect", "swapped-weights"),
    "out_h2": ("correct", None),
    "net_o1": ("incorrect", None),  # b2 taken as 0.8 as well
    "out_o1": ("follow-through", None),
    "net_o2": ("incorrect", None),
    "out_o2": ("follow-through", None),
    "E": ("incorrect", "misread-given"),  # t2 taken as 0.02: named once, here
    "dE_dw5": ("incorrect", "gradient-sign"),
    "dE_dw6": ("follow-through", None),
    "dE_dw7": ("follow-through", None),  # t2 = 0.02 again (and the sign): follows from it
    "dE_dw8": ("follow-through", None),
    "dE_db2": ("follow-through", None),  # both of their own output deltas, summed
    "dE_dw1": ("incorrect", "swapped-weights"),  # back through w6 where the course has w7
    "dE_dw2": ("incorrect", "swapped-weights"),
    "dE_dw3": ("incorrect", "swapped-weights"),
    "dE_dw4": ("incorrect", "swapped-weights"),
    "dE_db1": ("follow-through", None),
    "w1_new": ("incorrect", "no-change"),
    "w2_new": ("incorrect", "no-change"),
    "w3_new": ("incorrect", "no-change"),
    "w4_new": ("incorrect", "no-change"),
    "w5_new": ("follow-through", None),
    "w6_new": ("incorrect", None),  # updated with another weight's gradient
    "w7_new": ("incorrect", None),  # 0.5 + 0.037 written as 0.538
    "w8_new": ("follow-through", None),
    "b1_new": ("incorrect", None),
    "b2_new": ("incorrect", None),  # from b2 = 0.8
}


def test_the_seed_students_sheet_is_graded_as_a_careful_ta_would(derivation: Derivation) -> None:
    answers = {k: num(float(v), v) for k, v in SEED.items()}
    verdicts = derivation.grade(answers, hw1.PARAMS)
    got = {k: (v.status.value, v.mistake.id if v.mistake else None) for k, v in verdicts.items()}
    assert got == SEED_VERDICTS
    assert "follow from t2 = 0.02; the question gives t2 = 0.99" in verdicts["E"].feedback
    assert "counted once, at E" in verdicts["dE_dw7"].feedback


def test_the_seed_students_misread_figure_is_the_swapped_reading() -> None:
    # their net_h1 is w1*i1 + w3*i2 + b1: the course's equation with w2 and w3 exchanged
    p = hw1.PARAMS
    assert p["w1"] * p["i1"] + p["w3"] * p["i2"] + p["b1"] == pytest.approx(float(SEED["net_h1"]))
    assert p["w2"] * p["i1"] + p["w4"] * p["i2"] + p["b1"] == pytest.approx(float(SEED["net_h2"]))


# === Q2: delta terms =========================================================================

R = {name: sympy.Symbol(name, real=True) for name in hw1.NETWORK_NAMES}


def composed_f() -> sympy.Expr:
    """f as one formula of x and the weights, built here from the network's definition."""

    def s(u: sympy.Expr) -> sympy.Expr:
        return 1 / (1 + sympy.exp(-u))

    x = sympy.Matrix([R["x1"], R["x2"]])
    w1 = sympy.Matrix(2, 2, [R[n] for n in hw1.W1_NAMES])
    w2 = sympy.Matrix(2, 2, [R[n] for n in hw1.W2_NAMES])
    a1 = (w1 * x).applyfunc(s)
    a2 = (w2 * a1).applyfunc(s)
    return R["w3_1"] * a2[0] + R["w3_2"] * a2[1]


def expand(expr: sympy.Expr) -> sympy.Expr:
    """A Q2 formula with its notation replaced, down to x and the weights."""
    notation = {sympy.Symbol(k, real=True): v for k, v in hw1.network_notation().items()}
    notation |= {sympy.Symbol(k): v for k, v in hw1.network_notation().items()}
    expr = expr.xreplace({s: sympy.Symbol(s.name, real=True) for s in expr.free_symbols})
    for _ in range(6):
        expr = expr.xreplace(notation)
        expr = expr.xreplace({s: sympy.Symbol(s.name, real=True) for s in expr.free_symbols})
    return expr


def derivatives() -> dict[str, sympy.Expr]:
    """Each asked delta by differentiating the composed f, via the chain rule's definition."""
    f = composed_f()
    z = {name: sympy.Symbol(f"{name}_free", real=True) for name in ("z2_1", "z2_2")}
    # ∂f/∂z2_i: f written with z2_i as a free variable, differentiated, then z2_i put back
    a1 = [1 / (1 + sympy.exp(-(R[f"w1_{j}1"] * R["x1"] + R[f"w1_{j}2"] * R["x2"]))) for j in (1, 2)]
    z2 = [R[f"w2_{i}1"] * a1[0] + R[f"w2_{i}2"] * a1[1] for i in (1, 2)]
    f_of_z2 = sum(R[f"w3_{i}"] / (1 + sympy.exp(-z[f"z2_{i}"])) for i in (1, 2))
    out = {
        f"q2_delta2_{i}": sympy.diff(f_of_z2, z[f"z2_{i}"]).subs(z[f"z2_{i}"], z2[i - 1])
        for i in (1, 2)
    }
    out["q2_delta1"] = out["q2_delta2_1"]
    zz = {j: sympy.Symbol(f"z1_{j}_free", real=True) for j in (1, 2)}
    a1_free = [1 / (1 + sympy.exp(-zz[j])) for j in (1, 2)]
    f_of_z1 = sum(
        R[f"w3_{i}"] / (1 + sympy.exp(-(R[f"w2_{i}1"] * a1_free[0] + R[f"w2_{i}2"] * a1_free[1])))
        for i in (1, 2)
    )
    z1 = [R[f"w1_{j}1"] * R["x1"] + R[f"w1_{j}2"] * R["x2"] for j in (1, 2)]
    for j in (1, 2):
        out[f"q2_delta3_{j}"] = sympy.diff(f_of_z1, zz[j]).subs({zz[1]: z1[0], zz[2]: z1[1]})
    out["q2_delta4"] = sympy.diff(f, R["w1_11"])
    return out


@pytest.fixture(scope="module")
def delta_parts() -> dict[str, object]:
    return {part.item.variable: part for part in hw1.delta_parts()}


def references() -> dict[str, sympy.Expr]:
    return {part.item.variable: part.expected(hw1.PARAMS) for part in hw1.delta_parts()}


def test_q2_references_equal_sympys_derivatives_at_random_points() -> None:
    truth = derivatives()
    refs = references()
    assert set(truth) == set(refs)
    symbols = sorted({s for e in truth.values() for s in e.free_symbols}, key=str)
    rng = random.Random(3)
    points = [[rng.uniform(-2, 2) for _ in symbols] for _ in range(30)]
    for name, ref in refs.items():
        mine = expand(ref)
        assert mine.free_symbols <= set(symbols), name
        mine_at = sympy.lambdify(symbols, mine, modules="math")
        theirs_at = sympy.lambdify(symbols, truth[name], modules="math")
        for point in points:
            assert mine_at(*point) == pytest.approx(theirs_at(*point), rel=1e-9), name


def test_q2_delta4_is_sympys_derivative_exactly() -> None:
    # a symbolic proof for the deepest one: the difference simplifies to 0
    difference = expand(references()["q2_delta4"]) - derivatives()["q2_delta4"]
    assert sympy.cancel(difference.rewrite(sympy.exp)) == 0


def test_q2_references_match_torch_autograd() -> None:
    rng = random.Random(5)
    for _ in range(5):
        values = {
            n: rng.uniform(-2, 2)
            for n in (*hw1.X_NAMES, *hw1.W1_NAMES, *hw1.W2_NAMES, *hw1.W3_NAMES)
        }
        t = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True) for n, v in values.items()}
        x = torch.stack([t["x1"], t["x2"]])
        w1 = torch.stack([t[n] for n in hw1.W1_NAMES]).reshape(2, 2)
        w2 = torch.stack([t[n] for n in hw1.W2_NAMES]).reshape(2, 2)
        z1 = w1 @ x
        z1.retain_grad()
        z2 = w2 @ torch.sigmoid(z1)
        z2.retain_grad()
        f = t["w3_1"] * torch.sigmoid(z2[0]) + t["w3_2"] * torch.sigmoid(z2[1])
        f.backward()
        assert z1.grad is not None and z2.grad is not None and t["w1_11"].grad is not None
        auto = {
            "q2_delta1": z2.grad[0].item(),
            "q2_delta2_1": z2.grad[0].item(),
            "q2_delta2_2": z2.grad[1].item(),
            "q2_delta3_1": z1.grad[0].item(),
            "q2_delta3_2": z1.grad[1].item(),
            "q2_delta4": t["w1_11"].grad.item(),
        }
        point = {sympy.Symbol(n, real=True): v for n, v in values.items()}
        for name, ref in references().items():
            assert float(expand(ref).subs(point)) == pytest.approx(auto[name], rel=1e-9), name


@pytest.mark.parametrize(
    ("variable", "written"),
    [
        ("q2_delta1", "w3_1*a2_1*(1 - a2_1)"),
        ("q2_delta1", "w3_1*sigmoid(z2_1)*(1 - sigmoid(z2_1))"),
        ("q2_delta1", "w3_1*sigmoid'(z2_1)"),
        ("q2_delta1", r"w^{[3]}_1 a^{[2]}_1 (1 - a^{[2]}_1)"),
        ("q2_delta1", "w3_1*exp(-z2_1)/(1 + exp(-z2_1))**2"),
        ("q2_delta2_2", "w3_2*a2_2*(1-a2_2)"),
        ("q2_delta3_1", "(w3_1*a2_1*(1-a2_1)*w2_11 + w3_2*a2_2*(1-a2_2)*w2_21)*a1_1*(1-a1_1)"),
        ("q2_delta3_1", "(delta2_1*w2_11 + delta2_2*w2_21)*a1_1*(1 - a1_1)"),
        ("q2_delta3_2", "(delta2_1*w2_12 + delta2_2*w2_22)*sigmoid(z1_2)*(1 - sigmoid(z1_2))"),
        ("q2_delta4", "delta3_1*x1"),
        ("q2_delta4", "x1*a1_1*(1-a1_1)*(delta1*w2_11 + delta2_2*w2_21)"),
    ],
)
def test_q2_accepts_activations_sigmoids_and_earlier_deltas(
    delta_parts: dict, variable: str, written: str
) -> None:
    verdict = delta_parts[variable].grade({variable: text(written)}, hw1.PARAMS)[variable]
    assert verdict.status is Status.CORRECT, verdict.feedback


def test_q2_accepts_a_sympy_expression_brought_out_as_text(delta_parts: dict) -> None:
    # what the harvest brings back for a sympy answer: its str()
    a = sympy.Symbol("a2_1")
    written = str(sympy.Symbol("w3_1") * a * (1 - a))
    expr = Answer(Kind.EXPR, written, text=written)
    verdict = delta_parts["q2_delta1"].grade({"q2_delta1": expr}, hw1.PARAMS)["q2_delta1"]
    assert verdict.status is Status.CORRECT


@pytest.mark.parametrize(
    ("variable", "written", "mistake"),
    [
        ("q2_delta1", "w3_1", "missing-sigmoid-derivative"),
        ("q2_delta1", "w2_1*a2_1*(1 - a2_1)", "weight-layer-label"),
        (
            "q2_delta3_1",
            "(w3_1*a2_1*(1-a2_1)*w2_11 + w3_2*a2_2*(1-a2_2)*w2_12)*a1_1*(1-a1_1)",
            "transposed-weights",
        ),
        ("q2_delta4", "delta3_1*x2", "wrong-input"),
    ],
)
def test_q2_names_known_mistakes(
    delta_parts: dict, variable: str, written: str, mistake: str
) -> None:
    verdict = delta_parts[variable].grade({variable: text(written)}, hw1.PARAMS)[variable]
    assert verdict.status is Status.INCORRECT
    assert verdict.mistake is not None and verdict.mistake.id == mistake


def test_q2_an_answer_cannot_name_itself(delta_parts: dict) -> None:
    # delta1 is not a name in (a): "delta1" alone is not an answer to δ1
    verdict = delta_parts["q2_delta1"].grade({"q2_delta1": text("delta1")}, hw1.PARAMS)
    assert verdict["q2_delta1"].status is Status.INCORRECT
    assert "delta1" in verdict["q2_delta1"].feedback


def test_q2_rejects_a_wrong_sign_and_an_unreadable_answer(delta_parts: dict) -> None:
    part = delta_parts["q2_delta2_1"]
    wrong = part.grade({"q2_delta2_1": text("-w3_1*a2_1*(1 - a2_1)")}, hw1.PARAMS)
    assert wrong["q2_delta2_1"].status is Status.INCORRECT
    bad = part.grade({"q2_delta2_1": text("__import__('os').system('true')")}, hw1.PARAMS)
    assert bad["q2_delta2_1"].status is Status.INVALID


def test_q2_declares_every_name_it_accepts() -> None:
    question = hw1.homework().question("hw1.q2")
    for name in (*hw1.NETWORK_NAMES, *hw1.DELTA_NAMES):
        assert name in question.answer_help, name


def test_q2_solutions_are_python_syntax_the_grader_reads_back(delta_parts: dict) -> None:
    for variable, part in delta_parts.items():
        written = part.solve(hw1.PARAMS)[variable]
        assert isinstance(written, str)
        parse_expression(written)
        verdict = part.grade({variable: text(written)}, hw1.PARAMS)[variable]
        assert verdict.status is Status.CORRECT, variable


# === Q3: softmax with two classes ============================================================

Z1, Z2 = sympy.symbols("z1 z2", real=True)


def test_softmax_of_the_second_class_is_the_sigmoid_of_the_difference() -> None:
    softmax_2 = sympy.exp(Z2) / (sympy.exp(Z1) + sympy.exp(Z2))
    sigma = 1 / (1 + sympy.exp(-(Z2 - Z1)))
    assert sympy.simplify(softmax_2 - sigma) == 0
    rng = random.Random(7)
    for _ in range(200):
        z = torch.tensor([rng.uniform(-30, 30), rng.uniform(-30, 30)], dtype=torch.float64)
        assert torch.softmax(z, 0)[1].item() == pytest.approx(
            torch.sigmoid(z[1] - z[0]).item(), rel=1e-12, abs=1e-300
        )


def test_the_reference_mapping_gives_the_same_model_at_random_points() -> None:
    weight = sympy.sympify(hw1.logistic_weight())
    bias = sympy.sympify(hw1.logistic_bias())
    rng = random.Random(9)
    for _ in range(200):
        w = torch.tensor([[rng.uniform(-3, 3)], [rng.uniform(-3, 3)]], dtype=torch.float64)
        b = torch.tensor([rng.uniform(-3, 3), rng.uniform(-3, 3)], dtype=torch.float64)
        x = torch.tensor([rng.uniform(-5, 5)], dtype=torch.float64)
        softmax = torch.softmax(w @ x + b, 0)
        point = {
            sympy.Symbol("W_s1", real=True): w[0, 0].item(),
            sympy.Symbol("W_s2", real=True): w[1, 0].item(),
            sympy.Symbol("b_s1", real=True): b[0].item(),
            sympy.Symbol("b_s2", real=True): b[1].item(),
        }
        w_l, b_l = float(weight.subs(point)), float(bias.subs(point))
        logistic = torch.sigmoid(torch.tensor(w_l * x.item() + b_l, dtype=torch.float64))
        assert logistic.item() == pytest.approx(softmax[1].item(), rel=1e-9)
        assert (logistic.item() <= 0.5) == (softmax[0].item() >= softmax[1].item())


@pytest.fixture(scope="module")
def mapping() -> hw1.SoftmaxMapping:
    part = hw1.homework().question("hw1.q3").parts[1]
    assert isinstance(part, hw1.SoftmaxMapping)
    return part


def grade_mapping(mapping: hw1.SoftmaxMapping, w: str | None, b: str | None) -> dict:
    answers = {}
    if w is not None:
        answers["q3_W_l"] = text(w)
    if b is not None:
        answers["q3_b_l"] = text(b)
    verdicts = mapping.grade(answers, hw1.PARAMS)
    return {k: (v.status.value, v.mistake.id if v.mistake else None) for k, v in verdicts.items()}


@pytest.mark.parametrize(
    ("w", "b"),
    [
        ("W_s2 - W_s1", "b_s2 - b_s1"),
        ("-(W_s1 - W_s2)", "-b_s1 + b_s2"),
        (r"W_{s2} - W_{s1}", r"b_{s2} - b_{s1}"),
    ],
)
def test_q3_an_equivalent_mapping_is_correct(mapping: hw1.SoftmaxMapping, w: str, b: str) -> None:
    assert grade_mapping(mapping, w, b) == {
        "q3_W_l": ("correct", None),
        "q3_b_l": ("correct", None),
    }


def test_q3_the_reversed_difference_swaps_the_classes(mapping: hw1.SoftmaxMapping) -> None:
    got = grade_mapping(mapping, "W_s1 - W_s2", "b_s1 - b_s2")
    assert got == {
        "q3_W_l": ("incorrect", "classes-swapped"),
        "q3_b_l": ("incorrect", "classes-swapped"),
    }


def test_q3_same_decisions_with_other_probabilities_earn_part(mapping: hw1.SoftmaxMapping) -> None:
    verdicts = mapping.grade(
        {"q3_W_l": text("2*(W_s2 - W_s1)"), "q3_b_l": text("2*(b_s2 - b_s1)")}, hw1.PARAMS
    )
    for verdict in verdicts.values():
        assert verdict.status is Status.INCORRECT
        assert verdict.mistake is not None and verdict.mistake.id == "same-decisions-only"
        assert 0 < verdict.credit < 1


def test_q3_one_wrong_formula_keeps_the_other_right(mapping: hw1.SoftmaxMapping) -> None:
    got = grade_mapping(mapping, "W_s2 - W_s1", "b_s1 - b_s2")
    assert got == {"q3_W_l": ("correct", None), "q3_b_l": ("incorrect", "reversed-difference")}
    got = grade_mapping(mapping, "W_s2", "b_s2 - b_s1")
    assert got == {"q3_W_l": ("incorrect", None), "q3_b_l": ("correct", None)}


def test_q3_a_missing_or_unreadable_formula(mapping: hw1.SoftmaxMapping) -> None:
    got = grade_mapping(mapping, None, "b_s2 - b_s1")
    assert got == {"q3_W_l": ("missing", None), "q3_b_l": ("correct", None)}
    got = grade_mapping(mapping, "W_s2 - (", "b_s1 - b_s2")
    assert got == {"q3_W_l": ("invalid", None), "q3_b_l": ("incorrect", "reversed-difference")}


def test_q3_model_relation_is_decided_by_the_models() -> None:
    w, b = hw1.R("W_s2") - hw1.R("W_s1"), hw1.R("b_s2") - hw1.R("b_s1")
    assert hw1.model_relation(w, b) == "equivalent"
    assert hw1.model_relation(-w, -b) == "swapped"
    assert hw1.model_relation(3 * w, 3 * b) == "decisions"
    assert hw1.model_relation(-3 * w, -3 * b) == "swapped"
    assert hw1.model_relation(w, -b) == "different"


def test_q3_choice_is_no_in_english_and_persian() -> None:
    part = hw1.homework().question("hw1.q3").parts[0]
    assert part.solve(hw1.PARAMS) == {"q3_more_expressive": "no"}
    for said, status in (
        ("no", Status.CORRECT),
        ("خیر", Status.CORRECT),
        ("Yes", Status.INCORRECT),
    ):
        verdict = part.grade({"q3_more_expressive": text(said)}, hw1.PARAMS)["q3_more_expressive"]
        assert verdict.status is status, said


# === the homework as a whole =================================================================


def test_homework_questions_and_items() -> None:
    homework = hw1.homework()
    assert [q.id for q in homework.questions] == ["hw1.q1", "hw1.q2", "hw1.q3"]
    variables = homework.variables
    assert len(variables) == len(set(variables)) == 29 + 6 + 3
    assert homework.question("hw1.q1").points == pytest.approx(29 * hw1.STEP_POINTS)
    for question in homework.questions:
        assert question.prompt_fa, question.id
        question.prompt_for(homework.params)  # every field of the prompt is a parameter
