"""The sandbox: start one submission's ipykernel isolated and with limits.

In:  a ``SandboxPlan`` from ``choose_mode`` (made once per run, kept by the caller), the
     submission's working folder (a copy holding only that student's files), a private runtime
     folder (connection file, sockets, log), ``Limits``.
Out: ``kernel_manager(...)`` returns a ``SandboxedKernelManager`` (a jupyter_client
     ``AsyncKernelManager``, not started) for ``nbclient.NotebookClient(nb, km=...)``; when the
     submission is done, ``kill_leftovers(km)`` kills whatever it left running.

The programs run inside the sandbox before and as the kernel (the launcher, the kernel's main
program) are functions of ``graders.runtime.in_sandbox``, sent as their source (``program``).

The kernel talks to the grader over jupyter's ``ipc`` transport (Unix sockets in
``<runtime_dir>/sockets``), so it needs no network. Interrupts are messages on the control
channel (the kernel then signals its own process group): a signal to the launched process would
reach bwrap or the launcher, not the kernel. The kernel's stdout and stderr (crash messages) go to
``<runtime_dir>/kernel.log``, never to the grader's terminal.

Threat model, "bwrap" mode. Protected: the kernel runs in new mount, pid, network, ipc and uts
namespaces, in a new session, without capabilities and with ``no_new_privs``. It sees read-only
the system (``/usr``, ``/etc``, ``/bin``, ``/lib*``) and the Python installation (with this
project's packages covered if installed there; its prefixes and the site-packages folders on its
``sys.path`` are bound over the private ``/tmp``, so a virtual environment kept in ``/tmp``
still runs the kernel); read-write its working folder at
``/work/submission`` (its cwd) and private tmpfs home, ``/tmp`` and ``/dev/shm`` (each capped at
``Limits.tmpfs_bytes``); of the runtime folder only the connection file (read-only) and the
sockets folder. Nothing else of the host: not the project and its ``reference/``, other
submissions, reports. No network: only its own loopback. Run as root, the grader switches the
kernel to a uid of its own (unique among running sandboxes), so the kernel is root over nothing
and ``RLIMIT_NPROC`` applies (Linux ignores it for uid 0, in any user namespace); run as a user,
bwrap puts the kernel in a user namespace as that user. The end of the launched process ends the
pid namespace and every process in it. Not protected: kernel exploits; the disk filled through
the working folder (only each file is capped); CPU time summed over processes (each is capped);
wall-clock time (the caller's cell timeout); and the caller's own reads of the working folder
afterwards (the student may leave symlinks there: open nothing from it without checking).
``--die-with-parent`` ties the sandbox to the grader thread that started it: start kernels from
threads that live as long as their submissions. The launcher asks the same of Linux
(``PR_SET_PDEATHSIG``) before bwrap or the kernel starts, and exits if the grader is already
gone, so a kernel still starting when the grader is killed dies too, in both modes.

"none" mode, reduced isolation (said in ``SandboxPlan.reason``): the same kernel, started
directly with the same rlimits, the working folder as cwd and the scrubbed environment. It can
read every file and reach every host the grader can; run as root, the process limit does nothing.
Leftover processes are found by the kernel's session and process group and by a per-sandbox
marker in their environment; one that both leaves the session (``setsid``) and replaces its
environment escapes.

Each run's files live in a ``grader-run-*`` folder of the system's temporary folder
(``run_folder``), removed when the run ends. A grader killed with ``kill -9`` cannot remove it:
``remove_stale_run_folders``, called when a grader starts, removes the ones whose recorded owner
process is gone.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager

from graders.runtime import in_sandbox
from graders.runtime.data import label_sources
from graders.runtime.isolation import UNISOLATED, refusal

Mode = Literal["bwrap", "none"]

SUBMISSION_DIR = "/work/submission"  # the working folder, as the kernel sees it in bwrap mode
HOME_DIR = "/home/student"
TOKEN_VARIABLE = "GRADER_SANDBOX_TOKEN"  # marks every process of one sandbox (kill_leftovers)
_UID_VARIABLE = "GRADER_SANDBOX_UID"
_UID_PLACEHOLDER = "@SANDBOX_UID@"
# In bwrap mode as root the kernel runs as _UID_BASE + the pid of the launched process: unique
# among running sandboxes (pid_max <= 2**22 keeps it below 2**31), above the ranges used by
# distributions and directory services.
_UID_BASE = 2_100_000_000
_LAUNCHER_CAPS = ("CAP_CHOWN", "CAP_DAC_READ_SEARCH", "CAP_SETUID", "CAP_SETGID")
_SOCKET_PATH_MAX = 107  # sun_path holds 108 bytes, with the final NUL
_PROJECT_PACKAGES = ("graders", "reference")  # never shown to a kernel
RUN_FOLDER_PREFIX = "grader-run-"
_OWNER_FILE = "owner.json"  # in each run folder: the grader process that made it


def program(function: Callable[[], None]) -> str:
    """The source of ``function`` (one of ``graders.runtime.in_sandbox``'s, which need nothing of
    their module) followed by its call: a whole program for ``python -c``."""
    return f"{inspect.getsource(function).strip()}\n\n\n{function.__name__}()\n"


# Runs with ``python -I -S -c _LAUNCHER CONFIG COMMAND...`` before the kernel (and in bwrap mode
# also before bwrap): applies what CONFIG asks, then replaces itself with COMMAND.
_LAUNCHER = program(in_sandbox.launcher)


def thread_share(workers: int) -> int:
    """Each of ``workers`` kernels' share of this machine's cores, as a thread count (>= 1)."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


