"""The execution cache: what changes the key, what does not, and how a batch uses it."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import nbformat
from fakes import FakeRunner

from graders.execute import CellRun, CellStatus, Execution, ExecutionJob, Outcome
from graders.harvest import harvest_source
from graders.model.questions import Homework
from graders.pipeline import Settings, run_batch
from graders.runtime.cache import job_key, load, store
from graders.student.release import release_notebook


def _job(nb: Any, nonce: str = "@@grader-aa@@") -> ExecutionJob:
    return ExecutionJob(nb, harvest_source(["x"], nonce), 10, 60)


def test_key_ignores_the_random_marker_but_not_the_notebook_or_limits() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    base = job_key(_job(nb), "@@grader-aa@@", "bwrap")
    assert job_key(_job(nb, "@@grader-bb@@"), "@@grader-bb@@", "bwrap") == base
    other = nbformat.from_dict(nb)
    other.cells[0].source = "x = 2"
    assert job_key(_job(other), "@@grader-aa@@", "bwrap") != base
    assert job_key(replace(_job(nb), cell_timeout=11), "@@grader-aa@@", "bwrap") != base
    assert job_key(_job(nb), "@@grader-aa@@", "none (reduced: x)") != base
    changed = ExecutionJob(nb, harvest_source(["x", "y"], "@@grader-aa@@"), 10, 60)
    assert job_key(changed, "@@grader-aa@@", "bwrap") != base


def test_store_and_load_round_trip(tmp_path: Path) -> None:
    execution = Execution(
        (
            CellRun(0, "x = 1", CellStatus.OK, "out", ""),
            CellRun(1, "1/0", CellStatus.ERROR, "", "Z"),
        ),
        "@@grader-aa@@{}",
        Outcome.COMPLETED,
        "",
        1.5,
        "bwrap",
    )
    store(tmp_path, "k", execution, "@@grader-aa@@")
    assert load(tmp_path, "k") == (execution, "@@grader-aa@@")
    assert load(tmp_path, "missing") is None
    (tmp_path / "bad.json").write_text("{")
    assert load(tmp_path, "bad") is None


def test_workers_storing_first_into_a_new_cache_all_keep_their_entry(tmp_path: Path) -> None:
    # the first stores of a batch make the sealing key: one worker read it after another had
    # created the file but before it was written, got an empty key and stored nothing
    execution = Execution((), "@@grader-aa@@{}", Outcome.COMPLETED)
    for round_ in range(40):
        folder = tmp_path / str(round_)
        start = threading.Barrier(4)

        def first_store(key: str, folder: Path = folder, start: threading.Barrier = start) -> None:
            start.wait()
            store(folder, key, execution, "@@grader-aa@@")

        threads = [threading.Thread(target=first_store, args=(f"k{i}",)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [load(folder, f"k{i}") is not None for i in range(4)] == [True] * 4, round_


def test_regrading_reuses_executions_and_rerun_forces(tmp_path: Path, hw4: Homework) -> None:
    nb = release_notebook(hw4)
    (tmp_path / "hw4").mkdir()
    nbformat.write(nb, str(tmp_path / "hw4" / "ada.ipynb"))
    runner = FakeRunner(lambda nb: {"e1_h1": 1.3})
    settings = Settings(tmp_path / "out")
    first = run_batch(tmp_path, {"hw4": hw4}, runner, settings, lambda s: None)
    again = run_batch(tmp_path, {"hw4": hw4}, runner, settings, lambda s: None)
    assert (first.executed, first.cached) == (1, 0)
    assert (again.executed, again.cached) == (0, 1) and len(runner.jobs) == 1
    assert again.results[0].score == first.results[0].score > 0
    forced = run_batch(tmp_path, {"hw4": hw4}, runner, replace(settings, rerun=True), print)
    assert forced.executed == 1 and len(runner.jobs) == 2


def test_workers_give_the_same_results(tmp_path: Path, hw4: Homework) -> None:
    (tmp_path / "hw4").mkdir()
    for n in range(6):
        nb = release_notebook(hw4)
        nb.metadata["grader"]["student"] = f"s{n}"
        nbformat.write(nb, str(tmp_path / "hw4" / f"s{n}.ipynb"))

    def pick(nb: Any) -> dict[str, Any]:
        return {"e1_h1": 1.3 if nb.metadata["grader"]["student"] in ("s1", "s4") else 9.9}

    one = run_batch(tmp_path, {"hw4": hw4}, FakeRunner(pick), Settings(tmp_path / "a"), print)
    many = run_batch(
        tmp_path, {"hw4": hw4}, FakeRunner(pick), Settings(tmp_path / "b", workers=4), print
    )
    assert [(r.student, r.score) for r in one.results] == [
        (r.student, r.score) for r in many.results
    ]
    assert {r.student for r in many.results if r.score > 0} == {"s1", "s4"}
