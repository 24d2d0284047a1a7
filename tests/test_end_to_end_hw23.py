"""HW2 and HW3 end to end: their demo submissions graded with real kernels, and their released
notebooks filled with the reference answers graded through the fake runner."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import nbformat
import pytest
from fakes import FakeRunner
from system import grade_demos

from graders.model.parts import TextPart
from graders.model.questions import Homework, Probing
from graders.pipeline import Settings, run_batch
from graders.student.release import fill_answers, release_notebook
from reference import hw2

TEXT_STATUS = "manual"


def _graded(out: Path, assignment: str) -> Path:
    assert grade_demos(out, "--assignment", assignment) == 0
    return out


@pytest.fixture(scope="module")
def graded_hw2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _graded(tmp_path_factory.mktemp("reports-hw2"), "hw2")


@pytest.fixture(scope="module")
def graded_hw3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _graded(tmp_path_factory.mktemp("reports-hw3"), "hw3")


def _record(out: Path, assignment: str, student: str) -> dict[str, Any]:
    return json.loads((out / assignment / f"{student}.json").read_text(encoding="utf-8"))


def _tests(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["variable"]: t for t in record["tests"]}


def _text_items(homework: Homework) -> set[str]:
    return {
        item.variable
        for q in homework.questions
        for part in q.parts
        if isinstance(part, TextPart)
        for item in part.items
    }


# --- real kernels -----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("assignment", "fixture"), [("hw2", "graded_hw2"), ("hw3", "graded_hw3")])
def test_correct_demo_full_marks(
    assignment: str, fixture: str, books: Mapping[str, Homework], request: pytest.FixtureRequest
) -> None:
    out = request.getfixturevalue(fixture)
    homework = books[assignment]
    record = _record(out, assignment, "correct")
    assert record["ran"] is True
    assert record["score"] == record["max_score"] == homework.points
    tests = _tests(record)
    assert set(tests) == set(homework.variables)
    texts = _text_items(homework)
    for variable, test in tests.items():
        if variable in texts:  # a person's points, from the overrides file
            assert (
                test["verdict"] == TEXT_STATUS and test["override"]["points"] == test["max_score"]
            )
        else:
            assert test["verdict"] == "correct", variable


def _python_table(name: str) -> list[list[Fraction]]:
    """One dropout table from the definitions, in exact fractions (independent of numpy)."""
    mask = [[Fraction(m) for m in row] for row in hw2.MASK]
    p = sum((m for row in mask for m in row), Fraction(0)) / 16
    out = [[Fraction(str(x)) for x in row] for row in hw2.OUTPUT]
    scale = {"standard_test": p, "inverted_train": 1 / p}.get(name, Fraction(1))
    masked = name.endswith("train")
    return [
        [o * (m if masked else 1) * scale for o, m in zip(orow, mrow, strict=True)]
        for orow, mrow in zip(out, mask, strict=True)
    ]


@pytest.mark.slow
def test_official_key_tables_marked_cell_by_cell(graded_hw2: Path) -> None:
    tests = _tests(_record(graded_hw2, "hw2", "official-key"))
    for name in ("standard_train", "standard_test", "inverted_train", "inverted_test"):
        test = tests[f"q1c_{name}"]
        truth = _python_table(name)
        given = test["extra"]["given"]
        wrong = [
            [abs(Fraction(str(g)) - t) > Fraction(1, 50) for g, t in zip(grow, trow, strict=True)]
            for grow, trow in zip(given, truth, strict=True)
        ]
        assert test["extra"]["wrong"] == wrong, name
        assert test["mistake"] is None  # no whole-table diagnosis explains the key's slips
    assert tests["q1c_standard_train"]["verdict"] == tests["q1c_inverted_test"]["verdict"]
    assert tests["q1c_standard_train"]["verdict"] == "correct"
    assert tests["q1c_standard_test"]["extra"]["matching"] == 15  # 1.9 left unscaled
    assert tests["q1c_inverted_train"]["extra"]["matching"] == 11  # 2.3 for 3.2, two rows reversed
    assert tests["q1c_inverted_train"]["score"] == pytest.approx(1.75 * 11 / 16, abs=0.01)


@pytest.mark.slow
def test_official_key_other_answers(graded_hw2: Path) -> None:
    record = _record(graded_hw2, "hw2", "official-key")
    verdicts = {v: (t["verdict"], t["mistake"]) for v, t in _tests(record).items()}
    assert verdicts["q1c_p"] == ("correct", None)
    for v in ("q2a_small_k_bias", "q2a_small_k_variance", "q2a_large_k_bias"):
        assert verdicts[v][0] == "correct", v
    assert verdicts["q2a_large_k_variance"][0] == "incorrect"  # "the variance becomes high"
    assert [verdicts[f"q2b_{n}"][0] for n in (1, 2, 3)] == ["correct"] * 3  # بله / خیر / خیر
    assert verdicts["q2c_exp1"][0] == verdicts["q2c_exp2"][0] == "missing"
    assert verdicts["q2c_exp3"][0] == verdicts["q2c_exp4"][0] == "correct"
    assert verdicts["q4_diverged"][0] == "correct"
    assert verdicts["q4_best_sgd"][0] == "invalid"  # "0.01 and 0.1": one rate was asked for
    assert verdicts["q4_best_momentum"][0] == "incorrect"
    reason = _tests(record)["q2a_reason"]
    assert reason["override"]["points"] == 1 and "bias" in reason["output"]
    assert 0 < record["score"] < record["max_score"]


@pytest.mark.slow
def test_seed_student_hw3(graded_hw3: Path) -> None:
    record = _record(graded_hw3, "hw3", "seed-student")
    tests = _tests(record)
    counts = ("q3_conv1", "q3_conv2", "q3_conv3", "q3_dense1", "q3_dense2", "q3_total")
    for variable in (*counts, "q6f_height", "q6f_width", "q6f_channels", "q6f_params"):
        assert tests[variable]["verdict"] == "correct", variable
    assert tests["q3_total"]["given"] == "497349"
    assert tests["q1d_smooth"]["verdict"] == tests["q1d_noisy"]["verdict"] == "correct"
    assert {tests[f"q7_{k}"]["verdict"] for k in ("height", "width", "channels", "params")} == {
        "missing"
    }
    assert tests["q1a_answer"]["override"]["points"] == 2.5
    page = (graded_hw3 / "hw3" / "seed-student.html").read_text(encoding="utf-8")
    assert "overfitting is no symptom" in page


@pytest.mark.slow
def test_class_pages(graded_hw2: Path, graded_hw3: Path) -> None:
    for out, assignment, students in (
        (graded_hw2, "hw2", {"correct", "official-key"}),
        (graded_hw3, "hw3", {"correct", "seed-student"}),
    ):
        rows = (out / assignment / "grades.csv").read_text(encoding="utf-8").splitlines()
        assert students <= {row.split(",")[0] for row in rows[1:]}  # training demos too
        assert (out / assignment / "index.html").exists()


# --- the released notebooks, filled with the reference answers --------------------------------


def _namespace(notebook: Any) -> dict[str, Any]:
    """The variables the notebook's code cells leave (the grader's own generated cells)."""
    scope: dict[str, Any] = {}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, "<cell>", "exec"), scope)
    return scope


@pytest.mark.parametrize("assignment", ["hw2", "hw3"])
def test_released_notebook_with_reference_answers_scores_full(
    assignment: str, books: Mapping[str, Homework], tmp_path: Path
) -> None:
    homework = books[assignment]
    answers: dict[str, str] = {}
    for question in homework.questions:
        for part in question.parts:
            answers.update({k: repr(v) for k, v in part.solve(homework.params).items()})
    filled = fill_answers(release_notebook(homework), answers)
    answer_cells = "\n".join(c.source for c in filled.cells if "grader" in c.metadata)
    assert not re.search(r"=\s*\.\.\.", answer_cells)  # every placeholder is filled
    path = tmp_path / "subs" / assignment / "ada.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(filled, str(path))

    out = tmp_path / "reports"
    run_batch(
        tmp_path / "subs",
        {assignment: homework},
        FakeRunner(_namespace),
        Settings(out),
        lambda line: None,
    )
    record = _record(out, assignment, "ada")
    texts = _text_items(homework)
    tests = _tests(record)
    assert set(tests) == set(homework.variables)
    trained = {  # trained models are measured, not filled in: their own tests cover them
        item.variable
        for q in homework.questions
        for part in q.parts
        if isinstance(part, Probing)
        for item in part.items
    }
    automatic = {v: t for v, t in tests.items() if v not in texts and v not in trained}
    assert {t["verdict"] for t in automatic.values()} == {"correct"}
    assert all(t["score"] == t["max_score"] for t in automatic.values())
    assert {tests[v]["verdict"] for v in texts} == {TEXT_STATUS}
    manual_points = sum(
        item.points
        for q in homework.questions
        for item in q.items
        if item.variable in texts or item.variable in trained
    )
    assert record["score"] == pytest.approx(homework.points - manual_points)
