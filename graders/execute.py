"""Execute: run one student notebook, cell by cell, in a fresh kernel.

In:  an ``ExecutionJob`` — the notebook, the grader's harvest cell, time limits, and the
     working folder's files.
Out: an ``Execution`` — every cell's status, output text and error, the printed output of the
     last harvest that completed, the overall outcome and how the kernel was isolated.

The ``KernelRunner`` protocol is the one swappable boundary: ``NbclientRunner`` drives a real
kernel through nbclient; tests use a fake. A cell error, a timeout or a dead kernel is
recorded and execution goes on where it can. The harvest cell runs after every student cell
that finished, so the answers of the cells that did finish survive a later hang or crash.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from queue import Empty
from typing import Any, Protocol

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbformat.corpus.words import generate_corpus_id as random_cell_id

from graders.runtime.determinism import DEFAULT_SEED, preamble
from graders.runtime.sandbox import (
    Limits,
    SandboxedKernelManager,
    SandboxPlan,
    cpu_seconds,
    is_running,
    kernel_manager,
    kill_leftovers,
    run_folder,
)

MAX_CELL_OUTPUT = 20_000  # characters of one cell's output kept for the report
MAX_HARVEST_OUTPUT = 16 * 2**20  # characters of one harvest's output kept (harvest reads less)
TIMEOUT_ENAME = "CellTimeoutError"
RECOVERY_SECONDS = 10.0  # how long a kernel may take to answer again after a cut cell
WALL_FACTOR = 4.0  # the clock's ceiling, as a multiple of a processor-time limit
CPU_POLL_SECONDS = 0.5  # how often a running cell's processor time is read
CPU_CUT = "stopped at the cell's time limit (processor time)"
WALL_CUT = "stopped at the cell's time limit on the clock"
NOTEBOOK_WALL_CUT = "the notebook's time limit on the clock"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class Stopped(KeyboardInterrupt):
    """Raised by ``NbclientRunner.run`` once the runner was stopped (Ctrl-C): the run was cut
    short by the grader, not by the student, so it is neither a result nor cached."""


class CellStatus(StrEnum):
    OK = "ok"
    ERROR = "error"
    TIMEOUT = "timeout"
    SKIPPED = "skipped"  # not run: the notebook's time ran out or the kernel died


class Outcome(StrEnum):
    COMPLETED = "completed"  # every cell ran (some may have raised or been cut at their limit)
    TIMED_OUT = "timed-out"  # the notebook's time ran out, or a cut cell left the kernel hung
    KERNEL_DIED = "kernel-died"
    NOT_STARTED = "not-started"  # the kernel could not be started


@dataclass(frozen=True)
class CellRun:
    """What happened to one code cell of the student's notebook."""

    index: int
    source: str
    status: CellStatus
    output: str = ""
    error: str = ""


@dataclass(frozen=True)
class Execution:
    """The record of running one notebook."""

    cells: tuple[CellRun, ...]
    harvest_output: str | None
    outcome: Outcome
    message: str = ""
    seconds: float = 0.0
    isolation: str = "none"
    # which path started the kernel: "warm" (forked from a warm parent, graders.runtime.warm),
    # "cold" (a kernel of its own) or "cold (why the warm path was not used)"; "" if unknown
    kernel: str = ""

    @property
    def failed_cells(self) -> tuple[CellRun, ...]:
        return tuple(c for c in self.cells if c.status in (CellStatus.ERROR, CellStatus.TIMEOUT))

    @property
    def second_chance(self) -> str:
        """Why this run may say more about the machine than about the notebook (the clock's
        ceiling was reached, the kernel died), or "" when its result stands as it is."""
        if self.outcome is Outcome.KERNEL_DIED:
            return "the kernel died"
        if NOTEBOOK_WALL_CUT in self.message or any(WALL_CUT in c.error for c in self.cells):
            return "cut by the wall-clock ceiling"
        return ""


