"""Kernels started ahead of their turn (``Slots``) and warm imports (``ExecutionJob.warm``)."""

from __future__ import annotations

import itertools
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from graders.execute import (
    CellStatus,
    Execution,
    ExecutionJob,
    NbclientRunner,
    Outcome,
    Slots,
    imported,
)
from graders.runtime.sandbox import choose_mode, thread_share


def _notebook(*sources: str) -> Any:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


# --- which declared modules a notebook imports ----------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import numpy as np\nimport torch", ("numpy", "torch")),
        ("from torch import nn", ("torch",)),
        ("import torch.nn.functional as F", ("torch",)),
        ("import numpy, torch as t", ("numpy", "torch")),
        ("%matplotlib inline\nimport torch", ("torch",)),  # magics do not hide the import
        ("x = 'import torch'", ()),  # a string is not an import
        ("# import torch", ()),
        ("from .torch import x", ()),  # relative: the student's own module
        ("import torchvision", ()),  # another module that merely starts the same
        ("print('import torch')", ()),
        ("def f():\n    import numpy as np", ("numpy",)),
        ("import numpy.linalg as la, torch.nn", ("numpy", "torch")),
    ],
)
def test_imported_finds_real_imports_only(source: str, expected: tuple[str, ...]) -> None:
    assert imported(_notebook(source), ("numpy", "torch")) == expected


def test_imported_keeps_the_declared_order_and_looks_at_every_code_cell() -> None:
    nb = _notebook("import torch", "x = 1")
    nb.cells.append(nbformat.v4.new_markdown_cell("import numpy"))  # prose, not code
    nb.cells.append(nbformat.v4.new_code_cell("def f():\n    import numpy\n"))
    assert imported(nb, ("numpy", "torch")) == ("numpy", "torch")
    assert imported(nb, ()) == ()


@given(st.text(max_size=200))
def test_imported_never_fails_and_only_names_candidates(source: str) -> None:
    assert set(imported(_notebook(source), ("numpy", "torch"))) <= {"numpy", "torch"}


# --- slots ------------------------------------------------------------------------------------


def test_slots_let_limit_holders_run_and_the_others_wait() -> None:
    slots, stopped = Slots(), threading.Event()
    slots.set_limit(1)
    assert slots.take(stopped)
    took: list[float] = []

    def wait() -> None:
        if slots.take(stopped):
            took.append(time.monotonic())

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.3)
    assert not took  # the one slot is held
    released = time.monotonic()
    slots.give()
    waiter.join(timeout=5)
    assert took and took[0] >= released
    slots.give()


def test_slots_without_limit_never_wait_and_stop_ends_a_wait() -> None:
    slots, stopped = Slots(), threading.Event()
    assert all(slots.take(stopped) for _ in range(50))
    slots.set_limit(1)  # 50 are busy: the next waits, until the batch stops
    result: list[bool] = []
    waiter = threading.Thread(target=lambda: result.append(slots.take(stopped)))
    waiter.start()
    time.sleep(0.3)
    stopped.set()
    waiter.join(timeout=5)
    assert result == [False]


# --- real kernels -----------------------------------------------------------------------------

# Prints when the cell ran (wall clock, comparable across kernels) and what the kernel holds.
_PROBE = """\
import sys, time, json
print(json.dumps({"start": time.time(), "wave_loaded": "wave" in sys.modules,
                  "wave_bound": "wave" in globals(), "history": len(In),
                  "count": get_ipython().execution_count}))
time.sleep(1.0)
print(json.dumps({"end": time.time()}))
"""


def _job(warm: tuple[str, ...] = ()) -> ExecutionJob:
    return ExecutionJob(
        notebook=_notebook(_PROBE),
        harvest_source="print('harvested')",
        cell_timeout=30,
        notebook_timeout=60,
        warm=warm,
    )


def _printed(execution: Execution) -> dict[str, Any]:
    assert execution.outcome is Outcome.COMPLETED, execution.message
    (cell,) = execution.cells
    assert cell.status is CellStatus.OK, cell.error
    lines = [json.loads(line) for line in cell.output.splitlines() if line.startswith("{")]
    return {k: v for line in lines for k, v in line.items()}


@pytest.fixture(scope="module")
def runner() -> NbclientRunner:
    return NbclientRunner(choose_mode("auto", fallback=True))


@pytest.mark.slow
def test_a_warm_import_loads_the_module_and_changes_nothing_else(runner: NbclientRunner) -> None:
    cold, warm = _printed(runner.run(_job())), _printed(runner.run(_job(("wave",))))
    assert (cold["wave_loaded"], warm["wave_loaded"]) == (False, True)
    assert warm["wave_bound"] is False  # no name bound in the student's namespace
    assert (warm["history"], warm["count"]) == (cold["history"], cold["count"])


@pytest.mark.slow
def test_a_warm_import_that_fails_is_left_to_the_students_own_import(
    runner: NbclientRunner,
) -> None:
    printed = _printed(runner.run(_job(("no_such_module_anywhere",))))
    assert printed["wave_loaded"] is False


@pytest.mark.slow
def test_kernels_start_ahead_but_only_the_slots_run_cells() -> None:
    """Three threads, one slot: the cells never overlap, and a run's recorded time leaves out
    the wait for its turn."""
    runner = NbclientRunner(choose_mode("auto", fallback=True))
    runner.slots.set_limit(1)
    batch_start = time.time()
    with ThreadPoolExecutor(max_workers=3) as pool:
        executions = list(pool.map(lambda _: runner.run(_job()), range(3)))
    printed = [_printed(e) for e in executions]
    spans = sorted((p["start"], p["end"]) for p in printed)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end, spans  # one kernel ran cells at a time
    last = max(range(3), key=lambda i: printed[i]["start"])
    waited_at_least = 2.0  # the two others' one-second cells
    billed = executions[last].seconds
    assert billed < printed[last]["end"] - batch_start - waited_at_least + 0.5


def test_each_worker_gets_its_share_of_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert [thread_share(n) for n in (1, 2, 3, 8, 64)] == [8, 4, 2, 1, 1]
    monkeypatch.setattr("os.cpu_count", lambda: None)
    assert thread_share(2) == 1


@pytest.mark.slow
def test_a_kernel_starts_without_the_terminal_jedi_or_debugpy_but_the_student_may_import_them(
    runner: NbclientRunner, tmp_path: Path
) -> None:
    """The kernel loads neither IPython's terminal (prompt_toolkit), its completer's jedi nor
    ipykernel's debugger (debugpy), which the grader never uses and which cost over a third of
    a start; the student's code still imports all three, and its own modules from the working
    folder, as usual."""
    helper = tmp_path / "helper.py"
    helper.write_text("ANSWER = 42\n", encoding="utf-8")
    names = ("prompt_toolkit", "jedi", "debugpy")
    source = (
        "import importlib, json, sys\n"
        f"loaded = [name in sys.modules for name in {names!r}]\n"
        "import helper\n"
        f"imported = [importlib.import_module(name).__name__ for name in {names!r}]\n"
        "print(json.dumps([helper.ANSWER, imported, loaded]))"
    )
    job = ExecutionJob(
        notebook=_notebook(source),
        harvest_source="print('harvested')",
        cell_timeout=30,
        notebook_timeout=60,
        files=(helper,),
    )
    execution = runner.run(job)
    (cell,) = execution.cells
    assert cell.status is CellStatus.OK, cell.error
    printed = json.loads(cell.output.strip().splitlines()[-1])
    assert printed == [42, list(names), [False, False, False]]
