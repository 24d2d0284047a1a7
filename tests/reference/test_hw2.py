"""Tests for reference.hw2: every reference against an independent route, and its grading.

- the dropout tables, recomputed in plain Python with exact fractions (no numpy);
- the official key's tables as the seed prints them: which cells are wrong, and that no
  whole-table diagnosis explains them;
- k-NN's bias and variance with scikit-learn's KNeighborsRegressor on fresh data;
- the true/false statements and the regulariser rule with scikit-learn regressions;
- Q4's runs with torch (the released notebook's own ``train_digits``) and with the stability
  limits of gradient descent on a quadratic (the eigenvalues of the loss's Hessian).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import Lasso, LinearRegression, Ridge
from sklearn.metrics import mean_squared_error
from sklearn.neighbors import KNeighborsRegressor

from graders.checks.tables import MIRRORED, TRANSPOSED
from graders.model.answers import Answer, Kind, Status, Verdict
from graders.model.parts import TablePart
from graders.model.questions import Homework, Params
from reference import hw2
from reference.dropout import (
    DROPOUT_KEEP_DROP_SWAPPED,
    DROPOUT_NOT_SCALED,
    DROPOUT_P_INSTEAD_OF_INVERSE,
)

TABLES = {variable: table for table, variable, _ in hw2.DROPOUT_ITEMS}

# The official key's four tables, cell by cell as the seed prints them (its answers, not ours).
KEY_TABLES = {
    "q1c_standard_train": [[1.6, 0, 0, 1.9], [0, 2.5, 2.5, 0], [0, 3.2, 3.7, 0], [1.3, 0, 0, 1.2]],
    "q1c_standard_test": [
        [0.8, -0.35, -0.1, 1.9],
        [-1.15, 1.25, 1.25, -0.45],
        [-0.25, 1.6, 1.85, -0.2],
        [0.65, -0.2, -1.3, 0.6],
    ],
    "q1c_inverted_train": [[2.3, 0, 0, 3.8], [0, 5, 5, 0], [0, 7.4, 6.4, 0], [2.4, 0, 0, 2.6]],
    "q1c_inverted_test": [
        [1.6, -0.7, -0.2, 1.9],
        [-2.3, 2.5, 2.5, -0.9],
        [-0.5, 3.2, 3.7, -0.4],
        [1.3, -0.4, -2.6, 1.2],
    ],
}


# --- helpers --------------------------------------------------------------------------------


def array(table: Any) -> Answer:
    values = np.asarray(table, dtype=float)
    return Answer(Kind.ARRAY, values, text=repr(np.asarray(table).tolist()))


def text(value: str) -> Answer:
    return Answer(Kind.TEXT, value, text=repr(value))


def number(value: float) -> Answer:
    return Answer(Kind.NUMBER, value, text=repr(value))


def part_of(book: Homework, variable: str) -> Any:
    for question in book.questions:
        for part in question.parts:
            if variable in {item.variable for item in part.items}:
                return part
    raise KeyError(variable)


def grade(book: Homework, answers: Mapping[str, Answer], params: Params | None = None) -> dict:
    params = book.params if params is None else params
    verdicts: dict[str, Verdict] = {}
    for variable, answer in answers.items():
        verdicts.update(part_of(book, variable).grade({variable: answer}, params))
    return {k: v for k, v in verdicts.items() if k in answers}


@pytest.fixture(scope="module")
def book() -> Homework:
    return hw2.homework()


# --- Q1(c): the dropout tables, in plain Python -----------------------------------------------


def exact(x: float) -> Fraction:
    return Fraction(str(x))


def python_tables(output: Any, mask: Any) -> tuple[Fraction, dict[str, list[list[Fraction]]]]:
    """p and the four tables from the definitions, with exact fractions and no numpy."""
    cells = [exact(m) for row in mask for m in row]
    p = sum(cells, Fraction(0)) / len(cells)
    out = [[exact(x) for x in row] for row in output]
    keep = [[exact(m) for m in row] for row in mask]
    tables = {
        "q1c_standard_train": [
            [o * m for o, m in zip(r, k, strict=True)] for r, k in zip(out, keep, strict=True)
        ],
        "q1c_standard_test": [[o * p for o in r] for r in out],
        "q1c_inverted_train": [
            [o * m / p for o, m in zip(r, k, strict=True)] for r, k in zip(out, keep, strict=True)
        ],
        "q1c_inverted_test": [list(r) for r in out],
    }
    return p, tables


def test_keep_probability_is_the_fraction_of_ones(book: Homework) -> None:
    p, _ = python_tables(hw2.OUTPUT, hw2.MASK)
    assert p == Fraction(8, 16)
    assert part_of(book, "q1c_p").solve(book.params) == {"q1c_p": float(p)}


@pytest.mark.parametrize("variable", sorted(TABLES))
def test_dropout_table_matches_plain_python(book: Homework, variable: str) -> None:
    _, tables = python_tables(hw2.OUTPUT, hw2.MASK)
    solved = part_of(book, variable).solve(book.params)[variable]
    assert len(solved) == 4 and all(len(row) == 4 for row in solved)
    for got_row, want_row in zip(solved, tables[variable], strict=True):
        for got, want in zip(got_row, want_row, strict=True):
            assert got == pytest.approx(float(want), abs=1e-12)


def test_dropout_tables_follow_other_masks(book: Homework) -> None:
    rng = np.random.default_rng(7)
    output = np.round(rng.normal(size=(3, 5)), 1).tolist()
    mask = [[1, 1, 0, 1, 1], [0, 1, 1, 1, 0], [1, 1, 1, 0, 1]]
    params = {**book.params, "output": output, "mask": mask}
    p, tables = python_tables(output, mask)
    assert p == Fraction(11, 15)
    for variable, table in tables.items():
        solved = part_of(book, variable).solve(params)[variable]
        assert np.allclose(solved, [[float(x) for x in row] for row in table], atol=1e-12)


def test_reference_tables_grade_correct(book: Homework) -> None:
    for variable in TABLES:
        solved = part_of(book, variable).solve(book.params)[variable]
        assert "-0.0" not in repr(solved)  # a masked negative cell is written 0.0
        verdict = grade(book, {variable: array(solved)})[variable]
        assert verdict.status is Status.CORRECT and verdict.credit == 1.0


# --- Q1(c): the official key's tables ---------------------------------------------------------


def wrong_cells(given: Any, truth: list[list[Fraction]]) -> set[tuple[int, int]]:
    """Cells more than 0.01 + 1% away from the exact value (the check's default tolerance)."""
    return {
        (i, j)
        for i, row in enumerate(truth)
        for j, want in enumerate(row)
        if abs(exact(given[i][j]) - want)
        > Fraction(1, 100) + Fraction(1, 100) * max(abs(exact(given[i][j])), abs(want))
    }


def test_key_tables_wrong_cells_are_found(book: Homework) -> None:
    _, truth = python_tables(hw2.OUTPUT, hw2.MASK)
    verdicts = grade(book, {v: array(t) for v, t in KEY_TABLES.items()})
    for variable, table in KEY_TABLES.items():
        verdict = verdicts[variable]
        independent = wrong_cells(table, truth[variable])
        flagged = {
            (i, j)
            for i, row in enumerate(verdict.details["wrong"])
            for j, bad in enumerate(row)
            if bad
        }
        assert flagged == independent, variable
        assert verdict.credit == pytest.approx(1 - len(independent) / 16)
        assert verdict.mistake is None, variable  # no whole-table diagnosis explains the slips


def test_key_tables_read_as_in_the_seed(book: Homework) -> None:
    """What a reader of the seed sees: two tables right, one unscaled cell, five slips."""
    verdicts = grade(book, {v: array(t) for v, t in KEY_TABLES.items()})
    status = {v: verdicts[v].status for v in KEY_TABLES}
    assert status["q1c_standard_train"] is Status.CORRECT
    assert status["q1c_inverted_test"] is Status.CORRECT
    wrong = {
        v: {
            (i, j)
            for i, row in enumerate(verdicts[v].details["wrong"])
            for j, bad in enumerate(row)
            if bad
        }
        for v in ("q1c_standard_test", "q1c_inverted_train")
    }
    # 1.9 left as it is, where standard dropout's test table multiplies it by p.
    assert wrong["q1c_standard_test"] == {(0, 3)}
    assert KEY_TABLES["q1c_standard_test"][0][3] == hw2.OUTPUT[0][3]
    # 2.3 for 3.2, and the kept cells of rows 3 and 4 reversed (a row-by-row mirror), yet the
    # whole table is neither mirrored nor transposed, so no diagnosis applies.
    assert wrong["q1c_inverted_train"] == {(0, 0), (2, 1), (2, 2), (3, 0), (3, 3)}
    verdict = verdicts["q1c_inverted_train"]
    assert verdict.status is Status.INCORRECT and verdict.credit == pytest.approx(11 / 16)
    assert "diagnosis" not in verdict.details


# --- Q1(c): diagnoses ------------------------------------------------------------------------


def test_transposed_and_mirrored_tables_are_named(book: Homework) -> None:
    solved = part_of(book, "q1c_inverted_test").solve(book.params)["q1c_inverted_test"]
    verdicts = grade(book, {"q1c_inverted_test": array(np.transpose(solved))})
    assert verdicts["q1c_inverted_test"].mistake == TRANSPOSED
    verdicts = grade(book, {"q1c_inverted_test": array(np.fliplr(solved))})
    assert verdicts["q1c_inverted_test"].mistake == MIRRORED


def test_scaling_mistakes_are_named(book: Homework) -> None:
    out, mask = np.array(hw2.OUTPUT), np.array(hw2.MASK)
    answers = {
        "q1c_inverted_train": array(out * mask * 0.5),  # multiplied by p instead of divided
        "q1c_standard_test": array(out),  # not scaled at test time
    }
    verdicts = grade(book, answers)
    assert verdicts["q1c_inverted_train"].mistake == DROPOUT_P_INSTEAD_OF_INVERSE
    assert verdicts["q1c_standard_test"].mistake == DROPOUT_NOT_SCALED


def test_drop_probability_is_named_when_it_differs(book: Homework) -> None:
    """With 3 of 4 units kept (p = 0.75), using 1 − p = 0.25 is recognisable."""
    mask = [[1, 1, 1, 0], [1, 0, 1, 1], [1, 1, 0, 1], [0, 1, 1, 1]]
    params = {**book.params, "mask": mask}
    out = np.array(hw2.OUTPUT)
    answers = {
        "q1c_p": number(0.25),
        "q1c_inverted_train": array(out * np.array(mask) / 0.25),
        "q1c_standard_test": array(out * 0.25),
    }
    verdicts = grade(book, answers, params)
    assert verdicts["q1c_p"].mistake == hw2.DROP_FRACTION
    assert verdicts["q1c_inverted_train"].mistake == DROPOUT_KEEP_DROP_SWAPPED
    assert verdicts["q1c_standard_test"].mistake == DROPOUT_KEEP_DROP_SWAPPED


def test_table_part_reads_a_torch_tensor_shape_and_rejects_text(book: Homework) -> None:
    part = part_of(book, "q1c_inverted_test")
    assert isinstance(part, TablePart)
    one_by = array(np.asarray(hw2.OUTPUT)[None, :, :])
    assert part.grade({"q1c_inverted_test": one_by}, book.params)["q1c_inverted_test"].status is (
        Status.CORRECT
    )
    verdict = part.grade({"q1c_inverted_test": text("the same")}, book.params)
    assert verdict["q1c_inverted_test"].status is Status.INVALID
    assert part.grade({}, book.params)["q1c_inverted_test"].status is Status.MISSING


# --- Q2(a): k-NN ------------------------------------------------------------------------------


def sklearn_bias_variance(params: Params, k: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    x_test = rng.uniform(0.05, 0.95, 80)[:, None]
    truth = np.sin(2 * np.pi * x_test[:, 0])
    predictions = []
    for _ in range(150):
        x = rng.uniform(0, 1, (params["knn_n_train"], 1))
        y = np.sin(2 * np.pi * x[:, 0]) + rng.normal(0, params["knn_noise"], len(x))
        predictions.append(KNeighborsRegressor(n_neighbors=k).fit(x, y).predict(x_test))
    stack = np.array(predictions)
    return float(np.mean((stack.mean(0) - truth) ** 2)), float(np.mean(stack.var(0)))


def test_knn_levels_agree_with_scikit_learn(book: Homework) -> None:
    params = book.params
    small, large = params["knn_k_small"], params["knn_k_large"]
    bias_s, var_s = sklearn_bias_variance(params, small, seed=123)
    bias_l, var_l = sklearn_bias_variance(params, large, seed=123)
    independent = {
        "q2a_small_k_bias": "low" if bias_s < bias_l else "high",
        "q2a_small_k_variance": "low" if var_s < var_l else "high",
        "q2a_large_k_bias": "low" if bias_l < bias_s else "high",
        "q2a_large_k_variance": "low" if var_l < var_s else "high",
    }
    solved = {v: part_of(book, v).solve(params)[v] for v in independent}
    assert solved == independent
    # and the margins are wide: 1-NN's variance is about the noise variance
    assert var_s == pytest.approx(params["knn_noise"] ** 2, rel=0.3)
    assert var_s > 3 * var_l and bias_l > 10 * bias_s


def test_knn_measurement_matches_scikit_learn_numbers(book: Homework) -> None:
    measured = hw2.knn_bias_variance(book.params)
    for k in (book.params["knn_k_small"], book.params["knn_k_large"]):
        bias, variance = sklearn_bias_variance(book.params, k, seed=99)
        assert measured[k][1] == pytest.approx(variance, rel=0.25)
        assert measured[k][0] == pytest.approx(bias, rel=0.5, abs=2e-3)


def test_knn_spellings(book: Homework) -> None:
    answers = {
        "q2a_small_k_bias": text("Low"),
        "q2a_small_k_variance": text("زیاد"),
        "q2a_large_k_bias": text("high"),
        "q2a_large_k_variance": text("بالا"),
    }
    verdicts = grade(book, answers)
    assert [verdicts[v].status for v in answers] == [
        Status.CORRECT,
        Status.CORRECT,
        Status.CORRECT,
        Status.INCORRECT,
    ]


# --- Q2(b): true or false, backed by experiments ---------------------------------------------


def regression_data(seed: int, n: int, features: int, noise: float = 1.0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2 * n, features))
    w = np.zeros(features)
    w[:3] = (3.0, -2.0, 1.5)
    y = x @ w + rng.normal(0, noise, 2 * n)
    return x[:n], y[:n], x[n:], y[n:]


def gap(model: Any, data: tuple[np.ndarray, ...]) -> tuple[float, float]:
    """(test error, test error − training error) of ``model`` fitted on the data."""
    x, y, xt, yt = data
    model.fit(x, y)
    train = mean_squared_error(y, model.predict(x))
    test = mean_squared_error(yt, model.predict(xt))
    return test, test - train


def test_statement_1_regularisation_can_weaken_the_model() -> None:
    data = regression_data(0, 60, 5)
    weak, _ = gap(Ridge(alpha=1e-3), data)
    heavy, _ = gap(Ridge(alpha=1e4), data)
    assert heavy > 3 * weak  # a large coefficient underfits
    assert hw2.STATEMENTS[0].true


def test_statement_2_many_new_features_do_not_prevent_overfitting() -> None:
    few = regression_data(1, 60, 5)
    x, y, xt, yt = few
    rng = np.random.default_rng(2)
    extra, extra_t = rng.normal(size=(60, 50)), rng.normal(size=(60, 50))
    many = (np.hstack([x, extra]), y, np.hstack([xt, extra_t]), yt)
    _, gap_few = gap(LinearRegression(), few)
    _, gap_many = gap(LinearRegression(), many)
    assert gap_many > 5 * gap_few  # the train-test gap (overfitting) grows
    assert not hw2.STATEMENTS[1].true


def test_statement_3_a_larger_coefficient_reduces_overfitting() -> None:
    """The train-test gap, averaged over 30 data sets, shrinks as the coefficient grows."""
    alphas = (1e-3, 1.0, 1e3)
    gaps = np.mean(
        [[gap(Ridge(alpha=a), regression_data(s, 40, 30))[1] for a in alphas] for s in range(30)],
        axis=0,
    )
    assert all(a > 1.2 * b for a, b in itertools.pairwise(gaps))
    assert not hw2.STATEMENTS[2].true


def test_true_false_parts_accept_the_keys_persian(book: Homework) -> None:
    answers = {"q2b_1": text("بله"), "q2b_2": text("خیر"), "q2b_3": text("غلط")}
    assert {v.status for v in grade(book, answers).values()} == {Status.CORRECT}
    wrong = grade(book, {"q2b_1": Answer(Kind.BOOL, False, text="False")})
    assert wrong["q2b_1"].status is Status.INCORRECT


# --- Q2(c): the regulariser rule --------------------------------------------------------------


def collinear(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Four near-copies of one input; the target is that input."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=200)
    x = z[:, None] + 0.01 * rng.normal(size=(200, 4))
    return x, z + 0.1 * rng.normal(size=200)


@pytest.mark.parametrize("seed", range(3))
def test_rule_names_real_regularisers(seed: int) -> None:
    x, y = collinear(seed)
    ridge = Ridge(alpha=100.0, fit_intercept=False).fit(x, y).coef_
    lasso = Lasso(alpha=0.5, fit_intercept=False, max_iter=100_000).fit(x, y).coef_
    assert hw2.regulariser_of(ridge) == "L2"
    assert hw2.regulariser_of(lasso) == "L1"
    rng = np.random.default_rng(seed)
    xi = rng.normal(size=(200, 4))
    yi = xi @ np.array([13.0, 23.0, 53.0, 5.0]) + rng.normal(size=200)
    assert hw2.regulariser_of(LinearRegression().fit(xi, yi).coef_) == "none"
    sparse = Lasso(alpha=8.0).fit(xi, yi).coef_
    assert np.any(sparse == 0) and hw2.regulariser_of(sparse) == "L1"


def test_rule_gives_the_courses_answers(book: Homework) -> None:
    """HOMEWORK.md: [0.26, 0.25, 0.25, 0.25] L2; [1, 0, 0, 0] L1; [13.3, ...] none; [..., 0] L1."""
    solved = {v: part_of(book, v).solve(book.params)[v] for v in ("q2c_exp1", "q2c_exp2")}
    solved |= {v: part_of(book, v).solve(book.params)[v] for v in ("q2c_exp3", "q2c_exp4")}
    assert solved == {"q2c_exp1": "L2", "q2c_exp2": "L1", "q2c_exp3": "none", "q2c_exp4": "L1"}


def test_regulariser_answers_in_many_spellings(book: Homework) -> None:
    answers = {
        "q2c_exp1": text("Ridge"),
        "q2c_exp2": text("l1"),
        "q2c_exp3": text("بدون منظم‌سازی"),
        "q2c_exp4": text("L2"),
    }
    verdicts = grade(book, answers)
    assert [verdicts[v].status for v in answers] == [Status.CORRECT] * 3 + [Status.INCORRECT]


def test_q2c_rubric_names_the_rules_experiments(book: Homework) -> None:
    rubric = hw2.q2c_rubric(book.params)
    by_rule: dict[str, list[int]] = {}
    for n, w in enumerate(book.params["weights"], start=1):
        by_rule.setdefault(hw2.regulariser_of(w), []).append(n)
    assert f"L2: experiment {by_rule['L2'][0]}" in rubric
    assert f"none: experiment {by_rule['none'][0]}" in rubric


# --- Q4: the optimiser runs -------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch_runs(book: Homework) -> dict[tuple[str, float], list[float]]:
    """Every run made by the released notebook's own ``train_digits`` (torch)."""
    scope: dict[str, Any] = {}
    exec(compile(book.setup, "<setup>", "exec"), scope)  # the grader's own released code
    torch.manual_seed(0)
    return {
        (o, float(r)): scope["train_digits"](o, r)
        for o in hw2.OPTIMISERS
        for r in book.params["rates"]
    }


def test_numpy_runs_match_torch(book: Homework, torch_runs: dict) -> None:
    runs = hw2.optimiser_runs(book.params)
    assert set(runs) == set(torch_runs)
    for key, losses in runs.items():
        ours, theirs = losses, np.array(torch_runs[key])
        assert len(ours) == len(theirs) == book.params["steps"] + 1
        assert hw2.diverged(ours) == hw2.diverged(theirs), key
        if not hw2.diverged(ours):
            assert np.allclose(ours, theirs, rtol=1e-4, atol=1e-6), key


def curvature(book: Homework) -> float:
    """The largest eigenvalue of the Hessian of the mean squared error, from the raw digits."""
    digits = load_digits()  # Q4 trains on the stand-in's training split: 1000 of them
    keep = np.random.default_rng(0).permutation(len(digits.target))[:1000]
    x = np.hstack([digits.data[keep] / 16.0, np.ones((len(keep), 1))])
    return float(np.linalg.eigvalsh(2 * x.T @ x / (10 * len(x))).max())


def test_divergence_follows_the_stability_limits(book: Homework) -> None:
    """Gradient descent on a quadratic diverges iff η·λ_max > 2; heavy-ball momentum μ iff
    η·λ_max > 2(1 + μ). No rate lies within 10% of a limit, so the table is not fragile."""
    lam, mu = curvature(book), book.params["momentum"]
    limits = {"sgd": 2 / lam, "momentum": 2 * (1 + mu) / lam}
    rates = [float(r) for r in book.params["rates"]]
    predicted = [[float(r > limits[o]) for r in rates] for o in hw2.OPTIMISERS]
    comparison = hw2.compare(book.params)
    assert comparison.diverged.tolist() == predicted
    for limit in limits.values():
        assert all(abs(r / limit - 1) > 0.1 for r in rates)
    assert 0 < comparison.diverged.sum() < comparison.diverged.size  # not all the same


def test_best_rates_agree_with_torch_with_a_margin(book: Homework, torch_runs: dict) -> None:
    comparison = hw2.compare(book.params)
    for optimiser in hw2.OPTIMISERS:
        finals = {
            r: torch_runs[optimiser, float(r)][-1]
            for r in book.params["rates"]
            if not hw2.diverged(np.array(torch_runs[optimiser, float(r)]))
        }
        ranked = sorted(finals, key=finals.__getitem__)
        assert hw2.rate_id(ranked[0]) == comparison.best[optimiser]
        assert finals[ranked[1]] > 1.05 * finals[ranked[0]]  # no near tie


def test_q4_answers_graded(book: Homework) -> None:
    part = part_of(book, "q4_diverged")
    solved = part.solve(book.params)
    right = {
        "q4_diverged": array(solved["q4_diverged"]),
        "q4_best_sgd": number(float(solved["q4_best_sgd"])),
        "q4_best_momentum": text(f"{float(solved['q4_best_momentum']):.0e}"),  # e.g. '1e+00'
    }
    assert {v.status for v in part.grade(right, book.params).values()} == {Status.CORRECT}
    table = np.array(solved["q4_diverged"], dtype=float)
    wrong = {
        "q4_diverged": array(1 - table),
        "q4_best_sgd": text("0.01, 0.1"),
        "q4_best_momentum": number(0.001 if solved["q4_best_momentum"] != "0.001" else 0.01),
    }
    verdicts = part.grade(wrong, book.params)
    assert verdicts["q4_diverged"].mistake == hw2.MARKED_CONVERGED
    assert verdicts["q4_best_sgd"].status is Status.INVALID  # one rate was asked for
    assert verdicts["q4_best_momentum"].status is Status.INCORRECT
    swapped = part.grade({"q4_diverged": array(table[::-1])}, book.params)["q4_diverged"]
    assert swapped.mistake == hw2.ROWS_SWAPPED
    flipped = part.grade({"q4_diverged": array(table.T)}, book.params)["q4_diverged"]
    assert flipped.mistake == TRANSPOSED


def test_rate_options_accept_usual_spellings() -> None:
    options = hw2.rate_options((0.001, 0.01, 0.1, 1.0))
    assert set(options) == {"0.001", "0.01", "0.1", "1"}
    assert "1e-3" in options["0.001"] and "1.0" in options["1"]


# --- the homework as released ------------------------------------------------------------------


def test_points_follow_the_official_key(book: Homework) -> None:
    """The key gives Q1 15, Q2 20, Q3 15 and Q4 10 points (Q5, a training question, is apart)."""
    keyed = [q for q in book.questions if not q.id.startswith("hw2.q5")]
    assert [q.points for q in keyed] == [15, 20, 15, 10]


def test_every_item_is_solved_and_named_once(book: Homework) -> None:
    names = book.variables
    assert len(names) == len(set(names))
    solved: dict[str, Any] = {}
    for question in book.questions:
        for part in question.parts:
            solved.update(part.solve(book.params))
    assert set(solved) == set(names)


def test_prompts_state_the_parameters(book: Homework) -> None:
    q1 = book.question("hw2.q1").prompt_for(book.params)
    assert "keep probability" in q1 and "fraction of units kept" in q1
    for row in hw2.OUTPUT:
        assert "  ".join(f"{x:5g}" for x in row) in q1
    q2 = book.question("hw2.q2").prompt_for(book.params)
    assert "W_exp3 = [13.3, 23.5, 53.2, 5.1]" in q2 and "K = 25" in q2
    q4 = book.question("hw2.q4").prompt_for(book.params)
    assert "0.001, 0.01, 0.1 and 1" in q4 and "momentum=0.9" in q4
    assert all(q.prompt_fa for q in book.questions if not q.id.startswith("hw2.q5"))
    assert "def train_digits(optimiser, lr, steps=100)" in book.setup
