"""The gradebook: versions and conflicts, rubric re-scoring, the overrides file in and out,
grades marked for re-review when the notebook changes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graders.model.overrides import Override, Overrides, parse_overrides
from graders.review.gradebook import (
    FILE_NAME,
    Gradebook,
    Mark,
    note_batch,
    person_grades,
    points_of,
    with_person_grades,
)


@pytest.fixture
def book(tmp_path: Path) -> Gradebook:
    return Gradebook.of(tmp_path)


def test_a_save_from_a_stale_version_is_a_conflict_not_an_overwrite(book: Gradebook) -> None:
    first = book.save("hw2", "q3a_answer", {"ada": 0}, Mark((), 4, "good"), 5, "ta1")
    assert [g.version for g in first.grades] == [1] and not first.conflicts
    late = book.save("hw2", "q3a_answer", {"ada": 0}, Mark((), 1, "weak"), 5, "ta2")
    assert not late.grades
    (conflict,) = late.conflicts
    assert conflict.current is not None and conflict.current.grader == "ta1"
    assert book.grades("hw2")[("ada", "q3a_answer")].points == 4
    resolved = book.save("hw2", "q3a_answer", {"ada": 1}, Mark((), 1, "weak"), 5, "ta2")
    assert [g.version for g in resolved.grades] == [2]
    actions = [c["action"] for c in book.history("hw2")]
    assert actions == ["grade", "grade"]  # every change a row; the refused save none


def test_a_group_save_writes_the_students_whose_version_matches(book: Gradebook) -> None:
    book.save("hw2", "q1a_answer", {"ben": 0}, Mark((), 2), 5, "ta1")
    saved = book.save("hw2", "q1a_answer", {"ada": 0, "ben": 0, "cy": 0}, Mark((), 3), 5, "ta2")
    assert sorted(g.student for g in saved.grades) == ["ada", "cy"]
    assert [c.student for c in saved.conflicts] == ["ben"]


def test_changing_a_rubric_items_points_rescores_every_grade_that_has_it(book: Gradebook) -> None:
    book.seed_rubric("hw2", "q3a_answer", [(3, "teacher to student"), (2, "purpose")], "ta1")
    first, second = book.rubric("hw2", "q3a_answer")
    book.save("hw2", "q3a_answer", {"ada": 0, "ben": 0}, Mark((first.id, second.id)), 5, "t")
    book.save("hw2", "q3a_answer", {"cy": 0}, Mark((second.id,), 0.5), 5, "t")
    changed = book.edit_rubric_item("hw2", first.id, 1.5, "teacher to student", "ta2")
    assert sorted(g.student for g in changed) == ["ada", "ben"]
    grades = book.grades("hw2")
    assert grades[("ada", "q3a_answer")].points == 3.5
    assert grades[("ada", "q3a_answer")].version == 2
    assert grades[("cy", "q3a_answer")].points == 2.5  # it has not the item: unchanged
    removed = book.remove_rubric_item("hw2", second.id, "ta2")
    assert {g.student for g in removed} == {"ada", "ben", "cy"}
    assert book.grades("hw2")[("cy", "q3a_answer")].points == 0.5


def test_seeding_twice_keeps_the_edited_rubric(book: Gradebook) -> None:
    book.seed_rubric("hw2", "q1b_answer", [(1, "a"), (1, "b")], "ta1")
    (first, _) = book.rubric("hw2", "q1b_answer")
    book.remove_rubric_item("hw2", first.id, "ta1")
    book.seed_rubric("hw2", "q1b_answer", [(1, "a"), (1, "b")], "ta1")
    assert [r.text for r in book.rubric("hw2", "q1b_answer")] == ["b"]


@given(
    st.lists(st.floats(-5, 5, allow_nan=False), max_size=5),
    st.floats(-5, 5, allow_nan=False),
    st.floats(0.5, 10),
)
def test_points_stay_between_zero_and_the_items_points(
    rubric: list[float], adjustment: float, top: float
) -> None:
    from graders.review.gradebook import RubricItem

    items = {i: RubricItem(i, "hw", "x", i, p, "") for i, p in enumerate(rubric)}
    points = points_of(Mark(tuple(items), adjustment), items, top)
    assert 0 <= points <= round(top, 2) + 1e-9
    assert points == round(min(max(sum(rubric) + adjustment, 0), top), 2)


def test_the_overrides_file_is_imported_once_and_exported_back(book: Gradebook) -> None:
    text = (
        "assignment,student,item,points,comment\n"
        "hw2,ada,q3a_answer,4,Good\n"
        "hw2,ben,hw2.q9,1,by question id\n"
    )
    overrides = parse_overrides(text, "overrides.csv")
    names = {"hw2/hw2.q9": "q9_answer"}
    assert book.import_overrides(overrides, names, "ta1") == 2
    assert book.import_overrides(overrides, names, "ta1") == 0  # the first start only
    grades = book.grades("hw2")
    assert grades[("ben", "q9_answer")].points == 1
    assert "imported" in grades[("ada", "q3a_answer")].grader
    assert book.export_rows() == [
        ("hw2", "ada", "q3a_answer", "4", "Good"),
        ("hw2", "ben", "q9_answer", "1", "by question id"),
    ]


def test_the_review_app_finds_the_overrides_file_the_batch_read(tmp_path: Path) -> None:
    from graders.review.command import _read_csv, export
    from graders.review.gradebook import note_batch

    course = tmp_path / "overrides.csv"
    course.write_text("assignment,student,item,points,comment\nhw2,ada,q3a_answer,4,Good\n")
    out = tmp_path / "reports"
    note_batch(out, [], {"lang": "en", "overrides": str(course)})
    book = Gradebook.of(out)
    found = _read_csv(book, None)
    assert found.source and set(found.by_key) == {("hw2", "ada", "q3a_answer")}
    assert book.import_overrides(found, {}, "ta1") == 1
    assert export(out, None) == 0  # into the results folder, not over the course's file
    assert "hw2,ada,q3a_answer,4" in (out / "overrides.csv").read_text()
    assert course.read_text().count("\n") == 2


def test_the_batch_reads_the_gradebook_over_the_csv(tmp_path: Path) -> None:
    assert person_grades(tmp_path).by_key == {}  # no gradebook: nothing, and none made
    assert not (tmp_path / FILE_NAME).exists()
    book = Gradebook.of(tmp_path)
    book.seed_rubric("hw2", "q3a_answer", [(3, "teacher to student")], "ta1")
    (item,) = book.rubric("hw2", "q3a_answer")
    book.save("hw2", "q3a_answer", {"ada": 0}, Mark((item.id,), -0.5, "short"), 5, "ta1")
    csv = Overrides(
        {
            ("hw2", "ada", "q3a_answer"): Override("hw2", "ada", "q3a_answer", 5.0, "old"),
            ("hw2", "ben", "q3a_answer"): Override("hw2", "ben", "q3a_answer", 2.0, "kept"),
        },
        (),
        "overrides.csv",
    )
    merged = with_person_grades(csv, tmp_path)
    ada = merged.find("hw2", "ada", "q3a_answer")
    assert ada is not None and ada.points == 2.5
    assert ada.comment == "+3 teacher to student; −0.5; short"
    assert merged.find("hw2", "ben", "q3a_answer") == csv.by_key[("hw2", "ben", "q3a_answer")]
    assert merged.source == "overrides.csv"


def test_a_changed_notebook_marks_its_grades_for_re_review(tmp_path: Path) -> None:
    notebook = {"cells": [{"source": "x = 1"}]}
    assert note_batch(tmp_path, [("hw2", "ada", "/s/ada.ipynb", notebook)], {}) == 0
    book = Gradebook.of(tmp_path)
    book.save("hw2", "q3a_answer", {"ada": 0}, Mark((), 4), 5, "ta1")
    assert note_batch(tmp_path, [("hw2", "ada", "/s/ada.ipynb", notebook)], {}) == 0
    changed = {"cells": [{"source": "x = 2"}]}
    assert note_batch(tmp_path, [("hw2", "ada", "/s/ada.ipynb", changed)], {}) == 1
    (stale,) = book.stale("hw2")
    assert stale.student == "ada" and stale.points == 4  # kept, and marked


def test_a_saved_grade_is_on_disk_when_save_returns(book: Gradebook) -> None:
    book.save("hw2", "q3a_answer", {"ada": 0}, Mark((), 4), 5, "ta1")
    with sqlite3.connect(book.path) as db:  # another connection, as after a crash
        assert db.execute("SELECT points FROM grades").fetchall() == [(4.0,)]


def test_a_grade_is_cleared_only_from_its_current_version(book: Gradebook) -> None:
    book.save("hw2", "q3a_answer", {"ada": 0}, Mark((), 4), 5, "ta1")
    assert not book.clear("hw2", "q3a_answer", "ada", 0, "ta2")
    assert book.clear("hw2", "q3a_answer", "ada", 1, "ta2")
    assert book.grades("hw2") == {}
    assert [c["action"] for c in book.history("hw2")] == ["grade", "clear"]
