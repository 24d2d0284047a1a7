"""The command line end to end, with real kernels: a Moodle zip of hw1's demos (Persian names
with spaces) graded with a roster, a deadline and a late policy names its layout in the
batch's first line and gives the plain folder's grades, less the late policy's points."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from layouts_support import moodle_zip, plain, write_roster
from system import sandbox_options

from graders.cli import main

pytestmark = pytest.mark.slow


def _scores(out: Path) -> dict[str, float]:
    records = [json.loads(p.read_text("utf-8")) for p in (out / "hw1").glob("*.json")]
    return {r["student"]: r["score"] for r in records if "tests" in r}


def test_a_moodle_zip_grades_as_the_plain_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    late = {"seed-student": (2026, 12, 1, 20, 0, 0)}  # 20 hours late: one started day
    source = moodle_zip(tmp_path / "moodle", "hw1", times=late)
    roster = write_roster(tmp_path / "roster.csv")
    out = tmp_path / "from-moodle"
    options = ["--deadline", "2026-12-01T00:00", "--late-policy", "10%/day", *sandbox_options()]
    status = main([str(source), "--out", str(out), "--roster", str(roster), *options])
    assert status == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("Layout: moodle — Moodle download")
    plain_root = plain(tmp_path / "plain", "hw1")
    assert main([str(plain_root), "--out", str(tmp_path / "p"), *sandbox_options()]) == 0
    expected = _scores(tmp_path / "p")
    assert set(expected) == {"correct", "seed-student"}
    got = _scores(out)
    assert got["correct"] == expected["correct"]
    assert got["seed-student"] == round(expected["seed-student"] * 0.9, 2)
    page = (out / "hw1" / "index.html").read_text("utf-8")
    assert 'id="intake"' in page and "Moodle download" in page
    assert 'data-student="absent"' in page  # on the roster, handed nothing in
