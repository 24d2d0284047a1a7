"""One rule for an answer that is not there: every check gives it ``missing_verdict``'s
verdict (missing, or error with the harvest's reason), whatever the kind of check."""

from __future__ import annotations

import sympy
from hypothesis import given
from hypothesis import strategies as st

from graders.checks.choice import YES_NO, check_choice
from graders.checks.numeric import NumberCheck, check_number
from graders.checks.symbolic import check_expression
from graders.checks.tables import check_table
from graders.model.answers import Answer, Kind, Status, missing_verdict
from graders.model.parts import check_text

UNANSWERED = (Kind.ABSENT, Kind.PLACEHOLDER, Kind.ERROR)


@given(st.sampled_from(list(Kind)), st.text(max_size=30))
def test_unanswered_is_not_given_or_failed(kind: Kind, note: str) -> None:
    answer = Answer(kind, note=note)
    assert answer.unanswered is (kind in UNANSWERED)
    if answer.unanswered:
        assert missing_verdict(answer).status in (Status.MISSING, Status.ERROR)


@given(st.sampled_from(UNANSWERED), st.text(max_size=30))
def test_every_check_says_the_same_of_an_unanswered_item(kind: Kind, note: str) -> None:
    answer = Answer(kind, note=note)
    x = sympy.Symbol("x", real=True)
    verdicts = [
        check_number(answer, NumberCheck(1.5)),
        check_choice(answer, YES_NO, "yes"),
        check_table(answer, [[1.0, 2.0]]),
        check_expression(answer, x**2, variables=("x",)),
        check_text(answer, "rubric"),
    ]
    want = missing_verdict(answer)
    assert {(v.status, v.credit, v.feedback) for v in verdicts} == {
        (want.status, 0.0, want.feedback)
    }
