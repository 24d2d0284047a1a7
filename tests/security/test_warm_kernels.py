"""Warm kernels (``graders.runtime.warm``): a kernel forked from the warm parent cannot reach the
parent or a sibling kernel (signal, trace, read its memory), and what one kernel does to the
state it inherited (modules monkeypatched, memory filled) is gone for the next one.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from graders.execute import Execution, ExecutionJob, Outcome
from graders.runtime.sandbox import choose_mode
from graders.runtime.warm import WarmKernelManager, WarmRunner

pytestmark = pytest.mark.slow

SIBLING_SECONDS = 40  # how long the sibling keeps its secret in memory at most


@pytest.fixture(scope="module")
def runner() -> Iterator[WarmRunner]:
    plan = choose_mode("auto", fallback=True)
    if plan.mode != "bwrap":
        pytest.skip(f"bwrap cannot start a sandbox here: {plan.reason}")
    warm = WarmRunner(plan)
    assert warm.pool is not None
    if warm.pool.unavailable:
        warm.close()
        pytest.skip(f"no warm kernels here: {warm.pool.unavailable}")
    try:
        yield warm
    finally:
        warm.close()


def _job(*cells: str, warm: tuple[str, ...] = ()) -> ExecutionJob:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    return ExecutionJob(nb, "print('harvested')", cell_timeout=90, notebook_timeout=180, warm=warm)


def _tree(root: int) -> set[int]:
    """``root`` and every process descended from it (host pids)."""
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as stat:
                    parents[int(name)] = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, grown = {root}, True
    while grown:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        grown = bool(more)
        tree |= more
    return tree


def _warm_kernels(runner: WarmRunner) -> list[WarmKernelManager]:
    return [km for km in tuple(runner._live) if isinstance(km, WarmKernelManager)]


# what the attacker's kernel tries on every pid it is given: signal 0 and SIGSTOP, ptrace attach
# and seize, /proc/<pid>/mem and process_vm_readv; then what it can see of processes at all
_ATTACK = """\
import ctypes, json, os, signal
libc = ctypes.CDLL(None, use_errno=True)
class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
buffer = ctypes.create_string_buffer(64)
local = iovec(ctypes.cast(buffer, ctypes.c_void_p), 64)
remote = iovec(0x400000, 64)
reached = []
for pid in TARGETS:
    for what, attempt in (
        ("signal 0", lambda: os.kill(pid, 0)),
        ("SIGSTOP", lambda: os.kill(pid, signal.SIGSTOP)),
    ):
        try:
            attempt()
            reached.append([pid, what])
        except OSError:
            pass
    for what, request in (("PTRACE_ATTACH", 16), ("PTRACE_SEIZE", 0x4206)):
        if libc.ptrace(request, pid, None, None) == 0:
            reached.append([pid, what])
    try:
        with open(f"/proc/{pid}/mem", "rb") as memory:
            memory.read(1)
        reached.append([pid, "/proc/pid/mem"])
    except OSError:
        pass
    if libc.process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0) > 0:
        reached.append([pid, "process_vm_readv"])
