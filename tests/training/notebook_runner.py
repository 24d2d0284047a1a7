"""A kernel runner for the training tests: runs a notebook's cells in this process.

The demo students' training code is this project's own (tools/build_demos.py), so running it
in-process is safe and saves a kernel start and a torch import per notebook. The working folder
is the current one (tests ``monkeypatch.chdir`` into a temporary folder); the grader's handed
files are written there first, as ``NbclientRunner`` writes them into a kernel's folder. After
every cell the harvest runs, and after the last the probes and the final harvest. torch runs
with one thread, as in the sandbox.
"""

from __future__ import annotations

import contextlib
import io
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from graders.execute import CellRun, CellStatus, Execution, ExecutionJob, Outcome


@dataclass
class _Shell:
    user_ns: dict[str, Any]


def _run(source: str, namespace: dict[str, Any], name: str) -> tuple[str, str]:
    """Execute ``source``; return (stdout, error) where error is "Name: message" or ""."""
    out = io.StringIO()
    error = ""
    with contextlib.redirect_stdout(out):
        try:
            exec(compile(source, name, "exec"), namespace)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}\n" + traceback.format_exc(limit=-3)
    return out.getvalue(), error


@dataclass
class InProcessRunner:
    """Runs each job's notebook in this process, in the current folder."""

    isolation: str = "in-process"
    jobs: list[ExecutionJob] = field(default_factory=list)
    namespaces: list[dict[str, Any]] = field(default_factory=list)

    def run(self, job: ExecutionJob) -> Execution:
        """Run ``job`` with one torch thread, as a sandboxed kernel does."""
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self._run(job)
        finally:
            torch.set_num_threads(threads)

    def _run(self, job: ExecutionJob) -> Execution:
        self.jobs.append(job)
        folder = Path.cwd()
        for name, data in job.handed.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        shell = _Shell({})
        namespace = shell.user_ns
        namespace["get_ipython"] = lambda: shell
        self.namespaces.append(namespace)
        cells: list[CellRun] = []
        harvest: str | None = None
        for index, cell in enumerate(job.notebook.cells):
            if cell.cell_type != "code":
                continue
            text, error = _run(cell.source, namespace, f"<cell {index + 1}>")
            status = CellStatus.ERROR if error else CellStatus.OK
            cells.append(CellRun(index, cell.source, status, text, error))
            printed, failed = _run(job.harvest_source, namespace, "<harvest>")
            harvest = printed if not failed else harvest
        if job.final_source:
            printed, failed = _run(job.final_source, namespace, "<final>")
            harvest = printed if not failed else harvest
        return Execution(tuple(cells), harvest, Outcome.COMPLETED, isolation=self.isolation)
