"""Cells are cut by processor time, with a clock ceiling above it; kernels start seeded."""

from __future__ import annotations

import json
from typing import Any

import nbformat
import pytest

from graders.execute import (
    CPU_CUT,
    WALL_CUT,
    CellStatus,
    Execution,
    ExecutionJob,
    NbclientRunner,
)
from graders.runtime.determinism import preamble
from graders.runtime.sandbox import choose_mode

_REPORT = (
    "import json, random, sys\n"
    "print(json.dumps({'random': random.random(), 'numpy': __import__('numpy').random.rand(),"
    " 'torch': __import__('torch').rand(1).item(),"
    " 'threads': __import__('torch').get_num_threads()}))"
)


def _run(*sources: str, cell: float, factor: float = 4.0, warm: tuple[str, ...] = ()) -> Execution:
    job = ExecutionJob(
        notebook=nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources]),
        harvest_source="print('harvested')",
        cell_timeout=cell,
        notebook_timeout=60,
        wall_factor=factor,
        warm=warm,
    )
    return NbclientRunner(choose_mode("auto", fallback=True)).run(job)


def test_the_preamble_binds_no_name_and_compiles() -> None:
    namespace: dict[str, Any] = {}
    exec(compile(preamble(7, 2), "<preamble>", "exec"), namespace)
    assert set(namespace) == {"__builtins__"}


@pytest.mark.slow
def test_a_sleeping_cell_is_not_cut_by_its_processor_limit() -> None:
    execution = _run("import time\ntime.sleep(3)\nprint('woke')", cell=1.5)
    assert execution.cells[0].status is CellStatus.OK
    assert "woke" in execution.cells[0].output
    assert execution.second_chance == ""


@pytest.mark.slow
def test_a_busy_cell_is_cut_at_its_processor_limit_and_both_figures_are_given() -> None:
    # a clock ceiling far above: on a shared machine the loop may get a fraction of a core
    execution = _run("while True:\n    pass", "print('after')", cell=2, factor=30)
    loop = execution.cells[0]
    assert loop.status is CellStatus.TIMEOUT
    assert loop.error.startswith(CPU_CUT)
    assert "s of processor time (limit 2 s)" in loop.error and "(ceiling 60 s)" in loop.error
    assert execution.cells[1].status is CellStatus.OK  # the kernel answered the interrupt
    assert execution.second_chance == ""  # the notebook's own doing: the same next time


@pytest.mark.slow
def test_a_cell_past_the_clock_ceiling_is_cut_and_given_a_second_chance() -> None:
    execution = _run("import time\ntime.sleep(60)", cell=1, factor=3)
    assert execution.cells[0].status is CellStatus.TIMEOUT
    assert execution.cells[0].error.startswith(WALL_CUT)
    assert execution.second_chance == "cut by the wall-clock ceiling"


@pytest.mark.slow
def test_kernels_start_seeded_with_one_thread() -> None:
    first, second = (
        _run(_REPORT, cell=30, warm=("numpy", "torch")).cells[0].output for _ in range(2)
    )
    assert first == second
    assert json.loads(first)["threads"] == 1
