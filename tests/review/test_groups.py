"""Answer groups: normalisation of Persian and English text, clustering, numbers by value."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from graders.review.groups import Answer, group_answers, normalise
from graders.review.rubric import seed_items


def test_letter_variants_digits_spaces_and_case_are_one_answer() -> None:
    assert normalise("شبكه  يادگيري ۱۲٫۵") == normalise("شبکه یادگیری 12.5")
    assert normalise("  Teacher   NETWORK. ") == "teacher network"
    assert normalise("٣") == "3"
    assert normalise("می\u200cشود") == normalise("می شود")


@given(st.text())
def test_normalise_is_idempotent(text: str) -> None:
    assert normalise(normalise(text)) == normalise(text)


def test_similar_free_text_clusters_in_persian_and_english() -> None:
    answers = [
        Answer("a", "The teacher network trains a smaller student network"),
        Answer("b", "the teacher network  trains a smaller student network."),
        Answer("c", "A teacher network trains a small student network"),
        Answer("d", "دانش از شبکه معلم به شبکه دانش‌آموز منتقل می‌شود"),
        Answer("e", "دانش از شبكه معلم به شبكه دانش‌آموز منتقل مي‌شود"),
        Answer("f", "دانش از شبکهٔ معلم به شبکهٔ دانش‌آموز منتقل می‌شود"),
        Answer("g", "Gradient clipping solves everything"),
        Answer("h", "<script>alert(1)</script>"),
    ]
    groups = group_answers(answers, free_text=True)
    assert [g.students for g in groups] == [("a", "b", "c"), ("d", "e", "f"), ("g",), ("h",)]
    assert groups[0].similar and not groups[2].similar
    assert groups[0].texts[0][1] == 2  # a and b are the same answer


def test_a_split_student_is_a_group_of_their_own() -> None:
    answers = [Answer("a", "yes"), Answer("b", "yes"), Answer("c", "yes")]
    groups = group_answers(answers, free_text=True, split={"b"})
    assert [g.students for g in groups] == [("a", "c"), ("b",)]
    assert groups[1].split


def test_numbers_group_by_value_verdict_and_mistake() -> None:
    answers = [
        Answer("a", "0.5", "correct"),
        Answer("b", "0.50", "correct"),
        Answer("c", "۰٫۵", "correct"),
        Answer("d", "0.5", "incorrect", "drop-fraction"),
        Answer("e", "0.123", "incorrect"),
    ]
    groups = group_answers(answers, free_text=False)
    assert [g.students for g in groups] == [("a", "b", "c"), ("d",), ("e",)]


def test_rubric_seeds_read_points_after_and_before_criteria() -> None:
    after = seed_items("5 points. Teacher to student (3); the purpose: weak devices (2).", 5)
    assert after == [(3.0, "Teacher to student"), (2.0, "the purpose: weak devices")]
    before = seed_items(
        "5 points. Overfitting (2.5): fits noise. Underfitting (2.5): too simple.", 5
    )
    assert [p for p, _ in before] == [2.5, 2.5]
    assert before[0][1].startswith("Overfitting: fits noise")
    numbered = seed_items("3 points. (1) True: shrinks. (2) False: grows.", 3)
    assert numbered == [(3, "Meets the rubric"), (1.5, "Meets half the rubric")]
