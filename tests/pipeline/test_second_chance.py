"""A run that may say more about the machine than the notebook is graded again, alone; and every
surface tells the same story of a run."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from fakes import run_harvest

from graders.execute import WALL_CUT, CellRun, CellStatus, Execution, ExecutionJob, Outcome
from graders.model.questions import Homework
from graders.pipeline import Settings, run_batch
from graders.student.release import release_notebook


@dataclass
class ScriptedRunner:
    """Runs each student's notebook as the next entry of ``script[student]`` says."""

    script: dict[str, list[str]]  # "ok", "died", "wall", "cell-error"
    calls: list[str] = field(default_factory=list)
    isolation: str = "fake"

    def run(self, job: ExecutionJob) -> Execution:
        student = job.notebook.metadata["grader"]["student"]
        self.calls.append(student)
        how = (
            self.script[student].pop(0)
            if len(self.script[student]) > 1
            else self.script[student][0]
        )
        code = [(i, c.source) for i, c in enumerate(job.notebook.cells) if c.cell_type == "code"]
        cells = [CellRun(i, s, CellStatus.OK) for i, s in code]
        harvest: str | None = run_harvest(job.harvest_source, {})
        outcome = Outcome.COMPLETED
        if how == "died":
            outcome, harvest = Outcome.KERNEL_DIED, None
        elif how == "wall":
            cells[0] = CellRun(code[0][0], code[0][1], CellStatus.TIMEOUT, error=f"{WALL_CUT}: 1 s")
        elif how == "cell-error":
            cells[0] = CellRun(code[0][0], code[0][1], CellStatus.ERROR, error="NameError: x\n...")
        return Execution(tuple(cells), harvest, outcome, "the kernel died" * (how == "died"))


def _batch(
    tmp_path: Path, hw4: Homework, script: dict[str, list[str]]
) -> tuple[Any, ScriptedRunner, list[str]]:
    for student in script:
        nb = release_notebook(hw4)
        nb.metadata["grader"]["student"] = student
        path = tmp_path / "subs" / "hw4" / f"{student}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(path))
    runner, lines = ScriptedRunner(script), list[str]()
    settings = Settings(tmp_path / "out", workers=1)
    summary = run_batch(tmp_path / "subs", {"hw4": hw4}, runner, settings, lines.append)
    return summary, runner, lines


def _json(tmp_path: Path, student: str) -> dict[str, Any]:
    return json.loads((tmp_path / "out" / "hw4" / f"{student}.json").read_text())


def test_a_dead_kernel_is_graded_again_after_the_others(tmp_path: Path, hw4: Homework) -> None:
    summary, runner, lines = _batch(tmp_path, hw4, {"ada": ["died", "ok"], "bob": ["ok"]})
    assert runner.calls == ["ada", "bob", "ada"]  # the second run comes after every other
    ada = {r.student: r for r in summary.results}["ada"]
    assert ada.ran and ada.retried == "the kernel died"
    assert _json(tmp_path, "ada")["retried"] == "the kernel died"
    assert _json(tmp_path, "bob")["retried"] is None
    assert any("graded a second time, alone" in n for n in _json(tmp_path, "ada")["notes"])
    assert any("ada" in line and "graded again, alone" in line for line in lines)


def test_a_notebook_cut_both_times_keeps_the_same_result(tmp_path: Path, hw4: Homework) -> None:
    summary, runner, _ = _batch(tmp_path, hw4, {"ada": ["wall"], "bob": ["ok"]})
    assert runner.calls == ["ada", "bob", "ada"]
    ada = _json(tmp_path, "ada")
    assert ada["retried"] == "cut by the wall-clock ceiling"
    assert ada["failed_cells"][0]["status"] == "timeout"
    assert len(summary.results) == 2


def test_a_cell_that_raised_is_not_retried_and_every_surface_says_it_failed(
    tmp_path: Path, hw4: Homework
) -> None:
    _, runner, lines = _batch(tmp_path, hw4, {"ada": ["cell-error"]})
    assert runner.calls == ["ada"]
    data = _json(tmp_path, "ada")
    assert data["ran"] is True and data["problem"] == ""
    assert data["output"].startswith("The notebook ran to its end; 1 cell failed (cell ")
    assert "NameError: x" in data["output"]
    assert data["failed_cells"][0]["error"] == "NameError: x"
    assert any("1 cell failed" in line for line in lines)
    assert "NameError: x" in (tmp_path / "out" / "hw4" / "index.html").read_text()
