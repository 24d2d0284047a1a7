"""The system packages some tests need, which ``tools/install-system-packages.sh`` installs.

A test that needs one that this machine lacks calls ``need(package)`` and is skipped with one
line naming the package; ``tests/conftest.py`` counts those skips per package at the end of the
run. With ``GRADER_REQUIRE_SYSTEM`` set (``.ci/run`` sets it) such a test fails instead: a CI
machine must have them all. Tests that grade the project's own demo notebooks through the
command line pass ``sandbox_options()``: the default (bubblewrap) where it starts, else
``--sandbox none``, which the run's summary also reports.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from graders.runtime.sandbox import SandboxUnavailable, choose_mode

SKIP_PREFIX = "needs the system package "
INSTALL = "bash tools/install-system-packages.sh tests installs it"
REQUIRE = "GRADER_REQUIRE_SYSTEM"  # set: a missing package fails the test instead of skipping it


def _bubblewrap() -> str:
    try:
        choose_mode("bwrap")
    except SandboxUnavailable as error:
        return str(error).splitlines()[0]
    return ""


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return "" if found else "no chromium on PATH"


def _java() -> str:
    return "" if shutil.which("java") else "no java on PATH"


def _fonts(pattern: str) -> Callable[[], str]:
    def probe() -> str:
        if shutil.which("fc-list") is None:
            return "no fc-list (fontconfig) on PATH"
        try:
            listed = subprocess.run(
                ["fc-list", pattern, "family"], capture_output=True, text=True, timeout=30
            ).stdout
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"fc-list failed: {error}"
        return "" if listed.strip() else f"no font matches {pattern!r}"

    return probe


# package (as Debian names it; the script knows Fedora's) -> why it is unusable here, or ""
_PROBES: dict[str, Callable[[], str]] = {
    "bubblewrap": _bubblewrap,
    "chromium": _chromium,
    "default-jre-headless": _java,
    "fonts-dejavu-core": _fonts(":lang=fa"),
}


@cache
def missing(package: str) -> str:
    """Why ``package`` is unusable on this machine, or "" when it works."""
    return _PROBES[package]()


def need(package: str) -> None:
    """Skip the calling test, in one line naming ``package``, when this machine lacks it."""
    why = missing(package)
    if why and os.environ.get(REQUIRE):
        pytest.fail(f"{REQUIRE} is set, but {package} is unusable ({why}); {INSTALL}")
    if why:
        pytest.skip(f"{SKIP_PREFIX}{package} ({why}); {INSTALL}")


def sandbox_options() -> list[str]:
    """``grade.py``'s options for grading the project's own demo notebooks here: the default
    where bubblewrap starts, else ``--sandbox none`` (they are trusted)."""
    return ["--sandbox", "none"] if missing("bubblewrap") else []


def grade_demos(out: Path, *options: str) -> int:
    """``grade.py submissions/ --out OUT OPTIONS`` over the project's demo notebooks, isolated
    as ``sandbox_options`` says; its exit status."""
    from graders.cli import main

    root = Path(__file__).resolve().parents[1]
    return main([str(root / "submissions"), "--out", str(out), *options, *sandbox_options()])
