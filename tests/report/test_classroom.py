"""The class page's analysis of the students' records."""

from __future__ import annotations

import math
from typing import Any

import pytest

from graders.model.overrides import parse_overrides
from graders.report.classroom import (
    common_mistakes,
    outcome_of,
    override_row,
    question_stats,
    shared_limit,
    shared_wrong_answers,
    step_losses,
    waiting_answers,
)
from graders.report.i18n import messages

HEADER = "assignment,student,item,points,comment\n"


def _test(variable: str, verdict: str, **fields: Any) -> dict[str, Any]:
    base = {
        "question": "hw.q1",
        "variable": variable,
        "label": variable.upper(),
        "verdict": verdict,
        "score": 0.0,
        "max_score": 1.0,
        "given": "",
        "mistake": None,
        "override": None,
        "extra": {},
    }
    return {**base, **fields}


def _record(student: str, *tests: dict[str, Any]) -> dict[str, Any]:
    return {
        "assignment": "hw",
        "student": student,
        "score": sum(t["score"] for t in tests),
        "max_score": sum(t["max_score"] for t in tests),
        "ran": True,
        "tests": list(tests),
    }


def test_question_means_and_verdict_shares() -> None:
    records = [
        _record("a", _test("x", "correct", score=1.0), _test("y", "incorrect")),
        _record("b", _test("x", "follow-through", score=1.0), _test("y", "correct", score=1.0)),
        _record("c", _test("x", "missing"), _test("y", "manual", score=0.5, override={"p": 1})),
    ]
    (stats,) = question_stats(records)
    assert stats.mean == pytest.approx((1 + 2 + 0.5) / 3, abs=0.005)
    assert stats.max_score == 2
    shares = {s.verdict: (s.count, s.percent) for s in stats.shares}
    # each student once, by their worst answer: a incorrect, b follow-through, c missing
    assert shares == {
        "follow-through": (1, pytest.approx(100 / 3, abs=0.05)),
        "incorrect": (1, pytest.approx(100 / 3, abs=0.05)),
        "missing": (1, pytest.approx(100 / 3, abs=0.05)),
    }
    assert [s.verdict for s in stats.shares] == ["follow-through", "incorrect", "missing"]


def test_a_students_outcome_is_their_worst_answer() -> None:
    both = [_test("x", "correct", score=1.0), _test("y", "correct", score=1.0)]
    assert outcome_of(both) == "correct"
    assert outcome_of([*both, _test("z", "manual")]) == "manual"
    assert outcome_of([_test("x", "manual", override={"p": 1})]) == "override"
    assert outcome_of([*both, _test("z", "error"), _test("w", "incorrect")]) == "error"
    assert outcome_of([*both, _test("z", "strange")]) == "strange"  # unknown verdicts shown


def test_shares_add_up_to_the_class_whatever_the_number_of_items() -> None:
    many = [_test(f"v{k}", "correct", score=1.0) for k in range(9)]
    records = [
        _record("a", *many),
        _record("b", *many[:8], _test("v9", "incorrect")),
        _record("c", *many[:8], _test("v9", "incorrect")),
    ]
    (stats,) = question_stats(records)
    assert sum(s.count for s in stats.shares) == 3
    assert {s.verdict: s.count for s in stats.shares} == {"correct": 1, "incorrect": 2}


def test_common_mistakes_most_widespread_first() -> None:
    sign = {
        "mistake": "update-sign",
        "mistake_text": "Moves with the gradient.",
        "mistake_persian": "در جهت گرادیان حرکت می‌کند.",
    }
    records = [
        _record("a", _test("w1", "incorrect", **sign), _test("w2", "incorrect", **sign)),
        _record("b", _test("w1", "incorrect", **sign), _test("w2", "incorrect", mistake="lr")),
        _record("c", _test("w1", "incorrect", mistake="lr")),
        _record("d", _test("w1", "incorrect", **sign)),
    ]
    rows = common_mistakes(records, messages("en"))
    assert [(r.mistake, r.students, r.items) for r in rows] == [
        ("update-sign", ("a", "b", "d"), 4),
        ("lr", ("b", "c"), 2),
    ]
    assert rows[0].text == "Moves with the gradient."
    persian = common_mistakes(records, messages("fa"))
    assert persian[0].text == "در جهت گرادیان حرکت می‌کند."  # the declaration's own Persian
    assert persian[1].text == ""  # none declared, none recorded: nothing invented


