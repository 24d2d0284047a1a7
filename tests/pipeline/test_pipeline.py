"""The pipeline with a fake kernel runner: discovery to reports, without kernels."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import nbformat
from fakes import FakeRunner

from graders.checks.derivation import Derivation
from graders.execute import Outcome
from graders.model.overrides import parse_overrides
from graders.model.questions import Homework, Probing
from graders.pipeline import Settings, prepare_checks, run_batch
from graders.student.release import release_notebook


def _write(path: Path, nb: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def test_batch_grades_reference_answers_full_and_blank_zero(tmp_path: Path, hw4: Homework) -> None:
    released = release_notebook(hw4)
    _write(tmp_path / "subs" / "hw4" / "ada.ipynb", released)
    released.metadata["grader"]["student"] = "bob"  # a different notebook: not the same run
    _write(tmp_path / "subs" / "hw4" / "bob.ipynb", released)
    solved: dict[str, Any] = {}
    for q in hw4.questions:
        for part in q.parts:
            solved.update(part.solve(hw4.params))
    names = {"ada": solved, "bob": {}}
    picks = iter(["ada", "bob"])
    current: list[str] = []

    def pick(nb: Any) -> dict[str, Any]:
        current.append(next(picks))
        return names[current[-1]]

    out = tmp_path / "reports"
    lines: list[str] = []
    summary = run_batch(
        tmp_path / "subs", {"hw4": hw4}, FakeRunner(pick), Settings(out), lines.append
    )

    by_student = {r.student: r for r in summary.results}
    manual = [
        i for q in by_student["ada"].questions for i in q.items if i.verdict.status == "manual"
    ]
    assert [i.variable for i in manual] == ["q1_answer"]  # written text waits for a person
    # a trained model is measured by a probe, which the fake runner does not run
    probing = [p for q in hw4.questions for p in q.parts if isinstance(p, Probing)]
    measured = {i.variable for p in probing for i in p.items}
    automatic = hw4.points - sum(i.max_score for i in manual)
    automatic -= sum(i.points for q in hw4.questions for i in q.items if i.variable in measured)
    assert by_student["ada"].score == automatic
    assert by_student["bob"].score == 0
    bob = json.loads((out / "hw4" / "bob.json").read_text())
    assert {t["verdict"] for t in bob["tests"]} == {"missing"}
    ada = json.loads((out / "hw4" / "ada.json").read_text())
    assert ada["score"] == automatic and ada["max_score"] == hw4.points
    assert all(
        t["status"] == "passed"
        for t in ada["tests"]
        if t["verdict"] != "manual" and t["variable"] not in measured
    )
    assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(ada["tests"][0])
    rows = list(csv.DictReader((out / "hw4" / "grades.csv").read_text().splitlines()))
    assert [r["student"] for r in rows] == ["ada", "bob"]
    assert float(rows[0]["total"]) == automatic and float(rows[0]["hw4.q2"]) == automatic
    assert (out / "index.html").exists() and (out / "hw4" / "index.html").exists()
    assert len(lines) == 2 and "ada" in lines[0]


def test_unreadable_notebook_is_one_students_problem(tmp_path: Path, hw4: Homework) -> None:
    (tmp_path / "hw4").mkdir()
    (tmp_path / "hw4" / "zed.ipynb").write_text("{not json")
    _write(tmp_path / "hw4" / "amy.ipynb", release_notebook(hw4))
    summary = run_batch(
        tmp_path, {"hw4": hw4}, FakeRunner(lambda nb: {}), Settings(tmp_path / "r"), lambda s: None
    )
    zed = next(r for r in summary.results if r.student == "zed")
    assert "not valid JSON" in zed.run_problem
    assert {i.verdict.status.value for q in zed.questions for i in q.items} == {"error"}
    page = (tmp_path / "r" / "hw4" / "zed.html").read_text()
    assert "not valid JSON" in page
    assert any(r.student == "amy" and r.ran for r in summary.results)


def test_assignment_filter_and_metadata_beats_folder(tmp_path: Path, hw4: Homework) -> None:
    nb = release_notebook(hw4)
    _write(tmp_path / "misfiled" / "cyd.ipynb", nb)  # folder says "misfiled", metadata hw4
    summary = run_batch(
        tmp_path, {"hw4": hw4}, FakeRunner(lambda nb: {}), Settings(tmp_path / "r"), lambda s: None
    )
    assert [r.assignment for r in summary.results] == ["hw4"]
    assert any("graded as hw4" in n for n in summary.results[0].notes)
    none = run_batch(
        tmp_path,
        {"hw4": hw4},
        FakeRunner(lambda nb: {}),
        Settings(tmp_path / "r2", assignment="hw9"),
        lambda s: None,
    )
    assert none.results == ()


def test_answers_of_a_failed_run_are_errors_naming_the_cell(tmp_path: Path, hw4: Homework) -> None:
    _write(tmp_path / "hw4" / "dee.ipynb", release_notebook(hw4))
    runner = FakeRunner(lambda nb: {"e1_h1": 1.3}, outcome=Outcome.KERNEL_DIED)
    summary = run_batch(tmp_path, {"hw4": hw4}, runner, Settings(tmp_path / "r"), lambda s: None)
    result = summary.results[0]
    verdicts = {i.variable: i.verdict for q in result.questions for i in q.items}
    assert verdicts["e1_h1"].status.value == "correct"
    assert not result.ran


def test_overrides_replace_points_and_bad_lines_are_reported(tmp_path: Path, hw4: Homework) -> None:
    _write(tmp_path / "hw4" / "eve.ipynb", release_notebook(hw4))
    overrides = parse_overrides(
        "assignment,student,item,points,comment\n"
        "hw4,eve,hw4.q1,3.5,Partly right\n"
        "hw4,eve,e1_h1,9,clamped to the item's maximum\n"
        "hw4,eve,e1_h2,lots,not a number\n"
    )
    lines: list[str] = []
    runner = FakeRunner(lambda nb: {"q1_answer": "Adam converges faster."})
    summary = run_batch(
        tmp_path, {"hw4": hw4}, runner, Settings(tmp_path / "r", overrides=overrides), lines.append
    )
    items = {i.variable: i for q in summary.results[0].questions for i in q.items}
    assert items["q1_answer"].score == 3.5 and items["q1_answer"].verdict.status == "manual"
    assert items["e1_h1"].score == items["e1_h1"].max_score
    assert items["e1_h2"].score == 0
    assert any("line 4" in line and "not a number" in line for line in lines)
    page = (tmp_path / "r" / "hw4" / "eve.html").read_text(encoding="utf-8")
    assert "Partly right" in page and "graded by a person" in page


def test_override_file_problems() -> None:
    assert parse_overrides("student,points\nx,1\n").problems
    assert parse_overrides("").by_key == {}
    ok = parse_overrides("assignment,student,item,points,comment\nhw4,a,q,0,\n")
    assert ok.find("hw4", "a", "q") is not None and ok.find("hw4", "b", "q") is None
    assert parse_overrides("assignment,student,item,points\nhw4,a,q,-1\n").problems


def test_a_batch_prepares_each_homeworks_checks_and_survives_a_broken_one(
    hw4: Homework,
) -> None:
    """What a first check computes once (a derivation's compiled steps) is computed before
    any student's check needs it; a homework whose check cannot even start is left to the
    students' checks, which report it."""
    derivation = next(p for q in hw4.questions for p in q.parts if isinstance(p, Derivation))
    broken = replace(hw4, questions=(replace(hw4.questions[0], parts=(_Unprobeable(),)),))
    derivation.__dict__.pop("_compiled", None)  # as in a new process
    prepare_checks([broken, hw4])
    assert "_compiled" in derivation.__dict__


class _Unprobeable:
    items = ()

    def probe(self, params: Any) -> Any:
        raise RuntimeError("no probe")
