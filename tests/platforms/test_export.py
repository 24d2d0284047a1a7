"""``grade.py export moodle|canvas|gradescope-csv``: each platform's documented import columns,
the grades of the results folder (a person's grades of the overrides file included), the
feedback comment with the page's file name, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from pathlib import Path

import pytest
from fakes import FakeRunner
from layouts_support import NOT_HANDED_IN, PEOPLE, answer_namespace, moodle_zip, write_roster

from graders.cli import main
from graders.model.overrides import read_overrides
from graders.model.questions import Homework
from graders.pipeline import Settings, grade_batch
from graders.platforms.export import (
    CANVAS_COLUMNS,
    GRADESCOPE_COLUMNS,
    MAX_COMMENT,
    MOODLE_COLUMNS,
    comment,
)
from graders.platforms.intake import take_in, write_ledgers
from graders.platforms.roster import read_roster

FORMULA_NAME = '=HYPERLINK("http://example.org","x")'


@pytest.fixture(scope="module")
def results(books: Mapping[str, Homework], tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("export")
    roster_path = write_roster(tmp / "roster.csv")
    rows = list(csv.reader(io.StringIO(roster_path.read_text("utf-8"))))
    for row in rows:
        if row[0] == "crashes":  # a name a spreadsheet would run; matched by the Moodle id
            row[1] = FORMULA_NAME
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    roster_path.write_text(buffer.getvalue(), "utf-8")
    roster = read_roster(roster_path)
    overrides = tmp / "overrides.csv"
    overrides.write_text(
        "assignment,student,item,points,comment\nhw4,correct,hw4.q1,5,Well argued.\n", "utf-8"
    )
    out = tmp / "reports"
    intake = take_in(moodle_zip(tmp / "src"), books.keys(), roster, None, out / ".intake")
    write_ledgers(out, intake)
    settings = Settings(out, overrides=read_overrides(overrides))
    grade_batch(intake.submissions, books, FakeRunner(answer_namespace), settings, lambda s: None)
    return out


def _export(results: Path, platform: str, *options: str) -> list[list[str]]:
    target = results.parent / f"{platform}.csv"
    roster = results.parent / "roster.csv"
    command = ["export", platform, "hw4", "--results", str(results), "--roster", str(roster)]
    status = main([*command, "--out", str(target), *options])
    assert status == 0
    return list(csv.reader(io.StringIO(target.read_text("utf-8"))))


def _record(results: Path, student: str) -> dict:
    return json.loads((results / "hw4" / f"{student}.json").read_text("utf-8"))


def test_moodle_worksheet(results: Path) -> None:
    rows = _export(results, "moodle")
    assert tuple(rows[0]) == MOODLE_COLUMNS
    by_id = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    # every demo handed in for hw4, and the roster's students who did not (hw1's seed-student)
    assert set(by_id) == {f"Participant {p[1]}" for p in PEOPLE.values()} | {
        f"Participant {NOT_HANDED_IN[2]}"
    }
    ali = by_id["Participant 1001"]
    record = _record(results, "correct")
    assert float(ali["Grade"]) == record["score"]
    assert any(t["override"] for t in record["tests"])  # the person's grade is in it
    assert ali["Full name"] == "علی رضایی"
    assert "correct.html" in ali["Feedback comments"]
    assert by_id[f"Participant {NOT_HANDED_IN[2]}"]["Status"] == "No submission"


def test_canvas_gradebook(results: Path) -> None:
    rows = _export(results, "canvas", "--canvas-column", "Homework 4 (4242)")
    assert tuple(rows[0]) == (*CANVAS_COLUMNS, "Homework 4 (4242)")
    assert rows[1][0] == "Points Possible"
    assert float(rows[1][-1]) == _record(results, "correct")["max_score"]
    scores = {r[2]: r[-1] for r in rows[2:]}  # SIS User ID: the course's id
    assert float(scores["correct"]) == _record(results, "correct")["score"]
    assert scores[NOT_HANDED_IN[0]] == ""
    names = [r[0] for r in rows[2:]]
    assert "'" + FORMULA_NAME in names  # shown as text, never run


def test_gradescope_scores(results: Path) -> None:
    rows = _export(results, "gradescope-csv")
    assert tuple(rows[0]) == GRADESCOPE_COLUMNS
    by_sid = {r[2]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert float(by_sid["GS1002"]["Total Score"]) == _record(results, "partial")["score"]
    assert by_sid["GS1002"]["Email"] == "sara@example.org"
    assert "partial.html" in by_sid["GS1002"]["Comments"]
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "@")) for cell in row)


def test_a_long_comment_keeps_the_late_note_and_the_page() -> None:
    # a late student who lost points on many items: the cut falls on the items, so the comment
    # still says why the grade was lowered and where the full report is
    late = "Late: handed in 2026-12-03T06:00:00+00:00, 33.5 h after the deadline: −2.15 points"
    tests = [
        {"name": f"hw1.q1 step {i}", "score": 0, "max_score": 0.5, "output": "x" * 150}
        for i in range(40)
    ]
    record = {"student": "20002", "score": 8.6, "max_score": 26, "tests": tests, "notes": [late]}
    text = comment(record)
    assert len(text) <= MAX_COMMENT
    assert text.startswith("Score 8.6 / 26.")
    assert text.endswith(f"{late}\nFull report: 20002.html")
    kept = text.count("- hw1.q1 step ")
    assert 0 < kept < 40
    assert f"- … {40 - kept} more on the full report" in text
    # a short comment is whole
    short = comment({**record, "tests": tests[:2]})
    assert short.count("- hw1.q1 step ") == 2 and "more on the full report" not in short