@dataclass(frozen=True)
class ExecutionJob:
    """Everything a runner needs to execute one submission."""

    notebook: Any  # nbformat.NotebookNode
    harvest_source: str
    cell_timeout: float
    notebook_timeout: float
    files: Sequence[Path] = ()  # extra files copied beside the notebook in the working folder
    harvest_timeout: float = 60.0
    final_source: str = ""  # run once after the last cell (probes, then the harvest), if set
    # files the grader hands over, by relative path ("data/mnist/...": folders are made)
    handed: Mapping[str, bytes] = field(default_factory=dict)
    # modules the notebook imports that may be loaded while its kernel waits for its turn
    # (``sys.modules`` only: no name is bound, so the student's code sees what it would anyway)
    warm: tuple[str, ...] = ()
    # cell_timeout and notebook_timeout count processor time; the clock may run this many times
    # longer (sleeping, blocked or slowed by a busy machine) before it cuts the cell
    wall_factor: float = WALL_FACTOR
    # seeds and thread count set before the student's first cell (``graders.runtime.determinism``)
    seed: int = DEFAULT_SEED
    threads: int = 1


def imported(notebook: Any, candidates: Sequence[str]) -> tuple[str, ...]:
    """Those of ``candidates`` (top-level module names) that a code cell of ``notebook``
    imports, in the order given: what is worth loading before the student's cells run."""
    if not candidates:
        return ()
    found: set[str] = set()
    for cell in notebook.get("cells", ()):
        if cell.get("cell_type") == "code":
            found |= _imports(cell.get("source", ""))
    return tuple(name for name in candidates if name in found)


def _imports(source: Any) -> set[str]:
    """Top-level modules the lines of ``source`` import. Read line by line, not with ``ast``
    (not thread-safe in CPython 3.11, and a cell needs no parse for this): an import inside a
    string may count too, which only loads a module early."""
    text = "".join(source) if isinstance(source, list) else str(source)
    names: set[str] = set()
    for match in _IMPORT_LINE.finditer(text):
        if match["module"]:
            names.add(match["module"].split(".")[0])
        else:
            for part in match["modules"].split(","):
                names.add(part.strip().split(" ")[0].split(".")[0])
    return names


_IMPORT_LINE = re.compile(
    r"^[ \t]*(?:from[ \t]+(?P<module>[A-Za-z_][\w.]*)[ \t]+import\b"
    r"|import[ \t]+(?P<modules>[A-Za-z_][\w.]*(?:[ \t]+as[ \t]+\w+)?"
    r"(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*(?:[ \t]+as[ \t]+\w+)?)*))",
    re.MULTILINE,
)


class Slots:
    """At most ``limit`` kernels run students' cells at once; more may start meanwhile.

    A runner shared by more threads than ``limit`` thereby starts kernels ahead of need: a
    kernel's start-up (and its warm imports) overlaps the run of the kernels holding a slot.
    Without a limit every kernel runs as soon as it has started.
    """

    def __init__(self) -> None:
        self._turn = threading.Condition()
        self._limit: int | None = None
        self._busy = 0

    def set_limit(self, limit: int | None) -> None:
        with self._turn:
            self._limit = limit
            self._turn.notify_all()

    def take(self, stopped: threading.Event) -> bool:
        """Wait for a slot; False (and no slot taken) once ``stopped`` is set."""
        with self._turn:
            while self._limit is not None and self._busy >= self._limit:
                if stopped.is_set():
                    return False
                self._turn.wait(timeout=0.2)
            if stopped.is_set():
                return False
            self._busy += 1
            return True

    def give(self) -> None:
        with self._turn:
            self._busy -= 1
            self._turn.notify()


class KernelRunner(Protocol):
    """Runs one notebook and reports what happened; never raises for a student's fault.

    ``isolation`` names how kernels are isolated (part of the execution cache's key).
    """

    @property
    def isolation(self) -> str: ...

    def run(self, job: ExecutionJob) -> Execution: ...


