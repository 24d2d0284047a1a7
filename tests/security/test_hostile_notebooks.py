"""A corpus of hostile notebooks graded through the command line with real kernels, in both
sandbox modes: each attack fails (or, in the reduced "none" mode, the report says that the
isolation was reduced), the student gets a report saying why, and the batch finishes.

Each batch is one ``grade.py`` run over every case at once (``--workers 2``), so the cases also
share a batch with an honest student whose grade none of them may touch.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import json
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fakes import ROOT
from hostile_corpus import (
    EARLY,
    code_cell_number,
    full_marks_harvest,
    kill_all,
    notebook,
    outputs,
    processes_with,
    q2_variables,
    record,
    student_records,
    summary_counts,
    verdicts,
    wait_gone,
    write,
)
from nbformat import NotebookNode
from system import need

from graders.cli import main
from graders.execute import RECOVERY_SECONDS
from graders.model.questions import Homework
from graders.runtime.sandbox import Limits, choose_mode

pytestmark = pytest.mark.slow

MODES = ("bwrap", "none")
CELL_TIMEOUT = 6
NOTEBOOK_TIMEOUT = 40
REFERENCE = ROOT / "reference" / "hw4.py"
MAX_PAGE_BYTES = 2 * 2**20
FORKS = 2000  # the most processes the fork bomb starts


@dataclass
class Listener:
    """A TCP listener on 127.0.0.1 that records what every connection sends."""

    server: socket.socket
    received: list[bytes] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def port(self) -> int:
        port = self.server.getsockname()[1]
        assert isinstance(port, int)
        return port

    def serve(self) -> None:
        self.server.settimeout(0.2)
        while not self.stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(2)
                chunks = []
                with contextlib.suppress(OSError):
                    while chunk := connection.recv(4096):
                        chunks.append(chunk)
                self.received.append(b"".join(chunks))


@contextlib.contextmanager
def listening() -> Iterator[Listener]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        listener = Listener(server)
        thread = threading.Thread(target=listener.serve, daemon=True)
        thread.start()
        try:
            yield listener
        finally:
            listener.stop.set()
            thread.join()


@dataclass
class Batch:
    """One graded batch of the corpus in one mode, and what the test planted to check it."""

    mode: str
    submissions: Path
    out: Path
    status: int
    printed: str
    seconds: float
    notebooks: dict[str, NotebookNode]
    listener: Listener
    secret: str  # in the honest student's written answer only
    payload: bytes  # what the socket case sends
    sleeps: dict[str, str]  # case -> the unique argument of the sleeps it starts
    marker: str  # names of the files the write case tries to create
    write_targets: dict[str, Path]
    fake_marker: str
    breaks_kernel: bool  # whether the batch holds the case that wrecks its own kernel's imports

    def record(self, student: str) -> dict[str, Any]:
        return record(self.out, student)

    def page(self, student: str) -> str:
        """The student's HTML page, with entities decoded."""
        return html.unescape((self.out / "hw4" / f"{student}.html").read_text(encoding="utf-8"))

    def page_text(self, student: str) -> str:
        """The student's page as a reader sees it: no tags, entities decoded."""
        raw = (self.out / "hw4" / f"{student}.html").read_text(encoding="utf-8")
        return html.unescape(re.sub(r"<[^>]*>", "", raw))

    def report_text(self, student: str) -> str:
        """Everything written about the student: the page and the JSON."""
        return self.page(student) + (self.out / "hw4" / f"{student}.json").read_text("utf-8")

    def cell(self, student: str, fragment: str) -> int:
        return code_cell_number(self.notebooks[student], fragment)

    def cell_html(self, student: str, fragment: str) -> str:
        """The part of the student's page about the code cell holding ``fragment``."""
        page = self.page(student)
        start = page.index(f'id="cell-{self.cell(student, fragment)}"')
        end = page.find('id="cell-', start + 1)
        return page[start : end if end > 0 else len(page)]

    def given(self, student: str, variable: str = "q1_answer") -> Any:
        test = next(t for t in self.record(student)["tests"] if t["variable"] == variable)
        return test["given"]


