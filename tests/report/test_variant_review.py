"""Answers that match a classmate's variant: listed on the class page for a person, in both
languages, and never on a student's page."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
import pytest
from fakes import FakeRunner

from graders.model.parts import NumberPart
from graders.model.questions import Homework, Item, Names, Question, Variation
from graders.model.variants import variant_params
from graders.pipeline import Settings, run_batch
from graders.report.i18n import messages
from graders.student.release import release_notebook
from report.classbook import Graded
from report.dom import Node, parse
from report.nuchecker import validate

SECRET = "a phrase only the staff know"
MULTIPLES = (2, 3, 5)


def _draw(rng: random.Random) -> dict[str, float]:
    return {"a": float(rng.randint(2, 10_000))}


def _multiple(k: int) -> NumberPart:
    return NumberPart(Item(f"x{k}", f"{k} times a", 1.0), lambda params: k * params["a"])


def small_homework() -> Homework:
    """Three numbers, each a multiple of the student's own ``a``."""
    parts = tuple(_multiple(k) for k in MULTIPLES)
    question = Question("var.q1", "Multiples of a", "Give 2a, 3a and 5a.", parts)
    return Homework(
        "var",
        "Variants",
        (question,),
        {"a": 1.0},
        variation=Variation(draw=_draw),
        persian=Names(
            "نسخه‌های شخصی",
            {"var.q1": "مضرب‌های a"},
            {f"x{k}": f"مقدار {k} برابرِ a" for k in MULTIPLES},
        ),
    )


def _own(homework: Homework, student: str) -> dict[str, float]:
    """A student's right answers, computed here from their own ``a``."""
    a = variant_params(homework, SECRET, student)["a"]
    return {f"x{k}": k * a for k in MULTIPLES}


def _grade(tmp: Path, lang: str, secret: str = SECRET) -> tuple[Homework, dict[str, Any], Path]:
    homework = small_homework()
    answers = {s: _own(homework, s) for s in ("amir", "bita", "cyrus")}
    answers["amir"] = dict(answers["bita"])  # amir hands in bita's numbers
    for student in answers:
        path = tmp / "subs" / "var" / f"{student}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nb = release_notebook(homework)
        nb.metadata["grader"]["student"] = student
        nbformat.write(nb, str(path))

    def pick(nb: Any) -> Mapping[str, Any]:
        return answers[nb.metadata["grader"]["student"]]

    out = tmp / f"reports-{lang}"
    run_batch(
        tmp / "subs",
        {"var": homework},
        FakeRunner(pick),
        Settings(out, lang=lang, secret=secret),
        lambda line: None,
    )
    return homework, answers, out


def _page(path: Path) -> Node:
    return parse(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_class_page_lists_who_matches_whose_variant(tmp_path: Path, lang: str) -> None:
    homework, answers, out = _grade(tmp_path, lang)
    own = {s: _own(homework, s) for s in answers}
    assert own["amir"] != own["bita"]  # distinct variants, or there is nothing to find
    matches = json.loads((out / "var" / "variant_matches.json").read_text())["matches"]
    assert [(m["student"], m["other"]) for m in matches] == [("amir", "bita")]

    t = messages(lang)
    section = _page(out / "var" / "index.html").find("section", id="variant-matches")
    assert section.find("h2").text() == t("class.variants")
    rows = section.find_all("tr", "variant-match")
    assert [(r.attrs["data-student"], r.attrs["data-other"]) for r in rows] == [("amir", "bita")]
    cells = rows[0].find_all("td")
    assert cells[0].find("a").attrs["href"] == "amir.html"
    assert cells[1].find("a").text() == "bita"
    listed = {li.attrs["data-variable"]: li for li in cells[2].find_all("li")}
    assert set(listed) == {f"x{k}" for k in MULTIPLES}
    names = homework.names(lang)
    for variable, li in listed.items():
        assert li.find("bdi").text() == names.items[variable]  # the page language's label
        assert float(li.find("bdi", "mono").text()) == pytest.approx(own["bita"][variable])
    for student in answers:  # a signal for a person, never shown to a student
        text = (out / "var" / f"{student}.html").read_text(encoding="utf-8")
        assert t("class.variants") not in text and "variant-match" not in text


def test_without_the_secret_nothing_is_matched_and_the_page_says_so(tmp_path: Path) -> None:
    _, _, out = _grade(tmp_path, "en", secret="")
    assert json.loads((out / "var" / "variant_matches.json").read_text()) == {"matches": []}
    section = _page(out / "var" / "index.html").find("section", id="variant-matches")
    assert not section.find_all("tr", "variant-match")
    assert messages("en")("class.variants_none") in section.text()
    assert section.find("code").text() == "--secret"


def test_a_homework_without_variants_has_no_such_list(graded_en: Graded) -> None:
    hw2 = _page(graded_en.out / "hw2" / "index.html")  # HW2 gives everyone the same numbers
    assert not hw2.find_all("section", id="variant-matches")


def test_the_pages_with_the_list_are_valid_html(tmp_path: Path) -> None:
    pages = []
    for lang in ("en", "fa"):
        _, _, out = _grade(tmp_path / lang, lang)
        pages += sorted(out.rglob("*.html"))
    assert validate(pages) == []
