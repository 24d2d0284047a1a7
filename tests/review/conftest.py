"""Fixtures of the review app's tests: the 30-student HW2 class of ``classroom``, graded once
per session; each test that changes it works on its own copy."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest

from graders.model.questions import Homework
from graders.review.gradebook import Gradebook
from review.classroom import GradedClass, build_class


@pytest.fixture(scope="session")
def graded_class(
    tmp_path_factory: pytest.TempPathFactory, books: Mapping[str, Homework]
) -> GradedClass:
    return build_class(books["hw2"], tmp_path_factory.mktemp("review-class"))


@pytest.fixture
def fresh_class(graded_class: GradedClass, tmp_path: Path) -> GradedClass:
    """A copy of the graded class (its submissions and results) for one test to change."""
    submissions = tmp_path / "submissions"
    out = tmp_path / "reports"
    shutil.copytree(graded_class.submissions, submissions)
    shutil.copytree(graded_class.out, out)
    book = Gradebook.of(out)  # the copy's notebooks, not the original's
    noted = [(a, s, book.submission(a, s)) for a, s in _students(book)]
    book.note_submissions(
        (a, s, str(submissions / Path(path).relative_to(graded_class.submissions)), digest)
        for a, s, (path, digest) in ((a, s, n) for a, s, n in noted if n is not None)
    )
    return GradedClass(submissions, out, graded_class.homework)


def _students(book: Gradebook) -> list[tuple[str, str]]:
    import sqlite3

    with sqlite3.connect(book.path) as db:
        return db.execute("SELECT assignment, student FROM submissions").fetchall()
