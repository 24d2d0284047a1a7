"""Student ids (file names), answers and cell outputs carrying HTML, ``javascript:`` URLs or
spreadsheet formulas reach the pages as text and ``grades.csv`` and the overrides rows as
neutralised cells (OWASP's CSV injection advice: a leading ``'``), and the overrides rows still
grade the student they name when a person fills them in."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import nbformat
import pytest
from fakes import FakeRunner

from graders.execute import CellRun, CellStatus, Execution, ExecutionJob
from graders.model.overrides import parse_overrides
from graders.model.questions import Homework
from graders.pipeline import Settings, run_batch
from graders.report.spreadsheet import uncell
from graders.student.release import release_notebook

STUDENTS = (
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    '=HYPERLINK("http:\\\\evil.example","click")',
    "+cmd|' -c calc'!A0",
    "@SUM(1+1)",
    "-2+3",
)
ANSWER = '<script>alert("a")</script> =HYPERLINK("http://evil.example") javascript:alert(3)'
OUTPUT = '<img src=y onerror=alert("o")><a href="javascript:alert(4)">x</a>'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class PrintingRunner(FakeRunner):
    """A fake kernel whose every cell printed ``OUTPUT``."""

    def run(self, job: ExecutionJob) -> Execution:
        execution = super().run(job)
        cells = tuple(
            CellRun(c.index, c.source, CellStatus.OK, OUTPUT, "") for c in execution.cells
        )
        return replace(execution, cells=cells)


@pytest.fixture(scope="module")
def out(hw4: Homework, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("hostile-text")
    (root / "hw4").mkdir()
    for student in STUDENTS:
        nbformat.write(release_notebook(hw4), str(root / "hw4" / f"{student}.ipynb"))
    runner = PrintingRunner(lambda nb: {"q1_answer": ANSWER, "e1_h1": 1.3})
    summary = run_batch(root, {"hw4": hw4}, runner, Settings(root / "out"), lambda s: None)
    assert sorted(r.student for r in summary.results) == sorted(STUDENTS)
    yield root / "out"


def _pages(out: Path) -> Iterator[tuple[Path, str]]:
    for path in sorted(out.rglob("*.html")):
        yield path, path.read_text(encoding="utf-8")


def test_no_page_holds_markup_or_a_link_of_the_students(out: Path) -> None:
    for path, page in _pages(out):
        # each tag with its quoted attribute values emptied: what is left is markup
        tags = [
            re.sub(r"\"[^\"]*\"|'[^']*'", '""', t) for t in re.findall(r"<[a-zA-Z][^>]*>", page)
        ]
        assert not [t for t in tags if re.search(r"\bon[a-z]+\s*=", t, re.I)], path
        assert not [t for t in tags if re.match(r"<img\b", t, re.I)], path
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page, re.S | re.I)
        assert not [s for s in scripts if "alert(" in s], path
        links = re.findall(r"""(?:href|src)\s*=\s*["']?([^"'\s>]*)""", page, re.I)
        assert not [u for u in links if re.match(r"\s*[a-z][a-z0-9+.-]*:", u, re.I)], path


def test_the_students_text_is_shown_as_text(out: Path) -> None:
    index = html.unescape((out / "hw4" / "index.html").read_text("utf-8"))
    for student in STUDENTS:
        assert student in index
    page = html.unescape((out / "hw4" / "javascript:alert(1).html").read_text("utf-8"))
    assert ANSWER in page and OUTPUT in page


def test_the_class_page_links_reach_the_students_pages(out: Path) -> None:
    page = (out / "hw4" / "index.html").read_text("utf-8")
    links = {html.unescape(u) for u in re.findall(r'href="([^"#]+\.html)', page)}
    for link in links - {"../index.html"}:
        assert (out / "hw4" / unquote(link)).is_file(), link


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _no_formula(rows: list[list[str]]) -> None:
    for cells in rows:
        for value in cells:
            assert not value.startswith(FORMULA_START) or re.fullmatch(r"-?[\d.]+", value), value


def test_the_gradebook_neutralises_every_formula(out: Path) -> None:
    rows = _rows((out / "hw4" / "grades.csv").read_text("utf-8"))
    _no_formula(rows)
    assert sorted(uncell(r[0]) for r in rows[1:]) == sorted(STUDENTS)


def test_overrides_rows_are_neutralised_and_still_grade_their_student(
    out: Path, hw4: Homework
) -> None:
    page = html.unescape((out / "hw4" / "index.html").read_text("utf-8"))
    found = re.findall(r'<code class="override-row" dir="ltr">(.*?)</code>', page, re.S)
    rows = _rows("\n".join(found))
    assert len(rows) >= len(STUDENTS)
    _no_formula(rows)
    filled = "assignment,student,item,points,comment\n" + "\n".join(
        line.rstrip(",") + ",1.5,ok" for line in found
    )
    overrides = parse_overrides(filled)
    assert not overrides.problems
    for student in STUDENTS:
        found_override: Any = overrides.find("hw4", student, "q1_answer")
        assert found_override is not None and found_override.points == 1.5, student
