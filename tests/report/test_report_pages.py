"""The pages of a small class graded with the fake runner: structure, in English and Persian."""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graders.checks.derivation import Derivation
from graders.checks.numeric import first_difference
from graders.model.answers import Status
from graders.model.overrides import parse_overrides
from graders.model.questions import Homework
from graders.report.i18n import ENGLISH, PERSIAN, messages
from report.classbook import (
    OVERRIDE_COMMENT,
    PERSIAN_ANSWER,
    SHARED_WRONG,
    SLIPPED_STEP,
    WRONG_CELL,
    Graded,
    backprop_by_hand,
    dropout_tables,
    grade_class,
)
from report.dom import Node, parse


def _record(graded: Graded, assignment: str, student: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (graded.out / assignment / f"{student}.json").read_text(encoding="utf-8")
    )
    return data


def _words(text: str) -> str:
    return " ".join(text.split())


def _row(page: Node, variable: str) -> Node:
    return page.find("tr", "item", data_variable=variable)


def test_every_question_item_and_verdict_is_on_every_student_page(
    graded: Graded, books: Mapping[str, Homework]
) -> None:
    t = messages(graded.lang)
    for result in graded.summary.results:
        page = parse(graded.page(result.assignment, result.student))
        html = page.find("html")
        assert (html.attrs["lang"], html.attrs["dir"]) == (t.lang, t.dir)
        record = _record(graded, result.assignment, result.student)
        tests = {test["variable"]: test for test in record["tests"]}
        for question in books[result.assignment].questions:
            section = page.find("section", "question", id=question.id)
            for item in question.items:
                test = tests[item.variable]
                row = _row(section, item.variable)
                assert row.attrs["data-verdict"] == test["verdict"]
                badge = row.find("span", f"v-{test['verdict']}")
                assert "badge" in badge.classes and badge.text() == t.verdict(test["verdict"])
                given, expected = row.find("td", "given"), row.find("td", "expected")
                if not test["extra"].get("shape"):  # tables are drawn below the row
                    assert _words(test["given"] or t("no_answer")) in _words(given.text())
                    assert _words(test["expected"] or t("no_answer")) in _words(expected.text())
                points = row.find("td", "num").text()
                mark = t("pending", points=f"{test['max_score']:g}") if test["pending"] else ""
                assert _words(points) == f"{test['score']:g} / {test['max_score']:g}{mark}"
        total = page.find(id="total").text()
        assert f"{result.score:g} / {result.max_score:g}" in total
        assert (t("pending", points=f"{result.pending:g}") in total) == bool(result.pending)


def _derivation(homework: Homework) -> Derivation:
    return next(p for q in homework.questions for p in q.parts if isinstance(p, Derivation))


def test_derivation_steps_show_their_formula_as_mathml(
    graded: Graded, books: Mapping[str, Homework]
) -> None:
    steps = [i.variable for i in _derivation(books["hw4"]).items]
    page = parse(graded.page("hw4", "ben"))
    for name in steps:
        maths = _row(page, name).find_all("math")
        assert len(maths) == 1, name
        assert maths[0].attrs["dir"] == "ltr" and maths[0].find_all("mo")
    # h1 = i1*w1 + i2*w2: the subscripted parameters, and the step's own name on the left
    h1 = _row(page, "e1_h1").find("math")
    pairs = sorted(
        tuple(c.text() for c in sub.children if isinstance(c, Node)) for sub in h1.find_all("msub")
    )
    assert pairs == [("i", "1"), ("i", "2"), ("w", "1"), ("w", "2")]
    # the step's own name on the left, in the course's notation: h₁⁽¹⁾
    head = h1.find("msubsup")
    assert [c.text() for c in head.children if isinstance(c, Node)] == ["h", "1", "(1)"]


def test_derivation_formulas_read_in_the_course_notation_and_order(
    graded: Graded, books: Mapping[str, Homework]
) -> None:
    """Not sympy's order with the notebook's names (``e1_w1 = −e1_dw1·η + w1``), but the
    course's: w₁⁽¹⁾ = w₁ − η·∂L⁽¹⁾/∂w₁, L⁽¹⁾ = (y − ŷ⁽¹⁾)²."""
    steps = [i.variable for i in _derivation(books["hw4"]).items]
    page = parse(graded.page("hw4", "ben"))
    said = {name: _row(page, name).find("math").attrs["alttext"] for name in steps}
    assert (
        said["e1_w1"] == r"w_{1}^{(1)} = w_{1} - \eta \cdot \frac{\partial L^{(1)}}{\partial w_{1}}"
    )
    assert said["e1_loss"] == r"L^{(1)} = \left(y - \hat{y}^{(1)}\right)^{2}"
    assert said["e2_w6"].startswith(r"w_{6}^{(2)} = w_{6}^{(1)} - \eta")
    assert said["e1_dw1"].endswith(r"\cdot w_{5} \cdot i_{1}")
    for name, text in said.items():
        assert "e1_" not in text and "e2_" not in text, name
        math = _row(page, name).find("math")
        assert not [mi for mi in math.find_all("mi") if "_" in mi.text()], name


