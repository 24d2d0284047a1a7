"""The code sent into the kernel is whole on its own: each function of
``graders.runtime.in_kernel`` compiles from its source alone and reads no global of the module
(only builtins and what it imports), so what is linted here is what the kernel runs."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest

from graders.harvest import KERNEL_NAME, MAX_ELEMENTS, harvest_source, read_answers
from graders.runtime import in_kernel

FUNCTIONS = [f for _, f in inspect.getmembers(in_kernel, inspect.isfunction)]


def test_the_module_holds_the_kernel_code() -> None:
    assert [f.__name__ for f in FUNCTIONS] == ["harvest", "probe"]


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
def test_each_function_needs_nothing_of_the_module(function: Any) -> None:
    used = inspect.getclosurevars(function)
    # getclosurevars counts attribute names too: ``type(v).__name__`` shows as the module's own
    assert set(used.globals) <= {"__name__"} and used.nonlocals == {}
    scope: dict[str, Any] = {}
    exec(compile(inspect.getsource(function), "<kernel>", "exec"), scope)  # no name missing
    assert callable(scope[function.__name__])


class _Shell:
    def __init__(self, user_ns: dict[str, Any]) -> None:
        self.user_ns = user_ns


def test_the_cell_runs_in_a_bare_namespace_and_leaves_no_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    student: dict[str, Any] = {"x": 1.5, "t": "سلام", "big": list(range(MAX_ELEMENTS + 1))}
    student["json"] = None  # the student's own ``json``: not the writer's
    namespace: dict[str, Any] = {"get_ipython": lambda: _Shell(student), **student}
    exec(harvest_source(["x", "t", "big", "gone"], "@@n@@"), namespace)
    assert KERNEL_NAME not in namespace
    printed = capsys.readouterr().out
    assert printed.startswith("@@n@@")
    raw = json.loads(printed.removeprefix("@@n@@"))
    assert raw["x"] == {"kind": "number", "value": 1.5, "text": "1.5"}
    assert raw["gone"] == {"kind": "absent"}
    answers = read_answers(printed, "@@n@@", ["x", "t", "big", "gone"])
    assert answers["t"].value == "سلام" and answers["big"].kind.value == "unsupported"
