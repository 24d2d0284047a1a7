"""Fixtures of the report tests: the small class of ``classbook`` graded in English and Persian."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from graders.model.questions import Homework
from report.classbook import OVERRIDES, Graded, grade_class


@pytest.fixture(scope="session")
def graded_en(tmp_path_factory: pytest.TempPathFactory, books: Mapping[str, Homework]) -> Graded:
    return grade_class(tmp_path_factory.mktemp("class-en"), books, "en", OVERRIDES)


@pytest.fixture(scope="session")
def graded_fa(tmp_path_factory: pytest.TempPathFactory, books: Mapping[str, Homework]) -> Graded:
    return grade_class(tmp_path_factory.mktemp("class-fa"), books, "fa", OVERRIDES)


@pytest.fixture(params=("en", "fa"))
def graded(request: pytest.FixtureRequest) -> Graded:
    """The class graded in each language in turn."""
    fixture: Graded = request.getfixturevalue(f"graded_{request.param}")
    return fixture
