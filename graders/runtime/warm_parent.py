"""The warm parent: a process that has imported what every kernel imports and forks one fresh,
isolated kernel per submission. Never imported by the grader: ``graders.runtime.warm`` runs this
file's text as ``python -c SOURCE CONFIG`` inside a bwrap sandbox of its own, where the project's
packages cannot be imported; it uses the standard library only.

In:  CONFIG (JSON): the modules to import (``warm``), the control socket to listen on.
Out: one line on stdout, ``{"ready": true}`` or ``{"ready": false, "problem": "..."}``; then, for
     each connection to the control socket, a forked supervisor that reads the request (the
     submission's paths, uid, limits, environment) and the kernel log's file descriptor,
     answers ``{"namespace": "pid:[...]", "started": TICKS}`` (the namespace's init's start
     time) and, when the kernel is gone, ``{"exit": CODE}``.

Per connection: the supervisor (a fork of this parent, which itself never runs a request) gives
itself new mount, pid, network, ipc, uts (and, where possible, cgroup) namespaces and forks the
namespace's init (pid 1), which mounts a fresh ``/proc``, fresh tmpfs ``/tmp``, home and
``/dev/shm`` (covering the folder every submission's run folder is in), a new ``devpts``, binds
the submission's working folder at ``/work/submission`` and, at their own paths, its sockets
folder and (read-only) connection file, brings the loopback up, hands the files to the kernel's
uid, then forks the kernel (pid 2). The kernel opens a new session, keeps only stdin (null),
stdout and stderr (the log), takes the rlimits, ``no_new_privs``, an empty capability bounding
set and the kernel's uid, then starts ipykernel in the interpreter the parent warmed. The init
waits for the kernel and exits with its status, which ends the namespace and every process in
it; the supervisor kills the init when the grader's side of the connection closes.

A child never returns into this parent's code: every forked branch ends in ``os._exit``.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import fcntl
import gc
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
import traceback
from typing import Any

SUBMISSION_DIR = "/work/submission"
HOME_DIR = "/home/student"

_CLONE_NEWNS = 0x00020000
_CLONE_NEWCGROUP = 0x02000000
_CLONE_NEWUTS = 0x04000000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWNET = 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18
_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE, _PR_CAPBSET_DROP, _PR_SET_NO_NEW_PRIVS = 1, 4, 24, 38
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP, _IFF_RUNNING = 0x8913, 0x8914, 0x1, 0x40
_FAILED = 70  # exit status of a child whose set-up failed (the log says why)


def main() -> None:
    if sys.path[0] == "":
        del sys.path[0]  # as the cold kernel's program (and ipykernel_launcher) does
    config = json.loads(sys.argv[1])
    problem = _preload(config.get("warm", ()))
    problem = problem or _fork_problem()
    listener = None
    if problem is None:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(config["control"])
        os.chmod(config["control"], 0o600)
        listener.listen(64)
    print(json.dumps({"ready": problem is None, "problem": problem}), flush=True)
    if listener is None:
        return
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # supervisors are reaped by the system
    while True:
        try:
            connection, _ = listener.accept()
        except OSError:  # a connection given up before it was accepted
            continue
        try:
            child = os.fork()
        except OSError as error:  # no process to spare now: this submission is started cold
            print(f"fork failed: {error}", file=sys.stderr, flush=True)
            child = -1
        if child == 0:
            try:
                _supervise(connection, listener)
            finally:
                os._exit(_FAILED)
        connection.close()


def _preload(warm: list[str]) -> str | None:
    """Import what a kernel's start imports (as ``graders.runtime.sandbox``'s kernel program
    does: ipykernel's debugger left out), then the homework's heavy modules; no name is bound
    in the kernel's namespace, which IPython creates after the fork."""
    import importlib

    from ipykernel.kernelapp import IPKernelApp  # noqa: F401

    sys.modules["debugpy"] = None  # type: ignore[assignment]
    try:
        for name in _KERNEL_MODULES:
            with contextlib.suppress(ImportError):
                importlib.import_module(name)
    finally:
        del sys.modules["debugpy"]
    for name in warm:
        try:
            importlib.import_module(name)
        except Exception:  # left for the student's own import to report
            continue
    torch = sys.modules.get("torch")
    if torch is not None:
        # what the determinism cell, run after the fork, loads on its first call (torch's
        # compiler stack: a second of processor time); the setting itself is put back
        with contextlib.suppress(Exception):
            torch.use_deterministic_algorithms(True, warn_only=True)
            torch.use_deterministic_algorithms(False)
    gc.freeze()  # a child's collections leave the parent's objects (and their pages) alone
    return None


