"""Plausible HW4 submissions for the security tests, with or without an attack in them.

Every notebook is the released HW4 notebook filled in by a student who computed Q2's two epochs
of backpropagation with their own plain-Python code (an independent route to the reference's
sympy graph), so those answers are graded ``correct``; attack cells are added around them. These
students skip Q3 (the CNN) and delete the course's set-up cell, which only Q3 needs: it imports
torch, which would cost every kernel seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from graders.model.questions import Homework
from graders.student.release import fill_answers, release_notebook

EARLY = ("e1_h1", "e1_h2", "e1_y_hat", "e1_loss")  # answers a student may set in their work cell
Q2 = "hw4.q2"


def work_source(params: Mapping[str, Any]) -> str:
    """The student's own computation of two epochs; ``history[e]`` holds epoch e+1's values."""
    weights = [params[f"w{k}"] for k in range(1, 7)]
    return (
        "import math\n\n"
        f"i1, i2, y, eta = {params['i1']!r}, {params['i2']!r}, {params['y']!r}, {params['eta']!r}\n"
        f"w = {weights!r}\n"
        "history = []\n"
        "for epoch in range(2):\n"
        "    h1 = i1 * w[0] + i2 * w[1]\n"
        "    h2 = i1 * w[2] + i2 * w[3]\n"
        "    y_hat = 1 / (1 + math.exp(-(h1 * w[4] + h2 * w[5])))\n"
        "    loss = (y - y_hat) ** 2\n"
        "    delta = -2 * (y - y_hat) * y_hat * (1 - y_hat)\n"
        "    grads = [delta * w[4] * i1, delta * w[4] * i2, delta * w[5] * i1,\n"
        "             delta * w[5] * i2, delta * h1, delta * h2]\n"
        "    w = [wk - eta * gk for wk, gk in zip(w, grads)]\n"
        "    history.append((h1, h2, y_hat, loss, grads, w))\n"
    )


def answer_sources() -> dict[str, str]:
    """Q2's answer variables, each read from the student's ``history``."""
    values = {"converged": '"no"'}
    for e in (1, 2):
        row = f"history[{e - 1}]"
        for n, name in enumerate(("h1", "h2", "y_hat", "loss")):
            values[f"e{e}_{name}"] = f"{row}[{n}]"
        for k in range(1, 7):
            values[f"e{e}_dw{k}"] = f"{row}[4][{k - 1}]"
            values[f"e{e}_w{k}"] = f"{row}[5][{k - 1}]"
    return values


def q2_variables(homework: Homework) -> tuple[str, ...]:
    """The answers of Q2, which these students answer in full."""
    question = next(q for q in homework.questions if q.id == Q2)
    return tuple(item.variable for item in question.items)


def notebook(
    homework: Homework,
    *,
    before: Sequence[str] = (),
    after: Sequence[str] = (),
    early: bool = False,
    answered: bool = True,
    q1: str | None = None,
    padding: int = 0,
    student: str = "",
) -> NotebookNode:
    """The released notebook as a student hands it in.

    Order of the code cells: Q1's answer cell, ``padding`` small cells of the student's own,
    the work cell, a cell setting the ``EARLY`` answers (if ``early``), the ``before`` cells,
    Q2's answer cell (filled in if ``answered``), the other answer cells, then the ``after``
    cells.
    """
    values = dict(answer_sources()) if answered else {}
    if q1 is not None:
        values["q1_answer"] = repr(q1)
    nb = fill_answers(release_notebook(homework), values)
    nb.metadata["grader"]["student"] = student
    nb.cells = [c for c in nb.cells if c.cell_type != "code" or c.source != homework.setup]
    q2_cell = next(
        i for i, c in enumerate(nb.cells) if c.metadata.get("grader", {}).get("answer") == Q2
    )
    inserted = [f"step_{n} = {n} * 2  # scratch work" for n in range(padding)]
    inserted.append(work_source(homework.params))
    if early:
        inserted.append("\n".join(f"{name} = {answer_sources()[name]}" for name in EARLY))
    inserted += before
    nb.cells[q2_cell:q2_cell] = [nbformat.v4.new_code_cell(s) for s in inserted]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in after]
    for n, cell in enumerate(nb.cells):
        cell.id = f"cell-{n}"
    return nb


def code_cell_number(nb: NotebookNode, fragment: str) -> int:
    """The 1-based cell number (as reports count cells) of the code cell holding ``fragment``."""
    found = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and fragment in c.source]
    assert len(found) == 1, (fragment, found)
    return found[0] + 1


def write(path: Path, nb: NotebookNode) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def full_marks_harvest(homework: Homework, marker: str) -> str:
    """A line shaped like the harvest's output, claiming the reference answer for every item."""
    claimed: dict[str, Any] = {}
    for question in homework.questions:
        for part in question.parts:
            for name, value in part.solve(homework.params).items():
                if isinstance(value, str):
                    claimed[name] = {"kind": "text", "value": value, "truncated": False}
                else:
                    claimed[name] = {"kind": "number", "value": float(value), "text": repr(value)}
    return marker + json.dumps(claimed)