visible = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
print(json.dumps({"reached": reached, "visible": visible, "me": os.getpid()}))
"""


def test_a_warm_kernel_cannot_signal_trace_or_read_the_parent_or_a_sibling(
    runner: WarmRunner,
) -> None:
    secret = secrets.token_hex(16)
    sibling_job = _job(
        f"secret = {secret!r} * 1000\n"
        "import time\n"
        "deadline = time.time() + " + str(SIBLING_SECONDS) + "\n"
        "while time.time() < deadline and not __import__('os').path.exists('done'):\n"
        "    time.sleep(0.1)\n",
        "print(secret[:32])",
    )
    results: dict[str, Execution] = {}
    sibling = threading.Thread(target=lambda: results.update(sibling=runner.run(sibling_job)))
    sibling.start()
    try:
        deadline = time.monotonic() + 60
        kernels: list[WarmKernelManager] = []
        while time.monotonic() < deadline:
            kernels = [km for km in _warm_kernels(runner) if km.namespace()[0]]
            if kernels and len(list(kernels[0].members())) >= 2:
                break
            time.sleep(0.1)
        assert kernels, f"the sibling's warm kernel did not start: {results}"
        sibling_pids = set(kernels[0].members())
        assert runner.pool is not None
        parents = [p.process.pid for p in runner.pool._parents.values() if p.process is not None]
        # the parent's sandbox: bwrap, the warm parent itself, every supervisor and init
        targets = set().union(*(_tree(pid) for pid in parents)) | sibling_pids
        attack = _job(_ATTACK.replace("TARGETS", repr(sorted(targets))))
        attacked = runner.run(attack)
        folder = Path(kernels[0].sandbox.workdir)
        (folder / "done").write_text("")  # the sibling may finish
    finally:
        sibling.join(timeout=SIBLING_SECONDS + 60)
    assert attacked.kernel == "warm" and attacked.outcome is Outcome.COMPLETED, attacked
    report = json.loads(attacked.cells[0].output)
    assert report["reached"] == []
    # it sees its own pid namespace only: its init (1), itself (2), nothing of the others'
    assert report["me"] == 2
    assert set(report["visible"]) <= {1, 2}
    assert len(targets) >= 4  # the attack had the parent, a supervisor, an init and the sibling
    got = results["sibling"]
    assert got.kernel == "warm" and got.outcome is Outcome.COMPLETED, got
    assert got.cells[1].output.strip() == secret  # not stopped, not killed, memory intact
    alive = [p.process.poll() is None for p in runner.pool._parents.values() if p.process]
    assert alive and all(alive)  # the parent still serves


_CORRUPT = """\
import builtins, json, math, os, sys
import numpy
import ipykernel
math.pi = 3
numpy.pi = 3
json.dumps.__globals__["_default_encoder"].indent = 7
ipykernel.CORRUPTED = True
builtins.CORRUPTED = True
sys.path.insert(0, "/tmp/evil")
os.environ["CORRUPTED"] = "1"
sys.modules["fractions"] = None
import random
random.random = lambda: 0.5
filled = bytearray(768 * 2**20)
filled[:: 4096] = b"x" * len(range(0, len(filled), 4096))
with open("/proc/self/status") as status:
    rss = [int(line.split()[1]) for line in status if line.startswith("VmRSS")][0]
print(rss)
"""

_INSPECT = """\
import builtins, json, math, os, sys
import numpy
import ipykernel
with open("/proc/self/status") as status:
    rss = [int(line.split()[1]) for line in status if line.startswith("VmRSS")][0]
import random
print(json.dumps({
    "pi": math.pi,
    "numpy_pi": numpy.pi,
    "indent": json.dumps.__globals__["_default_encoder"].indent,
    "ipykernel": hasattr(ipykernel, "CORRUPTED"),
    "builtins": hasattr(builtins, "CORRUPTED"),
    "path": "/tmp/evil" in sys.path,
    "environ": "CORRUPTED" in os.environ,
    "fractions": sys.modules.get("fractions", "absent") is None,
    "random": random.random.__name__,
    "rss_kib": rss,
}))
"""


def test_what_a_warm_kernel_corrupts_is_gone_for_the_next(runner: WarmRunner) -> None:
    corrupt = runner.run(_job(_CORRUPT, warm=("numpy",)))
    assert corrupt.kernel == "warm" and corrupt.outcome is Outcome.COMPLETED, corrupt
    assert int(corrupt.cells[0].output) > 700 * 1024  # the memory was really filled
    inspected = runner.run(_job(_INSPECT, warm=("numpy",)))
    assert inspected.kernel == "warm" and inspected.outcome is Outcome.COMPLETED, inspected
    state = json.loads(inspected.cells[0].output)
    assert state == {
        "pi": pytest.approx(3.141592653589793),
        "numpy_pi": pytest.approx(3.141592653589793),
        "indent": None,
        "ipykernel": False,
        "builtins": False,
        "path": False,
        "environ": False,
        "fractions": False,
        "random": "random",
        "rss_kib": state["rss_kib"],
    }
    assert state["rss_kib"] < 500 * 1024  # none of the first kernel's 768 MiB
