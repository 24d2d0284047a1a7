"""graders.runtime.sandbox: the modes, and what a kernel started through it can and cannot do."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbformat import NotebookNode
from system import need

from graders.runtime.isolation import refusal
from graders.runtime.sandbox import (
    SUBMISSION_DIR,
    TOKEN_VARIABLE,
    Limits,
    SandboxedKernelManager,
    SandboxPlan,
    SandboxUnavailable,
    _hidden,
    choose_mode,
    kernel_manager,
    kill_leftovers,
)

PROJECT = Path(__file__).resolve().parents[2]
AS_ROOT = os.geteuid() == 0


# --- choosing the mode (no kernels) -------------------------------------------------------------


def test_none_on_request_says_the_batch_runs_without_isolation() -> None:
    plan = choose_mode("none")
    assert plan.mode == "none"
    assert "ran without isolation, as asked (--sandbox none)" in plan.reason
    assert "reduced isolation" in plan.reason


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="auto, bwrap or none"):
        choose_mode("docker")


def _no_bwrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str | None) -> None:
    """PATH holds only ``tmp_path``, with a fake bwrap running ``script`` if one is given."""
    if script is not None:
        fake = tmp_path / "bwrap"
        fake.write_text(f"#!/bin/sh\n{script}\n")
        fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))


def test_auto_without_bwrap_refuses_and_says_how_to_fix_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_bwrap(tmp_path, monkeypatch, None)
    for requested in ("auto", "bwrap"):
        with pytest.raises(SandboxUnavailable) as refused:
            choose_mode(requested)
        message = str(refused.value)
        assert "bwrap not installed" in message.splitlines()[0]
        for advice in (
            "sudo apt-get install bubblewrap",
            "sudo dnf install bubblewrap",
            "tools/install-system-packages.sh",
            "seccomp=unconfined",
            "--sandbox none",
            'sandbox = "none"',
        ):
            assert advice in message, advice
    assert isinstance(refused.value, RuntimeError)


def test_auto_falls_back_only_when_asked_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_bwrap(tmp_path, monkeypatch, None)
    plan = choose_mode("auto", fallback=True)
    assert plan.mode == "none"
    assert plan.reason.startswith("bwrap not installed; ran without isolation; reduced isolation")
    with pytest.raises(SandboxUnavailable):
        choose_mode("bwrap", fallback=True)  # bwrap on request never falls back


def test_a_bwrap_that_cannot_start_is_refused_with_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_bwrap(tmp_path, monkeypatch, "echo 'No permissions to create new namespace' >&2\nexit 1")
    with pytest.raises(SandboxUnavailable, match="No permissions to create new namespace"):
        choose_mode("auto")
    plan = choose_mode("auto", fallback=True)
    assert plan.mode == "none"
    assert "bwrap failed to start: No permissions to create new namespace" in plan.reason


def test_the_refusal_names_the_settings_that_turn_user_namespaces_off() -> None:
    settings = {
        "kernel/unprivileged_userns_clone": "0",
        "user/max_user_namespaces": "15000",
        "kernel/apparmor_restrict_unprivileged_userns": "1",
    }
    message = refusal("bwrap failed to start: setting up uid map", read=settings.get)
    assert "sudo sysctl -w kernel.unprivileged_userns_clone=1" in message
    assert "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0" in message
    assert "max_user_namespaces" not in message  # that one allows them here
    assert "--sandbox none" in message
    # as root no user namespace is needed: no sysctl advice
    assert "sysctl" not in refusal("bwrap failed", as_root=True, read=settings.get)
    everything_allowed = refusal("bwrap failed to start: x", read=lambda name: None)
    assert "kernel.unprivileged_userns_clone=1" in everything_allowed  # said in general


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="processes"):
        Limits(processes=0)


def test_runtime_dir_too_long_for_unix_sockets_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="too long"):
        kernel_manager(choose_mode("none"), tmp_path, tmp_path / ("r" * 120))


def test_bwrap_command_shows_neither_the_project_nor_the_grader_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADER_SECRET", "s3cret")
    plan = SandboxPlan("bwrap", "test", "/usr/bin/bwrap")
    (tmp_path / "work").mkdir()
    km = kernel_manager(plan, tmp_path / "work", tmp_path / "run")
    command = km.format_kernel_cmd(["--flag"])
    assert not [part for part in command if str(PROJECT) in part]
    assert not [part for part in command if "s3cret" in part]
    assert "--unshare-net" in command and "--unshare-pid" in command
    assert command[-1] == "--flag"
    assert km.kernel_spec.interrupt_mode == "message"


def test_project_packages_installed_into_a_bound_folder_are_covered(tmp_path: Path) -> None:
    site = tmp_path / "lib" / "site-packages"
    installed, editable = site / "reference", PROJECT / "reference"
    assert _hidden([tmp_path], [installed, editable]) == [installed]


# --- kernels ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def detected() -> SandboxPlan:
    return choose_mode("auto", fallback=True)


@pytest.fixture(params=["bwrap", "none"])
def plan(request: pytest.FixtureRequest, detected: SandboxPlan) -> SandboxPlan:
    if request.param == "none":
        return choose_mode("none")
    need("bubblewrap")
    return detected


@pytest.fixture
def bwrap_plan(detected: SandboxPlan) -> SandboxPlan:
    need("bubblewrap")
    return detected


Start = Callable[..., SandboxedKernelManager]


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    """Makes a working folder holding ``answers.txt`` and a kernel manager for it; every
    kernel made is shut down and cleaned up at the end."""
    managers: list[SandboxedKernelManager] = []

    def make(
        plan: SandboxPlan, limits: Limits | None = None, extra_ro: tuple[Path, ...] = ()
    ) -> SandboxedKernelManager:
        root = tmp_path / f"s{len(managers)}"
        (root / "work").mkdir(parents=True)
        (root / "work" / "answers.txt").write_text("42\n")
        (root / "beside-the-work.txt").write_text("not for the kernel\n")
        km = kernel_manager(plan, root / "work", root / "run", limits, extra_ro)
        managers.append(km)
        return km

    yield make
    for km in managers:
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
        kill_leftovers(km)


def run(km: SandboxedKernelManager, *sources: str, timeout: int = 30) -> list[NotebookNode]:
    """Execute ``sources`` as the cells of a notebook through nbclient; the kernel stays up."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    client = NotebookClient(
        nb, km=km, timeout=timeout, allow_errors=True, interrupt_on_timeout=True
    )
    client.execute()
    if client.kc is not None:  # nbclient leaves the client of a manager it was given running
        client.kc.stop_channels()
    return list(nb.cells)