@pytest.mark.parametrize("students", [1, 5, 19, 20, 21, 30, 100])
def test_shared_limit_is_a_tenth_of_the_class_and_at_least_two(students: int) -> None:
    assert shared_limit(students) == max(2, math.ceil(students / 10))


def test_identical_rare_wrong_answers_are_grouped() -> None:
    records = [_record(f"s{n:02d}", _test("x", "correct", given="1.5")) for n in range(30)]
    # three share "2.75" (rare: the limit for 30 students is 3); four share "9" (common)
    for n in (3, 7, 11):
        records[n]["tests"].append(_test("y", "incorrect", given=" 2.75 "))
    for n in (1, 2, 4, 5):
        records[n]["tests"].append(_test("y", "incorrect", given="9"))
    for n in (20, 21):  # same wrong value, but a named mistake: expected to recur
        records[n]["tests"].append(_test("z", "incorrect", given="-3", mistake="update-sign"))
    for n in (22, 23):  # the same text, but not wrong
        records[n]["tests"].append(_test("z", "correct", given="-4"))
    records[24]["tests"].append(_test("y", "incorrect", given="7"))  # wrong, but alone
    shared = shared_wrong_answers(records)
    assert [(s.variable, s.given, s.students) for s in shared] == [
        ("y", "2.75", ("s03", "s07", "s11"))
    ]
    assert shared[0].label == "Y"


def test_waiting_answers_and_their_overrides_rows() -> None:
    rubric = {"rubric": "2 points for X, 3 for Y."}
    records = [
        _record("ada", _test("q1", "manual", given="متن پاسخ", extra=rubric, max_score=5.0)),
        _record('o"neil, jr', _test("q1", "manual", given="text", extra=rubric)),
        _record("cy", _test("q1", "manual", override={"points": 4, "comment": ""})),
        _record("dee", _test("q1", "missing")),
    ]
    waiting = waiting_answers(records)
    assert [(w.student, w.given, w.rubric) for w in waiting] == [
        ("ada", "متن پاسخ", rubric["rubric"]),
        ('o"neil, jr', "text", rubric["rubric"]),
    ]
    for w in waiting:
        empty = parse_overrides(HEADER + w.row)
        assert empty.problems and not empty.by_key  # points must be filled in first
        cells = w.row.rsplit(",", 2)
        filled = parse_overrides(HEADER + f"{cells[0]},2.5,checked by hand\n")
        assert not filled.problems
        found = filled.find("hw", w.student, w.variable)
        assert found is not None and found.points == 2.5 and found.comment == "checked by hand"


def test_override_row_quotes_what_csv_needs() -> None:
    assert override_row("hw4", "ada", "q1_answer") == "hw4,ada,q1_answer,,"
    assert override_row("hw4", "a,b", "x") == 'hw4,"a,b",x,,'


def _scored(question: str, variable: str, score: float, pending: bool = False) -> dict[str, Any]:
    return {
        "question": question,
        "variable": variable,
        "label": variable,
        "score": score,
        "max_score": 1.0,
        "verdict": "manual" if pending else ("correct" if score == 1 else "incorrect"),
        "pending": pending,
    }


def test_questions_and_steps_rank_by_the_share_of_students_who_lost_points() -> None:
    # q1 has many items, each lost by one student (many lost items, few students); q2 one item
    # lost by three of four students; q3's only losses are answers waiting for a person
    records = [
        {"student": s, "tests": [
            *(_scored("q1", f"a{k}", 0.0 if k == i else 1.0) for k in range(10)),
            _scored("q2", "b", 0.0 if i < 3 else 1.0),
            _scored("q3", "c", 0.0, pending=True),
        ]}
        for i, s in enumerate("wxyz")
    ]  # fmt: skip
    stats = question_stats(records)
    assert [(q.id, q.lost, q.lost_percent) for q in stats] == [
        ("q1", 4, 100.0),
        ("q2", 3, 75.0),
        ("q3", 0, 0.0),
    ]
    losses = step_losses(records, {"b": "The b step"})
    assert (losses[0].variable, losses[0].label, losses[0].lost) == ("b", "The b step", 3)
    assert {r.variable for r in losses[1:]} == {"a0", "a1", "a2", "a3"}
    assert all(r.lost == 1 and r.percent == 25.0 for r in losses[1:])
    assert "c" not in {r.variable for r in losses}
