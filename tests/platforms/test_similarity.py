"""Code similarity: two demo students who share code (one renamed the variables) are the top
pair; a pair that shares only the released template's code (and the class's right answers)
is not listed; the class page shows the shared code side by side, the students' pages never."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import nbformat
from fakes import FakeRunner
from layouts_support import answer_namespace
from report.nuchecker import validate

from graders.discover import discover
from graders.model.questions import Homework
from graders.pipeline import Settings, grade_batch
from graders.platforms.intake import take_in, write_ledgers
from graders.platforms.review import WORDS
from graders.platforms.roster import read_roster
from graders.platforms.similarity import similar_pairs
from graders.student.release import fill_answers, release_notebook

ROOT = Path(__file__).resolve().parents[2]
RENAMES = {"net": "z_values", "out": "activations", "p": "params", "grad": "gradients"}


def _renamed(source: str) -> str:
    for old, new in RENAMES.items():
        source = re.sub(rf"\b{old}\b", new, source)
    return source


def _class(tmp: Path, homework: Homework) -> Path:
    """hw1's demos, a copy of ``correct`` with its variables renamed, and two students who
    handed in the released notebook with the right answers typed in (the same answers)."""
    folder = tmp / "subs" / "hw1"
    folder.mkdir(parents=True)
    for demo in ("correct", "seed-student"):
        (folder / f"{demo}.ipynb").write_bytes(
            (ROOT / "submissions/hw1" / f"{demo}.ipynb").read_bytes()
        )
    copied = nbformat.read(str(ROOT / "submissions/hw1/correct.ipynb"), as_version=4)
    for cell in copied.cells:
        if cell.cell_type == "code":
            cell.source = _renamed(cell.source)
    assert "z_values" in "".join(c.source for c in copied.cells)
    nbformat.write(copied, str(folder / "copier.ipynb"))
    answers: dict[str, str] = {}
    for question in homework.questions:
        for part in question.parts:
            answers.update({k: repr(v) for k, v in part.solve(homework.params).items()})
    filled = fill_answers(release_notebook(homework), answers)
    for student in ("template-one", "template-two"):
        nbformat.write(filled, str(folder / f"{student}.ipynb"))
    return tmp / "subs"


def test_the_renamed_copy_is_the_top_pair_and_template_pairs_are_not_listed(
    books: Mapping[str, Homework], tmp_path: Path
) -> None:
    homework = books["hw1"]
    subs = discover(_class(tmp_path, homework) / "hw1", books.keys())
    pairs = similar_pairs(subs, homework)
    assert pairs, "the copy is found"
    top = pairs[0]
    assert {top.left.student, top.right.student} == {"copier", "correct"}
    assert top.similarity > 0.9
    listed = {s for p in pairs for s in (p.left.student, p.right.student)}
    assert not listed & {"template-one", "template-two"}


def test_the_class_page_shows_the_pair_side_by_side_and_no_student_page_does(
    books: Mapping[str, Homework], tmp_path: Path
) -> None:
    source = _class(tmp_path, books["hw1"])
    out = tmp_path / "reports"
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\ncorrect,Ali\ncopier,Bita\nseed-student,Cyrus\nabsent,Dara\n")
    intake = take_in(source, books.keys(), read_roster(roster), None, out / ".intake")
    write_ledgers(out, intake)
    runner = FakeRunner(answer_namespace)
    grade_batch(intake.submissions, books, runner, Settings(out), lambda line: None)
    page = (out / "hw1" / "index.html").read_text("utf-8")
    review = page.split('id="review"', 1)[1]
    first = re.search(r'class="review-pair" data-students="([^"]+)"', review)
    assert first is not None and first.group(1) == "copier correct"
    side = review.split('class="side-by-side" data-students="copier correct"', 1)[1]
    assert "<mark>" in side.split("</details>", 1)[0]
    assert "template-one" not in review
    intake_section = page.split('id="intake"', 1)[1].split("</section>", 1)[0]
    assert 'data-student="absent"' in intake_section  # on the roster, nothing handed in
    assert 'data-student="template-one"' in intake_section  # handed in, not on the roster
    for student in ("copier", "correct", "template-one"):
        html = (out / "hw1" / f"{student}.html").read_text("utf-8")
        assert 'id="review"' not in html and "<mark>" not in html
    assert validate([out / "hw1" / "index.html"]) == []


def test_the_persian_class_page_has_the_review_in_persian(
    books: Mapping[str, Homework], tmp_path: Path
) -> None:
    source = _class(tmp_path, books["hw1"])
    out = tmp_path / "reports"
    subs = discover(source, books.keys())
    settings = Settings(out, lang="fa")
    grade_batch(subs, books, FakeRunner(answer_namespace), settings, lambda line: None)
    page = (out / "hw1" / "index.html").read_text("utf-8")
    assert WORDS["fa"]["review"] in page and WORDS["en"]["review"] not in page
    assert validate([out / "hw1" / "index.html"]) == []
