"""Fixtures of the report tests: the small class of ``classbook`` graded in English and Persian,
and the demo folder graded for real (slow: only the tests that ask for it grade it)."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest
from system import sandbox_options

from graders.cli import main
from graders.model.questions import Homework
from report.classbook import OVERRIDES, Graded, grade_class

ROOT = Path(__file__).resolve().parents[2]


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


@pytest.fixture(scope="session")
def demo_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo folder graded once; the Persian pages re-rendered from the execution cache."""
    work = tmp_path_factory.mktemp("demo-reports")
    out = work / "out"
    assert (
        main([str(ROOT / "submissions"), "--out", str(out), "--workers", "2", *sandbox_options()])
        == 0
    )
    english = work / "en"
    shutil.copytree(out, english, ignore=shutil.ignore_patterns(".cache"))
    assert (
        main([str(ROOT / "submissions"), "--out", str(out), "--lang", "fa", *sandbox_options()])
        == 0
    )
    return {"en": english, "fa": out}
