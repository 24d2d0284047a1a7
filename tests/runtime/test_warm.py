"""Warm kernels (``graders.runtime.warm``): a forked kernel looks to the student's code like a
cold one, the warm path falls back to today's where it cannot be used, and the summary says
which path ran each submission."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from graders.execute import Execution, ExecutionJob, NbclientRunner, Outcome
from graders.runtime.sandbox import Limits, choose_mode, sandbox_for
from graders.runtime.warm import (
    WarmKernelManager,
    WarmPool,
    WarmRunner,
    kernel_counts,
    kernels_line,
    runner_for,
)

# what the student's code can tell about its kernel
_LOOK = """\
names = sorted(n for n in dir() if not n.startswith("_"))
import json, os, resource, socket, sys
limits = {n: resource.getrlimit(getattr(resource, n)) for n in dir(resource) if "RLIMIT_" in n}
with open("/proc/self/status") as status:
    fields = dict(line.split(":", 1) for line in status)
print(json.dumps({
    "names": [n for n in names if n != "names"],
    "environ": sorted(k for k in os.environ if k != "GRADER_SANDBOX_TOKEN"),
    "cwd": os.getcwd(),
    "path": sys.path,
    "pid": os.getpid(),
    "ppid": os.getppid(),
    "uid_base": os.getuid() >= 2_100_000_000,
    "hostname": socket.gethostname(),
    "limits": limits,
    "caps": [fields[k].strip() for k in ("CapPrm", "CapEff", "CapAmb")],
    "no_new_privs": fields["NoNewPrivs"].strip(),
    "files": sorted(os.listdir(".")),
    "mounts_tmp": sorted(os.listdir("/tmp")) != [],
    "argv": sys.argv[1:2],
}))
"""


def _job(source: str) -> ExecutionJob:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    return ExecutionJob(nb, "print('harvested')", cell_timeout=60, notebook_timeout=120)


def _execution(kernel: str) -> Execution:
    return Execution((), None, Outcome.COMPLETED, kernel=kernel)


def test_the_summary_counts_each_path_and_says_why_not_warm() -> None:
    why = "cold (no namespaces: sandbox mode none)"
    executions = [_execution("warm"), _execution("warm"), _execution(why), None, _execution("")]
    assert kernel_counts(executions) == {"warm": 2, why: 1, "cold": 1}
    assert kernels_line(executions) == (
        f"Kernels: 1 cold; 1 {why}; 2 warm (per submission: `kernel` in its results JSON)"
    )
    assert kernels_line([None]).startswith("Kernels: none started")


def test_only_warm_or_cold_kernels_are_asked_for() -> None:
    with pytest.raises(ValueError, match="warm or cold"), runner_for(choose_mode("none"), "hot"):  # type: ignore[arg-type]
        pass


def test_without_namespaces_the_warm_path_is_not_offered() -> None:
    pool = WarmPool(choose_mode("none"), Limits())
    try:
        assert pool.control(_job("")) == "no namespaces: sandbox mode none"
    finally:
        pool.close()
    assert not pool.folder.exists()  # the parents' folder goes with the pool


@pytest.fixture(scope="module")
def warm() -> Iterator[WarmRunner]:
    plan = choose_mode("auto", fallback=True)
    if plan.mode != "bwrap":
        pytest.skip(f"bwrap cannot start a sandbox here: {plan.reason}")
    runner = WarmRunner(plan)
    assert runner.pool is not None
    if runner.pool.unavailable:
        runner.close()
        pytest.skip(f"no warm kernels here: {runner.pool.unavailable}")
    try:
        yield runner
    finally:
        runner.close()


@pytest.mark.slow
def test_a_warm_kernel_looks_like_a_cold_one(warm: WarmRunner) -> None:
    forked = warm.run(_job(_LOOK))
    started = NbclientRunner(warm.plan).run(_job(_LOOK))
    assert (forked.kernel, started.kernel) == ("warm", "cold")
    assert forked.isolation == started.isolation == "bwrap"
    seen = [json.loads(e.cells[0].output) for e in (forked, started)]
    assert seen[0] == seen[1]
    assert seen[0]["names"] == ["In", "Out", "exit", "get_ipython", "open", "quit"]
    assert seen[0]["caps"] == ["0000000000000000"] * 3 and seen[0]["no_new_privs"] == "1"
    assert (seen[0]["pid"], seen[0]["ppid"], seen[0]["cwd"]) == (2, 1, "/work/submission")


@pytest.mark.slow
def test_a_fork_that_does_not_start_is_graded_on_todays_path(warm: WarmRunner) -> None:
    job = _job("print(6 * 7)")
    assert warm.pool is not None
    control = warm.pool.control(job)
    assert isinstance(control, Path)
    control.unlink()  # the parent can no longer be reached
    execution = warm.run(job)
    assert execution.kernel.startswith("cold (a warm kernel did not start")
    assert execution.outcome is Outcome.COMPLETED and execution.cells[0].output == "42\n"
    assert warm.run(job).kernel.startswith("cold (a warm kernel did not start")


@pytest.mark.slow
def test_a_parent_that_died_is_started_again(warm: WarmRunner) -> None:
    runner = WarmRunner(warm.plan)
    try:
        job = _job("print(6 * 7)")
        assert runner.run(job).kernel == "warm"
        assert runner.pool is not None
        (parent,) = runner.pool._parents.values()
        assert parent.process is not None
        parent.process.kill()
        parent.process.wait()
        after = runner.run(job)  # graded cold, and the parent is replaced
        assert after.kernel.startswith("cold (a warm kernel did not start")
        assert after.cells[0].output == "42\n"
        again = runner.run(job)
        assert again.kernel == "warm" and again.cells[0].output == "42\n"
    finally:
        runner.close()


def test_a_namespace_number_that_another_kernel_reuses_is_not_this_kernels(
    tmp_path: Path,
) -> None:
    """A pid namespace's number is reused once it ends: the kernel's processes are those of its
    namespace only while the init the parent named (by its start time) runs."""
    (tmp_path / "work").mkdir()
    sandbox = sandbox_for(choose_mode("none"), tmp_path / "work", tmp_path / "run")
    km = WarmKernelManager(sandbox, tmp_path / "control.sock")
    assert list(km.members()) == []  # nothing launched, nothing recorded
    with open("/proc/self/stat", "rb") as stat:
        mine = stat.read().rsplit(b")", 1)[1].split()[19].decode()
    namespace = os.readlink("/proc/self/ns/pid")  # this test's: full of processes
    for started in (mine, "1"):  # an init that is not pid 1 of it, or started at another time
        km.record.write_text(json.dumps({"namespace": namespace, "started": started}))
        assert list(km.members()) == []