def test_the_path_marks_where_the_student_left_it_and_what_followed(
    graded: Graded, books: Mapping[str, Homework]
) -> None:
    t = messages(graded.lang)
    params = books["hw4"].params
    clean, slipped = backprop_by_hand(params), backprop_by_hand(params, slip=SLIPPED_STEP)
    steps = [i.variable for i in _derivation(books["hw4"]).items]
    page = parse(graded.page("hw4", "ben"))
    rows = {name: _row(page, name) for name in steps}
    left = [name for name, row in rows.items() if "role-left" in row.classes]
    assert left == [SLIPPED_STEP]
    assert rows[SLIPPED_STEP].attrs["data-verdict"] == "incorrect"
    before = steps[: steps.index(SLIPPED_STEP)]
    assert all(rows[name].attrs["data-verdict"] == "correct" for name in before)
    untouched = [n for n in steps if n != SLIPPED_STEP and clean[n] == slipped[n]]
    touched = [n for n in steps if n != SLIPPED_STEP and clean[n] != slipped[n]]
    assert all(rows[n].attrs["data-verdict"] == "correct" for n in untouched)
    assert {rows[n].attrs["data-verdict"] for n in touched} <= {"correct", "follow-through"}
    follow = [n for n, row in rows.items() if "role-follow" in row.classes]
    assert follow == [n for n in touched if rows[n].attrs["data-verdict"] == "follow-through"]
    assert follow, "the slip must carry into later steps"
    path = page.find("div", "path")
    assert _words(t("path.follow", count=len(follow))) in _words(path.text())
    chips = path.find_all("span", "step")
    assert len(chips) == len(steps)
    assert [i for i, c in enumerate(chips) if "left" in c.classes] == [steps.index(SLIPPED_STEP)]
    fed = rows[SLIPPED_STEP].find("div", "fed").text()
    assert "e1_dw6" in fed and "eta = 0.1" in fed


def test_a_named_mistake_is_named(graded: Graded, books: Mapping[str, Homework]) -> None:
    t = messages(graded.lang)
    page = parse(graded.page("hw4", "cy"))
    note = _row(page, "e1_w1").find("div", "mistake")
    assert note.attrs["data-mistake"] == "update-sign"
    if graded.lang == "fa":  # the declaration's Persian explanation, not the English one
        sign = next(m for m in books["hw4"].mistakes().values() if m.id == "update-sign")
        feedback = _row(page, "e1_w1").find("td", "feedback").text()
        assert _words(t.mistake(sign.explanation, sign.persian)) in _words(feedback)
        assert _words(sign.explanation) not in _words(feedback)


def _grid(cell_rows: list[Node]) -> list[list[Node]]:
    return [row.find_all("td") for row in cell_rows]


def test_tables_are_drawn_side_by_side_with_wrong_cells_marked(graded: Graded) -> None:
    page = parse(graded.page("hw2", "ben"))
    detail = page.find("tr", "detail", data_variable="q1c_inverted_train")
    given_table, expected_table = detail.find_all("table", "grid")
    given = _grid(given_table.find_all("tr"))
    expected = _grid(expected_table.find_all("tr"))
    reference = dropout_tables()["q1c_inverted_train"]
    assert len(given) == len(expected) == reference.shape[0]
    wrong = [(r, c) for r, row in enumerate(given) for c, cell in enumerate(row) if cell.classes]
    assert wrong == [WRONG_CELL] and "wrong" in given[WRONG_CELL[0]][WRONG_CELL[1]].classes
    marked = [
        (r, c) for r, row in enumerate(expected) for c, cell in enumerate(row) if cell.classes
    ]
    assert marked == [WRONG_CELL]
    shown = np.array([[float(cell.text()) for cell in row] for row in expected])
    assert np.allclose(shown, reference, rtol=1e-3)
    assert float(given[WRONG_CELL[0]][WRONG_CELL[1]].text()) == pytest.approx(
        reference[WRONG_CELL] + 1.0, rel=1e-3
    )
    transposed = page.find("tr", "detail", data_variable="q1c_standard_test")
    assert transposed.find("strong", "diagnosis").text() == "table.transposed"


