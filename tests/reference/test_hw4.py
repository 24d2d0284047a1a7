"""Tests for reference.hw4: Q2's derivation against torch autograd, and its grading.

The expected numbers are computed here independently, with torch autograd on float64 tensors
(and plain Python for the named mistakes), never copied from the reference module.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping

import pytest
import sympy
import torch

from graders.checks.derivation import Derivation
from graders.checks.numeric import Tolerance
from graders.model.answers import Answer, Kind, Status, Verdict
from reference import hw4

QUANTITIES = ("h1", "h2", "y_hat", "loss", *(f"dw{k}" for k in range(1, 7)))
WEIGHTS = tuple(f"w{k}" for k in range(1, 7))


# --- an independent route: torch autograd ---------------------------------------------------


def torch_epoch(params: Mapping[str, float], weights: list[float]) -> dict[str, float]:
    """One epoch of the network with autograd: forward values, gradients, updated weights."""
    w = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in weights]
    i1, i2, y = (torch.tensor(params[k], dtype=torch.float64) for k in ("i1", "i2", "y"))
    h1 = i1 * w[0] + i2 * w[1]
    h2 = i1 * w[2] + i2 * w[3]
    y_hat = torch.sigmoid(h1 * w[4] + h2 * w[5])
    loss = (y - y_hat) ** 2
    loss.backward()
    out = {"h1": h1.item(), "h2": h2.item(), "y_hat": y_hat.item(), "loss": loss.item()}
    with torch.no_grad():
        for k, wk in enumerate(w, start=1):
            assert wk.grad is not None
            out[f"dw{k}"] = wk.grad.item()
            out[f"w{k}"] = (wk - params["eta"] * wk.grad).item()
    return out


def torch_run(params: Mapping[str, float], epochs: int = hw4.EPOCHS) -> dict[str, float]:
    """Every step of every epoch, named as the homework names them (``e1_h1`` ...)."""
    weights = [float(params[w]) for w in WEIGHTS]
    values: dict[str, float] = {}
    for e in range(1, epochs + 1):
        epoch = torch_epoch(params, weights)
        values.update({f"e{e}_{k}": v for k, v in epoch.items()})
        weights = [epoch[w] for w in WEIGHTS]
    return values


def output_of(params: Mapping[str, float]) -> float:
    """The network's first output, in plain Python."""
    h1 = params["i1"] * params["w1"] + params["i2"] * params["w2"]
    h2 = params["i1"] * params["w3"] + params["i2"] * params["w4"]
    return 1 / (1 + math.exp(-(h1 * params["w5"] + h2 * params["w6"])))


# --- helpers --------------------------------------------------------------------------------


def num(value: float, text: str | None = None) -> Answer:
    """A NUMBER answer, written at full precision unless ``text`` says otherwise."""
    return Answer(Kind.NUMBER, value, text=repr(value) if text is None else text)


def rounded(value: float, figures: int = 4) -> Answer:
    text = f"{value:.{figures}g}"
    return num(float(text), text)


def answers_of(values: Mapping[str, float]) -> dict[str, Answer]:
    return {k: num(v) for k, v in values.items()}


def student_epoch_two(params: Mapping[str, float], e1: Mapping[str, float]) -> dict[str, float]:
    """Epoch 2 computed exactly from a student's own epoch-1 weights."""
    epoch = torch_epoch(params, [e1[f"e1_{w}"] for w in WEIGHTS])
    return {f"e2_{k}": v for k, v in epoch.items()}


def depends_on(derivation: Derivation, target: str) -> set[str]:
    """Every step whose formula reaches ``target``, directly or through other steps."""
    reached: set[str] = set()
    for step in derivation.steps:  # steps come in order: parents before children
        used = {s.name for s in step.formula.free_symbols}
        if target in used or used & reached:
            reached.add(step.name)
    return reached


@pytest.fixture(scope="module")
def derivation() -> Derivation:
    return hw4.backprop_derivation()


@pytest.fixture(scope="module")
def truth() -> dict[str, float]:
    return torch_run(hw4.PARAMS)


def statuses(verdicts: Mapping[str, Verdict]) -> dict[str, Status]:
    return {k: v.status for k, v in verdicts.items()}


