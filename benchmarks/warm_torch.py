#!/usr/bin/env python3
"""What a training notebook's kernel spends importing torch, warm kernels against cold ones.

    python benchmarks/warm_torch.py [--notebook submissions/hw4/correct.ipynb] [--kernels both]

Grades one HW4 notebook with its training question (the demo ``correct`` submission by default)
through the whole pipeline, once per kernel path (``--kernels warm``, ``--kernels cold``), with
one measuring cell put before the student's first cell. That cell prints whether torch is
already in the kernel's ``sys.modules``, how long the notebook's own ``import torch`` then takes,
and the kernel's processor time so far (its start: imports of ipykernel and, on the cold path,
of torch during the warm-up cell). The score must be the same on both paths; the script prints
the figures and the load average around each run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import nbformat

from graders.execute import Execution, ExecutionJob, NbclientRunner
from graders.pipeline import Settings, grade_batch, submissions_under
from graders.runtime.sandbox import choose_mode
from graders.runtime.warm import runner_for
from reference import catalogue

ROOT = Path(__file__).resolve().parent.parent
MEASURE = """\
import json as _json, sys as _sys, time as _time
_before = "torch" in _sys.modules
_cpu = _time.process_time()
_start = _time.perf_counter()
import torch as _torch
_took = _time.perf_counter() - _start
print(_json.dumps({"torch_loaded_before": _before, "import_torch_seconds": _took,
                   "kernel_cpu_seconds_at_first_cell": _cpu}))
del _json, _sys, _time, _before, _cpu, _start, _took, _torch
"""


class Measuring:
    """A runner that puts the measuring cell first and keeps what it printed."""

    def __init__(self, inner: NbclientRunner) -> None:
        self.inner = inner
        self.printed: list[str] = []
        self.executions: list[Execution] = []

    @property
    def isolation(self) -> str:
        return self.inner.isolation

    def run(self, job: ExecutionJob) -> Execution:
        notebook = nbformat.from_dict(job.notebook)
        notebook.cells.insert(0, nbformat.v4.new_code_cell(MEASURE))
        execution = self.inner.run(replace(job, notebook=notebook))
        self.printed.append(execution.cells[0].output if execution.cells else "")
        self.executions.append(execution)
        return execution


def measure(notebook: Path, kernels: str) -> dict[str, Any]:
    plan = choose_mode("auto", fallback=True)
    with tempfile.TemporaryDirectory(prefix="warm-torch-") as tmp:
        folder = Path(tmp) / "submissions" / "hw4"
        folder.mkdir(parents=True)
        (folder / notebook.name).write_bytes(notebook.read_bytes())
        books = catalogue()
        settings = Settings(out=Path(tmp) / "reports", rerun=True)
        submissions = submissions_under(folder.parent, books, settings)
        load = os.getloadavg()
        started = time.monotonic()
        with runner_for(plan, kernels) as inner:  # type: ignore[arg-type]
            if kernels == "warm":  # the parent's own start, as in a batch: paid once
                grade_batch(submissions, books, inner, settings, echo=lambda _: None)
                started = time.monotonic()
            runner = Measuring(inner)
            summary = grade_batch(submissions, books, runner, settings, echo=lambda _: None)
        seconds = time.monotonic() - started
    result = summary.results[0]
    printed = runner.printed[-1].strip()
    figures = json.loads(printed) if printed.startswith("{") else {"printed": printed}
    return {
        "kernels": kernels,
        "kernel": runner.executions[-1].kernel,
        "score": result.score,
        "seconds": round(seconds, 2),
        **figures,
        "load_before": load,
        "load_after": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="warm_torch.py", description=__doc__)
    parser.add_argument("--notebook", type=Path, default=ROOT / "submissions/hw4/correct.ipynb")
    parser.add_argument("--kernels", choices=("warm", "cold", "both"), default="both")
    args = parser.parse_args(argv)
    paths = ("warm", "cold") if args.kernels == "both" else (args.kernels,)
    rows = [measure(args.notebook.resolve(), path) for path in paths]
    for row in rows:
        print(json.dumps(row))
    if len({row["score"] for row in rows}) > 1:
        print("the score differs between the paths", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