_KERNEL_MODULES = (
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
    "ipykernel.comm",
    "ipykernel.iostream",
    "ipykernel.heartbeat",
    "ipykernel.eventloops",
    "ipykernel.displayhook",
    "IPython.core.interactiveshell",
    "IPython.core.completer",
    "IPython.core.magics",
    "IPython.core.history",
    "IPython.core.formatters",
    "IPython.core.ultratb",
    "jupyter_client.session",
    "zmq.eventloop.zmqstream",
    "tornado.ioloop",
    "IPython.core.debugger",
    "IPython.extensions.storemagic",
    "tornado.platform.asyncio",
    "pdb",
    "faulthandler",
    "unicodedata",
    "sqlite3",
    "comm",
)


def _fork_problem() -> str | None:
    """Why forking this process could leak between children, or None: a second thread, or a
    writable shared mapping (which every child would share with the others)."""
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:
        return f"the warm parent runs {threads} threads after its imports"
    with open("/proc/self/maps", encoding="ascii", errors="replace") as maps:
        for line in maps:
            perms = line.split()[1]
            if perms[1] == "w" and perms[3] == "s":
                return f"the warm parent holds a writable shared mapping: {line.strip()}"
    return None


# --- the supervisor: one per submission ---------------------------------------------------------


def _supervise(connection: socket.socket, listener: socket.socket) -> None:
    listener.close()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    request, log = _receive(connection)
    _unshare(_CLONE_NEWNS | _CLONE_NEWPID | _CLONE_NEWNET | _CLONE_NEWIPC | _CLONE_NEWUTS)
    with contextlib.suppress(OSError):  # as bwrap's --unshare-cgroup-try
        _unshare(_CLONE_NEWCGROUP)
    init = os.fork()
    if init == 0:
        try:
            connection.close()
            _init(request, log)
        except BaseException:
            os.write(log, f"sandbox: {traceback.format_exc()}".encode())
        finally:
            os._exit(_FAILED)
    os.close(log)
    try:  # the grader tells this kernel's namespace from a later one by both
        namespace = os.readlink(f"/proc/{init}/ns/pid")
        with open(f"/proc/{init}/stat", "rb") as stat:
            started = stat.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        namespace, started = "", ""
    _send(connection, {"namespace": namespace, "started": started})
    pidfd = os.pidfd_open(init)
    ready, _, _ = select.select([connection.fileno(), pidfd], [], [])
    if pidfd not in ready:  # the grader's side closed: the kernel goes
        os.kill(init, signal.SIGKILL)
    _, status = os.waitpid(init, 0)
    _send(connection, {"exit": os.waitstatus_to_exitcode(status)})


def _receive(connection: socket.socket) -> tuple[dict[str, Any], int]:
    data, fds, _, _ = socket.recv_fds(connection, 1 << 20, 1)
    while not data.endswith(b"\n"):
        more = connection.recv(1 << 20)
        if not more:
            raise ConnectionError("the request was cut short")
        data += more
    if len(fds) != 1:
        raise ConnectionError("the request came without the kernel's log")
    return json.loads(data), fds[0]


def _send(connection: socket.socket, message: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):  # the grader's side is gone
        connection.sendall(json.dumps(message).encode() + b"\n")


# --- the namespace's init (pid 1) -----------------------------------------------------------