# --- reading the reports -----------------------------------------------------------------------


def record(out: Path, student: str, assignment: str = "hw4") -> dict[str, Any]:
    data = json.loads((out / assignment / f"{student}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def student_records(out: Path, assignment: str = "hw4") -> list[tuple[str, dict[str, Any]]]:
    """(student, results) of every student's results file of ``assignment``, sorted."""
    found = []
    for path in sorted((out / assignment).glob("*.json")) if (out / assignment).is_dir() else []:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "student" in data and "tests" in data:
            found.append((data["student"], data))
    return found


def verdicts(data: Mapping[str, Any]) -> dict[str, str]:
    return {t["variable"]: t["verdict"] for t in data["tests"]}


def outputs(data: Mapping[str, Any]) -> dict[str, str]:
    return {t["variable"]: t["output"] for t in data["tests"]}


def summary_counts(stdout: str) -> tuple[int, int, int]:
    """(graded, executed, from the cache) from the summary line ``grade.py`` prints."""
    found = re.search(
        r"Graded (\d+) submissions in [\d.]+ s \((\d+) executed, (\d+) from the execution cache\)",
        stdout,
    )
    assert found, stdout
    graded, executed, cached = (int(g) for g in found.groups())
    return graded, executed, cached


# --- processes ---------------------------------------------------------------------------------


def processes_with(argument: str) -> list[int]:
    """Live (non-zombie) processes with ``argument`` among their command-line arguments."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            arguments = Path(f"/proc/{name}/cmdline").read_bytes().split(b"\0")
            state = Path(f"/proc/{name}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if argument.encode() in arguments and state not in (b"Z", b"X"):
            found.append(int(name))
    return found


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` in the process tree."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_bytes().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(stat[1]), []).append(int(name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def wait_gone(pids: Sequence[int] | set[int], seconds: float) -> list[int]:
    """The processes of ``pids`` still alive (not zombies) after waiting up to ``seconds``."""
    deadline = time.monotonic() + seconds
    alive = sorted(pids)
    while True:
        alive = [pid for pid in alive if _alive(pid)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def kill_all(pids: Sequence[int] | set[int]) -> None:
    """SIGKILL each of ``pids`` (processes this test started, directly or not)."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in (b"Z", b"X")


def grade_command(root: Path, submissions: Path, out: Path, *options: str) -> list[str]:
    """``python grade.py SUBMISSIONS --out OUT ...``, as a TA types it."""
    return [
        sys.executable,
        str(root / "grade.py"),
        str(submissions),
        "--out",
        str(out),
        *options,
    ]


def grader_environment(temporary: Path) -> dict[str, str]:
    """The test's environment, with ``temporary`` as the grader's folder for temporary files
    (what a killed grader cannot remove stays there, not in the machine's /tmp)."""
    return {**os.environ, "TMPDIR": str(temporary)}


def start_grader(
    command: list[str], cwd: Path, log: Path, env: Mapping[str, str]
) -> subprocess.Popen[bytes]:
    """Start ``grade.py`` in its own session (as a terminal would run it in its own group)."""
    handle = log.open("wb")
    try:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=dict(env),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        handle.close()
