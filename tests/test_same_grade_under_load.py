"""The bar of reproducible grading: the demo folder graded with one worker, with two, and with
two while the machine is busy gets the same gradebook, and every correct demo full marks."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakes import ROOT
from system import sandbox_options

BURN_SECONDS = 1800  # a burner stops by itself after this, should the test be killed
# one per core, and no fewer than two, each spinning until it is stopped
_BURN = (
    f"import time\nend = time.monotonic() + {BURN_SECONDS}\nwhile time.monotonic() < end:\n    pass"
)


def _grade(out: Path, workers: int) -> float:
    started = time.monotonic()
    subprocess.run(
        [
            *(sys.executable, str(ROOT / "grade.py"), str(ROOT / "submissions")),
            *("--out", str(out), "--workers", str(workers), "--rerun", *sandbox_options()),
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
        timeout=3600,
    )
    return time.monotonic() - started


def _gradebooks(out: Path) -> dict[str, list[dict[str, str]]]:
    return {
        path.parent.name: list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
        for path in sorted(out.glob("*/grades.csv"))
    }


@pytest.mark.slow
def test_the_demo_folder_gets_the_same_grades_however_busy_the_machine_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seconds = {"--workers 1": _grade(tmp_path / "one", 1)}
    seconds["--workers 2"] = _grade(tmp_path / "two", 2)
    burners = [
        subprocess.Popen([sys.executable, "-c", _BURN]) for _ in range(max(2, os.cpu_count() or 1))
    ]
    try:
        seconds["--workers 2, every core busy"] = _grade(tmp_path / "busy", 2)
        assert all(b.poll() is None for b in burners)  # they burned for the whole run
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    with capsys.disabled():
        for how, took in seconds.items():
            print(f"\n  demo folder graded with {how}: {took:.1f} s", end="")
        print()
    books = [_gradebooks(tmp_path / name) for name in ("one", "two", "busy")]
    assert set(books[0]) >= {"hw2", "hw3", "hw4", "hw6"}
    assert books[0] == books[1] == books[2]
    for homework, rows in books[0].items():
        for row in rows:
            if row["student"] == "correct":
                assert row["total"] == row["max_score"], f"{homework}/correct: {row}"