@dataclass(frozen=True)
class NbclientRunner:
    """Runs notebooks in real ipykernel kernels through nbclient, isolated as ``plan`` says.

    Each kernel starts in a fresh working folder holding only the submission's files, with
    ``limits`` (see ``graders.runtime.sandbox``); whatever it leaves running is killed afterwards.
    """

    plan: SandboxPlan
    limits: Limits = field(default_factory=Limits)
    max_cell_output: int = MAX_CELL_OUTPUT
    _stopped: threading.Event = field(
        default_factory=threading.Event, init=False, repr=False, compare=False
    )
    _live: set[Any] = field(default_factory=set, init=False, repr=False, compare=False)
    slots: Slots = field(default_factory=Slots, repr=False, compare=False)

    @property
    def isolation(self) -> str:
        if self.plan.mode == "bwrap":
            return "bwrap"
        return f"none (reduced: {self.plan.reason})"

    def stop(self) -> None:
        """Stop grading (Ctrl-C): kill every running kernel and whatever it started. Runs under
        way, and any started from now on, raise ``Stopped`` instead of returning."""
        self._stopped.set()
        for km in tuple(self._live):
            kill_leftovers(km)

    def run(self, job: ExecutionJob) -> Execution:
        if self._stopped.is_set():
            raise Stopped
        execution = self._run_in_folder(job)
        if self._stopped.is_set():
            raise Stopped
        return execution

    def _folder(self) -> contextlib.AbstractContextManager[Path]:
        """A new private run folder for one submission (``run_folder``)."""
        return run_folder()

    def _manager(
        self, job: ExecutionJob, workdir: Path, runtime: Path, limits: Limits
    ) -> SandboxedKernelManager:
        """The kernel manager of one submission (``kernel_manager``: a kernel of its own)."""
        return kernel_manager(self.plan, workdir, runtime, limits)

    def _run_in_folder(self, job: ExecutionJob) -> Execution:
        with self._folder() as tmp:
            workdir = tmp / "submission"
            workdir.mkdir()
            for path in job.files:
                if path.is_file() and not path.is_symlink():
                    shutil.copyfile(path, workdir / path.name)
            for name, data in job.handed.items():
                parts = [p for p in Path(name).parts if p not in ("/", "..", ".")]
                target = workdir.joinpath(*parts) if parts else workdir / "handed"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            return asyncio.run(self._run(job, workdir, tmp / "runtime"))

    async def _run(self, job: ExecutionJob, workdir: Path, runtime: Path) -> Execution:
        started = time.monotonic()
        isolation = self.isolation
        limits = replace(self.limits, threads=job.threads)
        km = self._manager(job, workdir, runtime, limits)
        self._live.add(km)
        client = _CappedClient(
            nbformat.from_dict(job.notebook),
            km=km,
            timeout=_seconds(job.cell_timeout * job.wall_factor),
            allow_errors=True,
            interrupt_on_timeout=True,
            error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "time limit reached"},
            iopub_timeout=5,
            shutdown_kernel="immediate",
            resources={"metadata": {"path": str(workdir)}},
            max_cell_output=self.max_cell_output,
        )
        session = _Session(
            client, job, started, busy=lambda: is_running(km), cpu=lambda: cpu_seconds(km)
        )
        try:
            async with client.async_setup_kernel():
                await _warm_up(client, job)
                waiting = time.monotonic()
                if await asyncio.to_thread(self.slots.take, self._stopped):
                    session.started += time.monotonic() - waiting  # its turn starts its clock
                    try:
                        await session.run_all()
                    finally:
                        self.slots.give()
        except DeadKernelError:
            session.kernel_died()
        except Exception as exc:  # the kernel would not start or broke down: one student's problem
            reason = f"{type(exc).__name__}: {exc}"
            if not session.runs:
                return Execution(
                    (),
                    None,
                    Outcome.NOT_STARTED,
                    f"the kernel could not be started: {reason}",
                    time.monotonic() - started,
                    isolation,
                    km.kernel_path,
                )
            session.kernel_died(f"the kernel stopped responding ({reason})")
        finally:
            atexit.unregister(client._cleanup_kernel)  # left registered by a failed start
            await _shut_down(client, km)
            kill_leftovers(km)
            self._live.discard(km)
            for context in (*client.contexts, km.context):
                context.destroy(linger=0)  # close every socket of this run, however it ended
        execution = session.result(time.monotonic() - session.started, isolation)
        return replace(execution, kernel=km.kernel_path)


