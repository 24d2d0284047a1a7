"""The one review list: code similarity, identical rare wrong answers and a classmate's variant's
numbers, joined by pair, the pairs with the most signals first."""

from __future__ import annotations

import string

from graders.platforms.review import WORDS, review_rows
from graders.report.classroom import MatchedAnswer, SharedAnswer, VariantMatch


def _similar(a: str, b: str, similarity: float) -> dict:
    sides = [{"student": s, "share": similarity, "segments": [["x = 1", True]]} for s in (a, b)]
    return {"students": [a, b], "similarity": similarity, "sides": sides}


def test_signals_are_joined_by_pair_and_more_signals_rank_first() -> None:
    similar = {"pairs": [_similar("ali", "bita", 1.0), _similar("cyrus", "dara", 0.7)]}
    shared = [SharedAnswer("hw4.q2", "e1_h1", "h1", "1.7", ("cyrus", "dara", "eli"))]
    variants = [VariantMatch("dara", "cyrus", (MatchedAnswer("e1_h2", "h2", "2.9"),))]
    rows = review_rows(similar, shared, variants)
    by_pair = {r.students: r for r in rows}
    assert rows[0].students == ("cyrus", "dara")  # three signals beat one at 100%
    assert rows[0].signals == 3 and rows[0].answers == ("h1",) and rows[0].variant == ("h2",)
    assert rows[1].students == ("ali", "bita") and rows[1].similarity == 1.0
    assert by_pair[("cyrus", "eli")].similarity is None  # a shared answer alone is a row too
    assert by_pair[("cyrus", "eli")].answers == ("h1",)
    assert [s["student"] for s in by_pair[("ali", "bita")].sides] == ["ali", "bita"]


def test_a_malformed_similarity_file_costs_only_its_rows() -> None:
    assert review_rows({"pairs": [{"students": "x"}, 3]}, [], []) == []
    assert review_rows(None, [], []) == []


def test_both_languages_have_every_word() -> None:
    assert set(WORDS["en"]) == set(WORDS["fa"])
    for key, text in WORDS["en"].items():
        assert sorted(_fields(text)) == sorted(_fields(WORDS["fa"][key])), key


def _fields(text: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(text) if f]
