"""Grading on Dask: the same results as a local run, and a dead worker loses nothing."""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
import pytest
from fakes import ROOT

from graders.execute import NbclientRunner
from graders.model.questions import Homework
from graders.pipeline import Settings, run_batch
from graders.runtime.sandbox import choose_mode
from graders.student.release import fill_answers, release_notebook

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client() -> Any:
    from graders.runtime.cluster import client_for

    client = client_for("local:2")
    yield client
    cluster = client.cluster
    client.close()
    cluster.close()


def _summary(results: Any) -> list[tuple[str, float, list[str]]]:
    return [
        (r.student, r.score, [i.verdict.status.value for q in r.questions for i in q.items])
        for r in results
    ]


def test_task_survives_pickling(hw4: Homework, tmp_path: Path) -> None:
    from graders.discover import discover
    from graders.runtime.cluster import make_task

    (submission,) = [
        s
        for s in discover(ROOT / "submissions", ["hw4"])
        if s.student == "correct" and s.assignment == "hw4"
    ]
    task = make_task(submission, Settings(tmp_path), "auto", "reference:catalogue")
    again = pickle.loads(pickle.dumps(task))
    assert again.submission.notebook == submission.notebook and again.settings == task.settings


def test_dask_gives_the_results_of_a_local_run(
    client: Any, books: Mapping[str, Homework], tmp_path: Path
) -> None:
    from graders.runtime.cluster import on_dask

    demos = ROOT / "submissions"
    runner = NbclientRunner(choose_mode("auto", fallback=True))
    local = run_batch(
        demos, books, runner, Settings(tmp_path / "a", "hw4", workers=2), lambda s: None
    )
    remote = run_batch(
        demos,
        books,
        runner,
        Settings(tmp_path / "b", "hw4", workers=2),
        lambda s: None,
        grade_all=on_dask(client),
    )
    assert _summary(local.results) == _summary(remote.results)
    assert len(remote.results) == len(list((demos / "hw4").glob("*.ipynb")))
    assert remote.executed == len(remote.results) - 1  # one demo is not a notebook at all
    assert sorted(p.name for p in (tmp_path / "b" / "hw4").glob("*.json")) == sorted(
        p.name for p in (tmp_path / "a" / "hw4").glob("*.json")
    )


def _exit_worker(client: Any, address: str) -> None:
    """Make the worker at ``address`` die at once, as a crashed node would."""
    with contextlib.suppress(Exception):  # its connection breaks as it dies
        client.run(os._exit, 1, workers=[address], nanny=False)


def test_a_killed_worker_loses_no_submission(client: Any, hw4: Homework, tmp_path: Path) -> None:
    from graders.runtime.cluster import on_dask

    folder = tmp_path / "subs" / "hw4"
    folder.mkdir(parents=True)
    released = release_notebook(hw4)
    for n in range(6):
        nb = fill_answers(released, {"e1_h1": "1.3"})
        nb.cells.insert(1, nbformat.v4.new_code_cell(f"import time\ntime.sleep(2)  # student {n}"))
        nbformat.write(nb, str(folder / f"s{n}.ipynb"))
    killed: list[str] = []

    def kill_one_worker(line: str) -> None:
        if killed:
            return
        workers = list(client.scheduler_info()["workers"])
        busy = [w for w, tasks in client.processing().items() if tasks] or workers
        killed.append(busy[0])
        threading.Thread(target=_exit_worker, args=(client, busy[0]), daemon=True).start()

    settings = Settings(tmp_path / "out", workers=2)
    runner = NbclientRunner(choose_mode("auto", fallback=True))
    summary = run_batch(
        tmp_path / "subs",
        {"hw4": hw4},
        runner,
        settings,
        kill_one_worker,
        grade_all=on_dask(client),
    )
    assert killed, "no worker was killed"
    students = [r.student for r in summary.results]
    assert sorted(students) == [f"s{n}" for n in range(6)]  # each exactly once
    assert all(r.ran and r.score == 0.5 for r in summary.results)


def test_slurm_job_script_is_generated() -> None:
    pytest.importorskip("dask_jobqueue")
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import grade_on_slurm
    finally:
        sys.path.remove(str(ROOT / "examples"))
    cluster = grade_on_slurm.slurm_cluster(
        queue="gpu", memory="6GB", walltime="00:30:00", account="course"
    )
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "#SBATCH -p gpu" in script and "#SBATCH -A course" in script
    assert "#SBATCH -t 00:30:00" in script and "--nthreads 1" in script
    assert "distributed.cli.dask_worker" in script or "dask worker" in script