# --- (a) the reference against autograd -----------------------------------------------------


def test_every_step_of_both_epochs_is_asked(derivation: Derivation) -> None:
    names = {item.variable for item in derivation.items}
    expected = {f"e{e}_{k}" for e in (1, 2) for k in (*QUANTITIES, *WEIGHTS)}
    assert names == expected
    assert len(names) == 2 * (4 + 6 + 6)


def test_course_parameters_are_the_homeworks() -> None:
    assert hw4.PARAMS == {
        "i1": 3.0,
        "i2": 5.0,
        "y": 1.0,
        "eta": 0.1,
        "w1": 0.1,
        "w2": 0.2,
        "w3": 0.3,
        "w4": 0.4,
        "w5": 0.5,
        "w6": 0.6,
    }


def assert_matches(solved: Mapping[str, float], truth: Mapping[str, float]) -> None:
    assert set(solved) == set(truth)
    for name, value in truth.items():
        assert abs(solved[name] - value) <= 1e-12 * max(1.0, abs(value)), name


def test_reference_matches_torch_autograd(derivation: Derivation, truth: dict) -> None:
    assert_matches(derivation.solve(hw4.PARAMS), truth)


@pytest.mark.parametrize("seed", range(5))
def test_reference_matches_torch_autograd_for_student_variants(
    derivation: Derivation, seed: int
) -> None:
    rng = random.Random(seed)
    params = {
        "i1": rng.uniform(-5, 5),
        "i2": rng.uniform(-5, 5),
        "y": rng.choice([0.0, 1.0, rng.uniform(0, 1)]),
        "eta": rng.choice([0.01, 0.1, 0.5]),
        **{w: rng.uniform(-1, 1) for w in WEIGHTS},
    }
    assert_matches(derivation.solve(params), torch_run(params))


def test_training_lowers_the_loss(truth: dict) -> None:
    assert truth["e2_loss"] < truth["e1_loss"]


# --- (b) a student who rounds ---------------------------------------------------------------


def test_every_step_rounded_to_four_figures_is_correct(derivation: Derivation, truth: dict) -> None:
    answers = {k: rounded(v) for k, v in truth.items()}
    assert any(a.value != truth[k] for k, a in answers.items())  # rounding did change values
    verdicts = derivation.grade(answers, hw4.PARAMS)
    assert statuses(verdicts) == dict.fromkeys(truth, Status.CORRECT)


def test_a_student_who_carries_rounded_numbers_forward_is_correct(
    derivation: Derivation,
) -> None:
    # each step computed from the student's own rounded numbers, then rounded to 4 figures
    p = hw4.PARAMS
    weights = {w: p[w] for w in WEIGHTS}
    answers: dict[str, Answer] = {}
    for e in (1, 2):
        h1 = rounded(p["i1"] * weights["w1"] + p["i2"] * weights["w2"])
        h2 = rounded(p["i1"] * weights["w3"] + p["i2"] * weights["w4"])
        y_hat = rounded(1 / (1 + math.exp(-(h1.value * weights["w5"] + h2.value * weights["w6"]))))
        loss = rounded((p["y"] - y_hat.value) ** 2)
        delta = -2 * (p["y"] - y_hat.value) * y_hat.value * (1 - y_hat.value)
        local = [
            weights["w5"] * p["i1"],
            weights["w5"] * p["i2"],
            weights["w6"] * p["i1"],
            weights["w6"] * p["i2"],
            h1.value,
            h2.value,
        ]
        grads = [rounded(delta * x) for x in local]
        new = {
            w: rounded(weights[w] - p["eta"] * g.value) for w, g in zip(WEIGHTS, grads, strict=True)
        }
        answers |= {f"e{e}_h1": h1, f"e{e}_h2": h2, f"e{e}_y_hat": y_hat, f"e{e}_loss": loss}
        answers |= {f"e{e}_d{w}": g for w, g in zip(WEIGHTS, grads, strict=True)}
        answers |= {f"e{e}_{w}": a for w, a in new.items()}
        weights = {w: a.value for w, a in new.items()}
    verdicts = derivation.grade(answers, hw4.PARAMS)
    assert statuses(verdicts) == dict.fromkeys(answers, Status.CORRECT)


