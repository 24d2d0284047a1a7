"""Fixtures of the review app's tests: the 30-student HW2 class of ``classroom``, graded once
per session; each test that changes it works on its own copy."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest

from graders.model.questions import Homework
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
    return GradedClass(submissions, out, graded_class.homework)
