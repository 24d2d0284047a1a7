"""Shared fixtures. This folder is on sys.path, so tests import helpers from ``fakes``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from graders.model.questions import Homework
from reference import catalogue

ROOT = Path(__file__).resolve().parent.parent  # also in fakes, which tests import it from


@pytest.fixture(scope="session")
def books() -> Mapping[str, Homework]:
    return catalogue()


@pytest.fixture(scope="session")
def hw4(books: Mapping[str, Homework]) -> Homework:
    return books["hw4"]