# --- (c) gradients are judged at their own size ---------------------------------------------


def test_a_ten_percent_wrong_gradient_is_incorrect(derivation: Derivation, truth: dict) -> None:
    name = max((f"e1_dw{k}" for k in range(1, 7)), key=lambda n: abs(truth[n]))
    assert 3e-2 < abs(truth[name]) < 5e-2
    answers = answers_of(truth)
    answers[name] = num(1.1 * truth[name])
    verdict = derivation.grade(answers, hw4.PARAMS)[name]
    assert verdict.status is Status.INCORRECT
    assert verdict.mistake is None


def test_a_small_gradient_is_not_judged_with_the_tolerance_of_a_large_value(
    derivation: Derivation,
) -> None:
    # a target close to the first output makes every gradient about a hundred times smaller
    params = dict(hw4.PARAMS)
    first = output_of(params)
    params["y"] = first + (1 - first) / 100
    truth = torch_run(params)
    name = max((f"e1_dw{k}" for k in range(1, 7)), key=lambda n: abs(truth[n]))
    assert 2e-4 < abs(truth[name]) < 8e-4
    for wrong in (1.1 * truth[name], 0.9 * truth[name], 0.0, -truth[name]):
        answers = answers_of(truth)
        answers[name] = num(wrong)
        assert derivation.grade(answers, params)[name].status is Status.INCORRECT, wrong
    answers = answers_of(truth)
    answers[name] = rounded(truth[name])
    assert derivation.grade(answers, params)[name].status is Status.CORRECT


def test_the_tolerance_at_a_gradients_size_is_not_the_tolerance_at_an_outputs_size(
    derivation: Derivation,
) -> None:
    tol: Tolerance = derivation.tolerance
    gradient = 4e-4
    assert tol.allowed(gradient, 1.1 * gradient) < 0.1 * gradient
    assert tol.allowed(0.9, 0.9) > 0.1 * gradient  # what a fixed absolute tolerance would be


def test_the_output_is_judged_by_its_distance_to_one(derivation: Derivation, truth: dict) -> None:
    answers = answers_of(truth)
    answers["e1_y_hat"] = num(truth["e1_y_hat"] + 0.1 * (1 - truth["e1_y_hat"]))
    assert derivation.grade(answers, hw4.PARAMS)["e1_y_hat"].status is Status.INCORRECT


# --- (d) one slip in epoch 1, carried through epoch 2 ---------------------------------------


def slipped_student(truth: Mapping[str, float]) -> dict[str, float]:
    """Epoch 1 right except an arithmetic slip in w6; epoch 2 exact from the student's own."""
    own = {k: v for k, v in truth.items() if k.startswith("e1_")}
    own["e1_w6"] = truth["e1_w6"] + 0.1
    own |= student_epoch_two(hw4.PARAMS, own)
    return own


def test_the_slip_changes_epoch_two(truth: dict) -> None:
    own = slipped_student(truth)
    assert abs(own["e2_y_hat"] - truth["e2_y_hat"]) > 0.01


def test_a_slip_in_epoch_one_gives_follow_through_exactly_where_it_reaches(
    derivation: Derivation, truth: dict
) -> None:
    affected = depends_on(derivation, "e1_w6")
    epoch_two = {k for k in truth if k.startswith("e2_")}
    assert "e2_y_hat" in affected
    assert epoch_two - affected  # some steps of epoch 2 do not depend on w6
    assert affected <= epoch_two

    verdicts = derivation.grade(answers_of(slipped_student(truth)), hw4.PARAMS)
    assert verdicts["e1_w6"].status is Status.INCORRECT
    assert verdicts["e1_w6"].mistake is None
    for name, verdict in verdicts.items():
        if name in affected:
            assert verdict.status is Status.FOLLOW_THROUGH, name
            assert verdict.credit == 1.0
        elif name != "e1_w6":
            assert verdict.status is Status.CORRECT, name


