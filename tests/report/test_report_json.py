"""The student's results JSON written beside the page: the TA's full record, with Gradescope's
``visibility`` following each question's ``show_result``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from graders.model.questions import Homework
from graders.model.results import to_json
from graders.report.reporter import Reporter
from report.classbook import Graded


def test_the_record_keeps_everything_and_shows_only_what_the_course_opted_in(
    tmp_path: Path, graded_en: Graded, books: Mapping[str, Homework]
) -> None:
    hw4 = books["hw4"]
    opened = hw4.questions[0].id  # the derivation (q2) stays hidden
    homework = replace(
        hw4,
        questions=tuple(replace(q, show_result=q.id == opened) for q in hw4.questions),
    )
    result = next(
        r for r in graded_en.summary.results if (r.assignment, r.student) == ("hw4", "ben")
    )
    out = tmp_path / "reports"
    Reporter(out, {"hw4": homework}).write_student(result, homework)
    record = json.loads((out / "hw4" / "ben.json").read_text(encoding="utf-8"))

    visibility = {t["variable"]: t["visibility"] for t in record["tests"]}
    for question in homework.questions:
        wanted = "visible" if question.id == opened else "after_published"
        assert {visibility[i.variable] for i in question.items} == {wanted}, question.id
    # hidden questions lose nothing: the TA's record is the full one, apart from visibility
    full = to_json(result)
    assert [{**t, "visibility": ""} for t in record["tests"]] == [
        {**t, "visibility": ""} for t in json.loads(json.dumps(full, ensure_ascii=False))["tests"]
    ]
    hidden = [t for t in record["tests"] if t["visibility"] == "after_published"]
    assert any(t["expected"] for t in hidden)
