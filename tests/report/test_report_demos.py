"""Every demo submission graded for real, its reports rendered in English and Persian, and
each page checked against its JSON record: every question and answer, the verdict badges, the
expected and given answers, the marked table cells and the formulas of derivation steps."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from graders.checks.derivation import Derivation
from graders.model.questions import Homework
from graders.report.i18n import messages
from report.dom import Node, parse
from report.nuchecker import validate

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _words(text: str) -> str:
    return " ".join(text.split())


def _steps(homework: Homework) -> set[str]:
    return {
        item.variable
        for q in homework.questions
        for part in q.parts
        if isinstance(part, Derivation)
        for item in part.items
    }


def _check_student_page(page: Node, record: dict[str, Any], homework: Homework, lang: str) -> None:
    t = messages(lang)
    html = page.find("html")
    assert (html.attrs["lang"], html.attrs["dir"]) == (lang, t.dir)
    tests = {test["variable"]: test for test in record["tests"]}
    steps = _steps(homework)
    for question in homework.questions:
        section = page.find("section", "question", id=question.id)
        for item in question.items:
            test = tests[item.variable]
            row = section.find("tr", "item", data_variable=item.variable)
            assert row.attrs["data-verdict"] == test["verdict"], item.variable
            assert row.find("span", f"v-{test['verdict']}").text() == t.verdict(test["verdict"])
            given, expected = row.find("td", "given"), row.find("td", "expected")
            wrong = test["extra"].get("wrong")
            if "cells" in test["extra"] and "expected" in test["extra"]:
                detail = section.find("tr", "detail", data_variable=item.variable)
                marked = detail.find_all("td", "wrong")
                flat = json.dumps(wrong)
                assert len(marked) == (flat.count("true") if wrong else 0), item.variable
            else:
                assert _words(test["given"] or t("no_answer")) in _words(given.text())
                assert _words(test["expected"] or t("no_answer")) in _words(expected.text())
            if item.variable in steps:
                assert len(row.find_all("math")) == 1, item.variable


def test_every_demo_report_shows_every_answer(
    demo_reports: dict[str, Path], books: Mapping[str, Homework]
) -> None:
    seen = 0
    for lang, out in demo_reports.items():
        for path in sorted(out.glob("*/*.json")):
            record = json.loads(path.read_text(encoding="utf-8"))
            if record.get("assignment") != path.parent.name:
                continue  # another file the grader keeps beside the reports
            homework = books[record["assignment"]]
            page = parse(path.with_suffix(".html").read_text(encoding="utf-8"))
            _check_student_page(page, record, homework, lang)
            seen += 1
        for assignment in {p.parent.name for p in out.glob("*/*.json")}:
            page = parse((out / assignment / "index.html").read_text(encoding="utf-8"))
            records = [json.loads(p.read_text()) for p in (out / assignment).glob("*.json")]
            records = [r for r in records if r.get("assignment") == assignment]
            rows = page.find("section", id="students").find("tbody").find_all("tr")
            assert len(rows) == len(records)
            bars = page.find("section", id="distribution").find_all("rect", "bar")
            counts = [int(bar.find("title").text().rsplit(":", 1)[1]) for bar in bars]
            assert sum(counts) == len(records)
            failed = page.find("section", id="failed").find_all("li")
            assert len(failed) == sum(1 for r in records if not r["ran"])
    demos = len(list((ROOT / "submissions").glob("*/*.ipynb")))
    assert seen == 2 * demos


def test_every_demo_page_is_valid_html(demo_reports: dict[str, Path]) -> None:
    pages = [p for out in demo_reports.values() for p in sorted(out.rglob("*.html"))]
    assert validate(pages) == []
