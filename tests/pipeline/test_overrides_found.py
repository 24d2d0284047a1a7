"""The course's overrides file is found however a batch is started, and points waiting for a
person are marked as pending in every output (JSON, grades.csv, terminal, student page, class
page, index)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes import ROOT

from graders.cli import main
from graders.model.overrides import Override, Overrides, candidates, locate, unmatched

CORRECT = ROOT / "submissions" / "hw4" / "correct.ipynb"


def test_the_nearest_file_up_to_the_submissions_root_is_found(tmp_path: Path) -> None:
    root = tmp_path / "course" / "submissions"
    student = root / "hw4" / "alice"
    student.mkdir(parents=True)
    (tmp_path / "course" / "pyproject.toml").write_text("", encoding="utf-8")
    assert locate(root / "hw4") is None
    (root / "overrides.csv").write_text("assignment,student,item,points\n", encoding="utf-8")
    assert locate(root / "hw4") == (root / "overrides.csv").resolve()
    assert locate(student) == (root / "overrides.csv").resolve()
    (root / "hw4" / "overrides.csv").write_text("", encoding="utf-8")
    assert locate(root / "hw4" / "x.ipynb") == (root / "hw4" / "overrides.csv").resolve()
    given = tmp_path / "mine.csv"
    assert locate(root / "hw4", given) == given
    # never above the folder that holds the course's project
    assert all("course/overrides.csv" not in str(p) for p in candidates(root))


def test_rows_naming_nobody_or_nothing_are_named() -> None:
    rows = {
        ("hw4", "alice", "q1"): Override("hw4", "alice", "q1", 1, "", 2),
        ("hw4", "bob", "q1"): Override("hw4", "bob", "q1", 1, "", 3),
        ("hw4", "alice", "q9"): Override("hw4", "alice", "q9", 1, "", 4),
        ("hw2", "zoe", "q1"): Override("hw2", "zoe", "q1", 1, "", 5),  # not in this batch
    }
    problems = unmatched(Overrides(rows, (), "o.csv"), {"hw4": {"alice"}}, {"hw4": {"q1"}})
    assert problems == [
        "o.csv line 3: no student 'bob' was graded in hw4",
        "o.csv line 4: hw4 has no item 'q9'",
    ]


@pytest.mark.slow
def test_a_batch_of_one_assignment_applies_the_courses_overrides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    course = tmp_path / "submissions"
    (course / "hw4").mkdir(parents=True)
    (course / "hw4" / "correct.ipynb").write_bytes(CORRECT.read_bytes())
    committed = (ROOT / "submissions" / "overrides.csv").read_text(encoding="utf-8")
    (course / "overrides.csv").write_text(committed + "hw4,correct,q9_nothing,1,\n", "utf-8")
    out = tmp_path / "r"
    assert main([str(course / "hw4"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    rows = len(committed.splitlines())  # the header and the new row: as many as there are
    assert f"Overrides: {(course / 'overrides.csv').resolve()}, {rows} rows" in printed
    assert "set the points of 1 items in this batch" in printed
    unapplied = [line for line in printed.splitlines() if "row not applied" in line]
    assert len(unapplied) == 2, unapplied  # seed-97521252 is not in this folder; q9_nothing
    assert any("no student 'seed-97521252'" in line for line in unapplied)
    assert any(f"line {rows + 1}: hw4 has no item 'q9_nothing'" in line for line in unapplied)
    record = json.loads((out / "hw4" / "correct.json").read_text(encoding="utf-8"))
    assert record["score"] == record["max_score"] == 37 and record["pending"] == 0


@pytest.mark.slow
def test_pending_points_are_marked_in_every_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "none.csv").write_text("assignment,student,item,points,comment\n", "utf-8")
    subs = tmp_path / "subs" / "hw4"
    subs.mkdir(parents=True)
    (subs / "correct.ipynb").write_bytes(CORRECT.read_bytes())
    out = tmp_path / "r"
    assert (
        main([str(subs.parent), "--out", str(out), "--overrides", str(tmp_path / "none.csv")]) == 0
    )
    printed = capsys.readouterr().out
    assert "hw4/correct: 32/37 (5 pending)" in printed  # terminal, per student
    assert "1 submissions have answers waiting for a person (5 points pending)" in printed
    record = json.loads((out / "hw4" / "correct.json").read_text(encoding="utf-8"))
    assert record["score"] == 32 and record["pending"] == 5
    assert [t["variable"] for t in record["tests"] if t["pending"]] == ["q1_answer"]
    header, row = (out / "hw4" / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert dict(zip(header.split(","), row.split(","), strict=True))["pending"] == "5"
    page = (out / "hw4" / "correct.html").read_text(encoding="utf-8")
    assert '32 / 37</span><span class="pending" data-pending="5">(5 pending)' in page
    assert "(5 pending)" in (out / "hw4" / "index.html").read_text(encoding="utf-8")
    assert "1 students (5 points)" in (out / "index.html").read_text(encoding="utf-8")
