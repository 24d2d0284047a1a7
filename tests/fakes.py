"""Test doubles shared by the pipeline tests: a kernel runner that needs no kernel."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from graders.execute import CellRun, CellStatus, Execution, ExecutionJob, Outcome

ROOT = Path(__file__).resolve().parent.parent  # the repository


def build_demos() -> ModuleType:
    """``tools/build_demos.py``, which writes the demo submissions, as a module."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import build_demos as module
    finally:
        sys.path.remove(str(ROOT / "tools"))
    return module


@dataclass
class _Shell:
    user_ns: dict[str, Any]


def run_harvest(source: str, namespace: Mapping[str, Any]) -> str:
    """Run the grader's harvest cell in-process over ``namespace``; return what it printed."""
    shell = _Shell(dict(namespace))
    scope: dict[str, Any] = {"get_ipython": lambda: shell}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<harvest>", "exec"), scope)  # the grader's own code
    return out.getvalue()


@dataclass
class FakeRunner:
    """Answers each job from a namespace chosen by ``pick`` (which sees the notebook)."""

    pick: Callable[[Any], Mapping[str, Any]]
    outcome: Outcome = Outcome.COMPLETED
    jobs: list[ExecutionJob] = field(default_factory=list)
    isolation: str = "fake"

    def run(self, job: ExecutionJob) -> Execution:
        self.jobs.append(job)
        namespace = self.pick(job.notebook)
        cells = tuple(
            CellRun(i, c.source, CellStatus.OK)
            for i, c in enumerate(job.notebook.cells)
            if c.cell_type == "code"
        )
        return Execution(
            cells, run_harvest(job.harvest_source, namespace), self.outcome, isolation="fake"
        )