def test_follow_through_names_the_students_own_inputs(derivation: Derivation, truth: dict) -> None:
    own = slipped_student(truth)
    verdict = derivation.grade(answers_of(own), hw4.PARAMS)["e2_w6"]
    assert verdict.details["inputs"]["e1_w6"] == f"{own['e1_w6']:.6g}"
    assert verdict.details["should_give"] == f"{own['e2_w6']:.6g}"


# --- (e) epoch-2 updates with the sign flipped ----------------------------------------------


def test_updates_with_the_sign_flipped_are_named(derivation: Derivation, truth: dict) -> None:
    own = slipped_student(truth)
    for w in WEIGHTS:
        own[f"e2_{w}"] = own[f"e1_{w}"] + hw4.PARAMS["eta"] * own[f"e2_d{w}"]
    verdicts = derivation.grade(answers_of(own), hw4.PARAMS)
    updates = {f"e2_{w}" for w in WEIGHTS}
    for name in updates:
        assert verdicts[name].status is Status.INCORRECT, name
        assert verdicts[name].mistake is not None
        assert verdicts[name].mistake.id == "update-sign", name
        assert verdicts[name].credit == hw4.UPDATE_SIGN.credit
    for name in depends_on(derivation, "e1_w6") - updates:
        assert verdicts[name].status is Status.FOLLOW_THROUGH, name


def test_sign_flipped_updates_are_named_without_any_earlier_slip(
    derivation: Derivation, truth: dict
) -> None:
    answers = answers_of(truth)
    for w in WEIGHTS:
        answers[f"e1_{w}"] = num(hw4.PARAMS[w] + hw4.PARAMS["eta"] * truth[f"e1_d{w}"])
    verdicts = derivation.grade(answers, hw4.PARAMS)
    for w in WEIGHTS:
        mistake = verdicts[f"e1_{w}"].mistake
        assert mistake is not None
        assert mistake.id == "update-sign"


# --- (f) named mistakes of the chain rule ---------------------------------------------------


def gradient_variants(truth: Mapping[str, float], e: int = 1) -> dict[str, dict[str, float]]:
    y_hat = truth[f"e{e}_y_hat"]
    sigma_prime = y_hat * (1 - y_hat)
    return {
        "missing-sigmoid-derivative": {
            f"e{e}_d{w}": truth[f"e{e}_d{w}"] / sigma_prime for w in WEIGHTS
        },
        "mse-factor-2": {f"e{e}_d{w}": truth[f"e{e}_d{w}"] / 2 for w in WEIGHTS},
    }


@pytest.mark.parametrize("mistake", ["missing-sigmoid-derivative", "mse-factor-2"])
def test_gradient_mistakes_are_named(derivation: Derivation, truth: dict, mistake: str) -> None:
    wrong = gradient_variants(truth)[mistake]
    answers = answers_of(truth) | answers_of(wrong)
    verdicts = derivation.grade(answers, hw4.PARAMS)
    for name in wrong:
        assert verdicts[name].status is Status.INCORRECT, name
        assert verdicts[name].mistake is not None
        assert verdicts[name].mistake.id == mistake, name
        assert verdicts[name].feedback == verdicts[name].mistake.explanation


@pytest.mark.parametrize("mistake", ["missing-sigmoid-derivative", "mse-factor-2"])
def test_updates_from_a_wrong_gradient_follow_through(
    derivation: Derivation, truth: dict, mistake: str
) -> None:
    wrong = gradient_variants(truth)[mistake]
    p = hw4.PARAMS
    updates = {f"e1_{w}": p[w] - p["eta"] * wrong[f"e1_d{w}"] for w in WEIGHTS}
    answers = answers_of({k: v for k, v in truth.items() if k.startswith("e1_")})
    answers |= answers_of(wrong) | answers_of(updates)
    verdicts = derivation.grade(answers, p)
    for name in updates:
        assert verdicts[name].status is Status.FOLLOW_THROUGH, name


def test_gradient_mistakes_are_found_in_epoch_two_too(derivation: Derivation, truth: dict) -> None:
    wrong = gradient_variants(truth, e=2)["mse-factor-2"]
    verdicts = derivation.grade(answers_of(truth) | answers_of(wrong), hw4.PARAMS)
    for name in wrong:
        mistake = verdicts[name].mistake
        assert mistake is not None
        assert mistake.id == "mse-factor-2"