def _reads(targets: list[tuple[str, str]], pattern: str) -> str:
    """A cell trying to read each target, recording a digest and what ``pattern`` finds."""
    return (
        "import hashlib, json, os, re\n"
        f"targets = {targets!r}\n"
        "targets.append(('relative to the working folder', os.path.relpath(targets[0][1])))\n"
        "found = {}\n"
        "for label, path in targets:\n"
        "    try:\n"
        "        with open(path, 'rb') as handle:\n"
        "            data = handle.read()\n"
        "    except OSError as error:\n"
        "        found[label] = type(error).__name__\n"
        "    else:\n"
        f"        hits = re.findall({pattern!r}, data.decode('utf-8', 'replace'))\n"
        "        found[label] = ' '.join([hashlib.sha256(data).hexdigest(), *hits])\n"
        "print(json.dumps(found))\n"
        "q1_answer = json.dumps(found)"
    )


def _writes(targets: dict[str, Path]) -> str:
    return (
        "import json\n"
        f"targets = {[(label, str(path)) for label, path in targets.items()]!r}\n"
        "results = {}\n"
        "for label, path in targets:\n"
        "    try:\n"
        "        with open(path, 'w') as handle:\n"
        "            handle.write('written by a student')\n"
        "        results[label] = 'written'\n"
        "    except OSError as error:\n"
        "        results[label] = type(error).__name__\n"
        "print(json.dumps(results))\n"
        "q1_answer = json.dumps(results)"
    )


def _spawns(argument: str, most: int) -> str:
    return (
        "import subprocess, time\n"
        "children, stopped, started = [], None, time.monotonic()\n"
        f"while len(children) < {most} and time.monotonic() - started < 3:\n"
        "    try:\n"
        f"        children.append(subprocess.Popen(['sleep', {argument!r}]))\n"
        "    except OSError as error:\n"
        "        stopped = error\n"
        "        break\n"
        "print('spawned', len(children))\n"
        "if stopped is not None:\n"
        "    raise stopped"
    )


def _corpus(hw4: Homework, batch: Batch, victim: Path) -> dict[str, Callable[[], NotebookNode]]:
    """Every case of the corpus for ``batch.mode``: student id -> its notebook."""
    reference = [("absolute", str(REFERENCE))]
    reference += [
        (p, p) for p in ("reference/hw4.py", "../reference/hw4.py", "../main/reference/hw4.py")
    ]
    other = [("absolute", str(victim)), ("../honest.ipynb", "../honest.ipynb")]
    other += [("../../hw4/honest.ipynb", "../../hw4/honest.ipynb")]
    refuse_json = (
        "import builtins\n"
        "_import = builtins.__import__\n"
        "def _refuse_json(name, *args, **kwargs):\n"
        "    if name == 'json':\n"
        "        raise ImportError('json is mine')\n"
        "    return _import(name, *args, **kwargs)\n"
        "builtins.__import__ = _refuse_json"
    )
    cases: dict[str, Callable[[], NotebookNode]] = {
        "honest": lambda: notebook(hw4, padding=25, q1=f"My own words {batch.secret}"),
        "reads-reference": lambda: notebook(
            hw4, after=[_reads(reference, r"= Mistake\("), f"stolen = open({str(REFERENCE)!r})"]
        ),
        "reads-other": lambda: notebook(
            hw4, after=[_reads(other, r"My own words [0-9a-f]+"), f"stolen = open({str(victim)!r})"]
        ),
        "opens-socket": lambda: notebook(
            hw4,
            after=[
                "import socket\n"
                f"connection = socket.create_connection(('127.0.0.1', {batch.listener.port}), 3)\n"
                f"connection.sendall({batch.payload!r})\n"
                "connection.close()"
            ],
        ),
        "fork-bomb": lambda: notebook(hw4, before=[_spawns(batch.sleeps["fork-bomb"], FORKS)]),
        "allocates": lambda: notebook(
            hw4, before=["import numpy\nlots = numpy.ones(30 * 2**30, dtype=numpy.uint8)"]
        ),
        "ignores-interrupt": lambda: notebook(
            hw4,
            early=True,
            before=[
                "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
            ],
        ),
        "floods-output": lambda: notebook(
            hw4, before=["for line in range(10**8):\n    print(line)"]
        ),
        "exits": lambda: notebook(hw4, early=True, before=["import os\nos._exit(1)"]),
        "outlives": lambda: notebook(
            hw4,
            after=[
                "import subprocess\n"
                f"daemon = subprocess.Popen(['sleep', {batch.sleeps['outlives']!r}], "
                "start_new_session=True)\n"
                "q1_answer = str(daemon.pid)"
            ],
        ),
        "writes-outside": lambda: notebook(
            hw4,
            after=[_writes(batch.write_targets)]
            + ([f"open('/etc/{batch.marker}', 'w')"] if batch.mode == "bwrap" else []),
        ),
        "fakes-harvest": lambda: notebook(
            hw4, answered=False, before=[f"print({full_marks_harvest(hw4, batch.fake_marker)!r})"]
        ),
        "replaces-json": lambda: notebook(
            hw4, after=["import json\njson.dumps = lambda *args, **kwargs: '{not json'"]
        ),
        "replaces-stdout": lambda: notebook(
            hw4,
            after=[
                # a new object: IPython (9) undoes a patched ``sys.stdout.write`` after the cell
                "import builtins, sys\n"
                "class Discard:\n"
                "    def write(self, text):\n"
                "        return len(text)\n"
                "    def flush(self):\n"
                "        pass\n"
                "sys.stdout = Discard()\n"
                "builtins.print = lambda *args, **kwargs: None"
            ],
        ),
        "replaces-modules": lambda: notebook(
            hw4,
            after=["import sys, types\nsys.modules['json'] = types.SimpleNamespace(dumps=repr)"],
        ),
        "refuses-json-import": lambda: notebook(hw4, after=[refuse_json]),
        "symlink-answer": lambda: notebook(
            hw4,
            after=[
                "import os\n"
                "for name in ('answers.json', 'harvest.json', 'e1_h1.npy', 'q1_answer.txt'):\n"
                "    os.symlink('/etc/passwd', name)"
            ],
        ),
    }
    if batch.breaks_kernel:
        cases["breaks-import"] = lambda: notebook(
            hw4,
            early=True,
            before=[
                "import builtins\n"
                "def _refuse(name, *args, **kwargs):\n"
                "    raise ImportError(name)\n"
                "builtins.__import__ = _refuse"
            ],
        )
    if batch.mode == "bwrap":
        cases["outlives-hidden"] = lambda: notebook(
            hw4,
            after=[
                "import subprocess\n"
                f"subprocess.Popen(['sh', '-c', 'sleep {batch.sleeps['outlives-hidden']} &'], "
                "start_new_session=True, env={})"
            ],
        )
    return cases


