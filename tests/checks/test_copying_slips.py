"""Tables copied with slips: mirrored rows, exchanged cells, reversed digits are named."""

from __future__ import annotations

import numpy as np

from graders.checks.tables import check_table, copying_slips
from graders.model.answers import Answer, Kind, Status

REFERENCE = np.array([[3.2, 0, 0, 3.8], [0, 5, 5, 0], [0, 6.4, 7.4, 0], [2.6, 0, 0, 2.4]])
COPIED = np.array([[2.3, 0, 0, 3.8], [0, 5, 5, 0], [0, 7.4, 6.4, 0], [2.4, 0, 0, 2.6]])


def slips(given: np.ndarray, reference: np.ndarray = REFERENCE) -> list[str]:
    agree = np.isclose(given, reference, rtol=1e-2, atol=1e-9)
    return copying_slips(given, reference, agree, rtol=1e-2, atol=1e-9)


def test_the_official_keys_three_slips_are_named() -> None:
    assert slips(COPIED) == [
        "row 4 is written right to left (mirrored)",
        "cells (3, 2) and (3, 3) are exchanged",
        "cell (1, 1) has its digits reversed (2.3 for 3.2)",
    ]


def test_the_verdict_names_them() -> None:
    verdict = check_table(Answer(Kind.ARRAY, COPIED, text=str(COPIED.tolist())), REFERENCE)
    assert verdict.status is Status.INCORRECT
    assert "copying slips" in verdict.feedback and "digits reversed" in verdict.feedback
    assert len(verdict.details["slips"]) == 3


def test_a_wrong_value_is_not_called_a_slip() -> None:
    wrong = REFERENCE.copy()
    wrong[0, 0] = 1.7
    wrong[1, 1] = 2.5  # half of 5: a dropout mistake, not a copy
    assert slips(wrong) == []


def test_digits_reversed_needs_two_digits_and_the_same_sign() -> None:
    one = REFERENCE.copy()
    one[0, 3] = 8.3  # 3.8 reversed
    assert slips(one) == ["cell (1, 4) has its digits reversed (8.3 for 3.8)"]
    negative = REFERENCE.copy()
    negative[0, 0] = -2.3
    assert slips(negative) == []
