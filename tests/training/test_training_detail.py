"""The typed detail of training verdicts, their message keys, and the check context."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from graders.checks import check_answers
from graders.checks import training as t
from graders.model.answers import Answer, Kind, Status
from graders.model.context import CheckContext, Contextual
from graders.model.questions import Homework, Item, Question
from graders.model.results import bounded_extra
from graders.report.feedback import localized_feedback, said
from graders.report.i18n import messages
from graders.runtime.data import DataShelf

EN, FA = messages("en"), messages("fa")
BAR = t.Bar(0.8, margin=0.05)

finite = st.floats(-1e6, 1e6, allow_nan=False)
figures = st.dictionaries(
    st.sampled_from(["test_accuracy", "n_test", "per_class_test", "kind"]),
    st.one_of(finite, st.lists(st.one_of(finite, st.none()), max_size=4), st.text(max_size=5)),
    max_size=3,
)
details = st.builds(
    t.TrainingDetail,
    dataset=st.one_of(st.none(), st.text(max_size=10)),
    measured=st.one_of(st.none(), figures),
    reported=st.one_of(st.none(), figures),
    threshold=st.one_of(st.none(), st.dictionaries(st.text(max_size=5), finite, max_size=2)),
    flagged=st.one_of(st.none(), st.booleans()),
    margin=st.one_of(st.none(), finite),
    train_loss=st.one_of(st.none(), st.lists(finite, max_size=5).map(tuple)),
    transforms=st.one_of(st.none(), st.lists(finite, max_size=3).map(tuple)),
    input_shape=st.one_of(st.none(), st.lists(st.integers(1, 64), max_size=4).map(tuple)),
)


@given(details)
def test_a_detail_reads_back_from_its_record(detail: t.TrainingDetail) -> None:
    record = bounded_extra(detail.to_json())
    assert t.TrainingDetail.from_json(record) == detail
    assert set(record) == {k for k, v in vars(detail).items() if v is not None and k != "nulls"}


def test_a_measured_but_empty_field_is_written_as_null() -> None:
    detail = t.TrainingDetail(affine_residual=None, nulls=("affine_residual",))
    assert detail.to_json() == {"affine_residual": None}
    assert t.TrainingDetail.from_json({"affine_residual": None}) == detail


def _number(value: float) -> Answer:
    return Answer(Kind.NUMBER, value, text=f"{value:g}")


def test_a_reported_figure_far_from_the_measured_one_is_said_in_persian() -> None:
    verdict = t.check_reported(_number(0.97), 0.9, 0.05)
    assert isinstance(verdict.detail, t.TrainingDetail) and verdict.detail.flagged is True
    assert verdict.details["measured"] == {"test_accuracy": 0.9}
    persian = localized_feedback(verdict, FA)
    assert persian != verdict.feedback and "97.0%" in persian and "Reported" not in persian
    assert persian.endswith(t.REPORTED_NOT_MEASURED.persian)
    assert localized_feedback(verdict, EN) == verdict.feedback


def test_a_judged_model_s_sentences_are_said_one_after_another() -> None:
    test = t.Measurement(0.85, 0.4, (0.8, 0.9), 100)
    train = t.Measurement(0.99, 0.1, (1.0, 0.98), 50)
    ok, lines = t.judge_model(
        t.Figures(test=test, train=train), t.Bar(0.8, gap=0.1), t.Rule.OVERFITS
    )
    assert ok and len(lines) == 3
    text = said(lines[0].message, FA) if lines[0].message else None
    assert text is not None and "85.0%" in text and FA("training.loss", loss="0.4") in text
    # one sentence without Persian words: the whole verdict keeps its English
    broken, sentences = t.judge_model(
        t.Figures(test=test), BAR, t.Rule.BEATS, t.Figures(problem="it raised")
    )
    assert not broken and sentences[-1].message is None


def test_the_model_verdict_holds_the_typed_figures_of_its_other_items() -> None:
    part = t.ModelPart(
        Item("m", "model", 1.0), "mnist", {"digits": BAR}, reported=Item("acc", "acc", 1.0)
    )
    shelf = DataShelf()
    labels = shelf.get("mnist").heldout.labels
    scores = np.eye(10)[labels]
    answers = {
        "m": Answer(Kind.UNSUPPORTED, note="a model"),
        "acc": _number(0.5),
        "_grader_m_test": Answer(Kind.ARRAY, scores),
        "_grader_m_train": Answer(Kind.ARRAY, np.eye(10)[shelf.get("mnist").train_sample.labels]),
    }
    verdict = part.grade(answers, {}, CheckContext(shelf))["m"]
    assert isinstance(verdict.detail, t.TrainingDetail)
    assert verdict.detail.measured is not None and verdict.detail.measured["test_accuracy"] == 1.0
    assert verdict.detail.reported == {"test_accuracy": 0.5} and verdict.detail.flagged is True
    assert "flagged" in localized_feedback(verdict, EN) and "flagged" not in localized_feedback(
        verdict, FA
    )


def test_the_batch_s_datasets_come_from_the_context_not_the_parameters(tmp_path: Path) -> None:
    part = t.ModelPart(Item("m", "model", 1.0), "mnist", {"digits": BAR})
    assert isinstance(part, Contextual)
    assert not isinstance(t.BlockPart(Item("b", "b", 1.0), (1, 1, 2, 2), 1, len), Contextual)
    homework = Homework("hw9", "t", (Question("hw9.q1", "q", "", (part,)),), {})
    stand_in = check_answers(homework, {}, context=CheckContext())
    assert stand_in["m"].status is Status.MISSING
    # a data folder without MNIST: the part reads the context's shelf, which cannot give it
    with pytest.raises(FileNotFoundError, match="mnist"):
        check_answers(homework, {}, context=CheckContext(DataShelf(tmp_path)))
    assert homework.probes(context=CheckContext())[0].files  # the held-out inputs are handed
