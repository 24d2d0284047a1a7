"""A student whose answers the harvest could not read (a tampered ``json``, ``print`` or
``sys.stdout``, an object that is not plain data) is told why by every check, not only that
the answer was "unsupported"."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from graders.checks import check_answers
from graders.checks.derivation import Derivation
from graders.model.answers import Answer, Kind, Status
from graders.model.parts import ChoicePart, ExpressionPart, NumberPart, TablePart, TextPart
from graders.model.questions import Homework, Item

REASON = "the answer-collection result is not valid JSON (Expecting value: line 1 column 1)"
PLAIN = (ChoicePart, Derivation, ExpressionPart, NumberPart, TablePart, TextPart)


def _unreadable(homework: Homework) -> dict[str, Answer]:
    names = [v for probe in homework.probes() for v in probe.variables]
    return {name: Answer(Kind.UNSUPPORTED, note=REASON) for name in [*homework.variables, *names]}


def test_every_check_of_a_plain_answer_says_why_it_could_not_be_read(
    books: Mapping[str, Homework],
) -> None:
    seen: set[type] = set()
    for homework in books.values():
        verdicts = check_answers(homework, _unreadable(homework))
        for question in homework.questions:
            for part in question.parts:
                if not isinstance(part, PLAIN):
                    continue
                seen.add(type(part))
                for item in part.items:
                    verdict = verdicts[item.variable]
                    assert verdict.status is Status.INVALID, (item.variable, verdict)
                    assert REASON in verdict.feedback, (type(part).__name__, verdict.feedback)
    assert seen == set(PLAIN)  # the catalogue has a question of every kind


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        (Answer(Kind.BOOL, True, text="True"), "a true/false value."),
        (Answer(Kind.UNSUPPORTED), "an answer that could not be read."),
    ],
)
def test_an_answer_of_another_kind_is_named_by_its_kind(answer: Answer, phrase: str) -> None:
    part = TextPart(Item("q1_answer", "Q1", 1.0), rubric="anything")
    verdict = part.grade({"q1_answer": answer}, {})["q1_answer"]
    assert verdict.status is Status.INVALID
    assert f"Expected written text, got {phrase}" in verdict.feedback
    assert "unsupported" not in verdict.feedback and "bool" not in verdict.feedback