def _write_targets(mode: str, submissions: Path, out: Path, marker: str) -> dict[str, Path]:
    """Where the write case tries to write: in bwrap mode the system, the project, the reports
    and another student's files; in none mode (which can write wherever the grader can) only
    places this test owns or cleans up."""
    targets = {
        "reports": out / marker,
        "submissions": submissions / marker,
        "/tmp": Path("/tmp", marker),
    }
    if mode == "bwrap":
        targets |= {
            "/etc": Path("/etc", marker),
            "project": ROOT / marker,
            "another student's report": out / "hw4" / "honest.json",
            "another student's notebook": submissions / "hw4" / "honest.ipynb",
        }
    return targets


@pytest.fixture(scope="module")
def detected() -> str:
    plan = choose_mode("auto", fallback=True)
    return "" if plan.mode == "bwrap" else plan.reason


@pytest.fixture(scope="module", params=MODES)
def batch(
    request: pytest.FixtureRequest,
    detected: str,
    hw4: Homework,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Batch]:
    mode = request.param
    if mode == "bwrap" and detected:
        need("bubblewrap")  # skips, naming the package (fails where GRADER_REQUIRE_SYSTEM is set)
    root = tmp_path_factory.mktemp(f"hostile-{mode}")
    submissions, out = root / "submissions", root / "reports"
    tag = secrets.token_hex(6)
    sleeps = {
        case: f"{300 + n}.{int(tag, 16)}"
        for n, case in enumerate(("fork-bomb", "outlives", "outlives-hidden"))
    }
    marker = f"written-by-a-student-{tag}"
    with listening() as listener:
        batch = Batch(
            mode=mode,
            submissions=submissions,
            out=out,
            status=-1,
            printed="",
            seconds=0.0,
            notebooks={},
            listener=listener,
            secret=secrets.token_hex(16),
            payload=f"stolen-{tag}".encode(),
            sleeps=sleeps,
            marker=marker,
            write_targets=_write_targets(mode, submissions, out, marker),
            fake_marker=f"@@grader-{secrets.token_hex(16)}@@",
            breaks_kernel=mode == "bwrap" or bool(detected),
        )
        victim = submissions / "hw4" / "honest.ipynb"
        for student, make in _corpus(hw4, batch, victim).items():
            batch.notebooks[student] = make()
            write(submissions / "hw4" / f"{student}.ipynb", batch.notebooks[student])
        _plant_symlinks(hw4, batch)
        printed = io.StringIO()
        started = time.monotonic()
        try:
            # from the batch's own folder, as a TA elsewhere would: no [tool.grader] defaults
            with contextlib.redirect_stdout(printed), pytest.MonkeyPatch.context() as patch:
                patch.chdir(root)
                batch.status = main(
                    [
                        str(submissions),
                        "--out",
                        str(out),
                        "--sandbox",
                        mode,
                        "--workers",
                        "2",
                        "--cell-timeout",
                        str(CELL_TIMEOUT),
                        "--notebook-timeout",
                        str(NOTEBOOK_TIMEOUT),
                    ]
                )
            batch.seconds = time.monotonic() - started  # for a reader of a failure
            batch.printed = printed.getvalue()
            yield batch
        finally:
            for argument in sleeps.values():  # only if a test below is about to fail
                kill_all(processes_with(argument))
            Path("/tmp", marker).unlink(missing_ok=True)