# --- (g) learning rate ----------------------------------------------------------------------


@pytest.mark.parametrize("factor", [10.0, 0.1])
def test_a_wrong_learning_rate_is_named(derivation: Derivation, truth: dict, factor: float) -> None:
    p = hw4.PARAMS
    answers = answers_of(truth)
    for w in WEIGHTS:
        answers[f"e1_{w}"] = num(p[w] - factor * p["eta"] * truth[f"e1_d{w}"])
    verdicts = derivation.grade(answers, p)
    for w in WEIGHTS:
        verdict = verdicts[f"e1_{w}"]
        assert verdict.status is Status.INCORRECT
        assert verdict.mistake is not None
        assert verdict.mistake.id == "wrong-learning-rate"


# --- (h) converged? -------------------------------------------------------------------------


def choice(text: str) -> Answer:
    return Answer(Kind.TEXT, text, text=text)


def test_the_course_network_has_not_converged(derivation: Derivation, truth: dict) -> None:
    part = hw4.converged(derivation)
    assert max(abs(truth[f"e2_dw{k}"]) for k in range(1, 7)) >= hw4.CONVERGED_GRADIENT
    assert part.solve(hw4.PARAMS) == {"converged": "no"}
    assert part.grade({"converged": choice("no")}, hw4.PARAMS)["converged"].status is (
        Status.CORRECT
    )
    assert part.grade({"converged": choice("yes")}, hw4.PARAMS)["converged"].status is (
        Status.INCORRECT
    )


def test_a_target_equal_to_the_output_has_converged(derivation: Derivation) -> None:
    params = dict(hw4.PARAMS)
    params["y"] = output_of(params)  # nothing to learn: every gradient vanishes
    truth = torch_run(params)
    assert max(abs(truth[f"e2_dw{k}"]) for k in range(1, 7)) < 1e-12
    part = hw4.converged(derivation)
    assert part.solve(params) == {"converged": "yes"}
    assert part.grade({"converged": choice("yes")}, params)["converged"].status is (Status.CORRECT)


@pytest.mark.parametrize("distance", [1e-5, 1e-3, 3e-3, 1e-2, 0.1, -0.05])
def test_converged_follows_the_size_of_the_last_gradients(
    derivation: Derivation, distance: float
) -> None:
    params = dict(hw4.PARAMS)
    params["y"] = output_of(params) + distance
    truth = torch_run(params)
    largest = max(abs(truth[f"e{hw4.EPOCHS}_dw{k}"]) for k in range(1, 7))
    expected = "yes" if largest < hw4.CONVERGED_GRADIENT else "no"
    assert hw4.converged(derivation).solve(params) == {"converged": expected}


def test_both_answers_occur_over_the_distances() -> None:
    answers = set()
    derivation = hw4.backprop_derivation()
    for distance in (1e-5, 0.1):
        params = dict(hw4.PARAMS)
        params["y"] = output_of(params) + distance
        answers.add(hw4.converged(derivation).solve(params)["converged"])
    assert answers == {"yes", "no"}


# --- the homework as a whole ----------------------------------------------------------------


def test_homework_grades_q2_with_the_derivation_and_the_choice() -> None:
    homework = hw4.homework()
    q1, q2, q3 = homework.questions
    assert (q1.id, q2.id, q3.id) == ("hw4.q1", "hw4.q2", "hw4.q3")
    assert [item.variable for item in q1.items] == ["q1_answer"]
    variables = [item.variable for item in q2.items]
    assert variables[-1] == "converged"
    assert len(variables) == len(set(variables)) == 33
    assert q2.points == pytest.approx(32 * hw4.STEP_POINTS + 1.0)


def test_step_formulas_use_only_parameters_and_earlier_steps(derivation: Derivation) -> None:
    known = set(hw4.PARAMS)
    for step in derivation.steps:
        used = {s.name for s in step.formula.free_symbols}
        assert used <= known, step.name
        for _, wrong in step.mistakes:
            assert {s.name for s in wrong.free_symbols} <= known, step.name
        known.add(step.name)
    assert isinstance(derivation.formula("e1_loss"), sympy.Expr)