async def _warm_up(client: NotebookClient, job: ExecutionJob) -> None:
    """Load ``job.warm`` into the kernel's ``sys.modules`` before the student's first cell, then
    seed the generators and pin the threads (``graders.runtime.determinism``), silently (no
    output, no history, no execution count, no name bound). A module that fails to load is left
    for the student's own import to report."""
    if client.kc is None:
        return
    lines = [f"try:\n    __import__({name!r})\nexcept Exception:\n    pass" for name in job.warm]
    lines.append(preamble(job.seed, job.threads))
    msg_id = client.kc.execute("\n".join(lines), silent=True, store_history=False)
    deadline = time.monotonic() + job.harvest_timeout
    while (left := deadline - time.monotonic()) > 0:  # still loading: the first cell waits
        try:
            reply = await client.kc.shell_channel.get_msg(timeout=left)
        except Empty:
            return
        if reply.get("parent_header", {}).get("msg_id") == msg_id:
            return


async def _shut_down(client: NotebookClient, km: AsyncKernelManager) -> None:
    """Stop the client's channels and the kernel (nbclient leaves both to a passed-in km)."""
    if client.kc is not None:
        client.kc.stop_channels()
        client.kc = None
    await _kill_now(km)
    try:
        if km.has_kernel:
            await km.shutdown_kernel(now=True)
    except Exception:  # a kernel that is already gone needs no shutting down
        pass


async def _kill_now(km: AsyncKernelManager) -> None:
    """Kill the kernel's process group as ``shutdown_kernel(now=True)`` does, and wait for its
    end without jupyter_client's 0.1 s polls: a tenth of a second or more of every run during
    which this thread could start no other kernel. ``shutdown_kernel`` then finds it gone."""
    process = getattr(km.provisioner, "process", None)  # a local provisioner's Popen
    if process is None or process.poll() is not None:
        return
    try:
        await km.provisioner.kill()  # type: ignore[union-attr]
    except OSError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        await asyncio.to_thread(process.wait, 5)


def _seconds(limit: float) -> int:
    return max(1, int(limit))


class _CappedClient(NotebookClient):
    """A NotebookClient that keeps at most ``max_cell_output`` characters per cell."""

    def __init__(self, nb: Any, *, max_cell_output: int, **kwargs: Any) -> None:
        super().__init__(nb, **kwargs)
        self.max_cell_output = max_cell_output
        self.caps: dict[int, int] = {}  # cells kept to another limit than max_cell_output
        self.kept: dict[int, int] = {}
        self.cut: set[int] = set()
        self.timed_out = False
        self.contexts: list[Any] = []

    async def async_start_new_kernel_client(self) -> Any:
        kc = await super().async_start_new_kernel_client()
        self.contexts.append(kc.context)
        return kc

    async def _check_raise_for_error(
        self, cell: Any, cell_index: int, exec_reply: dict[str, Any] | None
    ) -> None:
        content = (exec_reply or {}).get("content", {})
        self.timed_out = content.get("ename") == TIMEOUT_ENAME
        await super()._check_raise_for_error(cell, cell_index, exec_reply)

    def output(
        self, outs: list[Any], msg: dict[str, Any], display_id: str | None, cell_index: int
    ) -> Any:
        limit = self.caps.get(cell_index, self.max_cell_output)
        content = msg.get("content", {})
        size = len(str(content))
        kept = self.kept.get(cell_index, 0)
        if kept + size > limit and msg.get("msg_type") != "error":
            self.cut.add(cell_index)
            self.kept[cell_index] = limit
            if msg.get("msg_type") != "stream" or kept >= limit:
                return None
            text = str(content.get("text", ""))[: limit - kept]  # the part that fits
            msg = {**msg, "content": {**content, "text": text}}
        else:
            self.kept[cell_index] = kept + size
        return super().output(outs, msg, display_id, cell_index)


