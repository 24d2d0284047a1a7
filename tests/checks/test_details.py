"""The typed details of verdicts: each kind's JSON form read back exactly, in the record's key
order, and the message each check gives its verdicts."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from graders.checks.choice import ChoiceDetail, check_choice
from graders.checks.derivation import StepDetail
from graders.checks.numeric import NumberCheck, NumberDetail, check_number
from graders.checks.symbolic import FormulaDetail
from graders.checks.tables import TableDetail, check_table
from graders.model.answers import Answer, Detail, Kind, Status
from graders.model.parts import ExpressionDetail, ExpressionPart, TextDetail, TextPart
from graders.model.questions import Item
from graders.model.results import bounded_extra
from graders.report.feedback import localized_feedback
from graders.report.i18n import messages
from reference.training import REGULARIZERS

FA = messages("fa")

texts = st.text(max_size=20)
maybe_text = st.none() | texts
ids = st.lists(texts, max_size=4).map(lambda xs: tuple(sorted(xs)))
counts = st.integers(min_value=0, max_value=10_000)
shapes = st.lists(st.integers(min_value=1, max_value=5), max_size=3).map(tuple)
cells = st.recursive(
    st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(["nan", "inf", "-inf"]),
    lambda inner: st.lists(inner, max_size=3),
    max_leaves=12,
)
masks = st.none() | st.recursive(
    st.booleans(), lambda inner: st.lists(inner, max_size=3), max_leaves=12
)

number_details = st.builds(NumberDetail, texts)
choice_details = st.builds(ChoiceDetail, ids, st.none() | ids, st.none() | ids)
step_details = st.builds(
    StepDetail,
    texts,
    texts,
    st.dictionaries(texts, texts, max_size=4).map(lambda d: tuple(d.items())),
    texts,
)
table_details = st.builds(
    TableDetail,
    shapes,
    cells,
    cells,
    masks,
    counts,
    counts,
    st.none() | shapes,
    maybe_text,
    st.lists(texts, max_size=3).map(tuple),
)
region = st.lists(st.tuples(st.floats(-50, 50), st.floats(-50, 50)), min_size=1, max_size=3).map(
    tuple
)
small = st.none() | counts
formula_details = st.builds(
    FormulaDetail,
    route=st.sampled_from(["python", "latex", "number"]),
    read_as=maybe_text,
    unknown_symbols=st.none() | ids,
    given_latex=maybe_text,
    given_mathml=maybe_text,
    expected_latex=maybe_text,
    expected_mathml=maybe_text,
    region=st.none() | region,
    points=small,
    wide_probe=small,
    proof=maybe_text,
    confirmed_by=st.none() | st.sampled_from(["symbolic", "numeric"]),
    undefined_points=small,
    mistake=maybe_text,
    model_relation=maybe_text,
)
expression_details = st.builds(
    ExpressionDetail,
    texts,
    st.none() | formula_details.map(lambda f: FormulaDetail(**{**vars(f), "expected_latex": None})),
)
text_details = st.builds(TextDetail, maybe_text, st.booleans())

KINDS: list[tuple[st.SearchStrategy[Any], Callable[[Mapping[str, Any]], Detail]]] = [
    (number_details, NumberDetail.from_json),
    (choice_details, ChoiceDetail.from_json),
    (step_details, StepDetail.from_json),
    (table_details, TableDetail.from_json),
    (formula_details, FormulaDetail.from_json),
    (expression_details, ExpressionDetail.from_json),
    (text_details, TextDetail.from_json),
]


def _through_a_record(detail: Detail) -> dict[str, Any]:
    """The detail as a results record holds it: written as JSON text and read back."""
    return json.loads(json.dumps(detail.to_json(), ensure_ascii=False))


@pytest.mark.parametrize(("strategy", "read"), KINDS, ids=lambda k: getattr(k, "__qualname__", ""))
def test_every_detail_reads_back_exactly_from_its_record(
    strategy: st.SearchStrategy[Any], read: Callable[[Mapping[str, Any]], Detail]
) -> None:
    @given(strategy)
    def round_trip(detail: Detail) -> None:
        record = _through_a_record(detail)
        back = read(record)
        assert back == detail
        assert list(back.to_json()) == list(record)  # the same keys, in the same order
        assert back.to_json() == record

    round_trip()


@given(hnp.arrays(float, hnp.array_shapes(max_dims=2, max_side=4), elements=st.floats(-9, 9)))
def test_a_table_verdict_s_detail_reads_back_from_the_record(table: np.ndarray) -> None:
    reference = np.arange(16, dtype=float).reshape(4, 4)
    verdict = check_table(Answer(Kind.ARRAY, table), reference)
    if verdict.detail is None:
        assert verdict.status is Status.INVALID
        return
    assert isinstance(verdict.detail, TableDetail)
    record = bounded_extra(verdict.details)  # what the results record writes
    assert TableDetail.from_json(record) == verdict.detail
    assert list(record) == list(verdict.detail.to_json())


def test_a_table_s_record_keeps_the_order_its_check_always_wrote() -> None:
    reference = np.arange(16, dtype=float).reshape(4, 4)
    other = check_table(Answer(Kind.ARRAY, np.zeros((3, 4))), reference).details
    assert list(other)[:2] == ["shape", "given_shape"] and other["wrong"] is None
    reshaped = check_table(Answer(Kind.ARRAY, reference.reshape(1, 4, 4)), reference).details
    assert next(iter(reshaped)) == "shape" and list(reshaped)[-1] == "given_shape"
    assert reshaped["given_shape"] == [1, 4, 4] and reshaped["matching"] == 16


def test_choice_and_number_verdicts_carry_their_details() -> None:
    chosen = check_choice(Answer(Kind.TEXT, "ridge"), REGULARIZERS, "L1")
    assert isinstance(chosen.detail, ChoiceDetail) and chosen.detail.chosen == ("L2",)
    assert list(chosen.details) == ["chosen", "expected", "options"]
    unreadable = check_choice(Answer(Kind.TEXT, "elastic net"), REGULARIZERS, "L1")
    assert list(unreadable.details) == ["options"]
    read = check_number(Answer(Kind.TEXT, "1/4"), NumberCheck(0.25))
    assert read.detail == NumberDetail("read '1/4' as 0.25")
    assert read.details == read.detail.to_json()


def test_a_symbolic_part_writes_the_reference_latex_first() -> None:
    x = sympy.Symbol("x")
    part = ExpressionPart(Item("f", "f", 1.0), lambda params: x * sympy.exp(x), ("x",))
    correct = part.grade({"f": Answer(Kind.TEXT, "x*exp(x)")}, {})["f"]
    assert isinstance(correct.detail, ExpressionDetail) and correct.detail.formula is not None
    keys = list(correct.details)
    assert keys[0] == "expected_latex" and keys.count("expected_latex") == 1
    assert ExpressionDetail.from_json(json.loads(json.dumps(correct.details))) == correct.detail
    latex = part.grade({"f": Answer(Kind.TEXT, r"x e^{x}")}, {})["f"]
    assert latex.details["route"] == "latex" and "given_latex" in latex.details
    missing = part.grade({"f": Answer(Kind.PLACEHOLDER)}, {})["f"]
    assert missing.detail == ExpressionDetail(sympy.latex(x * sympy.exp(x)))


def test_a_written_answer_s_detail_holds_its_rubric_and_privacy() -> None:
    item = Item("essay", "Essay", 2.0, "a string")
    answer = {"essay": Answer(Kind.TEXT, "Mine.")}
    private = TextPart(item, "2 points: a reason.", "Model.", private=True).grade(answer, {})
    assert private["essay"].details == {"rubric": "2 points: a reason.", "model": "private"}
    blank = TextPart(item, "r", private=True).grade({"essay": Answer(Kind.TEXT, " ")}, {})
    assert blank["essay"].details == {"model": "private"}
    assert TextDetail.from_json(blank["essay"].details) == TextDetail(None, True)


def test_each_check_says_its_verdict_in_the_catalogue_s_words() -> None:
    reference = np.arange(4, dtype=float).reshape(2, 2)
    right = check_table(Answer(Kind.ARRAY, reference), reference)
    assert localized_feedback(right, FA) == FA("feedback.table_correct", cells=4)
    wrong = check_table(Answer(Kind.ARRAY, reference + np.array([[0, 0], [0, 5]])), reference)
    assert localized_feedback(wrong, FA) == FA("feedback.table_cells", wrong=1, cells=4)
    shape = check_table(Answer(Kind.ARRAY, np.zeros(3)), reference)
    assert localized_feedback(shape, FA) == FA("feedback.table_shape", expected="2 × 2", given="3")
    empty = check_choice(Answer(Kind.TEXT, " "), REGULARIZERS, "L1")
    assert empty.status is Status.MISSING
    assert localized_feedback(empty, FA) == FA("feedback.missing")
    item = Item("essay", "Essay", 2.0, "a string")
    manual = TextPart(item, "r").grade({"essay": Answer(Kind.TEXT, "Mine.")}, {})["essay"]
    assert localized_feedback(manual, FA) == FA("feedback.manual")