# The kernel's main program: ``python -m ipykernel_launcher``'s, without its debugger.
_KERNEL = program(in_sandbox.kernel)


@dataclass(frozen=True)
class Limits:
    """Limits on the kernel and everything it starts (rlimits are per process)."""

    memory_bytes: int = 4 * 2**30  # RLIMIT_AS: address space; a larger allocation fails
    cpu_seconds: int = 900  # RLIMIT_CPU
    processes: int = 256  # RLIMIT_NPROC: processes and threads of the sandbox's uid
    open_files: int = 256  # RLIMIT_NOFILE
    file_size_bytes: int = 256 * 2**20  # RLIMIT_FSIZE: a larger write fails (EFBIG)
    tmpfs_bytes: int = 512 * 2**20  # bwrap mode: each of home, /tmp and /dev/shm
    threads: int = 1  # OMP/MKL/OpenBLAS/numexpr thread counts

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive integer, not {value!r}")

    def rlimits(self, *, processes: bool = True) -> dict[str, int]:
        """The ``resource`` names and values to apply; ``processes`` includes RLIMIT_NPROC."""
        limits = {
            "RLIMIT_AS": self.memory_bytes,
            "RLIMIT_CPU": self.cpu_seconds,
            "RLIMIT_NOFILE": self.open_files,
            "RLIMIT_FSIZE": self.file_size_bytes,
            "RLIMIT_CORE": 0,
        }
        if processes:
            limits["RLIMIT_NPROC"] = self.processes
        return limits


@dataclass(frozen=True)
class SandboxPlan:
    """How kernels are isolated on this machine, and why."""

    mode: Mode
    reason: str
    bwrap: str | None = None  # the bwrap executable, in bwrap mode