def test_persian_pages_use_the_catalogue_and_keep_formulas_left_to_right(
    graded_fa: Graded,
) -> None:
    persian = set(PERSIAN.values())
    for result in graded_fa.summary.results:
        page = parse(graded_fa.page(result.assignment, result.student))
        headings = {_words(th.text()) for th in page.find_all("th")}
        assert headings <= persian, headings - persian
        assert all(m.attrs.get("dir") == "ltr" for m in page.find_all("math"))
        assert all(p.attrs.get("dir") == "ltr" for p in page.find_all("pre", "error-text"))
    answer = _row(parse(graded_fa.page("hw4", "ada")), "q1_answer").find("td", "given")
    prose = answer.find("div", "prose")
    # mostly Persian, though it starts with "Adam": right to left (dir="auto" would say left)
    assert prose.attrs["dir"] == "rtl" and _words(prose.text()) == _words(PERSIAN_ANSWER)
    t = messages("fa")
    ft = _row(parse(graded_fa.page("hw4", "ben")), "e2_y_hat").find("td", "feedback").text()
    test = next(x for x in _record(graded_fa, "hw4", "ben")["tests"] if x["variable"] == "e2_y_hat")
    should_give = test["extra"]["should_give"]
    assert _words(t("feedback.follow_through", value=should_give)) in _words(ft)


def test_english_pages_show_no_persian_interface_words(graded_en: Graded) -> None:
    english = set(ENGLISH.values())
    for result in graded_en.summary.results:
        page = parse(graded_en.page(result.assignment, result.student))
        headings = {_words(th.text()) for th in page.find_all("th")}
        assert headings <= english, headings - english


def test_pages_make_no_external_requests(graded: Graded) -> None:
    pages = sorted(graded.out.rglob("*.html"))
    assert len(pages) >= len(graded.summary.results) + 3  # students, two classes, the index
    for path in pages:
        page = parse(path.read_text(encoding="utf-8"))
        for node in page.walk():
            for name in ("src", "href", "action", "data", "poster", "srcset"):
                value = node.attrs.get(name, "")
                assert not re.match(r"\s*(https?:)?//", value), (path.name, node.tag, value)
        assert not page.find_all("link") and not page.find_all("img")
        assert not page.find_all("iframe") and not page.find_all("object")
        assert all("src" not in s.attrs for s in page.find_all("script"))
        assert "@import" not in path.read_text(encoding="utf-8")


def _class_page(graded: Graded, assignment: str) -> Node:
    return parse((graded.out / assignment / "index.html").read_text(encoding="utf-8"))


def test_class_page_histogram_means_and_verdict_shares(graded: Graded) -> None:
    records = [_record(graded, "hw4", s) for s in graded.answers["hw4"]]
    page = _class_page(graded, "hw4")
    svg = page.find("section", id="distribution").find("svg")
    bars = svg.find_all("rect", "bar")
    titles = [bar.find("title").text() for bar in bars]
    edges = [float(re.split("[–:]", title)[0]) for title in titles]
    edges.append(float(re.split("[–:]", titles[-1])[1]))
    counts = [int(title.rsplit(":", 1)[1]) for title in titles]
    expected, _ = np.histogram([r["score"] for r in records], bins=edges)
    assert counts == expected.tolist() and sum(counts) == len(records)
    heights = [float(bar.attrs["height"]) for bar in bars]
    tallest = max(counts)
    assert all(
        h == pytest.approx(heights[counts.index(tallest)] * c / tallest)
        for h, c in zip(heights, counts, strict=True)
    )
    for q in ("hw4.q1", "hw4.q2"):
        row = page.find("tr", data_question=q)
        mean = statistics.fmean(
            sum(t["score"] for t in r["tests"] if t["question"] == q) for r in records
        )
        assert f"{round(mean, 2):g} /" in row.find("td", "num").text()
        shown = {
            b.attrs["data-verdict"]: int(b.attrs["data-count"])
            for b in row.find_all("span", "badge")
        }
        assert sum(shown.values()) == len(records)  # each student once
        full = sum(
            all(t["verdict"] == "correct" for t in r["tests"] if t["question"] == q)
            for r in records
        )
        assert shown.get("correct", 0) == full


def test_class_page_names_common_mistakes_with_who_made_them(graded: Graded) -> None:
    page = _class_page(graded, "hw4")
    row = page.find("tr", data_mistake="update-sign")
    who = [a.text() for a in row.find("td", "who").find_all("a")]
    assert who == ["cy"]


def test_identical_rare_wrong_answers_are_listed_only_on_the_class_page(graded: Graded) -> None:
    page = _class_page(graded, "hw4")
    shared = page.find("section", id="shared").find_all("tr", "shared-answer")
    assert len(shared) == 1
    assert _words(shared[0].find("td", "answer").text()) == f"{SHARED_WRONG:g}"
    assert [a.text() for a in shared[0].find("td", "who").find_all("a")] == ["deniz", "elham"]
    title = messages(graded.lang)("class.shared")
    for student, other in (("deniz", "elham"), ("elham", "deniz")):
        text = graded.page("hw4", student)
        assert title not in text and other not in text