@dataclass
class _Session:
    """Mutable bookkeeping of one run; lives only inside ``NbclientRunner._run``."""

    client: _CappedClient
    job: ExecutionJob
    started: float
    runs: list[CellRun] = field(default_factory=list)
    harvest: str | None = None
    outcome: Outcome = Outcome.COMPLETED
    message: str = ""
    busy: Callable[[], bool] = lambda: False  # whether the kernel's processes are computing
    cpu: Callable[[], float] = lambda: 0.0  # processor seconds the kernel's processes used
    cpu_used: float = 0.0  # by the student's cells so far
    cpu_cut: bool = False  # the running cell reached its processor-time limit

    code_cells: list[tuple[int, Any]] = field(default_factory=list)
    harvest_index: int = -1

    def __post_init__(self) -> None:
        cells = self.client.nb.cells
        self.code_cells = [(i, c) for i, c in enumerate(cells) if c.cell_type == "code"]
        cells.append(_grader_cell(self.job.harvest_source))
        self.harvest_index = len(cells) - 1
        self.client.caps[self.harvest_index] = MAX_HARVEST_OUTPUT

    async def run_all(self) -> None:
        ceiling = self.job.notebook_timeout * self.job.wall_factor
        deadline = self.started + ceiling
        for index, cell in self.code_cells:
            remaining = deadline - time.monotonic()
            budget = self.job.notebook_timeout - self.cpu_used
            if remaining <= 0 or budget <= 0 or self.outcome is Outcome.KERNEL_DIED:
                if self.outcome is Outcome.COMPLETED:
                    self.outcome = Outcome.TIMED_OUT
                    self.message = (
                        f"the notebook's time limit ({self.job.notebook_timeout:g} s of "
                        f"processor time) was reached: {self.cpu_used:.1f} s of processor time"
                        if budget <= 0
                        else f"{NOTEBOOK_WALL_CUT} ({ceiling:g} s) was reached, after "
                        f"{self.cpu_used:.1f} s of processor time (limit "
                        f"{self.job.notebook_timeout:g} s)"
                    )
                self.runs.append(CellRun(index, cell.source, CellStatus.SKIPPED))
                continue
            limit = min(self.job.cell_timeout, budget)
            self.client.timeout = _seconds(min(limit * self.job.wall_factor, remaining))
            run = await self._execute(index, cell, limit)
            self.runs.append(run)
            if not cell.source.strip():
                continue
            cut = run.status is CellStatus.TIMEOUT
            wait = min(self.job.harvest_timeout, RECOVERY_SECONDS) if cut else None
            if not await self._harvest(self.job.harvest_source, wait):
                if cut:
                    self.message = _not_recovered(index, self.busy())
                break  # the kernel no longer answers: keep what was harvested so far
        else:
            if self.job.final_source:
                await self._harvest(self.job.final_source)
            return
        for index, cell in self.code_cells[len(self.runs) :]:
            self.runs.append(CellRun(index, cell.source, CellStatus.SKIPPED))

    async def _execute(self, index: int, cell: Any, limit: float) -> CellRun:
        """Run one cell; cut it once its processor time reaches ``limit`` seconds (or the clock
        the client's timeout, the ceiling for sleeping or blocked code)."""
        self.cpu_cut = False
        before, began = self.cpu(), time.monotonic()
        watch = asyncio.create_task(self._watch(before, limit))
        try:
            await self.client.async_execute_cell(cell, index)
        finally:
            watch.cancel()
        used, wall = self.cpu() - before, time.monotonic() - began
        self.cpu_used += used
        text, error = _collect(cell.outputs)
        if index in self.client.cut:
            text += f"\n[output cut at {self.client.max_cell_output} characters]"
        figures = (
            f"{used:.1f} s of processor time (limit {limit:g} s), {wall:.1f} s on the clock "
            f"(ceiling {self.client.timeout} s)"
        )
        if self.cpu_cut:
            return CellRun(index, cell.source, CellStatus.TIMEOUT, text, f"{CPU_CUT}: {figures}")
        if self.client.timed_out:
            return CellRun(index, cell.source, CellStatus.TIMEOUT, text, f"{WALL_CUT}: {figures}")
        status = CellStatus.ERROR if error else CellStatus.OK
        return CellRun(index, cell.source, status, text, error)

    async def _watch(self, before: float, limit: float) -> None:
        """Interrupt the kernel once the running cell has used ``limit`` processor seconds."""
        while True:
            await asyncio.sleep(CPU_POLL_SECONDS)
            if self.cpu() - before >= limit:
                self.cpu_cut = True
                km = self.client.km
                if km is not None:
                    await ensure_async(km.interrupt_kernel())
                return

    async def _harvest(self, source: str, wait: float | None = None) -> bool:
        """Run a harvest cell; False when the kernel did not answer within ``wait`` seconds."""
        cell = _grader_cell(source)
        self.client.timeout = _seconds(self.job.harvest_timeout if wait is None else wait)
        self.client.kept.pop(self.harvest_index, None)  # each harvest's output counts anew
        try:
            await self.client.async_execute_cell(cell, self.harvest_index, store_history=False)
        except CellTimeoutError:
            return False
        text, error = _collect(cell.outputs, streams_only=True)
        if self.client.timed_out:
            if self.outcome is Outcome.COMPLETED:
                self.outcome = Outcome.TIMED_OUT
            self.message = self.message or "the kernel stopped answering"
            return False
        if not error:
            self.harvest = text
        return True

    def kernel_died(self, reason: str = "") -> None:
        self.outcome = Outcome.KERNEL_DIED
        done = len(self.runs)
        if done < len(self.code_cells):
            index, cell = self.code_cells[done]
            self.runs.append(CellRun(index, cell.source, CellStatus.ERROR, error="the kernel died"))
        self.message = reason or f"the kernel died while running cell {self.runs[-1].index + 1}"

    def result(self, seconds: float, isolation: str) -> Execution:
        for index, cell in self.code_cells[len(self.runs) :]:
            self.runs.append(CellRun(index, cell.source, CellStatus.SKIPPED))
        return Execution(
            tuple(self.runs), self.harvest, self.outcome, self.message, seconds, isolation
        )