def _init(request: dict[str, Any], log: int) -> None:
    socket.sethostname("sandbox")
    _loopback_up()
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)  # nothing propagates back to the parent
    flags = os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC
    workdir = os.open(request["workdir"], flags | os.O_DIRECTORY)
    sockets = os.open(request["sockets"], flags | os.O_DIRECTORY)
    connection_file = os.open(request["connection_file"], flags)
    _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    _bind(f"/proc/self/fd/{workdir}", SUBMISSION_DIR)
    size = int(request["tmpfs_bytes"])
    for tmpfs in ("/dev/shm", "/tmp", HOME_DIR):  # the new /tmp covers every run folder
        _mount("tmpfs", tmpfs, "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={size},mode=0755")
    _make_parents(request["sockets"])
    os.mkdir(request["sockets"], 0o755)
    _bind(f"/proc/self/fd/{sockets}", request["sockets"])
    os.close(os.open(request["connection_file"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    _bind(f"/proc/self/fd/{connection_file}", request["connection_file"], read_only=True)
    for fd in (workdir, sockets, connection_file):
        os.close(fd)
    _mount("devpts", "/dev/pts", "devpts", _MS_NOSUID | _MS_NOEXEC, "newinstance,ptmxmode=0666")
    _mount(None, "/proc", None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    uid = int(request["uid"])
    for folder, dirs, files in os.walk(SUBMISSION_DIR, topdown=False):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)
    for path in (SUBMISSION_DIR, HOME_DIR, "/tmp", "/dev/shm"):
        os.chown(path, uid, uid, follow_symlinks=False)
    kernel = os.fork()
    if kernel == 0:
        try:
            _become_kernel(request, log)
        except BaseException:
            os.write(log, f"sandbox: {traceback.format_exc()}".encode())
        finally:
            os._exit(_FAILED)
    os.close(log)
    while True:  # reap every orphan of the namespace; end with the kernel
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(_FAILED)
        if pid == kernel:
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def _become_kernel(request: dict[str, Any], log: int) -> None:
    os.setsid()
    null = os.open("/dev/null", os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    for name, value in request["limits"].items():
        which = getattr(resource, name)
        hard = resource.getrlimit(which)[1]
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    with open("/proc/sys/kernel/cap_last_cap", encoding="ascii") as last_cap:
        last = int(last_cap.read())
    for cap in range(last + 1):
        _prctl(_PR_CAPBSET_DROP, cap)
    uid = int(request["uid"])
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # from root to a uid of its own: every capability is gone
    _clear_capabilities()  # the inheritable set too
    _prctl(_PR_SET_DUMPABLE, 1)  # as after an exec: its own processes may inspect it
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != 1:
        os._exit(_FAILED)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(SUBMISSION_DIR)
    sys.argv = ["-c", "-f", request["connection_file"]]
    code = _run_kernel()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed stream: nothing left to write
            stream.flush()
    os._exit(code)


def _run_kernel() -> int:
    """``graders.runtime.in_sandbox.kernel``, in this interpreter; its exit status."""
    from ipykernel.kernelapp import IPKernelApp

    sys.modules["debugpy"] = None  # type: ignore[assignment]
    try:
        app = IPKernelApp.instance()
        app.initialize()
    finally:
        del sys.modules["debugpy"]
    try:
        app.start()
    except SystemExit as exit:
        return exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    return 0


# --- system calls ---------------------------------------------------------------------------

_LIBC = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _unshare(flags: int) -> None:
    _check(_LIBC.unshare(flags), "unshare")


def _prctl(option: int, value: int) -> None:
    _check(_LIBC.prctl(option, ctypes.c_ulong(value), 0, 0, 0), f"prctl({option})")


def _clear_capabilities() -> None:
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable: twice 32 bits, all 0
    _check(_LIBC.capset(header, data), "capset")


def _mount(source: str | None, target: str, kind: str | None, flags: int, data: str = "") -> None:
    _check(
        _LIBC.mount(
            source.encode() if source else None,
            target.encode(),
            kind.encode() if kind else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def _bind(source: str, target: str, *, read_only: bool = False) -> None:
    _mount(source, target, None, _MS_BIND)
    flags = _MS_REMOUNT | _MS_BIND | _MS_NOSUID | _MS_NODEV | (_MS_RDONLY if read_only else 0)
    _mount(None, target, None, flags)


def _make_parents(path: str) -> None:
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        _make_parents(parent)
        os.mkdir(parent, 0o755)


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        request = struct.pack("16sh22x", b"lo", 0)
        flags = struct.unpack("16sh22x", fcntl.ioctl(probe, _SIOCGIFFLAGS, request))[1]
        up = struct.pack("16sh22x", b"lo", flags | _IFF_UP | _IFF_RUNNING)
        fcntl.ioctl(probe, _SIOCSIFFLAGS, up)


if __name__ == "__main__":
    main()