def test_answers_waiting_for_a_person_get_a_row_that_grades_them_when_filled_in(
    tmp_path: Path, books: Mapping[str, Homework], graded_en: Graded
) -> None:
    graded = graded_en
    page = _class_page(graded, "hw4")
    waiting = page.find("section", id="manual").find_all("tr", "waiting")
    assert sorted(r.attrs["data-student"] for r in waiting) == ["ada", "elham"]  # cy was graded
    rubric = page.find("section", id="manual").find("details").text()
    assert "Adam" in rubric  # the question's rubric is there for the grader
    rows = {r.attrs["data-student"]: r.find("code", "override-row").text() for r in waiting}
    assert parse_overrides("assignment,student,item,points,comment\n" + rows["ada"]).problems
    filled = rows["ada"].replace(",,", ",3.5,", 1) + '"Clear, with a reason"'
    overrides = parse_overrides("assignment,student,item,points,comment\n" + filled + "\n")
    assert not overrides.problems

    first = grade_class(tmp_path, books, graded.lang)
    before = _record(first, "hw4", "ada")["score"]
    header = "assignment,student,item,points,comment\n"
    again = grade_class(tmp_path, books, graded.lang, header + filled)
    assert again.summary.executed == 0 and again.summary.cached == len(first.summary.results)
    after = _record(again, "hw4", "ada")
    assert after["score"] == pytest.approx(before + 3.5)
    ada = parse(again.page("hw4", "ada"))
    row = _row(ada, "q1_answer")
    assert "Clear, with a reason" in row.text() and row.find("span", "v-override")
    assert f"{after['score']:g} / " in ada.find(id="total").text()
    remaining = _class_page(again, "hw4").find("section", id="manual").find_all("tr", "waiting")
    assert [r.attrs["data-student"] for r in remaining] == ["cy", "elham"]  # no override here


def test_a_person_graded_answer_shows_their_points_and_comment(graded: Graded) -> None:
    row = _row(parse(graded.page("hw4", "cy")), "q1_answer")
    assert OVERRIDE_COMMENT in row.text()
    assert row.find("td", "num").text().startswith("4 /")
    assert row.attrs["data-verdict"] == Status.MANUAL.value


def test_the_first_differing_digit_of_a_wrong_number_is_marked(graded: Graded) -> None:
    marked = 0
    for result in graded.summary.results:
        page = parse(graded.page(result.assignment, result.student))
        for test in _record(graded, result.assignment, result.student)["tests"]:
            given, expected = test["given"] or "", test["expected"] or ""
            at = first_difference(given, expected)
            if test["verdict"] == "correct" or at is None:
                continue
            row = _row(page, test["variable"])
            for cell, text in (("given", given), ("expected", expected)):
                mark = row.find("td", cell).find("mark", "digit")
                assert mark is not None and mark.text() == text[at], (test["variable"], cell)
            marked += 1
    assert marked  # the demo class has wrong numbers shown side by side


def test_question_prompts_are_rendered_markdown(graded: Graded) -> None:
    shown = 0
    for result in graded.summary.results:
        page = parse(graded.page(result.assignment, result.student))
        for prompt in page.find_all("div", "prompt"):
            if "md" in prompt.classes:
                assert "**" not in _prose(prompt), result.student
                shown += bool(prompt.find_all("strong") or prompt.find_all("code"))
    assert shown  # the demo prompts use bold and code


def _prose(node: Node) -> str:
    """The text of ``node`` outside code (where ``**`` is Python's power, shown as written)."""
    return "".join(
        c if isinstance(c, str) else "" if c.tag in ("code", "pre") else _prose(c)
        for c in node.children
    )


ENGLISH_LEFT = re.compile(r"\bUTC\b|\bbwrap\b|>\s*[a-z]+(?:-[a-z]+)+\s*<")  # words and mistake ids


def test_persian_pages_hold_no_english_where_persian_exists(graded: Graded) -> None:
    if graded.lang != "fa":
        pytest.skip("the Persian pages")
    fed = 0
    for result in graded.summary.results:
        html = graded.page(result.assignment, result.student)
        page = parse(html)
        shown = re.sub(r"<(code|pre|bdi class=\"value\")[^>]*>.*?</\1>", "", html, flags=re.S)
        assert not ENGLISH_LEFT.findall(shown), (result.student, ENGLISH_LEFT.findall(shown)[:5])
        assert "UTC" not in page.find("header").text() and "bwrap" not in page.find("header").text()
        for line in page.find_all("div", "fed"):
            text = line.text()
            assert "←" in text and "→" not in text  # read right to left
            fed += 1
    assert fed  # the demo class has wrong steps explained from the student's own values
