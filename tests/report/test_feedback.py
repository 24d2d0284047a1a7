"""What the student's page shows per answer, read from each verdict's typed detail and message."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import pytest

from graders.checks.derivation import StepDetail
from graders.checks.numeric import NumberDetail
from graders.checks.symbolic import FormulaDetail
from graders.checks.tables import TABLE_MISTAKE, TableDetail
from graders.checks.training import TrainingDetail
from graders.model.answers import Answer, Detail, Kind, Message, Mistake, Status, Verdict
from graders.model.overrides import Override
from graders.model.parts import ExpressionDetail, TextDetail, TextPart
from graders.model.questions import Homework, Item, Question
from graders.model.results import SubmissionResult
from graders.report.feedback import headline, localized_feedback, table_view, training_view
from graders.report.i18n import messages
from graders.report.reporter import Reporter
from graders.score import ItemResult, QuestionResult
from report.dom import parse

EN, FA = messages("en"), messages("fa")


def test_table_view_marks_the_wrong_cells_of_both_tables() -> None:
    extra = {
        "shape": [2, 3],
        "expected": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
        "given": [[1.0, 2.5, 3.0], [4.0, "nan", 6.0]],
        "wrong": [[False, True, False], [False, True, False]],
        "cells": 6,
        "matching": 4,
    }
    view = table_view(TableDetail.from_json(extra))
    assert view is not None
    marked = [
        (r, c) for r, row in enumerate(view.given) for c, cell in enumerate(row) if cell.wrong
    ]
    assert marked == [(0, 1), (1, 1)]
    assert [c.text for c in view.given[1]] == ["4", "nan", "6"]
    assert [c.wrong for c in view.expected[0]] == [False, True, False]
    assert (view.matching, view.cells, view.shape_note) == (4, 6, "")
    assert (view.given_shape, view.expected_shape) == ("2 × 3", "2 × 3")


def test_table_view_of_another_shape_marks_nothing_and_says_so() -> None:
    view = table_view(
        TableDetail(
            shape=(2, 2),
            given_shape=(4,),
            expected=[[1, 2], [3, 4]],
            given=[1, 2, 3, 4],
            wrong=None,
            cells=4,
            matching=0,
            diagnosis="table.transposed",
        )
    )
    assert view is not None
    assert not any(c.wrong for row in view.given for c in row)
    assert len(view.given) == 1 and len(view.given[0]) == 4
    assert view.shape_note == "4 ≠ 2 × 2" and view.diagnosis == "table.transposed"


def test_no_table_drawn_cell_by_cell_when_it_is_too_large() -> None:
    big = [[0.0] * 60 for _ in range(30)]
    detail = TableDetail((30, 60), big, big, [[False] * 60] * 30, 1800, 1800)
    assert table_view(detail) is None
    small = TableDetail((2,), [1.0, 2.0], [1.0, 2.0], [False, False], 2, 2)
    assert table_view(small) is not None


def test_training_view_puts_reported_beside_measured_and_plots_the_losses() -> None:
    extra = {
        "dataset": "digits",
        "measured": {"test_accuracy": 0.91, "train_accuracy": 0.99, "per_class_test": [1, None]},
        "reported": {"test_accuracy": 0.97, "train_accuracy": 0.985},
        "flagged": True,
        "margin": 0.03,
        "train_loss": [1.0, 0.5, 0.25],
        "test_loss": [1.1, 0.7, "0.6"],
    }
    view = training_view(TrainingDetail.from_json(extra), EN)
    assert view is not None and view.dataset == "digits"
    rows = {f.name: (f.measured, f.reported, f.flagged) for f in view.figures}
    assert rows == {
        "test accuracy": ("0.91", "0.97", True),  # 0.06 apart: more than the margin
        "training accuracy": ("0.99", "0.985", False),
        "test accuracy per class": ("[1, —]", "", False),
    }
    assert [f.name for f in view.figures][:2] == ["test accuracy", "training accuracy"]
    assert view.series == ("train_loss", "test_loss") and view.plot is not None
    assert view.plot.count("<polyline") == 2
    fa = training_view(TrainingDetail.from_json(extra), FA)
    assert fa is not None and fa.figures[0].name == FA.figure("test_accuracy") != "test accuracy"


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"train_loss": "not a list"},
        {"train_loss": [True, False]},
        {"train_loss": [None]},
        {"val_loss": []},
    ],
)
def test_training_view_is_absent_without_figures_or_histories(extra: dict[str, Any]) -> None:
    assert training_view(TrainingDetail.from_json(extra), EN) is None
    assert training_view(None, EN) is None


def test_feedback_in_persian_where_the_catalogue_has_words() -> None:
    missing = Verdict(Status.MISSING, 0.0, feedback="No answer (left as a placeholder).")
    assert localized_feedback(missing, EN) == missing.feedback
    assert localized_feedback(missing, FA) == FA("feedback.missing")  # the status's words
    detail = TableDetail((4, 4), [], [], [], 16, 12)
    table = Verdict(Status.INCORRECT, 0.75, feedback="x", detail=detail, message=detail.message)
    assert localized_feedback(table, FA) == FA("feedback.table_cells", wrong=4, cells=16)
    assert localized_feedback(replace(table, message=None), FA) == "x"  # no message: English
    mistake = Mistake("table.transposed", "Transposed.", persian="ترانهاده است.")
    diag = Verdict(Status.INCORRECT, 0, feedback="x", mistake=mistake, message=TABLE_MISTAKE)
    assert localized_feedback(diag, FA) == f"{FA('feedback.table_mistake')} ترانهاده است."
    assert localized_feedback(replace(diag, message=None), FA) == "ترانهاده است."
    english_only = Verdict(Status.INCORRECT, 0, feedback="x", mistake=Mistake("m", "Wrong."))
    assert localized_feedback(english_only, FA) == "x"  # no Persian declared: the English
    assert localized_feedback(replace(english_only, message=TABLE_MISTAKE), FA) == "x"
    unknown = Verdict(Status.ERROR, 0.0, feedback="The cell that defines x (cell 3) raised.")
    assert localized_feedback(unknown, FA) == unknown.feedback  # no Persian words: kept as is


def test_a_verdict_s_message_key_is_said_in_the_page_s_language() -> None:
    keyed = Verdict(
        Status.INCORRECT,
        0.0,
        feedback="4 of 16 cells are wrong.",
        message=Message("feedback.table_cells", {"wrong": 4, "cells": 16}),
    )
    assert localized_feedback(keyed, EN) == "4 of 16 cells are wrong."  # the check's English
    assert localized_feedback(keyed, FA) == FA("feedback.table_cells", wrong=4, cells=16)
    assert localized_feedback(keyed, FA) != keyed.feedback
    unknown = replace(keyed, message=Message("feedback.no-such-key"))
    assert localized_feedback(unknown, FA) == keyed.feedback  # no words for it: the English


@dataclass(frozen=True)
class _Cells:
    cells: int

    def to_json(self) -> dict[str, int]:
        return {"cells": self.cells}


def test_a_typed_detail_is_written_into_the_record_s_extra() -> None:
    verdict = Verdict(Status.CORRECT, 1.0, detail=_Cells(4))
    assert isinstance(verdict.detail, Detail)
    assert verdict.details == {"cells": 4}
    assert Verdict(Status.CORRECT, 1.0).details == {}


def _item(variable: str, verdict: Verdict, override: Override | None = None) -> ItemResult:
    return ItemResult(variable, variable, 1.0, verdict.credit, verdict, override)


def test_headline_counts_a_person_graded_answer_as_graded() -> None:
    manual = Verdict(Status.MANUAL, 0.0)
    graded = Override("hw", "a", "t", 1.0)
    ok = Verdict(Status.CORRECT, 1.0)
    assert headline(QuestionResult("q", "Q", (_item("t", manual, graded),))) == "override"
    assert headline(QuestionResult("q", "Q", (_item("t", manual), _item("u", ok)))) == "manual"
    both = (_item("t", manual, graded), _item("u", ok))
    assert headline(QuestionResult("q", "Q", both)) == "correct"


WEIRD_DETAILS: list[Detail] = [
    StepDetail("c = b**2", r"\frac{1}{", (("b", "3.5"),), "12.25"),  # LaTeX that does not parse
    ExpressionDetail(r"\sigma(x)", FormulaDetail(given_mathml="<script>alert(1)</script>")),
    TableDetail((1, 2), [[1, 2]], [[1, 2]], [[True]], 2, 1),  # a mask of another layout
    TextDetail(None),
    NumberDetail("read as 7"),
    TrainingDetail.from_json(  # a record's odd training figures, read back
        {"measured": 0.5, "reported": "50%", "flagged": "yes", "train_loss": [math.inf, 1.0]}
    ),
]


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_a_page_renders_whatever_the_details_hold(tmp_path: Any, lang: str) -> None:
    verdicts = [
        Verdict(Status.INCORRECT, 0.0, given="g", expected="e", detail=detail)
        for detail in WEIRD_DETAILS
    ]
    items = tuple(Item(f"v{n}", f"V{n}", 1.0) for n in range(len(verdicts)))
    homework = Homework("hw", "HW", (Question("hw.q1", "Q1", "Prompt {missing}", ()),), {})
    questions = (
        QuestionResult(
            "hw.q1", "Q1", tuple(_item(i.variable, v) for i, v in zip(items, verdicts, strict=True))
        ),
    )
    result = SubmissionResult("hw", "s", "hw/s.ipynb", questions, None)
    page = parse(Reporter(tmp_path, {"hw": homework}, lang).student_page(result, homework))
    rows = page.find_all("tr", "item")
    assert [r.attrs["data-variable"] for r in rows] == [i.variable for i in items]
    assert not page.find_all("script")
    maths = page.find_all("math")
    assert len(maths) == 1  # only the well-formed expected formula of v1
    assert page.find("tr", "detail", data_variable="v2").find_all("td", "wrong") == []


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_a_private_model_answer_is_said_to_be_private_where_a_model_would_be(
    tmp_path: Any, lang: str
) -> None:
    item = Item("essay", "Essay", 2.0, "a string")
    homework = Homework("hw", "HW", (Question("hw.q1", "Q1", "Write.", ()),), {})
    answer = {"essay": Answer(Kind.TEXT, "Mine.", text="Mine.")}
    kept = TextPart(item, "2 points: a reason.", "The model answer.", private=True)
    shown = TextPart(item, "2 points: a reason.", "The model answer.")
    cells = []
    for part in (kept, shown):
        verdict = part.grade(answer, {})["essay"]
        result = SubmissionResult(
            "hw",
            "s",
            "hw/s.ipynb",
            (QuestionResult("hw.q1", "Q1", (_item("essay", verdict),)),),
            None,
        )
        page = parse(Reporter(tmp_path, {"hw": homework}, lang).student_page(result, homework))
        cells.append(page.find("tr", "item", data_variable="essay").find("td", "expected").text())
    said = messages(lang)("model.private")
    assert said in cells[0] and "The model answer." not in cells[0]
    assert "The model answer." in cells[1] and said not in cells[1]
