"""Nothing is lost: ``python grade.py`` killed half way, interrupted, or run twice at once on
the same folder leaves only whole result files, and a second run finishes the work without
executing again what had finished.

The slow tests run ``grade.py`` as a separate process, as a TA would. They use ``--sandbox none``
where a notebook must leave a trace outside its kernel (a file counting its executions).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from fakes import ROOT, FakeRunner
from hostile_corpus import (
    descendants,
    grade_command,
    grader_environment,
    kill_all,
    notebook,
    q2_variables,
    record,
    start_grader,
    student_records,
    summary_counts,
    verdicts,
    wait_gone,
    write,
)

from graders.model.questions import Homework
from graders.model.results import CLASS_FILE_STEMS, file_stem
from graders.pipeline import Settings, run_batch
from graders.review.gradebook import FILE_NAME as GRADEBOOK

OPTIONS = ("--workers", "2", "--cell-timeout", "10", "--notebook-timeout", "30")
RUN_LIMIT = 120  # seconds any one grade.py run may take here


@pytest.fixture
def temporary() -> Iterator[Path]:
    """A short folder for the graders' temporary files (kernel socket paths must stay short)."""
    folder = Path(tempfile.mkdtemp(prefix="grader-tests-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """The grade.py processes a test starts; whatever of them (and below them) is still
    running at the end is killed."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            below = descendants(process.pid)
            process.kill()
            process.wait()
            kill_all(below)


def _counting_cell(counter: Path, student: str, seconds: float) -> str:
    """A cell recording one execution of ``student``'s notebook (then, if slow, sleeping)."""
    source = f"with open({str(counter)!r}, 'a') as runs:\n    runs.write({student!r} + '\\n')"
    return source + (f"\nimport time\ntime.sleep({seconds})" if seconds else "")


def _submissions(
    hw4: Homework, folder: Path, counter: Path, slow: Mapping[str, float]
) -> dict[str, Path]:
    paths = {}
    for student, seconds in slow.items():
        nb = notebook(hw4, before=[_counting_cell(counter, student, seconds)], student=student)
        paths[student] = write(folder / "hw4" / f"{student}.ipynb", nb)
    return paths


def _wait_for(condition: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _reports(out: Path) -> list[str]:
    """The students with a results file (other JSON files of the class are not theirs)."""
    return sorted(student for student, _ in student_records(out))


def _cached_students(out: Path, students: list[str]) -> set[str]:
    """The students whose execution is in the cache (each entry holds its notebook's cells)."""
    found = set()
    for entry in (out / ".cache").rglob("*.json"):
        sealed = json.loads(entry.read_text("utf-8"))  # {"seal": ..., "body": "<the entry>"}
        cells = json.loads(sealed["body"])["cells"]
        sources = "".join(c["source"] for c in cells)
        found |= {s for s in students if f"runs.write({s!r}" in sources}
    return found


def _runs(counter: Path) -> list[str]:
    return counter.read_text(encoding="utf-8").split() if counter.exists() else []


def _assert_whole(out: Path, writing: bool = False) -> None:
    """Every file under ``out`` is complete, and no temporary file of a write is left (unless
    a grader is still ``writing``: its temporary files come and go)."""
    for path in out.rglob("*"):
        if path.name.startswith(".") and writing:
            continue
        if not path.is_file() or path.name.startswith(GRADEBOOK):
            continue  # SQLite keeps the review gradebook whole itself
        assert not path.name.startswith("."), f"unfinished write left behind: {path}"
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            json.loads(text)
        elif path.suffix == ".html":
            assert text.rstrip().endswith("</html>"), path


def _assert_complete(out: Path, hw4: Homework, students: list[str]) -> None:
    """Every student's results are there, in full, and the class files name them all."""
    _assert_whole(out)
    assert _reports(out) == sorted(students)
    for student in students:
        data = record(out, student)
        assert len(data["tests"]) == len(hw4.variables)
        got = verdicts(data)
        assert {got[v] for v in q2_variables(hw4)} == {"correct"}, student
        assert (out / "hw4" / f"{student}.html").is_file()
    rows = (out / "hw4" / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert sorted(row.split(",")[0] for row in rows[1:]) == sorted(students)
    assert (out / "index.html").is_file() and (out / "hw4" / "index.html").is_file()


@pytest.mark.slow
def test_a_batch_killed_half_way_resumes_without_executing_finished_notebooks_again(
    tmp_path: Path, hw4: Homework, processes: list[subprocess.Popen[bytes]], temporary: Path
) -> None:
    counter = tmp_path / "runs.txt"
    slow = {"s1": 0, "s2": 0, "s3": 2, "s4": 2, "s5": 2, "s6": 2}
    students = list(slow)
    _submissions(hw4, tmp_path / "subs", counter, slow)
    out = tmp_path / "reports"
    command = grade_command(ROOT, tmp_path / "subs", out, "--sandbox", "none", *OPTIONS)

    env = grader_environment(temporary)
    first = start_grader(command, tmp_path, tmp_path / "first.log", env)
    processes.append(first)
    _wait_for(lambda: len(_reports(out)) >= 2, RUN_LIMIT, "two reports")
    below = descendants(first.pid)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert len(_reports(out)) < len(students), "the batch finished before it could be killed"
    assert wait_gone(below, 10) == [], "kernels outlived the killed grader"
    _assert_whole(out)  # every file the killed run wrote is whole
    left = list(temporary.glob("grader-run-*"))
    assert left, "the killed grader left the folders of its runs under way"
    finished = _cached_students(out, students)
    assert set(_reports(out)) <= finished  # a report is written after its execution is cached

    second = subprocess.run(
        command,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT,
        check=False,
    )
    assert second.returncode == 0, second.stdout + second.stderr
    assert list(temporary.glob("grader-run-*")) == []  # the second run removed them at its start
    graded, executed, cached = summary_counts(second.stdout)
    assert (graded, executed, cached) == (
        len(students),
        len(students) - len(finished),
        len(finished),
    )
    runs = _runs(counter)
    for student in finished:
        assert runs.count(student) == 1, student  # never executed again
    for student in set(students) - finished:
        assert 1 <= runs.count(student) <= 2, student  # perhaps cut by the kill, then run
    _assert_complete(out, hw4, students)


@pytest.mark.slow
def test_two_graders_on_the_same_folder_both_finish_with_whole_results(
    tmp_path: Path, hw4: Homework, processes: list[subprocess.Popen[bytes]], temporary: Path
) -> None:
    slow = {"t1": 0, "t2": 1, "t3": 0, "t4": 1}
    _submissions(hw4, tmp_path / "subs", tmp_path / "runs.txt", slow)
    out = tmp_path / "reports"
    command = grade_command(ROOT, tmp_path / "subs", out, "--sandbox", "none", *OPTIONS)
    for n in range(2):
        log = tmp_path / f"grader{n}.log"
        processes.append(start_grader(command, tmp_path, log, grader_environment(temporary)))
    for n, process in enumerate(processes):
        assert process.wait(timeout=RUN_LIMIT) == 0, (tmp_path / f"grader{n}.log").read_text()
        assert summary_counts((tmp_path / f"grader{n}.log").read_text())[0] == len(slow)
    _assert_complete(out, hw4, list(slow))


@pytest.mark.slow
def test_ctrl_c_to_one_of_two_graders_leaves_no_half_written_file(
    tmp_path: Path, hw4: Homework, processes: list[subprocess.Popen[bytes]], temporary: Path
) -> None:
    slow = {"u1": 0, "u2": 0, "u3": 2, "u4": 2}
    _submissions(hw4, tmp_path / "subs", tmp_path / "runs.txt", slow)
    out = tmp_path / "reports"
    command = grade_command(ROOT, tmp_path / "subs", out, "--sandbox", "none", *OPTIONS)
    for n in range(2):
        log = tmp_path / f"grader{n}.log"
        processes.append(start_grader(command, tmp_path, log, grader_environment(temporary)))
    interrupted, other = processes
    _wait_for(lambda: _reports(out), RUN_LIMIT, "a first report")
    os.killpg(interrupted.pid, signal.SIGINT)  # Ctrl-C in its terminal
    assert interrupted.wait(timeout=RUN_LIMIT) != 0
    _assert_whole(out, writing=True)  # what it wrote is whole, as the other grader goes on
    assert other.wait(timeout=RUN_LIMIT) == 0, (tmp_path / "grader1.log").read_text()
    _assert_complete(out, hw4, list(slow))


@pytest.mark.parametrize("student", ["index", "variant_matches"])
def test_a_student_named_like_a_class_file_keeps_their_report(
    tmp_path: Path, hw4: Homework, student: str
) -> None:
    for name in (student, "amy"):
        write(tmp_path / "subs" / "hw4" / f"{name}.ipynb", notebook(hw4, student=name))
    runner = FakeRunner(lambda nb: {"e1_h1": 1.3})
    run_batch(tmp_path / "subs", {"hw4": hw4}, runner, Settings(tmp_path / "out"), lambda s: None)
    assert sorted(name for name, _ in student_records(tmp_path / "out")) == ["amy", student]
    pages = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "out").rglob("*.html")}
    own = [name for name, page in pages.items() if 'data-variable="e1_h1"' in page]
    assert len(own) == 2  # a results page for each student, beside the class pages
    folder = tmp_path / "out" / "hw4"
    assert f"{student}_.html" in own  # the documented name of a class file's namesake
    class_page = (folder / "index.html").read_text(encoding="utf-8")
    assert f'href="{student}_.html"' in class_page and 'href="amy.html"' in class_page
    rows = (folder / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert sorted(row.split(",")[0] for row in rows[1:]) == ["amy", student]
    assert json.loads((folder / "variant_matches.json").read_text()) == {"matches": []}


@pytest.mark.parametrize(
    "students",
    [
        ["index", "index_", "Index", "INDEX__", "amy"],
        ["grades", "grades_", "variant_matches", "variant_matches_", "variant_matches__"],
        ["amy", "amy_", "index-1", "_index", "indexes"],
    ],
)
def test_student_file_names_are_distinct_and_never_a_class_files(students: list[str]) -> None:
    stems = [file_stem(student) for student in students]
    assert len(set(stems)) == len(students)
    assert not {stem.lower() for stem in stems} & CLASS_FILE_STEMS
    assert all(stem.startswith(student) for stem, student in zip(stems, students, strict=True))
    for stem, student in zip(stems, students, strict=True):
        if student.rstrip("_").lower() not in CLASS_FILE_STEMS:
            assert stem == student  # everyone else keeps their id as the name


@pytest.mark.slow
def test_ctrl_c_stops_the_kernels_at_once_and_ends_with_one_line(
    tmp_path: Path, hw4: Homework, processes: list[subprocess.Popen[bytes]], temporary: Path
) -> None:
    counter = tmp_path / "runs.txt"
    _submissions(hw4, tmp_path / "subs", counter, {"v1": 0, "v2": 300})
    out = tmp_path / "reports"
    limits = ("--cell-timeout", "600", "--notebook-timeout", "900")
    command = grade_command(ROOT, tmp_path / "subs", out, "--sandbox", "none", *limits)
    log = tmp_path / "grader.log"
    grader = start_grader(command, tmp_path, log, grader_environment(temporary))
    processes.append(grader)
    page = out / "hw4" / "v1.html"  # written after v1's record
    _wait_for(lambda: page.is_file() and "v2" in _runs(counter), RUN_LIMIT, "v2 to sleep")
    time.sleep(0.5)  # v1 counted as graded
    below = descendants(grader.pid)
    interrupted = time.monotonic()
    os.killpg(grader.pid, signal.SIGINT)  # Ctrl-C in its terminal
    status = grader.wait(timeout=RUN_LIMIT)
    seconds = time.monotonic() - interrupted
    printed = log.read_text(encoding="utf-8")
    assert status == 130, printed
    assert seconds < 30, printed  # v2's kernel was stopped, not waited for (300 s)
    assert "Traceback" not in printed
    last = printed.strip().splitlines()[-1]
    assert last.startswith("Interrupted: 1 of 2 submissions graded, their reports written under")
    assert last.endswith("Run the same command again to grade only what is missing.")
    assert wait_gone(below, 10) == [], "kernels outlived the interrupted grader"
    assert list(temporary.glob("grader-run-*")) == []
    assert _cached_students(out, ["v1", "v2"]) == {"v1"}  # the cut run is no result of v2's
    _assert_whole(out)
    assert _reports(out) == ["v1"]
