"""The programs that start a kernel inside the sandbox are whole on their own: each function of
``graders.runtime.in_sandbox`` compiles from its source alone and reads no global of the module
(only builtins and what it imports), so what is linted here is what the sandbox runs; and the
launcher and the warm client do what their configuration asks, run as ``python -I -S -c``."""

from __future__ import annotations

import inspect
import json
import os
import socket
import subprocess
import sys
import threading
import types
from pathlib import Path
from typing import Any

import pytest

from graders.runtime import in_sandbox
from graders.runtime.sandbox import program

FUNCTIONS = [f for _, f in inspect.getmembers(in_sandbox, inspect.isfunction)]

# The launched program prints what the launcher left it: cwd, argv, environment, a limit.
_REPORT = (
    "import json, os, resource, sys; print(json.dumps({'cwd': os.getcwd(), 'argv': sys.argv,"
    " 'pid': os.getpid(), 'env': dict(os.environ),"
    " 'nofile': resource.getrlimit(resource.RLIMIT_NOFILE)}))"
)


def _names(code: types.CodeType) -> set[str]:
    """Every global (or attribute) name a code object and the functions inside it use."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _names(constant)
    return names


def test_the_module_holds_the_sandbox_programs() -> None:
    assert [f.__name__ for f in FUNCTIONS] == ["kernel", "launcher", "warm_client"]


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
def test_each_function_needs_nothing_of_the_module(function: Any) -> None:
    own = {name for name in vars(in_sandbox) if not name.startswith("__")}
    assert not _names(function.__code__) & own  # nested functions included
    assert function.__code__.co_freevars == ()
    scope: dict[str, Any] = {}
    source = program(function)
    exec(compile(source.removesuffix(f"{function.__name__}()\n"), "<sandbox>", "exec"), scope)
    assert callable(scope[function.__name__])
    assert source.endswith(f"\n\n\n{function.__name__}()\n")


def _launch(config: dict[str, Any], *command: str) -> subprocess.CompletedProcess[str]:
    source = program(in_sandbox.launcher)
    arguments = [sys.executable, "-I", "-S", "-c", source, json.dumps(config), *command]
    return subprocess.run(arguments, capture_output=True, text=True, timeout=60, env={})


def test_the_launcher_applies_its_config_then_becomes_the_command(tmp_path: Path) -> None:
    log = tmp_path / "kernel.log"
    config = {
        "grader_pid": os.getpid(),
        "log": str(log),
        "uid_base": 1000,
        "uid_placeholder": "@UID@",
        "limits": {"RLIMIT_NOFILE": 64, "RLIMIT_NOT_A_LIMIT": 1},
        "strict": False,
        "env": {"LANG": "C.UTF-8", "ONLY": "this"},
        "parent_pid": True,
        "cwd": str(tmp_path),
    }
    done = _launch(config, sys.executable, "-c", _REPORT, "@UID@", "kept")
    assert done.returncode == 0 and done.stdout == ""  # stdout and stderr went to the log
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("sandbox: RLIMIT_NOT_A_LIMIT not applied")
    seen = json.loads(lines[-1])
    assert seen["cwd"] == str(tmp_path)
    assert seen["argv"][1:] == [str(1000 + seen["pid"]), "kept"]  # the same process, exec'd
    assert seen["env"]["ONLY"] == "this" and seen["env"]["JPY_PARENT_PID"] == str(os.getpid())
    assert "PATH" not in seen["env"]  # nothing inherited
    assert seen["nofile"] == [64, 64]


def test_a_strict_launcher_refuses_a_limit_it_cannot_apply(tmp_path: Path) -> None:
    done = _launch({"limits": {"RLIMIT_NOT_A_LIMIT": 1}}, sys.executable, "-c", "print('ran')")
    assert done.returncode != 0 and "ran" not in done.stdout
    assert "RLIMIT_NOT_A_LIMIT" in done.stderr


def test_the_launcher_goes_when_the_grader_is_not_its_parent(tmp_path: Path) -> None:
    done = _launch({"grader_pid": os.getpid() + 1}, sys.executable, "-c", "print('ran')")
    assert done.returncode == 1 and "ran" not in done.stdout


def test_the_warm_client_asks_the_parent_records_the_namespace_and_exits_as_the_kernel(
    tmp_path: Path,
) -> None:
    control = tmp_path / "control"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(control))
    server.listen(1)
    received: dict[str, Any] = {}

    def parent() -> None:  # the warm parent's side: read the request and the log, answer twice
        connection, _ = server.accept()
        with connection:
            message, fds, _, _ = socket.recv_fds(connection, 65536, 1)
            received["request"] = json.loads(message)
            with os.fdopen(fds[0], "w") as log:
                log.write("written by the kernel\n")
            connection.sendall(b'{"namespace": "pid:[42]", "started": 7}\n{"exit": 3}\n')

    thread = threading.Thread(target=parent)
    thread.start()
    log, record = tmp_path / "kernel.log", tmp_path / "namespace.json"
    request = {
        "control": str(control),
        "record": str(record),
        "uid_base": 5000,
        "grader_pid": os.getpid(),
        "log": str(log),
        "workdir": "/somewhere",
    }
    source = program(in_sandbox.warm_client)
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", source, json.dumps(request)], timeout=60, env={}
    )
    thread.join(timeout=60)
    server.close()
    assert done.returncode == 3
    sent = received["request"]
    assert sent["workdir"] == "/somewhere" and sent["uid"] > 5000
    assert not {"control", "record", "uid_base", "grader_pid", "log"} & set(sent)
    assert json.loads(record.read_text(encoding="ascii")) == {"namespace": "pid:[42]", "started": 7}
    assert log.read_text(encoding="utf-8") == "written by the kernel\n"
