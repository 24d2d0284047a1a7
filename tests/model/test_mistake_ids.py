"""A named mistake's identity includes its homework: authors write the short id, and two
homeworks (HW1 and HW4 both declare ``update-sign``) never share one."""

from __future__ import annotations

from typing import Any

from graders.model.answers import MistakeKey, qualified_mistake
from graders.report.classroom import common_mistakes
from graders.report.i18n import messages
from reference import catalogue


def test_homework_mistakes_are_keyed_by_their_homework_and_question() -> None:
    books = catalogue()
    keys = {k: m for hw in ("hw1", "hw4") for k, m in books[hw].mistakes().items()}
    signs = {k: m for k, m in keys.items() if k.mistake == "update-sign"}
    assert {k.homework for k in signs} == {"hw1", "hw4"}  # both kept, side by side
    assert {k.qualified for k in signs} == {"hw1:update-sign", "hw4:update-sign"}
    assert all(k.question.startswith(k.homework + ".") for k in keys)
    assert len({m.persian for m in signs.values()}) == 2  # each in its own notation
    for key, mistake in keys.items():
        assert isinstance(key, MistakeKey) and key.mistake == mistake.id  # the author's id


def _record(assignment: str, student: str, text: str) -> dict[str, Any]:
    test = {
        "question": "q1",
        "variable": "w1",
        "verdict": "incorrect",
        "score": 0.0,
        "max_score": 1.0,
        "mistake": "update-sign",
        "mistake_text": text,
        "mistake_persian": None,
    }
    return {"assignment": assignment, "student": student, "tests": [test]}


def test_the_same_short_id_of_two_homeworks_is_two_mistakes_where_they_meet() -> None:
    records = [
        _record("hw1", "a", "∂E/∂w added"),
        _record("hw4", "b", "∂L/∂w added"),
        _record("hw4", "c", "∂L/∂w added"),
    ]
    rows = common_mistakes(records, messages("en"))
    assert [(r.mistake, r.text, r.students) for r in rows] == [
        ("update-sign", "∂L/∂w added", ("b", "c")),
        ("update-sign", "∂E/∂w added", ("a",)),
    ]
    assert qualified_mistake("hw4", "update-sign") != qualified_mistake("hw1", "update-sign")
