"""Shared fixtures. This folder is on sys.path, so tests import helpers from ``fakes``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from system import INSTALL, SKIP_PREFIX, missing

from graders.model.questions import Homework
from reference import catalogue

ROOT = Path(__file__).resolve().parent.parent  # also in fakes, which tests import it from


@pytest.fixture(scope="session")
def books() -> Mapping[str, Homework]:
    return catalogue()


@pytest.fixture(scope="session")
def hw4(books: Mapping[str, Homework]) -> Homework:
    return books["hw4"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line per missing system package: how many tests it skipped, and what installs it."""
    counts: Counter[str] = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        message = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else ""
        if SKIP_PREFIX in message:
            counts[message.split(SKIP_PREFIX, 1)[1].split(" ", 1)[0]] += 1
    if missing("bubblewrap"):
        terminalreporter.write_line(
            "bubblewrap is unusable here: the demo notebooks were graded with --sandbox none"
        )
    for package, count in sorted(counts.items()):
        terminalreporter.write_line(
            f"missing system package {package}: {count} tests skipped ({INSTALL})"
        )
