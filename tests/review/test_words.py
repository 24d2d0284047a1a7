"""The review app's words: the same keys and fields in English and Persian."""

from __future__ import annotations

import string

from graders.review.words import ENGLISH, PERSIAN, review_messages


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys_and_fields() -> None:
    assert set(ENGLISH) == set(PERSIAN)
    for key, text in ENGLISH.items():
        assert _fields(text) == _fields(PERSIAN[key]), key


def test_persian_is_right_to_left() -> None:
    assert review_messages("fa").dir == "rtl" and review_messages("en").dir == "ltr"
