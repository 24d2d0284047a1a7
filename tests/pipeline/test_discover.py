"""Discovery of submissions, malformed ones included: each is one student's problem."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import nbformat
import pytest

from graders.discover import MAX_NOTEBOOK_BYTES, discover, parse_notebook
from graders.model.questions import Homework
from graders.student.release import release_notebook

KNOWN = ("hw4",)


@pytest.fixture
def notebook_text(hw4: Homework) -> str:
    return nbformat.writes(release_notebook(hw4))


def _one(root: Path) -> object:
    (found,) = discover(root, KNOWN)
    return found


def test_layouts_and_ids(tmp_path: Path, notebook_text: str) -> None:
    (tmp_path / "hw4" / "bob").mkdir(parents=True)
    (tmp_path / "hw4" / "ada.ipynb").write_text(notebook_text)
    (tmp_path / "hw4" / "bob" / "work.ipynb").write_text(notebook_text)
    (tmp_path / "hw4" / "bob" / "data.csv").write_text("1,2\n")
    os.symlink("/etc/passwd", tmp_path / "hw4" / "bob" / "answers.txt")
    (tmp_path / "hw4" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "hw4" / ".ipynb_checkpoints" / "ada-checkpoint.ipynb").write_text(notebook_text)
    found = discover(tmp_path, KNOWN)
    assert [(s.assignment, s.student) for s in found] == [("hw4", "ada"), ("hw4", "bob")]
    assert [p.name for p in found[1].files] == ["data.csv"]  # no symlink, no notebook
    assert all(not s.problem for s in found)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\xff\xfe not text", "not UTF-8"),
        (b"{ broken", "not valid JSON"),
        (b'{"just": "json"}', "not a notebook"),
        (b'{"cells": [], "nbformat": 99, "nbformat_minor": 0, "metadata": {}}', "unknown"),
        (b'{"cells": 5, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "malformed"),
    ],
)
def test_unreadable_files_get_a_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    (tmp_path / "hw4").mkdir()
    (tmp_path / "hw4" / "zed.ipynb").write_bytes(content)
    found = _one(tmp_path)
    assert reason in found.problem and found.notebook is None  # type: ignore[attr-defined]


def test_huge_notebook_is_refused_without_reading(tmp_path: Path) -> None:
    (tmp_path / "hw4").mkdir()
    with (tmp_path / "hw4" / "big.ipynb").open("wb") as handle:
        handle.truncate(MAX_NOTEBOOK_BYTES + 1)  # sparse: costs no disk
    found = _one(tmp_path)
    assert "MB" in found.problem and "limit" in found.problem  # type: ignore[attr-defined]


def test_empty_and_old_notebooks_are_graded_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "hw4").mkdir()
    empty = nbformat.v4.new_notebook()
    (tmp_path / "hw4" / "amy.ipynb").write_text(nbformat.writes(empty))
    old = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {},
        "worksheets": [
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "input": "x = 1",
                        "outputs": [],
                        "language": "python",
                        "metadata": {},
                    }
                ],
                "metadata": {},
            }
        ],
    }
    (tmp_path / "hw4" / "ben.ipynb").write_text(json.dumps(old))
    amy, ben = discover(tmp_path, KNOWN)
    assert not amy.problem and "no cells" in " ".join(amy.notes)
    assert not ben.problem and "version 3" in " ".join(ben.notes)
    assert ben.notebook.cells[0].source == "x = 1"


def test_zip_with_one_notebook_is_unpacked(tmp_path: Path, notebook_text: str) -> None:
    (tmp_path / "hw4").mkdir()
    with zipfile.ZipFile(tmp_path / "hw4" / "cat.zip", "w") as archive:
        archive.writestr("homework/hw4.ipynb", notebook_text)
        archive.writestr("__MACOSX/homework/._hw4.ipynb", "junk")
    found = _one(tmp_path)
    assert not found.problem and found.student == "cat"  # type: ignore[attr-defined]
    assert "unpacked homework/hw4.ipynb" in " ".join(found.notes)  # type: ignore[attr-defined]


def test_zip_with_two_notebooks_or_garbage_is_refused(tmp_path: Path, notebook_text: str) -> None:
    (tmp_path / "hw4").mkdir()
    with zipfile.ZipFile(tmp_path / "hw4" / "dan.zip", "w") as archive:
        archive.writestr("a.ipynb", notebook_text)
        archive.writestr("b.ipynb", notebook_text)
    (tmp_path / "hw4" / "eva.zip").write_bytes(b"PK not really")
    dan, eva = discover(tmp_path, KNOWN)
    assert "2 notebooks" in dan.problem
    assert "not a readable zip" in eva.problem


def test_newest_of_two_notebooks_is_graded_and_the_other_named(
    tmp_path: Path, notebook_text: str
) -> None:
    folder = tmp_path / "hw4" / "fay"
    folder.mkdir(parents=True)
    (folder / "draft.ipynb").write_text(notebook_text)
    (folder / "final.ipynb").write_text(notebook_text)
    os.utime(folder / "draft.ipynb", (1_000_000, 1_000_000))
    found = _one(tmp_path)
    assert found.path.name == "final.ipynb"  # type: ignore[attr-defined]
    assert "not graded: draft.ipynb" in " ".join(found.notes)  # type: ignore[attr-defined]


@pytest.mark.parametrize("section", ["edited", ["a", "list"], 4, None])
def test_a_broken_grader_metadata_section_is_ignored_not_fatal(
    tmp_path: Path, notebook_text: str, section: object
) -> None:
    """A student who edits the notebook's metadata by hand may leave ``grader`` as anything;
    discovery then goes by the path alone."""
    data = json.loads(notebook_text)
    data["metadata"]["grader"] = section
    folder = tmp_path / "hw4"
    folder.mkdir()
    (folder / "ana.ipynb").write_text(json.dumps(data), encoding="utf-8")
    found = _one(tmp_path)
    assert (found.assignment, found.student, found.problem) == ("hw4", "ana", "")


def test_a_file_that_is_not_json_is_explained_without_the_parsers_message() -> None:
    for raw, words in (
        (b"This is the homework, I wrote it in Word", "begins with \u201cThis is the homework"),
        (b'{"cells": [', "breaks off at line 1, column 12"),
        (b"  ", "it is empty"),
    ):
        notebook, problem, _ = parse_notebook(raw)
        assert notebook is None and "not valid JSON" in problem and words in problem
        assert "Expecting" not in problem and "char " not in problem