def _plant_symlinks(hw4: Homework, batch: Batch) -> None:
    """A folder-per-student hand-in holding links to /etc/passwd, and a linked notebook."""
    folder = batch.submissions / "hw4" / "linked-files"
    nb = notebook(
        hw4,
        after=[
            "import json, os\nprint(json.dumps(sorted(os.listdir('.'))))",
            "leaked = open('data.csv').read()",
        ],
    )
    batch.notebooks["linked-files"] = nb
    write(folder / "work.ipynb", nb)
    (folder / "given.txt").write_text("a file of the student's own\n", encoding="utf-8")
    for name in ("data.csv", "notes.ipynb", "answers.json"):
        (folder / name).symlink_to("/etc/passwd")
    (batch.submissions / "hw4" / "passwd.ipynb").symlink_to("/etc/passwd")


# --- helpers for the assertions ---------------------------------------------------------------


def _q2_all(batch: Batch, student: str, hw4: Homework, verdict: str) -> None:
    got = verdicts(batch.record(student))
    assert {got[v] for v in q2_variables(hw4)} == {verdict}, got


def _no_credit(data: dict[str, Any]) -> None:
    """No item earned anything, or waits for a person to give it something."""
    assert data["score"] == 0
    assert not set(verdicts(data).values()) & {"correct", "follow-through", "manual"}


def _reduced(batch: Batch, student: str) -> None:
    """The report says the kernel ran with reduced isolation."""
    data = batch.record(student)
    assert data["isolation"].startswith("none (reduced: ")
    assert "reduced isolation" in data["isolation"]
    assert "reduced isolation" in batch.page(student)


def _isolated(batch: Batch, student: str) -> None:
    assert batch.record(student)["isolation"] == "bwrap"


def _passwd_lines() -> list[str]:
    return [line for line in Path("/etc/passwd").read_text().splitlines() if len(line) > 12]


# --- the batch as a whole ----------------------------------------------------------------------


def test_the_batch_finishes_with_a_report_for_every_student(batch: Batch, hw4: Homework) -> None:
    assert batch.status == 0
    students = sorted(batch.notebooks)
    graded, _, _ = summary_counts(batch.printed)
    assert graded == len(students)
    for student in students:
        data = batch.record(student)
        assert data["student"] == student and len(data["tests"]) == len(hw4.variables)
        assert batch.page(student).rstrip().endswith("</html>")
    written = sorted(student for student, _ in student_records(batch.out))
    assert written == students  # nothing for the linked notebook, nothing else
    assert f"Isolation: {batch.mode} — " in batch.printed
    if batch.mode == "none":  # said before any student is graded (after the layout's line)
        header = batch.printed.split("[1/", 1)[0]
        assert "reduced isolation" in header and header.startswith("Layout: ")


