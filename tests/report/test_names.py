"""Question titles and item labels in the page's language: Persian under ``--lang fa``,
English by default and wherever a Persian name is missing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from graders.model.answers import Status, Verdict
from graders.model.questions import Homework, Names
from graders.model.results import SubmissionResult
from graders.report.i18n import text_direction
from graders.report.reporter import Reporter
from graders.score import score
from report.classbook import Graded
from report.dom import Node, parse

ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF]")


def _words(text: str) -> str:
    """``text``'s words: the isolates a page sets around formulas (LRI, PDI) are layout."""
    return " ".join(text.replace("\u2066", "").replace("\u2069", "").split())


def _persian(text: str) -> bool:
    return bool(ARABIC_SCRIPT.search(text))


def test_every_question_and_item_of_every_homework_has_a_persian_name(
    books: Mapping[str, Homework],
) -> None:
    assert sorted(books) == ["hw1", "hw2", "hw3", "hw4", "hw6"]
    for homework in books.values():
        persian = homework.persian
        questions = {q.id: q.title for q in homework.questions}
        items = {i.variable: i.label for i in homework.items}
        assert set(persian.questions) == set(questions), homework.id  # none missing, none stale
        assert set(persian.items) == set(items), homework.id
        named = {
            homework.id: (persian.title, homework.title),
            **{k: (persian.questions[k], english) for k, english in questions.items()},
            **{k: (persian.items[k], english) for k, english in items.items()},
        }
        for key, (fa, en) in named.items():
            assert _persian(fa) and fa != en, (homework.id, key, fa)
            # written right to left as a whole, though formulas and names sit inside
            assert text_direction(fa) == "rtl", (homework.id, key, fa)
            assert "ي" not in fa and "ك" not in fa, (homework.id, key)  # Persian ye and kaf


def test_english_is_the_default_and_fills_in_a_missing_persian_name(
    books: Mapping[str, Homework],
) -> None:
    hw4 = books["hw4"]
    q1, q2 = hw4.questions[0].id, hw4.questions[1].id
    first = hw4.questions[1].items[0]
    partial = replace(
        hw4,
        persian=Names(
            title="",
            questions={q1: hw4.persian.questions[q1]},
            items={first.variable: hw4.persian.items[first.variable]},
        ),
    )
    fa = partial.names("fa")
    assert fa.title == hw4.title
    assert fa.questions[q1] == hw4.persian.questions[q1]
    assert fa.questions[q2] == hw4.questions[1].title
    assert fa.items[first.variable] == hw4.persian.items[first.variable]
    second = hw4.questions[1].items[1]
    assert fa.items[second.variable] == second.label
    en = hw4.names()
    assert en.title == hw4.title and en == hw4.names("en")
    assert en.questions == {q.id: q.title for q in hw4.questions}
    assert en.items == {i.variable: i.label for i in hw4.items}
    bare = Homework("x", "X", hw4.questions, {})
    assert bare.names("fa") == bare.names("en")


def _label_cell(page: Node, variable: str) -> Node:
    return page.find("tr", "item", data_variable=variable).find("td", "label")


def test_persian_pages_show_persian_titles_and_labels_and_no_english_title(
    graded_fa: Graded, books: Mapping[str, Homework]
) -> None:
    for result in graded_fa.summary.results:
        homework = books[result.assignment]
        page = parse(graded_fa.page(result.assignment, result.student))
        overview = page.find("section", id="overview")
        headings = [page.find("h1"), overview, *page.find_all("h2"), *page.find_all("h3")]
        # where the page names things (answers and prompts may quote a title's words)
        named = _words(" ".join(node.text() for node in headings))
        assert _words(homework.persian.title) in _words(page.find("h1").text())
        for question in homework.questions:
            fa = homework.persian.questions[question.id]
            heading = page.find("section", "question", id=question.id).find("h2")
            assert _words(fa) in _words(heading.text())
            assert _words(fa) in _words(overview.find("a", href=f"#{question.id}").text())
            assert heading.find("bdi").attrs["dir"] == "rtl"
            assert _words(question.title) not in named, question.title
            for item in question.items:
                cell = _label_cell(page, item.variable)
                label = cell.find("bdi")
                assert _words(label.text()) == _words(homework.persian.items[item.variable])
                assert label.attrs["dir"] == "rtl"
        assert _words(homework.title) not in named


