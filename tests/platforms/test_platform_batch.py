"""The command line end to end, with real kernels: hw1's demos as a Moodle zip (Persian names
with spaces), GitHub Classroom clones, an nbgrader folder and a Gradescope export, graded with a
roster, name their layout in the batch's first line and give the plain folder's grades; with a
deadline and a late policy, the late hand-in loses what the policy says."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from layouts_support import classroom, gradescope, moodle_zip, nbgrader, plain, write_roster
from system import sandbox_options

from graders.cli import main

pytestmark = pytest.mark.slow

BUILDERS: Mapping[str, Callable[[Path, str], Path]] = {
    "github-classroom": classroom,
    "nbgrader": nbgrader,
    "gradescope": gradescope,
}


def _scores(out: Path) -> dict[str, float]:
    records = [json.loads(p.read_text("utf-8")) for p in (out / "hw1").glob("*.json")]
    return {r["student"]: r["score"] for r in records if "tests" in r}


@pytest.fixture(scope="module")
def plain_scores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    tmp = tmp_path_factory.mktemp("plain")
    root = plain(tmp / "plain", "hw1")
    assert main([str(root), "--out", str(tmp / "out"), *sandbox_options()]) == 0
    scores = _scores(tmp / "out")
    assert set(scores) == {"correct", "seed-student"}
    assert scores["correct"] != scores["seed-student"]
    return scores


def test_a_moodle_zip_grades_as_the_plain_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], plain_scores: dict[str, float]
) -> None:
    late = {"seed-student": (2026, 12, 1, 20, 0, 0)}  # 20 hours late: one started day
    source = moodle_zip(tmp_path / "moodle", "hw1", times=late)
    roster = write_roster(tmp_path / "roster.csv")
    out = tmp_path / "from-moodle"
    options = ["--deadline", "2026-12-01T00:00", "--late-policy", "10%/day", *sandbox_options()]
    capsys.readouterr()
    status = main([str(source), "--out", str(out), "--roster", str(roster), *options])
    assert status == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("Layout: moodle — Moodle download")
    got = _scores(out)
    assert got["correct"] == plain_scores["correct"]
    assert got["seed-student"] == round(plain_scores["seed-student"] * 0.9, 2)
    page = (out / "hw1" / "index.html").read_text("utf-8")
    assert 'id="intake"' in page and "Moodle download" in page
    assert 'data-student="absent"' in page  # on the roster, handed nothing in


@pytest.mark.parametrize("layout", sorted(BUILDERS))
def test_each_layout_grades_as_the_plain_folder(
    layout: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    plain_scores: dict[str, float],
) -> None:
    source = BUILDERS[layout](tmp_path / "source", "hw1")
    roster = write_roster(tmp_path / "roster.csv")
    out = tmp_path / "out"
    capsys.readouterr()
    status = main([str(source), "--out", str(out), "--roster", str(roster), *sandbox_options()])
    assert status == 0
    assert capsys.readouterr().out.splitlines()[0].startswith(f"Layout: {layout} — ")
    assert _scores(out) == plain_scores
