"""A course adds a homework of its own without changing the project: ``course/hw5.py`` here is
its reference module (a numeric, a symbolic and a table question, each with a named mistake
and a Persian translation). Released, filled, graded and rendered in both languages through
``grade.py --reference``, as a TA would."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from report.dom import Node, parse
from review.appserver import Session, review_app
from system import sandbox_options

from graders.cli import main
from graders.student.release import fill_answers

pytestmark = pytest.mark.slow

HW5 = Path(__file__).with_name("course") / "hw5.py"
RIGHT = {"p1": "0.8176", "dtanh": '"3*(1 - tanh(3*x)**2)"', "relu_m": "[[1.5, 0], [0, 4]]"}
SLIPS = {  # each the homework's named mistake
    "p1": str(2.0 / 2.5),
    "dtanh": '"1 - tanh(3*x)**2"',
    "relu_m": "[[1.5, -2.0], [-0.5, 4.0]]",
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("hw5")
    assert main(["release", "hw5", "--reference", str(HW5), "--out", str(root / "release")]) == 0
    (released,) = (root / "release").rglob("*.ipynb")
    notebook = nbformat.read(released, as_version=4)
    folder = root / "submissions" / "hw5"
    folder.mkdir(parents=True)
    for student, values in (("ana", RIGHT), ("bo", SLIPS)):
        nbformat.write(fill_answers(notebook, values), folder / f"{student}.ipynb")
    outs = {}
    for lang in ("en", "fa"):
        out = root / f"reports-{lang}"
        options = ["--reference", str(HW5), "--out", str(out), "--lang", lang]
        assert main([str(folder), *options, *sandbox_options()]) == 0
        outs[lang] = out
    return outs


def _record(out: Path, student: str) -> dict:
    return json.loads((out / "hw5" / f"{student}.json").read_text(encoding="utf-8"))


def _page(out: Path, student: str) -> Node:
    return parse((out / "hw5" / f"{student}.html").read_text(encoding="utf-8"))


def test_the_new_homework_is_graded_as_its_reference_says(graded: dict[str, Path]) -> None:
    right, slips = _record(graded["en"], "ana"), _record(graded["en"], "bo")
    assert right["ran"] and right["score"] == right["max_score"] == 6
    assert {t["variable"]: t["verdict"] for t in right["tests"]} == dict.fromkeys(RIGHT, "correct")
    named = {t["variable"]: t["mistake"] for t in slips["tests"]}
    assert named == {"p1": "forgot-exponent", "dtanh": "chain-factor", "relu_m": "negatives-kept"}
    assert slips["score"] < 6


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_its_pages_speak_each_language_with_its_own_declarations(
    graded: dict[str, Path], lang: str
) -> None:
    page = _page(graded[lang], "bo")
    assert page.find("html").attrs["dir"] == ("rtl" if lang == "fa" else "ltr")
    title = page.find("h1").text()
    assert ("سری پنجم" in title) is (lang == "fa") and ("Series 5" in title) is (lang == "en")
    for variable in RIGHT:
        assert page.find("tr", "item", data_variable=variable), variable
    feedback = page.find("tr", "item", data_variable="dtanh").find("td", "feedback").text()
    if lang == "fa":
        assert "از قلم افتاده است" in feedback and "is missing" not in feedback
    else:
        assert "The inner derivative k of tanh(k·x) is missing." in feedback
    classes = parse((graded[lang] / "hw5" / "index.html").read_text(encoding="utf-8"))
    mistakes = classes.find("tr", data_mistake="negatives-kept").text()
    assert ("صفر می‌کند" in mistakes) is (lang == "fa")


def test_an_unknown_or_clashing_reference_file_is_a_usage_error(tmp_path: Path) -> None:
    clash = tmp_path / "hw4.py"
    clash.write_text("def homework(): ...\n", encoding="utf-8")
    for bad in (clash, tmp_path / "hw7.py"):
        with pytest.raises(SystemExit) as stop:
            main(["release", "hw7", "--reference", str(bad), "--out", str(tmp_path)])
        assert stop.value.code == 2


def test_the_review_app_knows_the_homework_the_batch_loaded(graded: dict[str, Path]) -> None:
    # no --reference: the app takes the files the batch noted in its gradebook
    with review_app(graded["en"]) as app:
        ta = Session(app)
        assert "hw5" in ta.open()
        status, page = ta.get("/item/hw5/p1")
    assert status == 200, page
    assert "ana" in page and "bo" in page
