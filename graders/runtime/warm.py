"""Warm kernels: each submission's kernel forked from a parent that has already imported what
every kernel imports, isolated as in bwrap mode; the cold path wherever that cannot be done.

In:  a ``SandboxPlan`` (``choose_mode``), ``Limits``, and per submission an ``ExecutionJob``.
Out: ``WarmRunner``, a ``NbclientRunner`` (the same ``KernelRunner``) whose kernels are forked
     by a ``WarmPool`` of parents; ``runner_for(plan, kernels)`` (a context manager) gives the
     runner ``--kernels`` asks for; ``kernel_counts(executions)`` says which path ran which.

Why. A sandboxed kernel's start is mostly Python importing ipykernel, IPython, zmq and
jupyter_client, and for a training homework a second and more importing torch. A parent per
set of heavy modules (``ExecutionJob.warm``, for the threads asked) imports them once, then
forks one kernel per submission in milliseconds; the child builds its kernel (connection,
threads, sockets) after the fork, and the job's warm-up cell seeds every generator and pins
torch's threads after it too (``graders.runtime.determinism``).

Isolation, kept (``graders.runtime.warm_parent`` does it; the module docstring of
``graders.runtime.sandbox`` gives the threat model, unchanged):

- The parent runs in a bwrap sandbox of its own, with the system view of a kernel's sandbox
  (``sandbox.system_view``: read-only system and interpreter, the project's packages covered,
  no host file else) plus one folder, read-write, where every warm submission's run folder is
  made; it keeps only the capabilities needed to build a child's sandbox (mount, uid, chown,
  loopback, bounding set). It runs no student code and checks, before it serves, that it
  runs one thread and holds no writable shared mapping (which every child would share).
- Each child gets new mount, pid, network, ipc, uts (and cgroup) namespaces: a fresh
  ``/proc`` of its own pid namespace (it sees neither the parent nor a sibling: it cannot
  signal, trace or read the memory of one), fresh tmpfs ``/tmp`` (covering every other run
  folder), home and ``/dev/shm`` of ``Limits.tmpfs_bytes``, a new ``devpts``, its working folder
  at ``/work/submission`` and only its own sockets and connection file; the same rlimits, a new
  session, ``no_new_privs``, no capabilities, and a uid of its own (``_UID_BASE`` + the host
  pid of the process the grader launched for it, unique among running sandboxes, as on the
  cold path). Its memory is a copy-on-write copy of the parent's: what it changes stays its own.
- The end of the launched process (the grader's kill, or the grader's death) makes the
  supervisor kill the namespace's init, which ends every process in it; leftovers are found
  from the host by their pid namespace and killed (``kill_leftovers``).

Where the warm path cannot be used, a submission runs on the cold path and its
``Execution.kernel`` says why: sandbox mode ``none`` or bwrap unavailable (no namespaces),
a grader not running as root (the child's namespaces would need a user namespace of their own,
which this module does not build), a parent that did not become ready (its imports started a
thread, a shared mapping), or a fork that did not start (that kernel is then started cold; a
parent that died is started again, one that keeps failing is given up: ``WarmPool.failed``).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from graders.execute import Execution, ExecutionJob, NbclientRunner, Outcome
from graders.runtime import in_sandbox
from graders.runtime.sandbox import (
    _UID_BASE,
    RUN_FOLDER_PREFIX,
    Limits,
    Sandbox,
    SandboxedKernelManager,
    SandboxPlan,
    _launcher,
    _namespace_options,
    _start_time,
    program,
    run_folder,
    sandbox_for,
    system_view,
)

Kernels = Literal["warm", "cold"]
KERNELS: tuple[Kernels, ...] = ("warm", "cold")
DEFAULT_KERNELS: Kernels = "warm"
READY_SECONDS = 180.0  # how long a parent may take to import what it warms
PARENT_SOURCE = Path(__file__).with_name("warm_parent.py")
# what the parent may do to build a child's sandbox; the child keeps none of it
_PARENT_CAPS = (
    "CAP_SYS_ADMIN",  # unshare, mount
    "CAP_NET_ADMIN",  # the child's loopback up
    "CAP_SETUID",
    "CAP_SETGID",
    "CAP_SETPCAP",  # empty the child's bounding set
    "CAP_CHOWN",  # hand the working folder and tmpfs to the child's uid
    "CAP_FOWNER",
    "CAP_DAC_OVERRIDE",
)

# Runs with ``python -I -S -c _CLIENT REQUEST`` as the process jupyter_client launches
# (``graders.runtime.in_sandbox.warm_client``): asks the parent for a kernel and lives as long as
# it, exiting with its status. Its end (killed, or with the grader) ends the kernel.
_CLIENT = program(in_sandbox.warm_client)


class WarmKernelManager(SandboxedKernelManager):
    """A ``SandboxedKernelManager`` whose kernel a warm parent forks (see the module docstring)."""

    kernel_path = "warm"
    _control: Path

    def __init__(self, sandbox: Sandbox, control: Path) -> None:
        super().__init__(sandbox)
        self._control = control

    @property
    def record(self) -> Path:
        """Written by the launched process: the kernel's pid namespace."""
        return self.sandbox.runtime_dir / "namespace.json"

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        sandbox = self.sandbox
        request = {
            "control": str(self._control),
            "record": str(self.record),
            "uid_base": _UID_BASE,
            "workdir": str(sandbox.workdir),
            "sockets": str(sandbox.sockets),
            "connection_file": str(sandbox.connection_file),
            "tmpfs_bytes": sandbox.limits.tmpfs_bytes,
            "limits": sandbox.limits.rlimits(),
            "env": sandbox.environment(),
        }
        request |= {"log": str(sandbox.log), "grader_pid": os.getpid()}
        return [sys.executable, "-I", "-S", "-c", _CLIENT, json.dumps(request)]

    def namespace(self) -> tuple[str, str]:
        """The kernel's pid namespace (``pid:[inode]``) and its init's start time (clock ticks
        since boot), ("", "") until they are known."""
        try:
            found = json.loads(self.record.read_text(encoding="ascii"))
        except (OSError, ValueError):
            return "", ""
        if not isinstance(found, dict):
            return "", ""
        namespace, started = found.get("namespace", ""), found.get("started", "")
        if not (isinstance(namespace, str) and isinstance(started, str)):
            return "", ""
        return namespace, started

    def members(self) -> Iterator[int]:
        """The processes of the kernel's pid namespace (its init included), as host pids;
        before that is known, the launched process.

        A namespace's number is reused as soon as it ends, by the next kernel's: the namespace
        is this kernel's only while its init (pid 1 there, with the start time the parent
        gave) runs. Its processes are returned only if that init still ran after they were
        found; once it has ended, so has everything in it."""
        namespace, started = self.namespace()
        if not namespace:
            yield from super().members()
            return
        found, init = [], None
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    if os.readlink(f"/proc/{name}/ns/pid") != namespace:
                        continue
                except OSError:
                    continue
                found.append(int(name))
                if init is None and _is_init(int(name)):
                    init = int(name)
        if init is None or not started or _start_time(init) != started:
            return  # ended (or another kernel's namespace now): nothing of this one runs
        yield from found


