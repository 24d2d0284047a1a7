"""HW1 and HW6 end to end: the demo submissions graded with real kernels, as a TA would run
it; and each released notebook, filled with the reference answers, at full marks."""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeRunner
from system import grade_demos

from graders.model.parts import ExpressionPart
from graders.model.questions import Homework, Probing
from graders.pipeline import Settings, run_batch
from graders.student.release import fill_answers, release_notebook

ASSIGNMENTS = ("hw1", "hw6")


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    for assignment in ASSIGNMENTS:
        assert grade_demos(out, "--assignment", assignment) == 0
    return out


def _record(out: Path, assignment: str, student: str) -> dict[str, Any]:
    return json.loads((out / assignment / f"{student}.json").read_text(encoding="utf-8"))


def _verdicts(record: dict[str, Any], questions: tuple[str, ...]) -> dict[str, tuple[str, Any]]:
    return {
        t["variable"]: (t["verdict"], t["mistake"])
        for t in record["tests"]
        if t["question"] in questions
    }


def _points(record: dict[str, Any], questions: tuple[str, ...]) -> tuple[float, float]:
    tests = [t for t in record["tests"] if t["question"] in questions]
    return sum(t["score"] for t in tests), sum(t["max_score"] for t in tests)


HW1_QUESTIONS = ("hw1.q1", "hw1.q2", "hw1.q3")
HW6_QUESTIONS = ("hw6.q1", "hw6.q2")  # HW6 Q3 (training) is graded by its own tests


@pytest.mark.slow
def test_hw1_correct_demo_has_full_marks(graded: Path, books: Mapping[str, Homework]) -> None:
    record = _record(graded, "hw1", "correct")
    assert record["ran"] is True
    verdicts = _verdicts(record, HW1_QUESTIONS)
    assert set(verdicts) == set(books["hw1"].variables)
    assert set(verdicts.values()) == {("correct", None)}
    assert record["score"] == record["max_score"] == books["hw1"].points


HW1_SEED_VERDICTS = {
    # Q1, by a careful TA: the figure read with w2/w3 and w6/w7 exchanged costs half where it
    # enters; b2 = 0.8 and t2 = 0.02 are slips of their own; what follows correctly from their
    # own numbers is follow-through.
    "net_h1": ("incorrect", "swapped-weights"),
    "out_h1": ("correct", None),
    "net_h2": ("incorrect", "swapped-weights"),
    "out_h2": ("correct", None),
    "net_o1": ("incorrect", None),
    "out_o1": ("follow-through", None),
    "net_o2": ("incorrect", None),
    "out_o2": ("follow-through", None),
    "E": ("incorrect", "misread-given"),  # t2 read as 0.02: named once, here
    "dE_dw5": ("incorrect", "gradient-sign"),
    "dE_dw6": ("follow-through", None),
    "dE_dw7": ("follow-through", None),  # follows from t2 = 0.02
    "dE_dw8": ("follow-through", None),
    "dE_db2": ("follow-through", None),
    "dE_dw1": ("incorrect", "swapped-weights"),
    "dE_dw2": ("incorrect", "swapped-weights"),
    "dE_dw3": ("incorrect", "swapped-weights"),
    "dE_dw4": ("incorrect", "swapped-weights"),
    "dE_db1": ("follow-through", None),
    "w1_new": ("incorrect", "no-change"),
    "w2_new": ("incorrect", "no-change"),
    "w3_new": ("incorrect", "no-change"),
    "w4_new": ("incorrect", "no-change"),
    "w5_new": ("follow-through", None),
    "w6_new": ("incorrect", None),
    "w7_new": ("incorrect", None),
    "w8_new": ("follow-through", None),
    "b1_new": ("incorrect", None),
    "b2_new": ("incorrect", None),
    # Q2: w^[2] written for the weights of f (layer 3); (c) and (d) wrong
    "q2_delta1": ("incorrect", "weight-layer-label"),
    "q2_delta2_1": ("follow-through", "weight-layer-label"),  # the slip penalised at δ1
    "q2_delta2_2": ("follow-through", "weight-layer-label"),
    "q2_delta3_1": ("incorrect", None),
    "q2_delta3_2": ("incorrect", None),
    "q2_delta4": ("incorrect", None),
    # Q3: "no" is right; W_s1 − W_s2 keeps the boundary and swaps the classes
    "q3_more_expressive": ("correct", None),
    "q3_W_l": ("incorrect", "classes-swapped"),
    "q3_b_l": ("incorrect", "classes-swapped"),
}