@dataclass(frozen=True)
class Sandbox:
    """Everything needed to launch one submission's kernel."""

    plan: SandboxPlan
    workdir: Path
    runtime_dir: Path
    limits: Limits
    extra_ro: tuple[Path, ...]
    token: str
    as_root: bool

    @property
    def connection_file(self) -> Path:
        """Written by the grader; the kernel sees it read-only."""
        return self.runtime_dir / "kernel.json"

    @property
    def sockets(self) -> Path:
        """The only part of the runtime folder the kernel can write: its Unix sockets."""
        return self.runtime_dir / "sockets"

    @property
    def log(self) -> Path:
        """The kernel's stdout and stderr; out of the kernel's reach in bwrap mode."""
        return self.runtime_dir / "kernel.log"

    @property
    def home(self) -> Path:
        return Path(HOME_DIR) if self.plan.mode == "bwrap" else self.runtime_dir / "home"

    @property
    def tmp(self) -> Path:
        return Path("/tmp") if self.plan.mode == "bwrap" else self.runtime_dir / "tmp"

    def environment(self) -> dict[str, str]:
        """The kernel's whole environment: nothing is inherited from the grader."""
        threads = str(self.limits.threads)
        return {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.home),
            "TMPDIR": str(self.tmp),
            "USER": "student",
            "LOGNAME": "student",
            "LANG": "C.UTF-8",
            "PYTHONIOENCODING": "utf-8",
            "PYTHONHASHSEED": "0",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "OMP_NUM_THREADS": threads,
            "MKL_NUM_THREADS": threads,
            "OPENBLAS_NUM_THREADS": threads,
            "NUMEXPR_NUM_THREADS": threads,
            TOKEN_VARIABLE: self.token,
        }

    def command(self, extra_arguments: Sequence[str] = ()) -> list[str]:
        """The command that starts the kernel, as the launched process sees it."""
        kernel = [sys.executable, "-c", _KERNEL, "-f", str(self.connection_file), *extra_arguments]
        if self.plan.mode == "none":
            config = {
                "log": str(self.log),
                "limits": self.limits.rlimits(processes=not self.as_root),
                "nproc_on_top": True,  # the uid's count is shared with the grader's user
                "strict": False,  # a limit this system refuses is logged, not fatal
                "env": self.environment(),
                "cwd": str(self.workdir),
                "parent_pid": True,  # ipykernel exits when the grader does
                "grader_pid": os.getpid(),  # and sooner, even if it is still starting
            }
            return [*_launcher(config), *kernel]
        outer: dict[str, object] = {"log": str(self.log), "grader_pid": os.getpid()}
        inner: dict[str, object] = {
            "limits": self.limits.rlimits(),
            "env": self.environment(),
            "cwd": SUBMISSION_DIR,
        }
        if self.as_root:
            outer |= {"uid_base": _UID_BASE, "uid_placeholder": _UID_PLACEHOLDER}
            inner |= {
                "uid_variable": _UID_VARIABLE,
                "own_trees": [SUBMISSION_DIR],
                "own": [HOME_DIR, "/tmp", "/dev/shm"],
            }
        return [*_launcher(outer), *self.bwrap_arguments(), "--", *_launcher(inner), *kernel]

    def bwrap_arguments(self) -> list[str]:
        """bwrap and its options, up to (not including) the ``--`` before the command."""
        assert self.plan.bwrap is not None
        arguments = [self.plan.bwrap, *_namespace_options(as_root=self.as_root)]
        arguments += system_view(self.limits)
        arguments += _bind("--bind", self.workdir, Path(SUBMISSION_DIR))
        arguments += _bind("--ro-bind", self.connection_file, self.connection_file)
        arguments += _bind("--bind", self.sockets, self.sockets)
        for path in self.extra_ro:
            arguments += _bind("--ro-bind", path, path)
        arguments += ["--chdir", SUBMISSION_DIR, "--clearenv"]
        if self.as_root:
            arguments += ["--setenv", _UID_VARIABLE, _UID_PLACEHOLDER]
        return arguments


def system_view(limits: Limits) -> list[str]:
    """bwrap options showing a kernel the system and the Python installation read-only (the
    project's packages covered), a fresh ``/proc`` and ``/dev``, and private tmpfs ``/tmp``,
    ``/dev/shm`` and home of ``limits.tmpfs_bytes`` each, the held-out labels' sources covered;
    nothing of the host's files else."""
    arguments = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/", name)
        if path.is_symlink():
            arguments += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            arguments += ["--ro-bind", str(path), str(path)]
    size = str(limits.tmpfs_bytes)
    arguments += ["--proc", "/proc", "--remount-ro", "/proc", "--dev", "/dev"]
    for tmpfs in ("/dev/shm", "/tmp", HOME_DIR):
        arguments += ["--size", size, "--tmpfs", tmpfs]
    # after the private tmpfs, which would hide an interpreter (a virtual environment) in /tmp
    folders = _interpreter_folders()
    for folder in folders:
        arguments += _bind("--ro-bind", folder, folder)
    for package in _hidden(folders, _project_packages()):
        arguments += ["--tmpfs", str(package)]
    for labelled in _hidden(folders, label_sources()):  # held-out labels stay unseen
        arguments += ["--size", "4096", "--tmpfs", str(labelled)]
    return arguments


class SandboxedKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernel is launched by ``Sandbox.command``."""

    sandbox: Sandbox
    _sandbox_spec: KernelSpec
    kernel_path = "cold"  # a kernel of its own (``Execution.kernel``)

    def __init__(self, sandbox: Sandbox) -> None:
        super().__init__(
            transport="ipc",
            connection_file=str(sandbox.connection_file),
            ip=str(sandbox.sockets / "kernel-ipc"),
            autorestart=False,  # a dead kernel is the submission's result, not to be hidden
        )
        self.sandbox = sandbox
        self._sandbox_spec = KernelSpec(
            argv=[],
            display_name="Python 3 (sandboxed)",
            language="python",
            interrupt_mode="message",
        )

    @property
    def kernel_spec(self) -> KernelSpec:
        return self._sandbox_spec

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return self.sandbox.command(extra_arguments or ())

    def write_connection_file(self, **kwargs: Any) -> None:
        super().write_connection_file(**kwargs)
        # readable by the kernel's uid; on the host only through the private runtime folder
        os.chmod(self.connection_file, 0o644)

    def members(self) -> Iterator[int]:
        """Live processes of the sandbox (host pids): by its marker, session and group."""
        leader = getattr(self.provisioner, "pid", None)
        return _members(self.sandbox.token, leader if isinstance(leader, int) else None)


class SandboxUnavailable(RuntimeError):
    """Kernels cannot be isolated here and no unisolated fallback was allowed; the message says
    how to fix it (``graders.runtime.isolation.refusal``)."""


def choose_mode(requested: str = "auto", *, fallback: bool = False) -> SandboxPlan:
    """Decide how to isolate kernels: ``"auto"``, ``"bwrap"`` (fail if it cannot) or ``"none"``.

    ``auto`` probes bwrap once, with the namespaces a kernel will get; keep the plan. Where
    bwrap cannot start, ``auto`` raises ``SandboxUnavailable`` (as ``bwrap`` does) unless
    ``fallback`` allows the reduced mode (a student checking their own notebook).
    """
    if requested not in ("auto", "bwrap", "none"):
        raise ValueError(f"sandbox mode must be auto, bwrap or none, not {requested!r}")
    if requested == "none":
        return SandboxPlan("none", f"{UNISOLATED}, as asked (--sandbox none); {_reduced()}")
    bwrap = shutil.which("bwrap")
    failure = "bwrap not installed" if bwrap is None else _probe(bwrap)
    if bwrap is not None and failure is None:
        who = "an unprivileged uid of its own" if os.geteuid() == 0 else "the grader's user"
        return SandboxPlan("bwrap", f"bwrap works; the kernel runs as {who}", bwrap)
    failure = failure or "bwrap not installed"
    if requested == "auto" and fallback:
        return SandboxPlan("none", f"{failure}; {UNISOLATED}; {_reduced()}")
    raise SandboxUnavailable(refusal(failure, as_root=os.geteuid() == 0))


def kernel_manager(
    plan: SandboxPlan,
    workdir: Path,
    runtime_dir: Path,
    limits: Limits | None = None,
    extra_ro: Sequence[Path] = (),
) -> SandboxedKernelManager:
    """A kernel manager (not started) for one submission; see the module docstring and
    ``sandbox_for``."""
    return SandboxedKernelManager(sandbox_for(plan, workdir, runtime_dir, limits, extra_ro))


def sandbox_for(
    plan: SandboxPlan,
    workdir: Path,
    runtime_dir: Path,
    limits: Limits | None = None,
    extra_ro: Sequence[Path] = (),
) -> Sandbox:
    """One submission's sandbox, its runtime folder made.

    ``workdir`` must hold only this submission's files; in bwrap mode run as root, the
    kernel's uid becomes their owner. ``runtime_dir`` must be private to this submission and
    short (Unix socket paths); it is created if missing and made private (0700).
    ``extra_ro`` are host paths shown read-only at the same path (bwrap mode; in none mode
    everything is visible anyway). ``limits`` defaults to ``Limits()``.
    """
    workdir = workdir.resolve(strict=True)
    runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    runtime_dir.chmod(0o700)
    runtime_dir = runtime_dir.resolve(strict=True)
    longest = runtime_dir / "sockets" / "kernel-ipc-99999"
    if len(os.fsencode(longest)) > _SOCKET_PATH_MAX:
        raise ValueError(f"runtime_dir is too long for Unix socket paths: {runtime_dir}")
    sandbox = Sandbox(
        plan=plan,
        workdir=workdir,
        runtime_dir=runtime_dir,
        limits=limits or Limits(),
        extra_ro=tuple(path.resolve(strict=True) for path in extra_ro),
        token=uuid.uuid4().hex,
        as_root=os.geteuid() == 0,
    )
    sandbox.sockets.mkdir(exist_ok=True)
    sandbox.sockets.chmod(0o777)  # for the kernel's uid; the runtime folder itself is private
    if plan.mode == "none":
        sandbox.home.mkdir(exist_ok=True)
        sandbox.tmp.mkdir(exist_ok=True)
    return sandbox


def kill_leftovers(km: SandboxedKernelManager, rounds: int = 50) -> int:
    """Kill the kernel, if still running, and every process the submission left; return how
    many of its processes were still running (the kernel included).

    Call it when the submission is done (after the kernel's shutdown, or instead of it). In
    bwrap mode the end of the launched process ends the pid namespace and everything in it. In
    none mode processes of the kernel's session or process group and processes carrying the
    sandbox's marker variable are killed, again and again until none is left.
    """
    provisioner = km.provisioner
    found = set(km.members())
    process = getattr(provisioner, "process", None)
    if isinstance(process, subprocess.Popen) and process.poll() is None:
        _signal_group(process.pid)
        process.kill()
        process.wait()
    for _ in range(rounds):
        alive = set(km.members())
        if not alive:
            break
        for pid in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        found |= alive
        time.sleep(0.01)
    return len(found)


def is_running(km: SandboxedKernelManager, samples: int = 5, pause: float = 0.05) -> bool:
    """Whether the sandbox is computing (a process of it running or waiting for a CPU in most
    of ``samples`` looks, ``pause`` seconds apart) rather than idle: whether a kernel that does
    not answer is still at work, whatever the machine's load."""
    busy = 0
    for sample in range(samples):
        if sample:
            time.sleep(pause)
        busy += any(_state(pid) == b"R" for pid in km.members())
    return busy * 2 > samples


def cpu_seconds(km: SandboxedKernelManager) -> float:
    """Processor time (user + system) the sandbox has used so far: its live processes' own and
    that of their finished children, from ``/proc/<pid>/stat``. Unlike the clock, it does not
    grow while the kernel waits for a CPU that other work holds."""
    ticks = 0
    for pid in km.members():
        ticks += _cpu_ticks(pid)
    return ticks / _CLOCK_TICKS


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_ticks(pid: int) -> int:
    """utime + stime + cutime + cstime of process ``pid``, in clock ticks; 0 if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat_file:
            fields = stat_file.read().rsplit(b")", 1)[1].split()
        return sum(int(value) for value in fields[11:15])
    except (OSError, IndexError, ValueError):
        return 0


def _state(pid: int) -> bytes:
    """The scheduling state of process ``pid``'s main thread (R, S, D, ...), b"" if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat_file:
            return stat_file.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return b""


def _launcher(config: dict[str, object]) -> list[str]:
    return [sys.executable, "-I", "-S", "-c", _LAUNCHER, json.dumps(config)]


def _bind(option: str, source: Path, destination: Path) -> list[str]:
    """bwrap options binding ``source`` at ``destination``, whose missing parents are created
    open to all (bwrap would copy the modes of the source's parents, which may be private)."""
    arguments: list[str] = []
    for parent in reversed(destination.parents[:-1]):
        arguments += ["--perms", "0755", "--dir", str(parent)]
    return [*arguments, option, str(source), str(destination)]


def _namespace_options(*, as_root: bool, caps: tuple[str, ...] = _LAUNCHER_CAPS) -> list[str]:
    """bwrap's options for a sandbox's namespaces; run as root, every capability is dropped
    but ``caps`` (the launcher's, or a warm parent's)."""
    options = [
        "--die-with-parent",
        "--new-session",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--hostname",
        "sandbox",
    ]
    if as_root:  # the launcher keeps only what it needs to hand the files to the kernel's uid
        options += ["--cap-drop", "ALL"]
        options += [part for cap in caps for part in ("--cap-add", cap)]
    else:
        options += ["--unshare-user", "--disable-userns"]
    return options


def _probe(bwrap: str) -> str | None:
    """None if bwrap can start a sandbox like the kernel's here, else why not."""
    command = [
        bwrap,
        *_namespace_options(as_root=os.geteuid() == 0),
        *("--ro-bind", "/", "/", "--proc", "/proc", "--remount-ro", "/proc", "--dev", "/dev"),
        *("--size", "1048576", "--tmpfs", "/tmp", "--perms", "0755", "--dir", "/tmp/probe"),
        *(part for folder in _interpreter_folders() for part in _bind("--ro-bind", folder, folder)),
        *("--chdir", "/tmp/probe", "--clearenv", "--"),
        *(sys.executable, "-I", "-S", "-c", ""),
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30, env={})
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bwrap failed to start: {error}"
    if result.returncode != 0:
        message = result.stderr.strip() or f"exit status {result.returncode}"
        return f"bwrap failed to start: {message}"
    return None


def _reduced() -> str:
    reason = (
        "reduced isolation: the kernel can read every file and reach every host the grader "
        "can; rlimits, a scrubbed environment and clean-up of leftover processes still apply"
    )
    if os.geteuid() == 0:
        reason += "; running as root, the process limit is not enforced"
    return reason


_SITE_FOLDERS = ("site-packages", "dist-packages")


def _interpreter_folders(path: Sequence[str] | None = None) -> list[Path]:
    """The Python installation(s) the kernel runs from, outside the folders bound anyway: the
    interpreter's prefixes and every site-packages folder on its ``sys.path`` (``path``), such
    as another virtual environment's that a ``.pth`` file adds. Never a plain folder of
    ``sys.path`` (the project's own folder, on ``PYTHONPATH`` or the current one)."""
    folders: list[Path] = []
    prefixes = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
    sites = [e for e in (sys.path if path is None else path) if _is_site_folder(e)]
    for entry in (*prefixes, *sites):
        folder = Path(entry).resolve()
        if folder.is_dir() and not folder.is_relative_to("/usr") and folder not in folders:
            folders.append(folder)
    folders.sort()
    return [f for f in folders if not any(f != o and f.is_relative_to(o) for o in folders)]


def _is_site_folder(entry: str) -> bool:
    return bool(entry) and any(part in _SITE_FOLDERS for part in Path(entry).parts)


def _project_packages() -> list[Path]:
    """Where this project's packages are: the grader and the reference solutions."""
    folders = []
    for name in _PROJECT_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            folders += [Path(p).resolve() for p in spec.submodule_search_locations]
    return folders


def _hidden(bound: Sequence[Path], packages: Sequence[Path]) -> list[Path]:
    """The packages that a bound folder would show (installed into site-packages rather than
    editable); each is covered with an empty tmpfs."""
    return [p for p in packages if any(p.is_relative_to(folder) for folder in bound)]


def _members(token: str, leader: int | None) -> Iterator[int]:
    """Live processes of the sandbox: carrying ``token``, or in the session or process group
    ``leader`` opened (unless that pid now belongs to another process)."""
    marker = f"{TOKEN_VARIABLE}={token}".encode()
    if leader is not None and _carries(leader, marker) is False:
        leader = None  # not (or no longer) the kernel's pid: its session proves nothing
    try:
        names = os.listdir("/proc")
    except OSError:  # no procfs: only the launched process group is killed
        return
    me = os.getpid()
    for name in names:
        if not name.isdigit() or int(name) == me:
            continue
        pid = int(name)
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        state, pgid, sid = fields[0], int(fields[2]), int(fields[3])
        if state in (b"Z", b"X"):
            continue
        if (leader is not None and leader in (pgid, sid)) or _carries(pid, marker):
            yield pid


def _carries(pid: int, marker: bytes) -> bool | None:
    """Whether process ``pid`` started with ``marker`` in its environment; None if no such
    process (or it cannot be read)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as environ:
            return marker in environ.read().split(b"\0")
    except OSError:
        return None


def _signal_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


# --------------------------------------------------------------------------------------------
# Run folders, and the ones a killed grader left behind


@contextlib.contextmanager
def run_folder() -> Iterator[Path]:
    """A new private folder for one submission's run, removed when the run ends.

    It is ``grader-run-*`` in the system's temporary folder and records its owner (this
    process) in ``owner.json``, so that ``remove_stale_run_folders`` can tell, after a
    ``kill -9``, that nobody uses it any more.
    """
    with tempfile.TemporaryDirectory(prefix=RUN_FOLDER_PREFIX) as tmp:
        folder = Path(tmp)
        (folder / _OWNER_FILE).write_text(json.dumps(_owner(os.getpid())), encoding="utf-8")
        yield folder


def remove_stale_run_folders(parent: Path | None = None) -> list[Path]:
    """Remove the run folders that a grader killed before it could clean up left in ``parent``
    (default: the system's temporary folder, where ``run_folder`` makes them); return them.

    Only folders named ``grader-run-*``, owned by this user, holding the ``owner.json`` of a
    process of this machine and pid namespace that is gone (its pid unused, or reused by a
    process started at another time) are removed; anything else is left alone.
    """
    parent = Path(tempfile.gettempdir()) if parent is None else parent
    try:
        candidates = sorted(parent.glob(f"{RUN_FOLDER_PREFIX}*"))
    except OSError:
        return []
    removed = []
    for folder in candidates:
        if _is_stale(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _is_stale(folder: Path) -> bool:
    try:
        info = folder.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            return False
        record = folder / _OWNER_FILE
        if record.is_symlink():
            return False
        owner = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False  # not ours, or still being made: leave it
    if not isinstance(owner, dict) or not isinstance(owner.get("pid"), int):
        return False
    me = _owner(os.getpid())
    if owner.get("host") != me["host"]:
        return False  # another machine's grader (a temporary folder they share)
    if owner.get("boot") != me["boot"]:
        return bool(me["boot"])  # made before this machine last started
    if owner.get("pid_namespace") != me["pid_namespace"] or not me["pid_namespace"]:
        return False  # another container's grader, whose processes this one cannot see
    return _start_time(owner["pid"]) != owner.get("started")


def _owner(pid: int) -> dict[str, object]:
    """What identifies process ``pid``: its pid, when it started, the machine, boot and pid
    namespace it belongs to (empty values where they cannot be read)."""
    return {
        "pid": pid,
        "host": socket.gethostname(),
        "started": _start_time(pid),
        "pid_namespace": _read_link(f"/proc/{pid}/ns/pid"),
        "boot": _read_text("/proc/sys/kernel/random/boot_id"),
    }


def _start_time(pid: int) -> str:
    """When process ``pid`` started (clock ticks since boot), or "" if it is gone (or a
    zombie)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return ""
    if fields[0] in (b"Z", b"X"):
        return ""
    return fields[19].decode()


def _read_link(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="ascii") as handle:
            return handle.read().strip()
    except (OSError, ValueError):
        return ""
