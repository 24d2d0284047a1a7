"""A variant student reads their own numbers: in the released notebook's prompts, on their
report page (English and Persian) and in the rubric and model answer of a written item.

HW2 and HW3 ship without a variation; a course that adds one (here: HW3's filters and
Inception branches, HW2's weight vectors in another order) must not show every student the
homework's default network, vectors or rubric.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import nbformat
import pytest
from fakes import FakeRunner

from graders.model.parts import TextPart
from graders.model.questions import Homework, Params, Variation
from graders.model.variants import Student, variant_params
from graders.pipeline import Settings, run_batch
from graders.student.public import write_variant_releases
from reference import catalogue
from reference.hw2 import WEIGHTS, q2c_rubric
from reference.hw3 import describe_branch, network_text

SECRET = "the staff's own phrase"
STUDENTS = (Student("s-one"), Student("s-two"), Student("s-three"))


def _hw3_draw(rng: random.Random) -> Params:
    filters = (rng.choice((8, 24)), rng.choice((40, 48)), rng.choice((80, 96)))
    wide = rng.choice((20, 28))
    branches = (
        (("conv", 1, wide),),
        (("conv", 1, 16), ("conv", 3, wide)),
        (("conv", 1, 16), ("conv", 5, 32)),
        (("pool", 3), ("conv", 1, 16)),
    )
    return {"filters": filters, "inc_branches": branches}


def _hw2_draw(rng: random.Random) -> Params:
    order = list(WEIGHTS)
    while order == list(WEIGHTS):
        rng.shuffle(order)
    return {"weights": tuple(order)}


def _varied(homework_id: str, questions: tuple[str, ...], draw: Any) -> Homework:
    """The catalogue's homework, cut to ``questions``, with a variation of its numbers."""
    homework = catalogue()[homework_id]
    kept = tuple(q for q in homework.questions if q.id in questions)
    return replace(homework, questions=kept, variation=Variation(draw=draw), setup="", warm=())


def _hw3() -> Homework:
    return _varied("hw3", ("hw3.q3", "hw3.q7"), _hw3_draw)


def _hw2() -> Homework:
    return _varied("hw2", ("hw2.q2",), _hw2_draw)


def _markdown(path: Path) -> str:
    notebook = nbformat.read(str(path), as_version=4)
    return "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")


def _network_lines(params: Params) -> list[str]:
    return [line.strip() for line in network_text(params).splitlines()]


def test_each_released_notebook_shows_its_students_network_and_vectors(tmp_path: Path) -> None:
    hw3, hw2 = _hw3(), _hw2()
    default3 = _network_lines(hw3.params)
    for path in write_variant_releases(hw3, SECRET, STUDENTS, tmp_path):
        params = variant_params(hw3, SECRET, path.stem)
        text = _markdown(path)
        assert _network_lines(params) != default3
        assert all(line in text for line in _network_lines(params))
        assert not any(line in text for line in default3 if line not in _network_lines(params))
        assert all(describe_branch(b) in text for b in params["inc_branches"])
    default2 = f"W_exp1 = [{', '.join(f'{x:g}' for x in WEIGHTS[0])}]"
    for path in write_variant_releases(hw2, SECRET, STUDENTS, tmp_path):
        first = variant_params(hw2, SECRET, path.stem)["weights"][0]
        own = f"W_exp1 = [{', '.join(f'{x:g}' for x in first)}]"
        text = _markdown(path)
        english, persian = text.split('<div dir="rtl" lang="fa">')
        assert own in english and own in persian  # the Persian prompt lists them too
        assert (default2 in text) == (own == default2)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both homeworks' variant notebooks, graded in both languages: every answer missing but
    HW2's written reasons (which a person grades against the rubric)."""
    root = tmp_path_factory.mktemp("variant-prompts")
    homeworks = {"hw3": _hw3(), "hw2": _hw2()}
    for homework in homeworks.values():
        write_variant_releases(homework, SECRET, STUDENTS, root / "subs")
    outs = {}
    for lang in ("en", "fa"):
        outs[lang] = root / f"reports-{lang}"
        run_batch(
            root / "subs",
            homeworks,
            FakeRunner(lambda nb: {"q2c_reason": "L1 leaves zeros; L2 small, even weights."}),
            Settings(outs[lang], lang=lang, secret=SECRET, workers=1),
            lambda line: None,
        )
    return outs


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_each_report_page_shows_its_students_prompt(graded: dict[str, Path], lang: str) -> None:
    hw3 = _hw3()
    for student in STUDENTS:
        params = variant_params(hw3, SECRET, student.id)
        page = (graded[lang] / "hw3" / f"{student.id}.html").read_text(encoding="utf-8")
        for line in _network_lines(params):
            assert line.replace("->", "-&gt;") in page, (student.id, line)
        others = {
            line
            for other in STUDENTS
            for line in _network_lines(variant_params(hw3, SECRET, other.id))
        } - set(_network_lines(params))
        assert not any(line.replace("->", "-&gt;") in page for line in others)


def test_each_record_carries_its_students_rubric_and_model(graded: dict[str, Path]) -> None:
    hw2 = _hw2()
    part = next(
        p
        for q in hw2.questions
        for p in q.parts
        if isinstance(p, TextPart) and p.item.variable == "q2c_reason"
    )
    rubrics = set()
    for student in STUDENTS:
        params = variant_params(hw2, SECRET, student.id)
        record = json.loads((graded["en"] / "hw2" / f"{student.id}.json").read_text())
        test = next(t for t in record["tests"] if t["variable"] == "q2c_reason")
        assert test["expected"] == part.model_for(params)
        page = (graded["en"] / "hw2" / f"{student.id}.html").read_text(encoding="utf-8")
        rubric = part.rubric_for(params)
        assert test["extra"]["rubric"] == rubric == q2c_rubric(params).replace("{points}", "2")
        assert rubric.split("By this rule: ")[1].split(".")[0] in page
        rubrics.add(rubric)
    assert len(rubrics) > 1  # the students' rubrics differ: each names their own experiments
