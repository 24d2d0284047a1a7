"""The public manifest written at release, the form checks, and what a student may see."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy
from ci_support import leaks, reference_strings

from graders.checks.choice import YES_NO
from graders.cli import main
from graders.model.answers import Answer, Kind, Mistake, Status, Verdict
from graders.model.questions import Homework, Item, Params
from graders.model.results import SubmissionResult, to_json
from graders.score import ItemResult, QuestionResult
from graders.student.public import (
    Expect,
    ManifestError,
    PublicDetail,
    PublicItem,
    Shown,
    Source,
    check_form,
    describe,
    manifest_of,
    notebook_manifest,
    public_view,
    read_manifest,
    release_with_manifest,
)


def test_release_embeds_a_manifest_without_answers(tmp_path: Path, hw4: Homework) -> None:
    assert main(["release", "hw4", "--out", str(tmp_path)]) == 0
    nb = json.loads((tmp_path / "hw4.ipynb").read_text(encoding="utf-8"))
    data = nb["metadata"]["grader"]["public"]
    assert nb["metadata"]["grader"]["assignment"] == "hw4"
    manifest = read_manifest(data)
    items = {i.variable: i for q in manifest.questions for i in q.items}
    assert tuple(items) == hw4.variables
    assert items["q1_answer"].expect is Expect.TEXT
    assert items["converged"].expect is Expect.CHOICE
    assert set(items["converged"].options) == {"yes", "no"}
    assert {i.expect for v, i in items.items() if v.startswith("e")} == {Expect.NUMBER}
    assert sum(i.points for i in items.values()) == hw4.points
    assert all(i.answer is None for i in items.values())
    assert not any("answer" in i for q in data["questions"] for i in q["items"])
    assert leaks(json.dumps(nb, ensure_ascii=False), reference_strings(hw4)) == []
    assert data == release_with_manifest(hw4).metadata["grader"]["public"]


def test_leak_search_finds_what_it_looks_for(hw4: Homework) -> None:
    strings = reference_strings(hw4)
    e1_y_hat = hw4.questions[1].parts[0].solve(hw4.params)["e1_y_hat"]
    assert f"{e1_y_hat:.6g}" in strings and f"{e1_y_hat:.4f}" in strings
    assert leaks(f"you wrote {e1_y_hat:.4f} here", strings) == [f"{e1_y_hat:.4f}"]
    assert leaks(f"time 1{e1_y_hat:.4f}7", strings) == []  # digits on both sides: not it
    rubric_line = next(s for s in strings if "converge" in s)
    assert leaks(f"rubric: {rubric_line}", strings) == [rubric_line]


def test_manifest_round_trips_and_rejects_garbage(hw4: Homework) -> None:
    manifest = manifest_of(hw4)
    assert read_manifest(json.loads(json.dumps(manifest.to_json()))) == manifest
    assert manifest.limits == hw4.limits
    broken = manifest.to_json() | {"questions": [{"id": "q", "items": [{"variable": 3}]}]}
    with pytest.raises(ManifestError):
        read_manifest(broken)
    with pytest.raises(ManifestError, match="version"):
        read_manifest(manifest.to_json() | {"version": 99})
    with pytest.raises(ManifestError, match="no public manifest"):
        notebook_manifest({"grader": {"assignment": "hw4"}})


def test_show_result_puts_the_answers_in_the_manifest(hw4: Homework) -> None:
    q2 = replace(hw4.questions[1], show_result=True)
    shown = replace(hw4, questions=(hw4.questions[0], q2))
    items = {i.variable: i for q in manifest_of(shown).questions for i in q.items}
    reference = {**q2.parts[0].solve(hw4.params), **q2.parts[1].solve(hw4.params)}
    assert items["e1_w6"].answer == pytest.approx(reference["e1_w6"])
    assert items["e1_w6"].tolerance is not None
    assert items["converged"].answer == reference["converged"]
    assert items["q1_answer"].answer is None  # its question does not opt in


@dataclass(frozen=True)
class _OddPart:
    """A part the manifest does not know: described by the types of its reference values."""

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(Item(v, v, 1.0) for v in ("table", "count", "value", "formula", "model"))

    def solve(self, params: Params) -> Mapping[str, Any]:
        x = sympy.Symbol("x")
        return {
            "table": np.arange(12.0).reshape(3, 4),
            "count": 7,
            "value": 0.25,
            "formula": x * sympy.exp(-x),
            "model": object(),
        }

    def grade(self, answers: Mapping[str, Answer], params: Params) -> Mapping[str, Verdict]:
        return {}


def test_unknown_parts_are_described_by_type_and_shape() -> None:
    hidden = {i.variable: i for i in describe(_OddPart(), {}, show=False)}
    assert hidden["table"].expect is Expect.TABLE and hidden["table"].shape == (3, 4)
    assert hidden["count"].expect is Expect.INTEGER
    assert hidden["value"].expect is Expect.NUMBER
    assert hidden["formula"].expect is Expect.EXPRESSION
    assert hidden["model"].expect is Expect.ANY
    assert all(i.answer is None for i in hidden.values())
    shown = {i.variable: i for i in describe(_OddPart(), {}, show=True)}
    assert shown["table"].answer == np.arange(12.0).reshape(3, 4).tolist()
    assert shown["count"].answer == 7 and shown["count"].tolerance is not None
    assert shown["count"].tolerance.integer


def _item(expect: Expect, **extra: Any) -> PublicItem:
    return PublicItem("v", "v", 1.0, expect, **extra)


def _number(value: float) -> Answer:
    return Answer(Kind.NUMBER, value, text=repr(value))


def _array(shape: tuple[int, ...], fill: float = 1.0) -> Answer:
    return Answer(Kind.ARRAY, np.full(shape, fill))


YES_NO_ITEM = _item(Expect.CHOICE, options={k: tuple(v) for k, v in YES_NO.items()})


@pytest.mark.parametrize(
    ("answer", "item", "status", "words"),
    [
        (_number(0.25), _item(Expect.NUMBER), None, ""),
        (_number(float("nan")), _item(Expect.NUMBER), Status.INVALID, "finite"),
        (Answer(Kind.BOOL, True), _item(Expect.NUMBER), Status.INVALID, "true/false"),
        (Answer(Kind.TEXT, "0.25", "0.25"), _item(Expect.NUMBER), Status.INVALID, "got text"),
        (_number(3.0), _item(Expect.INTEGER), None, ""),
        (_number(3.5), _item(Expect.INTEGER), Status.INVALID, "whole number"),
        (Answer(Kind.PLACEHOLDER), _item(Expect.NUMBER), Status.MISSING, "placeholder"),
        (Answer(Kind.ERROR, note="cell 3 raised"), _item(Expect.TEXT), Status.ERROR, "cell 3"),
        (Answer(Kind.UNSUPPORTED, note="a Foo"), _item(Expect.NUMBER), Status.INVALID, "Foo"),
        (Answer(Kind.UNSUPPORTED, note="a trained Net"), _item(Expect.ANY), None, ""),
        (_array((4, 4)), _item(Expect.TABLE, shape=(4, 4)), None, ""),
        (_array((1, 4, 4)), _item(Expect.TABLE, shape=(4, 4)), None, ""),
        (_array((4, 3)), _item(Expect.TABLE, shape=(4, 4)), Status.INVALID, "4×3"),
        (_array((4, 4), np.inf), _item(Expect.TABLE, shape=(4, 4)), Status.INVALID, "finite"),
        (Answer(Kind.TEXT, "Yes", "Yes"), YES_NO_ITEM, None, ""),
        (Answer(Kind.TEXT, "بله", "بله"), YES_NO_ITEM, None, ""),
        (Answer(Kind.TEXT, "maybe", "maybe"), YES_NO_ITEM, Status.INVALID, "'yes', 'no'"),
        (Answer(Kind.TEXT, "  ", "  "), _item(Expect.TEXT), Status.MISSING, "empty"),
        (_number(2.0), _item(Expect.TEXT), Status.INVALID, "written text"),
        (Answer(Kind.TEXT, "anything"), _item(Expect.ANY), None, ""),
    ],
)
def test_form_checks(answer: Answer, item: PublicItem, status: Status | None, words: str) -> None:
    verdict = check_form(answer, item)
    assert (verdict.status if verdict else None) is status
    if verdict is not None:
        assert words in verdict.feedback and verdict.expected == ""


def test_formulas_must_parse() -> None:
    pytest.importorskip("graders.maths.expressions")
    item = _item(Expect.EXPRESSION)
    assert check_form(Answer(Kind.TEXT, "x*sigmoid(x)"), item) is None
    assert check_form(Answer(Kind.EXPR, "x*(1 - tanh(x)**2)"), item) is None
    bad = check_form(Answer(Kind.TEXT, "x +* (2"), item)
    assert bad is not None and bad.status is Status.INVALID and "cannot be read" in bad.feedback


def _graded(status: Status, **extra: Any) -> Verdict:
    return Verdict(status, 1.0 if status is Status.CORRECT else 0.0, expected="0.603743", **extra)


def test_public_view_hides_correctness_unless_shown() -> None:
    reference = PublicDetail(None, Source.REFERENCE)
    for status in (Status.CORRECT, Status.INCORRECT, Status.FOLLOW_THROUGH):
        hidden = public_view(_graded(status, detail=reference), Expect.NUMBER, False, 0.5)
        assert hidden.status is Shown.ANSWERED and hidden.points is None and not hidden.message
    wrong = _graded(Status.INCORRECT, feedback="Expected 0.603743.", detail=reference)
    shown = public_view(wrong, Expect.NUMBER, True, 0.0)
    assert shown.status is Shown.INCORRECT and shown.points == 0.0
    assert "0.603743" not in shown.message
    named = replace(wrong, mistake=Mistake("update-sign", "The update has the wrong sign."))
    assert public_view(named, Expect.NUMBER, True, 0.0).message == "The update has the wrong sign."
    manual = public_view(_graded(Status.MANUAL, detail=reference), Expect.TEXT, False, 0.0)
    assert manual.status is Shown.BY_A_PERSON
    unchecked = PublicDetail(None, Source.NONE)
    form_only = public_view(_graded(Status.MANUAL, detail=unchecked), Expect.NUMBER, True, 0.0)
    assert form_only.status is Shown.ANSWERED


def test_public_view_shows_problems_without_the_expected_value() -> None:
    quoting = _graded(Status.INVALID, feedback="Got 3; expected 0.603743 as a number.")
    view = public_view(quoting, Expect.NUMBER, False, 0.0)
    assert view.status is Shown.INVALID and "0.603743" not in view.message
    plain = _graded(Status.ERROR, feedback="The cell that defines x (cell 4) raised KeyError.")
    assert public_view(plain, Expect.NUMBER, False, 0.0).message == plain.feedback
    form = Verdict(Status.MISSING, 0.0, feedback="No answer (left as a placeholder).")
    real = _graded(Status.CORRECT, detail=PublicDetail(form, Source.REFERENCE))
    assert public_view(real, Expect.NUMBER, True, 0.5).status is Shown.MISSING


def test_results_json_visibility_follows_the_declaration() -> None:
    item = ItemResult("x", "x", 1.0, 1.0, Verdict(Status.CORRECT, 1.0))
    questions = (QuestionResult("hw.q1", "one", (item,)), QuestionResult("hw.q2", "two", (item,)))
    result = SubmissionResult("hw", "s", "s.ipynb", questions, None)
    tests = to_json(result, shown={"hw.q2"})["tests"]
    assert [t["visibility"] for t in tests] == ["after_published", "visible"]
    assert {t["visibility"] for t in to_json(result)["tests"]} == {"after_published"}


def test_every_homework_has_a_manifest_without_hidden_answers(
    books: Mapping[str, Homework],
) -> None:
    for homework in books.values():
        manifest = manifest_of(homework)
        assert read_manifest(json.loads(json.dumps(manifest.to_json()))) == manifest
        items = [i for q in manifest.questions for i in q.items]
        assert tuple(i.variable for i in items) == homework.variables
        assert sum(i.points for i in items) == pytest.approx(homework.points)
        for question, public in zip(homework.questions, manifest.questions, strict=True):
            if not question.show_result:
                assert all(i.answer is None for i in public.items), question.id
