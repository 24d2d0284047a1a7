"""Discover: find the submissions under a folder.

In:  a path — the submissions root (``<root>/<assignment>/<student>.ipynb`` or
     ``<root>/<assignment>/<student>/*.ipynb``), one assignment's folder, or one notebook — and
     the known assignment ids.
Out: ``Submission`` records, one per student and assignment, sorted. A file that cannot be
     read as a notebook is still a submission, carrying the reason in ``problem``, so the
     student gets a report and the batch goes on.

The assignment and student ids come from the notebook's ``grader`` metadata written at
release; the path is only a fallback, and a disagreement is noted for the report.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

MAX_NOTEBOOK_BYTES = 50 * 2**20


@dataclass(frozen=True)
class Submission:
    """One student's work for one assignment."""

    assignment: str
    student: str
    path: Path
    notebook: Any = None  # nbformat.NotebookNode, or None when ``problem`` is set
    files: tuple[Path, ...] = ()  # other files in a folder-per-student submission
    problem: str = ""
    notes: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.assignment, self.student)


def discover(root: Path, known: Collection[str]) -> list[Submission]:
    """Every submission under ``root``, sorted by assignment and student."""
    found = [_submission(path, root, known) for path in _notebook_files(root)]
    return sorted(found, key=lambda s: (s.assignment, s.student, str(s.path)))


def _notebook_files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*.ipynb")):
        parts = path.relative_to(root).parts
        if any(p.startswith(".") or p == "__pycache__" for p in parts):
            continue
        yield path


def _path_ids(path: Path, root: Path, known: Collection[str]) -> tuple[str, str]:
    """(assignment, student) as the path suggests them."""
    rel = path.relative_to(root).parts if path != root else (path.name,)
    folders = list(rel[:-1])
    if len(folders) >= 2:  # <assignment>/<student>/notebook.ipynb
        return folders[-2], folders[-1]
    if len(folders) == 1:  # <assignment>/<student>.ipynb
        return folders[0], path.stem
    parent = root if root.is_dir() else root.parent
    return (parent.name if parent.name in known else "", path.stem)


def read_notebook(path: Path) -> tuple[Any, str]:
    """(notebook, "") or (None, reason) — never raises for a student's file."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, f"the file cannot be read ({exc.strerror})"
    if size > MAX_NOTEBOOK_BYTES:
        return None, f"the notebook is {size / 2**20:.0f} MB; the limit is " + (
            f"{MAX_NOTEBOOK_BYTES / 2**20:.0f} MB"
        )
    try:
        raw = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"the file is not UTF-8 text (byte {exc.start}): not a notebook"
    except OSError as exc:
        return None, f"the file cannot be read ({exc.strerror})"
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        return None, f"the file is not valid JSON, so not a notebook ({exc})"
    if not isinstance(data, dict) or "cells" not in data:
        return None, "the file is JSON but not a notebook (no cells)"
    if data.get("nbformat", 0) < 4:
        return None, f"the notebook uses nbformat {data.get('nbformat')}; version 4 is needed"
    try:
        notebook = nbformat.from_dict(data)
        nbformat.validate(notebook)
    except Exception as exc:  # nbformat raises several kinds for invalid notebooks
        return None, f"the notebook is malformed: {str(exc).splitlines()[0][:300]}"
    return notebook, ""


def _submission(path: Path, root: Path, known: Collection[str]) -> Submission:
    assignment, student = _path_ids(path, root, known)
    notebook, problem = read_notebook(path)
    notes: list[str] = []
    meta = (notebook.metadata.get("grader", {}) if notebook is not None else {}) or {}
    meta_assignment = str(meta.get("assignment", "") or "")
    meta_student = str(meta.get("student", "") or "")
    if meta_assignment in known:
        if assignment and assignment != meta_assignment:
            notes.append(f"the notebook says assignment {meta_assignment}; the folder says ")
            notes[-1] += f"{assignment}; graded as {meta_assignment}"
        assignment = meta_assignment
    if meta_student and meta_student != student:
        notes.append(f"the notebook names student {meta_student!r}; the path says {student!r}")
    files: tuple[Path, ...] = ()
    if path.parent != root and path.parent.name == student:
        files = tuple(p for p in sorted(path.parent.iterdir()) if p.is_file() and p != path)
    if not problem and assignment not in known:
        problem = f"unknown assignment {assignment or '(none)'}; known: {', '.join(sorted(known))}"
    return Submission(
        assignment or "unknown", student, path, notebook, files, problem, tuple(notes)
    )