def test_every_homework_renders_in_persian_with_its_own_names(
    tmp_path: Path, books: Mapping[str, Homework]
) -> None:
    for homework in books.values():
        verdicts = {v: Verdict(Status.MISSING, 0.0) for v in homework.variables}
        questions = score(homework, verdicts, "sara")
        result = SubmissionResult(homework.id, "sara", "sara.ipynb", questions, None)
        reporter = Reporter(tmp_path, books, "fa")
        page = parse(reporter.student_page(result, homework))
        assert _words(page.find("h1").text()).startswith(_words(homework.persian.title))
        for question in homework.questions:
            heading = page.find("section", "question", id=question.id).find("h2").find("bdi")
            assert _words(heading.text()) == _words(homework.persian.questions[question.id])
            assert heading.attrs["dir"] == "rtl"
            for item in question.items:
                label = _label_cell(page, item.variable).find("bdi")
                assert _words(label.text()) == _words(homework.persian.items[item.variable])


def test_english_pages_keep_the_english_titles_and_labels(
    graded_en: Graded, books: Mapping[str, Homework]
) -> None:
    for result in graded_en.summary.results:
        homework = books[result.assignment]
        page = parse(graded_en.page(result.assignment, result.student))
        assert not _persian(page.find("h1").text())
        for question in homework.questions:
            heading = page.find("section", "question", id=question.id).find("h2")
            assert _words(question.title) in _words(heading.text())
            for item in question.items:
                label = _label_cell(page, item.variable).find("bdi")
                assert _words(label.text()) == _words(item.label)
                assert not _persian(label.text())


def test_a_missing_persian_label_falls_back_to_english_on_the_page(
    graded_fa: Graded, books: Mapping[str, Homework]
) -> None:
    hw4 = books["hw4"]
    result = next(r for r in graded_fa.summary.results if r.assignment == "hw4")
    missing = hw4.questions[1].items[2]
    items = {k: v for k, v in hw4.persian.items.items() if k != missing.variable}
    homework = replace(hw4, persian=replace(hw4.persian, items=items))
    page = parse(Reporter(graded_fa.out, {"hw4": homework}, "fa").student_page(result, homework))
    label = _label_cell(page, missing.variable).find("bdi")
    assert _words(label.text()) == _words(missing.label) and label.attrs["dir"] == "ltr"
    other = hw4.questions[1].items[3]
    assert _words(_label_cell(page, other.variable).text()).startswith(
        _words(hw4.persian.items[other.variable])
    )


def test_class_and_index_pages_name_questions_and_answers_in_the_page_language(
    graded: Graded, books: Mapping[str, Homework]
) -> None:
    fa = graded.lang == "fa"
    hw4 = books["hw4"]
    page = parse((graded.out / "hw4" / "index.html").read_text(encoding="utf-8"))
    names = hw4.names(graded.lang)
    assert _words(page.find("h1").text()) == _words(names.title)
    for question in hw4.questions:
        row = page.find("section", id="questions").find("tr", data_question=question.id)
        assert _words(names.questions[question.id]) in _words(row.text())
        assert (_words(question.title) in _words(row.text())) is not fa
    waiting = page.find("section", id="manual").find_all("tr", "waiting")
    assert waiting
    for row in waiting:
        label = row.find("td").find("div", "meta").text()
        assert _words(label) == _words(names.items[row.attrs["data-variable"]])
        assert _persian(label) is fa
    shared = page.find("section", id="shared").find("tr", "shared-answer").find("bdi")
    assert _persian(shared.text()) is fa
    index = parse((graded.out / "index.html").read_text(encoding="utf-8"))
    assert _words(names.title) in _words(index.text())


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_names_come_from_the_language_asked(books: Mapping[str, Homework], lang: str) -> None:
    for homework in books.values():
        names = homework.names(lang)
        assert all(_persian(v) is (lang == "fa") for v in names.items.values()), homework.id