def printed(cell: NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def error(cell: NotebookNode) -> str | None:
    names = [o.ename for o in cell.outputs if o.output_type == "error"]
    return names[0] if names else None


def value(cell: NotebookNode) -> Any:
    """The JSON a cell printed last."""
    assert error(cell) is None, cell.outputs
    return json.loads(printed(cell).strip().splitlines()[-1])


def sandbox_pids(token: str) -> list[int]:
    """Live host processes whose environment carries the sandbox's marker."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            environ = Path(f"/proc/{name}/environ").read_bytes()
            state = Path(f"/proc/{name}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if f"{TOKEN_VARIABLE}={token}".encode() in environ.split(b"\0") and state != b"Z":
            found.append(int(name))
    return found


def wait_until_gone(pids: list[int], seconds: float = 5.0) -> list[int]:
    deadline = time.monotonic() + seconds
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = [pid for pid in alive if _alive(pid)]
    return alive


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state != b"Z"


@pytest.mark.slow
def test_kernel_runs_code_in_its_working_folder_without_the_graders_environment(
    plan: SandboxPlan, start: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = f"GRADER_SECRET_{uuid.uuid4().hex}"
    monkeypatch.setenv(secret, "do not show")
    km = start(plan)
    cells = run(
        km,
        "x = 6 * 7\nx",
        "import json, os\n"
        "print(json.dumps([os.getcwd(), sorted(os.listdir('.')), dict(os.environ)]))",
        "import numpy, sympy, torch\n"
        "print(json.dumps(int(torch.ones(3).sum() + numpy.ones(2).sum())))",
    )
    assert cells[0].outputs[0].data["text/plain"] == "42"
    cwd, listing, environ = value(cells[1])
    assert cwd == (SUBMISSION_DIR if plan.mode == "bwrap" else str(km.sandbox.workdir))
    assert listing == ["answers.txt"]
    assert secret not in environ
    assert not {name for name in environ if name.startswith(("PYTEST", "VIRTUAL_ENV"))}
    assert environ["OMP_NUM_THREADS"] == "1"
    assert value(cells[2]) == 5


@pytest.mark.slow
def test_kernel_sees_neither_the_project_nor_files_beside_its_folder(
    bwrap_plan: SandboxPlan, start: Start
) -> None:
    km = start(bwrap_plan)
    reference = PROJECT / "reference" / "__init__.py"
    beside = km.sandbox.workdir.parent / "beside-the-work.txt"
    assert reference.is_file() and beside.is_file()  # they exist on the host
    attempts = [str(reference), "../../reference/__init__.py", "../../main/reference", str(beside)]
    cells = run(
        km,
        f"import json, os\nprint(json.dumps([os.path.exists(p) for p in {attempts!r}]))",
        f"open({str(reference)!r}).read()",
        "import reference",
        "import graders",
        "import json, os\nprint(json.dumps(sorted(os.listdir('/work'))))",
    )
    assert value(cells[0]) == [False, False, False, False]
    assert error(cells[1]) == "FileNotFoundError"
    assert error(cells[2]) == "ModuleNotFoundError"
    assert error(cells[3]) == "ModuleNotFoundError"
    assert value(cells[4]) == ["submission"]


@pytest.mark.slow
def test_kernel_writes_only_in_its_folder_and_private_tmp(
    bwrap_plan: SandboxPlan, start: Start, tmp_path: Path
) -> None:
    data = tmp_path / "course-data"
    data.mkdir()
    (data / "inputs.csv").write_text("1,2\n")
    km = start(bwrap_plan, extra_ro=(data,))
    marker = f"sandbox-{uuid.uuid4().hex}"
    run_dir = km.sandbox.runtime_dir
    targets = ["/etc/x", "/work/x", "/usr/x", "/x", f"{PROJECT}/x", f"/proc/sys/kernel/{marker}"]
    targets += [f"{data}/x", f"{run_dir}/kernel.log", f"{run_dir}/kernel.json", f"{run_dir}/x"]
    cells = run(
        km,
        "import json\n"
        "def attempt(path):\n"
        "    try:\n"
        "        open(path, 'w').write('x')\n"
        "    except OSError as error:\n"
        "        return type(error).__name__\n"
        "    return 'written'\n"
        f"print(json.dumps([attempt(p) for p in {targets!r}]))",
        f"open('/tmp/{marker}', 'w').write('private')\n"
        "open('result.txt', 'w').write('kept')\n"
        "import json, os\n"
        "print(json.dumps([os.getuid(), open('/proc/self/status').read()]))",
        f"listing = sorted(os.listdir({str(run_dir)!r}))\n"
        f"print(json.dumps([listing, open('{data}/inputs.csv').read()]))",
    )
    outcomes = value(cells[0])
    assert isinstance(outcomes, list)
    assert "written" not in outcomes
    assert not Path("/tmp", marker).exists()
    assert (km.sandbox.workdir / "result.txt").read_text() == "kept"
    uid, status = value(cells[1])
    assert "CapEff:\t0000000000000000" in status
    if AS_ROOT:
        assert uid != 0
    assert value(cells[2]) == [["kernel.json", "sockets"], "1,2\n"]
    assert not (run_dir / "x").exists() and not (data / "x").exists()


@pytest.mark.slow
def test_kernel_cannot_connect_to_the_hosts_loopback(bwrap_plan: SandboxPlan, start: Start) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        cells = run(
            start(bwrap_plan),
            f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=3)",
        )
        assert error(cells[0]) in {"ConnectionRefusedError", "OSError", "TimeoutError"}
        with pytest.raises(TimeoutError):
            listener.accept()


@pytest.mark.slow
def test_fork_bomb_is_stopped_and_cleaned_up(plan: SandboxPlan, start: Start) -> None:
    if plan.mode == "none" and AS_ROOT:
        pytest.skip("RLIMIT_NPROC is not enforced for root: none mode cannot stop a fork bomb")
    km = start(plan)
    cells = run(
        km,
        "import json, subprocess\n"
        "children, stopped = [], None\n"
        "for _ in range(2000):\n"
        "    try:\n"
        "        children.append(subprocess.Popen(['sleep', '30']))\n"
        "    except OSError as error:\n"
        "        stopped = type(error).__name__\n"
        "        break\n"
        "print(json.dumps([len(children), stopped]))",
        timeout=60,
    )
    spawned, stopped = value(cells[0])
    assert stopped == "BlockingIOError"
    assert 0 < spawned < Limits().processes
    assert len(sandbox_pids(km.sandbox.token)) > spawned  # the sleeps and the kernel
    assert kill_leftovers(km) > spawned
    assert sandbox_pids(km.sandbox.token) == []


@pytest.mark.slow
def test_huge_allocation_fails_with_memory_error(plan: SandboxPlan, start: Start) -> None:
    cells = run(
        start(plan),
        "import numpy\nnumpy.ones(30 * 2**30, dtype=numpy.uint8)",
        "big = bytearray(30 * 2**30)",
        "print('still alive')",
    )
    assert error(cells[0]) == "MemoryError"
    assert error(cells[1]) == "MemoryError"
    assert printed(cells[2]) == "still alive\n"


@pytest.mark.slow
def test_memory_file_size_and_open_file_limits_apply(plan: SandboxPlan, start: Start) -> None:
    km = start(plan, Limits(memory_bytes=2**30, file_size_bytes=2**20, open_files=64))
    cells = run(
        km,
        # 2 GiB fits in this machine's memory: only the 1 GiB limit refuses it
        "import numpy\nnumpy.empty(2 * 2**30, dtype=numpy.uint8)",
        "open('big.bin', 'wb').write(bytes(2 * 2**20))",
        "files = [open('answers.txt') for _ in range(100)]",
    )
    assert error(cells[0]) == "MemoryError"
    assert error(cells[1]) == "OSError"
    assert "File too large" in str(cells[1].outputs)
    assert (km.sandbox.workdir / "big.bin").stat().st_size <= 2**20
    assert error(cells[2]) == "OSError"
    assert "Too many open files" in str(cells[2].outputs)


@pytest.mark.slow
def test_detached_background_process_does_not_outlive_the_submission(
    plan: SandboxPlan, start: Start
) -> None:
    km = start(plan)
    run(
        km,
        "import subprocess\n"
        "daemon = subprocess.Popen(['sleep', '600'], start_new_session=True)\n"
        "group = subprocess.Popen(['sleep', '601'])",
    )
    pids = sandbox_pids(km.sandbox.token)
    sleeps = [pid for pid in pids if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"sleep")]
    assert len(sleeps) == 2
    run_sync(km.shutdown_kernel)()
    kill_leftovers(km)
    assert wait_until_gone(sleeps) == []
    assert sandbox_pids(km.sandbox.token) == []


@pytest.mark.slow
def test_in_bwrap_mode_even_a_process_that_hides_its_origin_is_killed(
    bwrap_plan: SandboxPlan, start: Start
) -> None:
    km = start(bwrap_plan)
    run(
        km,
        "import subprocess\n"
        "subprocess.Popen(['sleep', '602'], start_new_session=True, env={}, close_fds=True)",
    )
    kernel = sandbox_pids(km.sandbox.token)[0]
    namespace = os.readlink(f"/proc/{kernel}/ns/pid")
    hidden = [
        pid
        for pid in (int(n) for n in os.listdir("/proc") if n.isdigit())
        if _readlink(f"/proc/{pid}/ns/pid") == namespace
        and Path(f"/proc/{pid}/cmdline").read_bytes() == b"sleep\x00602\x00"
    ]
    assert len(hidden) == 1 and hidden[0] not in sandbox_pids(km.sandbox.token)
    run_sync(km.shutdown_kernel)()
    kill_leftovers(km)
    assert wait_until_gone(hidden) == []


def _readlink(path: str) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


@pytest.mark.slow
def test_endless_loop_is_interrupted_and_the_kernel_goes_on(
    plan: SandboxPlan, start: Start
) -> None:
    km = start(plan)
    began = time.monotonic()
    cells = run(km, "while True:\n    pass", "print('after')", timeout=2)
    assert error(cells[0]) == "KeyboardInterrupt"
    assert printed(cells[1]) == "after\n"
    assert time.monotonic() - began < 20


@pytest.mark.slow
def test_each_kernel_gets_its_own_uid_owning_its_folder_when_run_as_root(
    bwrap_plan: SandboxPlan, start: Start
) -> None:
    if not AS_ROOT:
        pytest.skip("the uid is switched only when the grader runs as root")
    first, second = start(bwrap_plan), start(bwrap_plan)
    first_uid = value(run(first, "import os\nprint(os.getuid())")[0])
    second_uid = value(run(second, "import os\nprint(os.getuid())")[0])
    assert first_uid != second_uid
    assert 0 not in (first_uid, second_uid)
    for km, uid in ((first, first_uid), (second, second_uid)):
        info = km.sandbox.workdir.stat()
        assert info.st_uid == uid and stat.S_ISDIR(info.st_mode)
        assert (km.sandbox.workdir / "answers.txt").stat().st_uid == uid


@pytest.mark.slow
def test_a_kernel_still_starting_dies_with_a_killed_grader(
    plan: SandboxPlan, tmp_path: Path
) -> None:
    """A grader killed with ``kill -9`` while a kernel starts (a kernel started ahead of its
    turn, say) takes that kernel with it at once, in both modes."""
    (tmp_path / "work").mkdir()
    script = f"""
import sys
from pathlib import Path
from jupyter_core.utils import run_sync
from graders.runtime.sandbox import SandboxPlan, kernel_manager
plan = SandboxPlan(**{dataclasses.asdict(plan)!r})
km = kernel_manager(plan, Path({str(tmp_path / "work")!r}), Path({str(tmp_path / "run")!r}))
run_sync(km.start_kernel)()
print(km.provisioner.pid, flush=True)
sys.stdin.read()
"""
    with subprocess.Popen(
        [sys.executable, "-c", script], cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as grader:
        try:
            assert grader.stdout is not None
            launched = int(grader.stdout.readline())
        finally:
            grader.kill()
    assert wait_until_gone([launched], seconds=3.0) == []