def _is_init(pid: int) -> bool:
    """Whether host process ``pid`` is pid 1 of its own pid namespace (``NSpid``'s last)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("NSpid:"):
                    ids = line.split()[1:]
                    return len(ids) > 1 and ids[-1] == "1"
    except OSError:
        return False
    return False


MAX_FAILURES = 3  # warm starts that failed before a parent is no longer used
MAX_PARENTS = 4  # parents started per (warm modules, threads): the first and restarts


@dataclass
class _Parent:
    """One warm parent: its process, control socket and, if it could not start, why."""

    control: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None
    problem: str = ""
    failures: int = 0


class WarmPool:
    """Warm parents, one per (warm modules, threads), started on first use, in one folder made
    with ``run_folder`` (so a killed grader's is removed by the next one). ``close`` ends them."""

    def __init__(self, plan: SandboxPlan, limits: Limits) -> None:
        self.plan = plan
        self.limits = limits
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._parents: dict[tuple[tuple[str, ...], int], _Parent] = {}
        self._restarts: dict[tuple[tuple[str, ...], int], int] = {}
        self._retired: list[_Parent] = []
        self._started = 0
        self._stack = contextlib.ExitStack()
        self.folder = self._stack.enter_context(run_folder())
        self.unavailable = _unavailable(plan)

    def control(self, job: ExecutionJob) -> Path | str:
        """The control socket of the parent for ``job``, started if need be, or why none."""
        if self.unavailable:
            return self.unavailable
        key = (tuple(job.warm), job.threads)
        with self._lock:
            if self._closed.is_set():
                return "the warm parents were stopped"
            parent = self._parents.get(key)
            if parent is None:
                parent = self._start(key)
                self._parents[key] = parent
        if parent.problem:
            return parent.problem
        return parent.control

    def failed(self, job: ExecutionJob, problem: str) -> None:
        """A kernel forked for ``job`` did not start: a parent that is gone is started again
        for the next job (up to ``MAX_PARENTS`` in all); one that keeps failing
        (``MAX_FAILURES``) is no longer used, and its jobs run cold with ``problem`` as why."""
        key = (tuple(job.warm), job.threads)
        with self._lock:
            parent = self._parents.get(key)
            if parent is None or parent.problem:
                return
            parent.failures += 1
            status = parent.process.poll() if parent.process is not None else None
            if status is not None:
                self._restarts[key] = self._restarts.get(key, 1) + 1
                if self._restarts[key] <= MAX_PARENTS:
                    self._retired.append(self._parents.pop(key))  # the next job starts another
                    return
                parent.problem = f"{problem}; the warm parent exited ({status}){_tail(parent.log)}"
            elif parent.failures >= MAX_FAILURES:
                parent.problem = problem

    def submission_folder(self) -> contextlib.AbstractContextManager[Path]:
        """A private run folder inside the folder the parents see."""
        return _private_folder(self.folder)

    def close(self) -> None:
        """End every parent and remove their folder."""
        with self._lock:
            self._closed.set()
            parents = list(self._parents.values()) + self._retired
        for parent in parents:
            if parent.process is not None:
                _end(parent.process)
        self._stack.close()

    def _start(self, key: tuple[tuple[str, ...], int]) -> _Parent:
        warm, threads = key
        index = self._started
        self._started += 1
        control = self.folder / f"parent-{index}.sock"
        log = self.folder / f"parent-{index}.log"
        parent = _Parent(control, log)
        command = self._command(list(warm), replace(self.limits, threads=threads), control)
        started: list[subprocess.Popen[bytes]] = []
        launched = threading.Event()

        def keep() -> None:  # the parent dies with this thread (bwrap's --die-with-parent)
            with open(log, "ab") as errors:
                try:
                    started.append(
                        subprocess.Popen(
                            command,
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE,
                            stderr=errors,
                            env={},
                            start_new_session=True,
                        )
                    )
                finally:
                    launched.set()
            self._closed.wait()

        threading.Thread(target=keep, name=f"warm-parent-{index}", daemon=True).start()
        launched.wait()
        if not started:
            parent.problem = "the warm parent could not be launched"
            return parent
        parent.process = started[0]
        parent.problem = _ready(parent.process, log)
        return parent

    def _command(self, warm: list[str], limits: Limits, control: Path) -> list[str]:
        assert self.plan.bwrap is not None
        environment = Sandbox(
            self.plan, self.folder, self.folder, limits, (), "", as_root=True
        ).environment()
        environment.pop("GRADER_SANDBOX_TOKEN", None)
        options = _namespace_options(as_root=True, caps=_PARENT_CAPS)
        folder = str(self.folder)
        arguments = [self.plan.bwrap, *options, *system_view(limits)]
        arguments += ["--perms", "0755", "--dir", "/work", "--perms", "0755"]
        arguments += ["--dir", "/work/submission", "--bind", folder, folder]
        arguments += ["--chdir", "/", "--clearenv"]
        source = PARENT_SOURCE.read_text(encoding="utf-8")
        config = {"warm": warm, "control": str(control)}
        inner = _launcher({"env": environment, "cwd": "/"})
        return [*arguments, "--", *inner, sys.executable, "-c", source, json.dumps(config)]


def _unavailable(plan: SandboxPlan) -> str:
    if plan.mode != "bwrap" or plan.bwrap is None:
        return "no namespaces: sandbox mode none"
    if os.geteuid() != 0:
        return "the warm path needs a grader running as root (the kernels' own uids)"
    if not hasattr(os, "pidfd_open") or not Path("/proc/self/ns/pid").exists():
        return "this system lacks pidfd_open or /proc/<pid>/ns"
    return ""


def _ready(process: subprocess.Popen[bytes], log: Path) -> str:
    """ "" once the parent says it is ready, else why it is not (and it is ended)."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], READY_SECONDS)
    line = process.stdout.readline() if ready else b""
    try:
        answer = json.loads(line)
    except ValueError:
        answer = {}
    if isinstance(answer, dict) and answer.get("ready") is True:
        return ""
    _end(process)
    if isinstance(answer, dict) and answer.get("problem"):
        return f"the warm parent refused to serve: {answer['problem']}"
    return "the warm parent did not start" + _tail(log)


def _tail(log: Path) -> str:
    """ ": <the log's last line>", or "" for an empty or missing log."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return f": {lines[-1]}" if lines else ""


def _end(process: subprocess.Popen[bytes]) -> None:
    """Kill a parent (bwrap ends its sandbox, every kernel forked in it included)."""
    if process.poll() is None:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


@contextlib.contextmanager
def _private_folder(parent: Path) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix=RUN_FOLDER_PREFIX, dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class WarmRunner(NbclientRunner):
    """A ``NbclientRunner`` whose kernels are forked from warm parents (``WarmPool``); a
    submission the warm path cannot take runs on the cold path, and ``Execution.kernel`` says
    which path ran it. ``close`` ends the parents."""

    pool: WarmPool | None = field(default=None, repr=False, compare=False)
    _cold: threading.local = field(
        default_factory=threading.local, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.pool is None:
            object.__setattr__(self, "pool", WarmPool(self.plan, self.limits))

    @property
    def _pool(self) -> WarmPool:
        assert self.pool is not None
        return self.pool

    def run(self, job: ExecutionJob) -> Execution:
        execution = super().run(job)
        if execution.kernel == "warm" and execution.outcome is Outcome.NOT_STARTED:
            said = getattr(self._cold, "log", "")
            problem = f"a warm kernel did not start ({execution.message}{said})"
            self._pool.failed(job, problem)
            self._cold.reason = problem  # this thread's next kernel: started cold
            try:
                execution = super().run(job)
            finally:
                self._cold.reason = ""
        return execution

    def close(self) -> None:
        self._pool.close()

    @contextlib.contextmanager
    def _folder(self) -> Iterator[Path]:
        with self._pool.submission_folder() as folder:
            try:
                yield folder
            finally:  # what the kernel's start said, for the reason of a warm start that failed
                self._cold.log = _tail(folder / "runtime" / "kernel.log")

    def _manager(
        self, job: ExecutionJob, workdir: Path, runtime: Path, limits: Limits
    ) -> SandboxedKernelManager:
        control = getattr(self._cold, "reason", "") or self._pool.control(job)
        sandbox = sandbox_for(self.plan, workdir, runtime, limits)
        if isinstance(control, Path):
            return WarmKernelManager(sandbox, control)
        km = SandboxedKernelManager(sandbox)
        km.kernel_path = f"cold ({control})"
        return km


@contextlib.contextmanager
def runner_for(
    plan: SandboxPlan, kernels: Kernels = DEFAULT_KERNELS, limits: Limits | None = None
) -> Iterator[NbclientRunner]:
    """The runner ``--kernels`` asks for: warm (``WarmRunner``, its parents ended on leaving)
    or cold (``NbclientRunner``: a kernel of its own per submission)."""
    if kernels not in KERNELS:
        raise ValueError(f"kernels must be warm or cold, not {kernels!r}")
    limits = limits or Limits()
    if kernels == "cold":
        yield NbclientRunner(plan, limits)
        return
    runner = WarmRunner(plan, limits)
    try:
        yield runner
    finally:
        runner.close()


def kernel_counts(executions: Iterable[Execution | None]) -> Counter[str]:
    """How many executions each path ran: "warm", "cold", or "cold (why not warm)"."""
    return Counter(e.kernel or "cold" for e in executions if e is not None)


def kernels_line(executions: Iterable[Execution | None]) -> str:
    """The batch summary's line: how many kernels each path started, and why not warm."""
    counts = kernel_counts(executions)
    if not counts:
        return "Kernels: none started (every execution came from the cache)"
    parts = [f"{count} {path}" for path, count in sorted(counts.items())]
    return "Kernels: " + "; ".join(parts) + " (per submission: `kernel` in its results JSON)"