def _grader_cell(source: str) -> Any:
    """A code cell of the grader's own, as ``nbformat.v4.new_code_cell`` makes it but without
    checking it against the notebook schema (jsonschema, about a millisecond, four times per
    submission): its fields are fixed here."""
    return NotebookNode(
        id=random_cell_id(),
        cell_type="code",
        metadata=NotebookNode(),
        execution_count=None,
        source=source,
        outputs=[],
    )


def _not_recovered(index: int, busy: bool) -> str:
    """Why the cells after cut cell ``index`` were not run; ``busy``: whether the kernel was
    still computing when it was given up."""
    why = (
        "it kept running: it ignored the interrupt"
        if busy
        else "it was idle but no longer answered: the cell left the kernel unable to run code"
    )
    return (
        f"cell {index + 1} was stopped at its time limit and the kernel did not recover "
        f"({why}); the cells after it were not run"
    )


def _collect(outputs: Sequence[Any], streams_only: bool = False) -> tuple[str, str]:
    """The text of a cell's outputs and its error (``ename: evalue`` and traceback)."""
    texts: list[str] = []
    error = ""
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream" and (not streams_only or out.get("name") == "stdout"):
            texts.append(out.get("text", ""))
        elif kind in ("execute_result", "display_data") and not streams_only:
            texts.append(out.get("data", {}).get("text/plain", ""))
        elif kind == "error":
            trace = "\n".join(out.get("traceback", []))
            error = _ANSI.sub("", f"{out.get('ename')}: {out.get('evalue')}\n{trace}").strip()
    return "".join(texts), error
