"""Cluster: grade a batch on Dask workers, one submission per task.

In:  the batch's work (submissions and their homeworks), ``Settings``, a Dask scheduler address
     (or ``local:N`` for a ``LocalCluster`` of N worker processes) and the sandbox mode.
Out: ``on_dask(...)`` — a ``GradeAll`` for ``graders.pipeline.run_batch`` that yields each
     ``SubmissionResult`` as it arrives, so results are written as they come, in the same
     atomic, resumable results folder as a local run.

The unit of work is ``Task``: a plain, picklable record holding the notebook, the bytes of its
files, the homework id and the settings; ``run_task`` runs it the same way on a local worker
and on a remote one. Workers rebuild the homework catalogue from its import path (once per
worker process) and need the grader installed and the course's data reachable (``--data`` on a
shared folder). A worker that dies has its tasks re-run elsewhere by the scheduler; each task
yields one result, so every submission is graded exactly once.

Dask is an optional extra (``pip install -c constraints.txt -e ".[dask]"``); nothing imports it
unless ``--dask`` is used.
"""

from __future__ import annotations

import importlib
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from graders.discover import Submission
from graders.execute import NbclientRunner
from graders.model.questions import Homework
from graders.model.results import SubmissionResult
from graders.pipeline import LOST_WORKER, GradeAll, Settings, Work, grade_safely
from graders.runtime.sandbox import SandboxUnavailable, choose_mode

CATALOGUE = "reference:catalogue"


@dataclass(frozen=True)
class Task:
    """Everything a worker needs to grade one submission, as plain picklable data."""

    submission: Submission  # its ``files`` are ignored: their bytes travel in ``files``
    files: tuple[tuple[str, bytes], ...]
    settings: Settings
    sandbox: str = "auto"
    catalogue: str = CATALOGUE  # "module:function" returning {homework id: Homework}


def make_task(submission: Submission, settings: Settings, sandbox: str, catalogue: str) -> Task:
    files = tuple((p.name, p.read_bytes()) for p in submission.files)
    return Task(replace(submission, files=()), files, settings, sandbox, catalogue)


@cache
def load_catalogue(path: str) -> Mapping[str, Homework]:
    """The homework catalogue named by ``module:function``, built once per worker process."""
    module, _, name = path.partition(":")
    factory: Callable[[], Mapping[str, Homework]] = getattr(importlib.import_module(module), name)
    return factory()


def run_task(task: Task) -> SubmissionResult:
    """Grade one submission: the same code path on every worker."""
    homework = load_catalogue(task.catalogue)[task.submission.assignment]
    try:
        runner = NbclientRunner(choose_mode(task.sandbox))
    except SandboxUnavailable as exc:  # this worker cannot isolate kernels: run nothing here
        problem = f"the worker could not isolate the kernel: {str(exc).splitlines()[0]}"
        runner = NbclientRunner(choose_mode("none"))
        return grade_safely(
            replace(task.submission, problem=problem), homework, runner, task.settings
        )
    with tempfile.TemporaryDirectory(prefix="grader-task-") as tmp:
        paths = []
        for name, data in task.files:
            path = Path(tmp) / Path(name).name
            path.write_bytes(data)
            paths.append(path)
        submission = replace(task.submission, files=tuple(paths))
        return grade_safely(submission, homework, runner, task.settings)


def _not_run(task: Task, problem: str) -> SubmissionResult:
    """The result of a task that no worker finished: every item an error, with ``problem``
    (the kernel is not started: the runner is never used)."""
    homework = load_catalogue(task.catalogue)[task.submission.assignment]
    runner = NbclientRunner(choose_mode("none"))
    return grade_safely(replace(task.submission, problem=problem), homework, runner, task.settings)


def client_for(address: str) -> Any:
    """A Dask client: ``local:N`` starts a LocalCluster of N single-threaded worker processes."""
    from dask.distributed import Client, LocalCluster

    if address.startswith("local:"):
        workers = int(address.partition(":")[2] or "1")
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
        return Client(cluster)
    return Client(address)


def on_dask(client: Any, sandbox: str = "auto", catalogue: str = CATALOGUE) -> GradeAll:
    """A ``GradeAll`` that sends one task per submission to the Dask cluster of ``client``."""
    from dask.distributed import as_completed

    def grade_all(work: Work, settings: Settings) -> Iterator[SubmissionResult]:
        tasks = [make_task(s, settings, sandbox, catalogue) for s, _ in work]
        futures = [
            client.submit(run_task, task, key=f"grade-{n}-{task.submission.student}", pure=False)
            for n, task in enumerate(tasks)
        ]
        task_of = dict(zip(futures, tasks, strict=True))
        try:
            for future in as_completed(futures):
                try:
                    yield future.result()
                except Exception as exc:  # the worker died or vanished: graded once more, alone
                    task = task_of[future]
                    lost = f"{LOST_WORKER} ({type(exc).__name__}: {exc})"
                    yield _not_run(task, lost)
        finally:
            client.cancel(futures)

    return grade_all