@pytest.mark.slow
def test_hw1_seed_student_is_graded_step_by_step(graded: Path) -> None:
    record = _record(graded, "hw1", "seed-student")
    assert _verdicts(record, HW1_QUESTIONS) == HW1_SEED_VERDICTS
    tests = {t["variable"]: t for t in record["tests"]}
    # a follow-through step says which of the student's own values it was fed
    assert "follows correctly from your own earlier values" in tests["out_o1"]["output"]
    assert tests["net_h1"]["score"] == pytest.approx(0.25)  # half of a half-point step
    page = (graded / "hw1" / "seed-student.html").read_text(encoding="utf-8")
    assert "swapped-weights" in page and "follow-through" in page
    assert "t2 = 0.02; the question gives t2 = 0.99" in tests["E"]["output"]


@pytest.mark.slow
def test_hw6_correct_demo_has_full_marks_with_the_tas_points(
    graded: Path, books: Mapping[str, Homework]
) -> None:
    record = _record(graded, "hw6", "correct")
    verdicts = _verdicts(record, HW6_QUESTIONS)
    assert verdicts.pop("q1c_answer") == ("manual", None)
    assert verdicts.pop("q1d_answer") == ("manual", None)
    assert set(verdicts.values()) == {("correct", None)}
    score, most = _points(record, HW6_QUESTIONS)
    assert score == most == sum(books["hw6"].question(q).points for q in HW6_QUESTIONS)


@pytest.mark.slow
def test_hw6_seed_student_is_graded(graded: Path) -> None:
    record = _record(graded, "hw6", "seed-student")
    assert _verdicts(record, HW6_QUESTIONS) == {
        "q1_swish_derivative": ("correct", None),  # xσ(x) + σ(x)(1 − xσ(x))
        "q1_mish_derivative": ("correct", None),  # f/x + σ(x)·x·sech²(softplus(x))
        "q1_swish_beta_derivative": ("missing", None),
        "q1_limit_beta_0": ("missing", None),  # said in words only ("linear")
        "q1_limit_beta_inf": ("correct", None),  # "ReLU"
        "q1c_answer": ("manual", None),
        "q1d_answer": ("manual", None),
        "q2_mse": ("incorrect", "not-squared"),  # 0.5
        "q2_bce": ("correct", None),  # 0.69
    }
    tests = {t["variable"]: t for t in record["tests"]}
    assert tests["q1d_answer"]["score"] == 3 and tests["q1d_answer"]["override"]["points"] == 3


# --- the released notebooks filled with the reference answers (no kernel) --------------------


def _reference_values(homework: Homework) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for question in homework.questions:
        for part in question.parts:
            values.update(part.solve(homework.params))
    return values


def _answer_cells_namespace(nb: Any) -> dict[str, Any]:
    """What running the answer cells of ``nb`` would define: their literal assignments."""
    namespace: dict[str, Any] = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or "grader" not in cell.metadata:
            continue
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                namespace[node.targets[0].id] = ast.literal_eval(node.value)
    return namespace


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_notebook_with_reference_answers_scores_full_marks(
    tmp_path: Path, books: Mapping[str, Homework], assignment: str
) -> None:
    homework = books[assignment]
    solved = _reference_values(homework)
    formulas = [
        item.variable
        for q in homework.questions
        for p in q.parts
        if isinstance(p, ExpressionPart)
        for item in p.items
    ]
    assert formulas and all(isinstance(solved[v], str) for v in formulas)  # Python syntax
    filled = fill_answers(release_notebook(homework), {k: repr(v) for k, v in solved.items()})
    path = tmp_path / "subs" / assignment / "ada.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(filled), encoding="utf-8")

    summary = run_batch(
        tmp_path / "subs",
        {assignment: homework},
        FakeRunner(_answer_cells_namespace),
        Settings(tmp_path / "reports"),
        lambda line: None,
    )
    (result,) = summary.results
    measured = {
        item.variable
        for q in homework.questions
        for p in q.parts
        if isinstance(p, Probing)
        for item in p.items
    }
    automatic = [
        i
        for q in result.questions
        for i in q.items
        if i.verdict.status != "manual" and i.variable not in measured
    ]
    assert automatic
    assert {i.verdict.status for i in automatic} == {"correct"}
    assert all(i.score == i.max_score for i in automatic)