def test_the_honest_student_is_graded_in_full_whatever_the_others_do(
    batch: Batch, hw4: Homework
) -> None:
    data = batch.record("honest")
    _q2_all(batch, "honest", hw4, "correct")
    assert verdicts(data)["q1_answer"] == "manual"
    assert batch.given("honest") == f"My own words {batch.secret}"
    assert data["ran"] is True and data["problem"] == ""
    assert (batch.submissions / "hw4" / "honest.ipynb").read_text(encoding="utf-8").count(
        batch.secret
    ) == 1


# --- reading what it must not see ---------------------------------------------------------------


def test_reading_the_reference_solutions(batch: Batch, hw4: Homework) -> None:
    digest = hashlib.sha256(REFERENCE.read_bytes()).hexdigest()
    found = json.loads(batch.given("reads-reference"))
    text = batch.report_text("reads-reference")
    _q2_all(batch, "reads-reference", hw4, "correct")
    if batch.mode == "bwrap":
        _isolated(batch, "reads-reference")
        assert set(found.values()) == {"FileNotFoundError"}, found
        assert digest not in text and "= Mistake(" not in text
        stolen = batch.cell_html("reads-reference", "stolen = open(")
        assert 'data-status="error"' in stolen and "FileNotFoundError" in stolen
        return
    _reduced(batch, "reads-reference")
    assert found["absolute"].startswith(digest) and "= Mistake(" in found["absolute"]
    assert found["relative to the working folder"].startswith(digest)


def test_reading_another_students_notebook(batch: Batch) -> None:
    found = json.loads(batch.given("reads-other"))
    text = batch.report_text("reads-other")
    if batch.mode == "bwrap":
        _isolated(batch, "reads-other")
        assert set(found.values()) == {"FileNotFoundError"}, found
        assert batch.secret not in text
        stolen = batch.cell_html("reads-other", "stolen = open(")
        assert 'data-status="error"' in stolen and "FileNotFoundError" in stolen
        return
    _reduced(batch, "reads-other")
    assert found["absolute"].endswith(f"My own words {batch.secret}")
    assert found["relative to the working folder"].endswith(batch.secret)


# --- network ------------------------------------------------------------------------------------


def test_opening_a_socket_to_a_listener_on_this_machine(batch: Batch, hw4: Homework) -> None:
    _q2_all(batch, "opens-socket", hw4, "correct")
    cell = batch.cell_html("opens-socket", "create_connection")
    if batch.mode == "bwrap":
        _isolated(batch, "opens-socket")
        assert batch.listener.received == []
        assert 'data-status="error"' in cell and "ConnectionRefusedError" in cell
        return
    _reduced(batch, "opens-socket")
    assert batch.payload in batch.listener.received


# --- processes ----------------------------------------------------------------------------------


def test_fork_bomb_is_contained_and_killed_and_the_batch_goes_on(
    batch: Batch, hw4: Homework
) -> None:
    assert processes_with(batch.sleeps["fork-bomb"]) == []
    _q2_all(batch, "fork-bomb", hw4, "correct")  # the cells after it ran
    cell = batch.cell_html("fork-bomb", "subprocess.Popen")
    spawned = int(cell.split("spawned ", 1)[1].split()[0])
    assert 0 < spawned <= FORKS
    if batch.mode == "bwrap":
        assert spawned < Limits().processes
        assert 'data-status="error"' in cell and "BlockingIOError" in cell
        assert "Resource temporarily unavailable" in cell


def test_background_process_does_not_outlive_the_submission(batch: Batch, hw4: Homework) -> None:
    assert wait_gone(processes_with(batch.sleeps["outlives"]), 2) == []
    _q2_all(batch, "outlives", hw4, "correct")
    pid = int(batch.given("outlives"))  # the pid the kernel saw, recorded through the harvest
    if batch.mode == "none":  # the kernel's pids are the host's
        assert wait_gone([pid], 2) == [] or batch.sleeps["outlives"] not in Path(
            f"/proc/{pid}/cmdline"
        ).read_text(errors="replace")


def test_hidden_background_process_does_not_outlive_the_submission(
    batch: Batch, hw4: Homework
) -> None:
    if batch.mode == "none":
        pytest.skip(
            "none mode finds leftovers by session, process group and environment marker; one "
            "that leaves the session and drops its environment escapes "
            "(see graders/runtime/sandbox.py)"
        )
    assert wait_gone(processes_with(batch.sleeps["outlives-hidden"]), 2) == []
    _q2_all(batch, "outlives-hidden", hw4, "correct")


