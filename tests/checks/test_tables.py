"""Tests for graders.checks.tables: cell-by-cell table checks and whole-table diagnoses."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from graders.checks.tables import (
    DEFAULT_ATOL,
    DEFAULT_RTOL,
    MIRRORED,
    TRANSPOSED,
    Diagnosis,
    cells_agree,
    check_table,
    describe_shape,
    mirrored,
    transposed,
)
from graders.model.answers import ABSENT, Answer, Kind, Mistake, Status
from reference.dropout import (
    DROPOUT_CONVENTIONS_SWAPPED,
    DROPOUT_INVERSE_INSTEAD_OF_P,
    DROPOUT_KEEP_DROP_SWAPPED,
    DROPOUT_NOT_SCALED,
    DROPOUT_P_INSTEAD_OF_INVERSE,
    DropoutTable,
    conventions_swapped,
    dropout_diagnoses,
    dropout_table,
    keep_drop_swapped,
    not_scaled,
    scaled_by_inverse_p,
    scaled_by_p,
)

OUTPUT = np.array(
    [
        [1.6, -0.7, -0.2, 1.9],
        [-2.3, 2.5, 2.5, -0.9],
        [-0.5, 3.2, 3.7, -0.4],
        [1.3, -0.4, -2.6, 1.2],
    ]
)
MASK = np.array([[1, 0, 0, 1], [0, 1, 1, 0], [0, 1, 1, 0], [1, 0, 0, 1]])
P = MASK.mean()  # kept fraction: 8/16 = 0.5

MASK_75 = np.array([[1, 1, 0, 1], [0, 1, 1, 1], [1, 1, 1, 0], [1, 0, 1, 1]])
P_75 = MASK_75.mean()  # 12/16 = 0.75


def array_answer(table: object) -> Answer:
    return Answer(Kind.ARRAY, np.asarray(table, dtype=float))


def all_diagnoses(table: DropoutTable, mask: np.ndarray, p: float) -> tuple[Diagnosis, ...]:
    return (*dropout_diagnoses(table, OUTPUT, mask, p), transposed(), mirrored())


def json_roundtrip(extra: object) -> object:
    return json.loads(json.dumps(extra, allow_nan=False))


# --------------------------------------------------------------------------------------------
# Dropout references, cross-checked against plain numpy formulas


@pytest.mark.parametrize(("mask", "p"), [(MASK, P), (MASK_75, P_75)])
def test_dropout_references_follow_the_definitions(mask: np.ndarray, p: float) -> None:
    expected = {
        DropoutTable.STANDARD_TRAIN: OUTPUT * mask,
        DropoutTable.STANDARD_TEST: OUTPUT * p,
        DropoutTable.INVERTED_TRAIN: np.where(mask == 1, OUTPUT / p, 0.0),
        DropoutTable.INVERTED_TEST: OUTPUT.copy(),
    }
    for table, reference in expected.items():
        np.testing.assert_allclose(dropout_table(table, OUTPUT, mask, p), reference, atol=1e-12)
    assert P == 0.5
    assert P_75 == 0.75


@pytest.mark.parametrize("table", list(DropoutTable))
@pytest.mark.parametrize(("mask", "p"), [(MASK, P), (MASK_75, P_75)])
def test_correct_dropout_tables_are_correct(
    table: DropoutTable, mask: np.ndarray, p: float
) -> None:
    reference = dropout_table(table, OUTPUT, mask, p)
    verdict = check_table(
        array_answer(reference), reference, diagnoses=all_diagnoses(table, mask, p)
    )
    assert verdict.status is Status.CORRECT
    assert verdict.credit == 1.0
    assert verdict.mistake is None


@pytest.mark.parametrize(
    ("table", "wrong", "mistake"),
    [
        (DropoutTable.INVERTED_TRAIN, OUTPUT * MASK * P, DROPOUT_P_INSTEAD_OF_INVERSE),
        (DropoutTable.INVERTED_TRAIN, OUTPUT * MASK, DROPOUT_NOT_SCALED),
        (DropoutTable.STANDARD_TEST, OUTPUT, DROPOUT_NOT_SCALED),
        (DropoutTable.STANDARD_TEST, OUTPUT / P, DROPOUT_INVERSE_INSTEAD_OF_P),
        (DropoutTable.STANDARD_TRAIN, OUTPUT * MASK / P, DROPOUT_CONVENTIONS_SWAPPED),
        (DropoutTable.INVERTED_TEST, OUTPUT * P, DROPOUT_CONVENTIONS_SWAPPED),
    ],
)
def test_dropout_mistakes_at_half(table: DropoutTable, wrong: np.ndarray, mistake: Mistake) -> None:
    reference = dropout_table(table, OUTPUT, MASK, P)
    verdict = check_table(array_answer(wrong), reference, diagnoses=all_diagnoses(table, MASK, P))
    assert verdict.status is Status.INCORRECT
    assert verdict.mistake == mistake
    assert verdict.credit == mistake.credit
    assert verdict.details["diagnosis"] == mistake.id


@pytest.mark.parametrize(
    ("table", "wrong", "mistake"),
    [
        (DropoutTable.INVERTED_TRAIN, OUTPUT * MASK_75 * P_75, DROPOUT_P_INSTEAD_OF_INVERSE),
        (DropoutTable.INVERTED_TRAIN, OUTPUT * MASK_75 / (1 - P_75), DROPOUT_KEEP_DROP_SWAPPED),
        (DropoutTable.INVERTED_TRAIN, OUTPUT * MASK_75, DROPOUT_NOT_SCALED),
        (DropoutTable.STANDARD_TEST, OUTPUT * (1 - P_75), DROPOUT_KEEP_DROP_SWAPPED),
        (DropoutTable.STANDARD_TEST, OUTPUT, DROPOUT_NOT_SCALED),
        (DropoutTable.STANDARD_TEST, OUTPUT / P_75, DROPOUT_INVERSE_INSTEAD_OF_P),
        (DropoutTable.STANDARD_TRAIN, OUTPUT * MASK_75 / P_75, DROPOUT_CONVENTIONS_SWAPPED),
        (DropoutTable.INVERTED_TEST, OUTPUT * P_75, DROPOUT_CONVENTIONS_SWAPPED),
    ],
)
def test_dropout_mistakes_at_three_quarters(
    table: DropoutTable, wrong: np.ndarray, mistake: Mistake
) -> None:
    reference = dropout_table(table, OUTPUT, MASK_75, P_75)
    diagnoses = all_diagnoses(table, MASK_75, P_75)
    verdict = check_table(array_answer(wrong), reference, diagnoses=diagnoses)
    assert verdict.status is Status.INCORRECT
    assert verdict.mistake == mistake
    assert verdict.details["diagnosis"] == mistake.id


def test_keep_drop_swap_at_half_is_the_reference_itself() -> None:
    """With p = 0.5, 1 - p = p: the keep/drop variant coincides and must not fire."""
    for table in (DropoutTable.INVERTED_TRAIN, DropoutTable.STANDARD_TEST):
        reference = dropout_table(table, OUTPUT, MASK, P)
        swap = keep_drop_swapped(OUTPUT, MASK, P, table)
        np.testing.assert_allclose(swap.variant_for(reference), reference)
        verdict = check_table(array_answer(reference), reference, diagnoses=(swap,))
        assert verdict.status is Status.CORRECT


def test_scaled_by_p_and_inverse_differ_at_half() -> None:
    reference = dropout_table(DropoutTable.INVERTED_TRAIN, OUTPUT, MASK, P)
    variant = scaled_by_p(OUTPUT, MASK, P).variant_for(reference)
    np.testing.assert_allclose(variant * 4, reference)


@pytest.mark.parametrize("table", list(DropoutTable))
def test_transposed_and_mirrored_dropout_tables(table: DropoutTable) -> None:
    reference = dropout_table(table, OUTPUT, MASK_75, P_75)
    diagnoses = all_diagnoses(table, MASK_75, P_75)
    verdict = check_table(array_answer(reference.T), reference, diagnoses=diagnoses)
    assert verdict.mistake == TRANSPOSED
    verdict = check_table(array_answer(np.fliplr(reference)), reference, diagnoses=diagnoses)
    assert verdict.mistake == MIRRORED


@pytest.mark.parametrize("cell", [(0, 0), (1, 2), (3, 3), (2, 1)])
def test_one_wrong_cell_earns_fifteen_sixteenths(cell: tuple[int, int]) -> None:
    reference = dropout_table(DropoutTable.INVERTED_TRAIN, OUTPUT, MASK, P)
    answer = reference.copy()
    answer[cell] += 1.0
    diagnoses = all_diagnoses(DropoutTable.INVERTED_TRAIN, MASK, P)
    verdict = check_table(array_answer(answer), reference, diagnoses=diagnoses)
    assert verdict.status is Status.INCORRECT
    assert verdict.credit == 15 / 16
    assert verdict.mistake is None
    wrong = np.array(verdict.details["wrong"])
    assert wrong.shape == (4, 4)
    assert wrong[cell]
    assert wrong.sum() == 1
    assert verdict.details["shape"] == [4, 4]
    assert verdict.details["matching"] == 15
    assert verdict.details["cells"] == 16
    assert json_roundtrip(verdict.details) == verdict.details


def test_rounded_hand_answers_pass() -> None:
    reference = dropout_table(DropoutTable.STANDARD_TEST, OUTPUT, MASK_75, P_75)
    verdict = check_table(array_answer(np.round(reference, 2)), reference)
    assert verdict.status is Status.CORRECT


def test_diff_is_json_ready_with_nan_and_inf() -> None:
    reference = dropout_table(DropoutTable.STANDARD_TRAIN, OUTPUT, MASK, P)
    answer = reference.copy()
    answer[0, 0], answer[0, 1], answer[0, 2] = np.nan, np.inf, -np.inf
    verdict = check_table(array_answer(answer), reference)
    assert verdict.credit == 13 / 16
    assert verdict.details["given"][0][:3] == ["nan", "inf", "-inf"]
    assert json_roundtrip(verdict.details) == verdict.details
    assert verdict.details["expected"][0][1] == 0.0  # -0.0 is shown as 0.0


def test_dropout_inputs_are_validated() -> None:
    with pytest.raises(ValueError, match="strictly between"):
        dropout_table(DropoutTable.STANDARD_TEST, OUTPUT, MASK, 1.0)
    with pytest.raises(ValueError, match="0 and 1"):
        scaled_by_p(OUTPUT, MASK * 2, P)
    with pytest.raises(ValueError, match="shape"):
        not_scaled(OUTPUT, MASK[:3], P)
    assert conventions_swapped(OUTPUT, MASK, P, DropoutTable.INVERTED_TEST).mistake.id == (
        "dropout.conventions_swapped"
    )
    assert scaled_by_inverse_p(OUTPUT, MASK, P).mistake.id == "dropout.inverse_instead_of_p"


# --------------------------------------------------------------------------------------------
# Shapes, kinds, diagnoses


def test_wrong_shape_is_invalid_and_named() -> None:
    verdict = check_table(array_answer(np.zeros((3, 4))), np.zeros((4, 4)))
    assert verdict.status is Status.INVALID
    assert verdict.credit == 0.0
    assert "expected a 4×4 table, got a 3×4 table" in verdict.feedback
    assert verdict.details["given_shape"] == [3, 4]


def test_singleton_axes_are_ignored() -> None:
    reference = OUTPUT * MASK
    verdict = check_table(array_answer(reference[None, :, :]), reference)
    assert verdict.status is Status.CORRECT
    assert verdict.details["given_shape"] == [1, 4, 4]


def test_non_square_transposed_is_diagnosed_not_invalid() -> None:
    reference = np.arange(12.0).reshape(3, 4)
    verdict = check_table(array_answer(reference.T), reference, diagnoses=(transposed(),))
    assert verdict.status is Status.INCORRECT
    assert verdict.mistake == TRANSPOSED
    verdict = check_table(array_answer(reference.T), reference)
    assert verdict.status is Status.INVALID


def test_row_vector_for_column_vector_is_not_called_transposed() -> None:
    reference = np.array([[1.0, 2.0, 3.0]])
    verdict = check_table(array_answer(reference.T), reference, diagnoses=(transposed(),))
    assert verdict.status is Status.CORRECT


@pytest.mark.parametrize(
    "value",
    [
        np.array([[1, 2], [3]], dtype=object),
        np.array([["1", "2"], ["3", "4"]]),
        np.array([[1 + 1j, 2], [3, 4]]),
        [[1.0, 2.0], [3.0]],
        np.array([[1.0, "x"], [3.0, 4.0]], dtype=object),
    ],
)
def test_ragged_text_or_complex_arrays_are_invalid(value: object) -> None:
    verdict = check_table(Answer(Kind.ARRAY, value), np.ones((2, 2)))
    assert verdict.status is Status.INVALID
    assert "rectangular table of real numbers" in verdict.feedback


def test_object_array_of_numbers_is_read() -> None:
    value = np.array([[1, 2.0], [np.float64(3), True]], dtype=object)
    verdict = check_table(Answer(Kind.ARRAY, value), np.array([[1, 2], [3, 1]]))
    assert verdict.status is Status.CORRECT


@pytest.mark.parametrize("kind", [Kind.TEXT, Kind.EXPR, Kind.BOOL, Kind.LIST, Kind.UNSUPPORTED])
def test_other_kinds_are_invalid(kind: Kind) -> None:
    verdict = check_table(Answer(kind, "x", text="x"), np.ones((2, 2)))
    assert verdict.status is Status.INVALID
    assert "2×2 table" in verdict.feedback


def test_missing_placeholder_and_error() -> None:
    assert check_table(ABSENT, np.ones(2)).status is Status.MISSING
    assert check_table(Answer(Kind.PLACEHOLDER), np.ones(2)).status is Status.MISSING
    error = check_table(Answer(Kind.ERROR, note="NameError"), np.ones(2))
    assert error.status is Status.ERROR
    assert error.feedback == "NameError"


def test_number_is_a_zero_d_table() -> None:
    assert check_table(Answer(Kind.NUMBER, 2.0), np.float64(2.0)).status is Status.CORRECT
    wrong = check_table(Answer(Kind.NUMBER, 3.0), np.float64(2.0))
    assert wrong.status is Status.INCORRECT
    assert wrong.credit == 0.0
    assert check_table(Answer(Kind.NUMBER, 2.0), np.ones((2, 2))).status is Status.INVALID


def test_precomputed_variant_and_credit() -> None:
    half = Mistake("x.half", "Half of every value.", credit=0.5)
    reference = np.array([[2.0, 4.0], [6.0, 8.0]])
    diagnosis = Diagnosis.of_variant(half, reference / 2)
    assert diagnosis == Diagnosis.of_variant(half, reference / 2)  # compares by value
    assert hash(diagnosis) == hash(Diagnosis.of_variant(half, reference / 2))
    verdict = check_table(array_answer(reference / 2), reference, diagnoses=(diagnosis,))
    assert verdict.status is Status.INCORRECT
    assert verdict.credit == 0.5
    assert verdict.mistake == half


def test_first_matching_diagnosis_wins() -> None:
    reference = np.array([[1.0, 2.0], [3.0, 4.0]])
    first = Mistake("first", "first")
    second = Mistake("second", "second")
    diagnoses = (Diagnosis(first, np.transpose), Diagnosis(second, np.transpose))
    verdict = check_table(array_answer(reference.T), reference, diagnoses=diagnoses)
    assert verdict.mistake == first


def test_non_finite_variant_is_ignored() -> None:
    reference = np.ones((2, 2))
    broken = Diagnosis.of_variant(Mistake("nan", "nan"), np.full((2, 2), np.nan))
    verdict = check_table(array_answer(np.full((2, 2), np.nan)), reference, diagnoses=(broken,))
    assert verdict.status is Status.INCORRECT
    assert verdict.mistake is None


def test_bad_reference_or_tolerance_raises() -> None:
    with pytest.raises(ValueError, match="finite"):
        check_table(array_answer([1.0]), np.array([np.nan]))
    with pytest.raises(ValueError, match="tolerances"):
        check_table(array_answer([1.0]), np.array([1.0]), atol=-1.0)


def test_describe_shape() -> None:
    assert describe_shape(()) == "a single number"
    assert describe_shape((4,)) == "a vector of 4"
    assert describe_shape((4, 4)) == "a 4×4 table"
    assert describe_shape((2, 3, 4)) == "a 2×3×4 array"


def test_default_atol_is_positive() -> None:
    assert DEFAULT_ATOL > 0
    assert DEFAULT_RTOL > 0


# --------------------------------------------------------------------------------------------
# Properties

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
anything = st.floats(allow_nan=True, allow_infinity=True, width=64)
shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)
tolerances = st.tuples(
    st.floats(min_value=0.0, max_value=0.1), st.floats(min_value=1e-9, max_value=1.0)
)


@st.composite
def table_pairs(draw: st.DrawFn, elements: st.SearchStrategy[float] = finite) -> tuple:
    shape = draw(shapes)
    a = draw(hnp.arrays(np.float64, shape, elements=elements))
    b = draw(hnp.arrays(np.float64, shape, elements=elements))
    return a, b


@given(table_pairs(), tolerances)
def test_tolerance_is_symmetric(pair: tuple, tol: tuple[float, float]) -> None:
    a, b = pair
    rtol, atol = tol
    forward = check_table(array_answer(a), b, rtol=rtol, atol=atol)
    backward = check_table(array_answer(b), a, rtol=rtol, atol=atol)
    assert forward.status is backward.status
    assert forward.credit == backward.credit
    np.testing.assert_array_equal(
        cells_agree(a, b, rtol=rtol, atol=atol), cells_agree(b, a, rtol=rtol, atol=atol)
    )


@given(
    hnp.arrays(np.float64, shapes, elements=st.floats(min_value=-1e-12, max_value=1e-12)),
)
def test_zero_reference_accepts_tiny_answers(tiny: np.ndarray) -> None:
    verdict = check_table(array_answer(tiny), np.zeros(tiny.shape))
    assert verdict.status is Status.CORRECT


@given(shapes, st.data())
def test_zero_reference_rejects_a_tenth(shape: tuple[int, ...], data: st.DataObject) -> None:
    answer = np.zeros(shape)
    index = data.draw(st.tuples(*(st.integers(0, n - 1) for n in shape)))
    answer[index] = data.draw(st.sampled_from([0.1, -0.1]))
    verdict = check_table(array_answer(answer), np.zeros(shape))
    assert verdict.status is Status.INCORRECT
    assert verdict.credit == (answer.size - 1) / answer.size
    assert np.array(verdict.details["wrong"])[index]


nonzero = st.one_of(
    st.floats(min_value=1.0, max_value=1e4), st.floats(min_value=-1e4, max_value=-1.0)
)
factors = st.one_of(
    st.floats(min_value=-10.0, max_value=0.9), st.floats(min_value=1.1, max_value=10.0)
)


@given(hnp.arrays(np.float64, shapes, elements=nonzero), factors)
def test_scaled_table_fails_every_cell(reference: np.ndarray, factor: float) -> None:
    verdict = check_table(array_answer(reference * factor), reference)
    assert verdict.status is Status.INCORRECT
    assert verdict.credit == 0.0


grid = st.integers(-(10**6), 10**6).map(lambda n: n / 1000)


@given(table_pairs(grid), st.integers(-20, 20), st.sampled_from([1.0, -1.0]))
def test_scaling_both_with_atol_keeps_the_verdict(pair: tuple, power: int, sign: float) -> None:
    a, b = pair
    scale = sign * 2.0**power
    plain = check_table(array_answer(a), b)
    scaled = check_table(array_answer(a * scale), b * scale, atol=DEFAULT_ATOL * abs(scale))
    assert plain.status is scaled.status
    assert plain.credit == scaled.credit
    assert plain.details["wrong"] == scaled.details["wrong"]


@settings(max_examples=200)
@given(table_pairs(anything), st.sampled_from(["same", "other"]))
def test_nan_and_inf_never_crash(pair: tuple, use: str) -> None:
    given_table, other = pair
    reference = np.nan_to_num(other if use == "other" else given_table, posinf=1.0, neginf=-1.0)
    diagnoses = (transposed(), mirrored())
    verdict = check_table(array_answer(given_table), reference, diagnoses=diagnoses)
    assert verdict.status in (Status.CORRECT, Status.INCORRECT, Status.INVALID)
    json.dumps(verdict.details, allow_nan=False)
    if not np.all(np.isfinite(given_table)) and verdict.details.get("wrong") is not None:
        wrong = np.array(verdict.details["wrong"], dtype=bool).reshape(given_table.shape)
        assert wrong[~np.isfinite(given_table)].all()
        assert verdict.status is not Status.CORRECT


@given(table_pairs(grid), st.data())
def test_credit_is_the_fraction_of_agreeing_cells(pair: tuple, data: st.DataObject) -> None:
    reference, _ = pair
    spoiled = data.draw(hnp.arrays(np.bool_, reference.shape))
    answer = np.where(spoiled, reference + 1e4, reference)
    verdict = check_table(array_answer(answer), reference)
    assert verdict.credit == pytest.approx((~spoiled).sum() / spoiled.size)
    assert (verdict.status is Status.CORRECT) == (not spoiled.any())
    assert np.array_equal(np.array(verdict.details["wrong"]), spoiled)


square = st.integers(1, 5).flatmap(lambda n: hnp.arrays(np.float64, (n, n), elements=grid))


@given(square)
def test_symmetric_table_is_its_own_transpose_and_stays_correct(table: np.ndarray) -> None:
    symmetric = table + table.T
    verdict = check_table(array_answer(symmetric), symmetric, diagnoses=(transposed(), mirrored()))
    assert verdict.status is Status.CORRECT
    assert verdict.mistake is None


@given(square)
def test_transposed_answer_is_diagnosed(table: np.ndarray) -> None:
    assume(not np.all(cells_agree(table, table.T)))
    verdict = check_table(array_answer(table.T), table, diagnoses=(transposed(),))
    assert verdict.status is Status.INCORRECT
    assert verdict.mistake == TRANSPOSED


@given(square, st.data())
def test_coinciding_variant_never_turns_correct_into_mistake(
    table: np.ndarray, data: st.DataObject
) -> None:
    """Even a variant within tolerance of the reference (but not equal) cannot fire."""
    nudge = data.draw(st.floats(min_value=-1e-4, max_value=1e-4))
    near = Diagnosis.of_variant(Mistake("near", "near"), table + nudge)
    verdict = check_table(array_answer(table + nudge), table, diagnoses=(near,))
    assert verdict.mistake is None
    assert verdict.status is Status.CORRECT
