"""The page writer: a forked child writes each student's files, and nothing is lost or changed
when it cannot (graders.report.writer)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from graders.model.results import SubmissionResult
from graders.report.writer import ForkedWriter, InlineWriter, page_writer


def _result(student: str, note: str = "") -> SubmissionResult:
    return SubmissionResult("hw", student, f"hw/{student}.ipynb", (), None, notes=(note,))


class _Files:
    """Writes one file per result, named by student, holding its note and the writer's pid."""

    def __init__(self, folder: Path, fail: str = "", die: str = "") -> None:
        self.folder, self.fail, self.die = folder, fail, die
        self.parent = os.getpid()

    def __call__(self, result: SubmissionResult) -> None:
        in_child = os.getpid() != self.parent
        if in_child and result.student == self.die:
            os._exit(9)  # the writer child dies in the middle of the batch
        if result.student == self.fail:
            raise ValueError(f"cannot write {result.student}")
        path = self.folder / f"{result.student}.txt"
        path.write_text(f"{result.notes[0]}\n{'child' if in_child else 'grader'}\n")

    def written(self) -> dict[str, tuple[str, str]]:
        out = {}
        for path in sorted(self.folder.glob("*.txt")):
            note, where = path.read_text().splitlines()
            out[path.stem] = (note, where)
        return out


@pytest.fixture
def alone() -> Iterator[None]:
    """The writer forks only in a process that runs no other thread."""
    if threading.active_count() != 1:
        pytest.skip("another thread runs in this test process: the writer would not fork")
    yield


def _forked(files: _Files) -> ForkedWriter:
    writer = ForkedWriter.start(files)
    assert writer is not None
    return writer


def test_a_forked_writer_writes_every_result_in_its_child(tmp_path: Path) -> None:
    files = _Files(tmp_path)
    writer = _forked(files)
    big = "x" * 300_000  # larger than a pipe's buffer: sent in pieces
    for k in range(40):
        writer.write(_result(f"s{k:02d}", big if k == 7 else f"note {k}"))
    writer.close()
    written = files.written()
    assert sorted(written) == [f"s{k:02d}" for k in range(40)]
    assert {where for _, where in written.values()} == {"child"}
    assert written["s07"][0] == big and written["s12"][0] == "note 12"


def test_a_dead_writer_child_loses_nothing(tmp_path: Path) -> None:
    files = _Files(tmp_path, die="s05")
    writer = _forked(files)
    for k in range(20):
        writer.write(_result(f"s{k:02d}", f"note {k}"))
    writer.close()
    written = files.written()
    assert sorted(written) == [f"s{k:02d}" for k in range(20)]  # the grader wrote the rest
    assert written["s05"] == ("note 5", "grader")
    assert written["s00"][1] == "child"


def test_an_error_writing_one_student_is_raised_by_the_grader_as_before(tmp_path: Path) -> None:
    files = _Files(tmp_path, fail="s03")
    writer = _forked(files)
    for k in range(6):
        writer.write(_result(f"s{k:02d}"))
    with pytest.raises(ValueError, match="cannot write s03"):
        writer.close()
    assert sorted(files.written()) == ["s00", "s01", "s02", "s04", "s05"]


def test_a_result_that_cannot_be_pickled_is_written_by_the_grader(tmp_path: Path) -> None:
    files = _Files(tmp_path)
    writer = _forked(files)
    writer.write(_result("s00", "sent"))
    unpicklable = _result("s01", "kept")
    object.__setattr__(unpicklable, "retried", lambda: None)  # a lambda does not pickle
    writer.write(unpicklable)
    writer.close()
    assert files.written() == {"s00": ("sent", "child"), "s01": ("kept", "grader")}


def test_a_batch_forks_its_writer_when_the_grader_runs_no_other_thread(
    tmp_path: Path, alone: None
) -> None:
    files = _Files(tmp_path)
    writer = page_writer(files, 2)
    assert isinstance(writer, ForkedWriter)
    writer.write(_result("s00", "forked"))
    writer.close()
    assert files.written() == {"s00": ("forked", "child")}


def test_the_writer_stays_in_the_grader_while_another_thread_runs(tmp_path: Path) -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        files = _Files(tmp_path)
        writer = page_writer(files, 10)
        assert isinstance(writer, InlineWriter)
        writer.write(_result("s00", "inline"))
        assert files.written() == {"s00": ("inline", "grader")}  # written at once
        writer.close()
    finally:
        stop.set()
        other.join()


def test_a_batch_of_one_is_written_in_the_grader(tmp_path: Path) -> None:
    assert isinstance(page_writer(_Files(tmp_path), 1), InlineWriter)