# --- resources ----------------------------------------------------------------------------------


def test_allocating_30_gb_fails_and_the_other_answers_are_graded(
    batch: Batch, hw4: Homework
) -> None:
    data = batch.record("allocates")
    _q2_all(batch, "allocates", hw4, "correct")
    assert data["ran"] is True
    cell = batch.cell_html("allocates", "numpy.ones(30")
    assert 'data-status="error"' in cell and "MemoryError" in cell


def test_infinite_loop_ignoring_interrupts_is_cut_and_later_cells_skipped(
    batch: Batch, hw4: Homework
) -> None:
    data = batch.record("ignores-interrupt")
    loop = batch.cell("ignores-interrupt", "while True")
    assert data["ran"] is False
    assert f"cell {loop} was stopped at its time limit" in data["problem"]
    assert "the cells after it were not run" in data["problem"]
    assert "it kept running: it ignored the interrupt" in data["problem"]
    assert data["seconds"] < NOTEBOOK_TIMEOUT + RECOVERY_SECONDS
    got, said = verdicts(data), outputs(data)
    assert all(got[v] == "correct" for v in EARLY)  # harvested before the loop
    later = [v for v in q2_variables(hw4) if v not in EARLY]
    assert {got[v] for v in later} == {"error"}
    assert all("never ran" in said[v] and "time limit" in said[v] for v in later)
    assert data["problem"] in batch.page_text("ignores-interrupt")
    assert 'data-status="timeout"' in batch.cell_html("ignores-interrupt", "while True")
    answers = batch.cell_html("ignores-interrupt", "# Answers to hw4.q2")
    assert 'data-status="skipped"' in answers


def test_printing_without_end_is_cut_and_the_report_stays_small(
    batch: Batch, hw4: Homework
) -> None:
    page_bytes = (batch.out / "hw4" / "floods-output.html").stat().st_size
    assert page_bytes < MAX_PAGE_BYTES
    assert (batch.out / "hw4" / "floods-output.json").stat().st_size < MAX_PAGE_BYTES
    cell = batch.cell_html("floods-output", "print(line)")
    assert 'data-status="timeout"' in cell and "time limit" in cell
    assert "[output cut at " in cell
    assert ">0\n1\n2\n3\n" in cell  # the beginning of the output is kept
    _q2_all(batch, "floods-output", hw4, "correct")  # the kernel answered the interrupt


def test_exiting_the_kernel_is_reported_and_earlier_answers_kept(
    batch: Batch, hw4: Homework
) -> None:
    data = batch.record("exits")
    exit_cell = batch.cell("exits", "os._exit(1)")
    assert data["ran"] is False
    assert data["problem"] == f"the kernel died while running cell {exit_cell}"
    got, said = verdicts(data), outputs(data)
    assert all(got[v] == "correct" for v in EARLY)
    later = [v for v in q2_variables(hw4) if v not in EARLY]
    assert {got[v] for v in later} == {"error"}
    assert all("never ran" in said[v] and "kernel died" in said[v] for v in later)
    assert data["problem"] in batch.page_text("exits")
    assert 'data-status="error"' in batch.cell_html("exits", "os._exit(1)")
    assert 'data-status="skipped"' in batch.cell_html("exits", "# Answers to hw4.q2")


# --- the file system ----------------------------------------------------------------------------


def test_writing_outside_its_folder(batch: Batch, hw4: Homework) -> None:
    results = json.loads(batch.given("writes-outside"))
    assert set(results) == set(batch.write_targets)
    if batch.mode == "none":  # it may write wherever the grader may: the report says so
        _reduced(batch, "writes-outside")
        assert results == dict.fromkeys(batch.write_targets, "written")
        assert (batch.out / batch.marker).is_file()
        return
    _isolated(batch, "writes-outside")
    assert results.pop("/tmp") == "written"  # its private /tmp ...
    assert not Path("/tmp", batch.marker).exists()  # ... is not the host's
    assert "written" not in results.values(), results
    for label in ("reports", "submissions", "/etc", "project"):
        assert not batch.write_targets[label].exists(), label
    _q2_all(batch, "honest", hw4, "correct")  # another student's report is intact
    assert "written by a student" not in (batch.submissions / "hw4" / "honest.ipynb").read_text()
    cell = batch.cell_html("writes-outside", "open('/etc/")
    assert 'data-status="error"' in cell and "Read-only file system" in cell


def test_symlinks_to_passwd_are_never_followed(batch: Batch, hw4: Homework) -> None:
    _q2_all(batch, "symlink-answer", hw4, "correct")
    _q2_all(batch, "linked-files", hw4, "correct")
    listing = batch.cell_html("linked-files", "os.listdir('.')")
    assert '"given.txt"' in listing  # the folder's own file was copied beside the notebook ...
    for link in ("data.csv", "notes.ipynb", "answers.json"):
        assert f'"{link}"' not in listing  # ... and none of the links
    assert "FileNotFoundError" in batch.cell_html("linked-files", "open('data.csv')")
    assert not (batch.out / "hw4" / "passwd.json").exists()
    lines = _passwd_lines()
    assert lines
    for path in batch.out.rglob("*"):
        if path.is_file():
            content = path.read_text(encoding="utf-8", errors="replace")
            leaked = [line for line in lines if line in html.unescape(content)]
            assert not leaked, (path, leaked)


# --- the harvest --------------------------------------------------------------------------------


def test_fake_harvest_output_gains_nothing(batch: Batch, hw4: Homework) -> None:
    data = batch.record("fakes-harvest")
    _q2_all(batch, "fakes-harvest", hw4, "missing")
    _no_credit(data)
    assert batch.fake_marker in batch.page("fakes-harvest")  # printed, and ignored


TAMPERING = {
    "replaces-stdout": "the answer-collection cell printed no readable result",
}


@pytest.mark.parametrize("student", sorted(TAMPERING))
def test_tampering_with_the_harvest_makes_only_its_own_answers_unreadable(
    batch: Batch, hw4: Homework, student: str
) -> None:
    data = batch.record(student)
    _q2_all(batch, student, hw4, "invalid")
    _no_credit(data)
    assert data["ran"] is True
    _q2_all(batch, "honest", hw4, "correct")


@pytest.mark.parametrize("student", sorted(TAMPERING))
def test_a_student_whose_answers_are_unreadable_is_told_why(batch: Batch, student: str) -> None:
    assert TAMPERING[student] in batch.page_text(student)


@pytest.mark.parametrize("student", ["replaces-json", "replaces-modules"])
def test_replacing_json_changes_nothing_the_harvest_writes_its_own(
    batch: Batch, hw4: Homework, student: str
) -> None:
    """The harvest cell does not use the kernel's ``json``: answers given before the student
    patched ``json.dumps`` or ``sys.modules['json']`` are read as given. (Where jupyter_client
    has no orjson, the patch also breaks the kernel's own messages after that cell; the
    answers harvested before it are kept, with the same verdicts.)"""
    _q2_all(batch, student, hw4, "correct")


def test_refusing_the_harvests_import_keeps_the_last_readable_answers(
    batch: Batch, hw4: Homework
) -> None:
    _q2_all(batch, "refuses-json-import", hw4, "correct")


def test_breaking_every_import_costs_only_its_own_later_answers(
    batch: Batch, hw4: Homework
) -> None:
    if not batch.breaks_kernel:
        pytest.skip(
            "the attack is on the kernel's own Python, whatever isolates it, and costs a cell "
            "limit and a recovery wait: it is graded in bwrap mode only (in none mode where "
            "bwrap cannot start)"
        )
    data = batch.record("breaks-import")
    broken = batch.cell("breaks-import", "builtins.__import__ = _refuse")
    assert data["ran"] is False
    assert data["problem"].startswith(f"cell {broken} was stopped at its time limit")
    assert "the cell left the kernel unable to run code" in data["problem"]
    assert "ignored the interrupt" not in data["problem"]  # it was idle, not looping
    assert data["seconds"] < NOTEBOOK_TIMEOUT + RECOVERY_SECONDS
    got = verdicts(data)
    assert all(got[v] == "correct" for v in EARLY)
    assert {got[v] for v in q2_variables(hw4) if v not in EARLY} == {"error"}


def test_no_sandbox_process_or_file_is_left_behind(batch: Batch) -> None:
    for argument in batch.sleeps.values():
        assert processes_with(argument) == []
    leftovers = [p for p in batch.out.rglob(".*") if p.is_file()]
    assert leftovers == []  # no temporary file of an unfinished write
