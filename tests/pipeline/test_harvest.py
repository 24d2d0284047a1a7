"""Tests for graders.harvest: the kernel-side cell (run here without a kernel) and the reader.

The harvest cell is the grader's own code; the tests ``exec`` it in a namespace that offers
``get_ipython().user_ns``, the way IPython would, and read what it prints.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from typing import Any

import numpy as np
import pytest
import sympy
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from graders.harvest import (
    MAX_ELEMENTS,
    MAX_LIST,
    MAX_PAYLOAD,
    MAX_TEXT,
    HarvestError,
    harvest_source,
    read_answers,
)
from graders.model.answers import Answer, Kind

NONCE = "__grader_7f3a9c1e__"


class FakeShell:
    """What the harvest cell needs from IPython: the user's namespace."""

    def __init__(self, user_ns: dict[str, Any]) -> None:
        self.user_ns = user_ns


def run_harvest(user_ns: dict[str, Any], names: list[str], nonce: str = NONCE) -> str:
    """Run the harvest cell against ``user_ns`` and return what it printed."""
    shell = FakeShell(user_ns)
    namespace: dict[str, Any] = {"get_ipython": lambda: shell}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(harvest_source(names, nonce), namespace)
    return printed.getvalue()


def harvest(**user_ns: Any) -> dict[str, Answer]:
    names = list(user_ns)
    return read_answers(run_harvest(dict(user_ns), names), NONCE, names)


def harvest_one(value: Any) -> Answer:
    return harvest(x=value)["x"]


def read(payload: Any, names: tuple[str, ...] = ("x",)) -> dict[str, Answer]:
    return read_answers(NONCE + json.dumps(payload) + "\n", NONCE, list(names))


# --- the cell -------------------------------------------------------------------------------


def test_the_cell_prints_one_nonce_line_and_leaves_the_namespace_clean() -> None:
    shell_ns: dict[str, Any] = {"a": 1.5}
    namespace: dict[str, Any] = {"get_ipython": lambda: FakeShell(shell_ns)}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(harvest_source(["a"], NONCE), namespace)
    lines = printed.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(NONCE)
    assert set(namespace) - {"__builtins__"} == {"get_ipython"}
    assert shell_ns == {"a": 1.5}


def test_the_cell_is_plain_python_without_the_grader() -> None:
    source = harvest_source(["a", "b"], NONCE)
    compile(source, "<harvest>", "exec")
    assert "graders" not in source
    assert "pickle" not in source


def test_names_and_nonce_are_quoted_safely() -> None:
    odd_nonce = "n'\"\\x"
    printed = run_harvest({"a": 2.5}, ["a", "b'c"], nonce=odd_nonce)
    answers = read_answers(printed, odd_nonce, ["a", "b'c"])
    assert answers["a"].value == 2.5
    assert answers["b'c"].kind is Kind.ABSENT


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0.916, 1 / 3, -0.0, 1e-300, 2.5e20, 0.1 + 0.2])
def test_floats_keep_their_shortest_repr(value: float) -> None:
    answer = harvest_one(value)
    assert answer.kind is Kind.NUMBER
    assert answer.value == value
    assert answer.text == repr(value)


def test_a_rounded_float_reads_as_written() -> None:
    assert harvest_one(0.916).text == "0.916"


@pytest.mark.parametrize("value", [0, 3, -42, 9226, 2**53])
def test_ints(value: int) -> None:
    answer = harvest_one(value)
    assert answer.kind is Kind.NUMBER
    assert answer.value == float(value)
    assert answer.text == str(value)


@pytest.mark.parametrize(
    "value",
    [np.float64(0.916), np.float32(0.5), np.float16(0.25), np.int64(7), np.int8(-3), np.uint16(9)],
)
def test_numpy_scalars(value: Any) -> None:
    answer = harvest_one(value)
    assert answer.kind is Kind.NUMBER
    assert answer.value == float(value)
    assert float(answer.text) == float(value)


def test_a_float64_scalar_keeps_its_short_text() -> None:
    assert harvest_one(np.float64(0.916)).text == "0.916"


@pytest.mark.parametrize(
    ("value", "text"), [(math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf")]
)
def test_non_finite_numbers_come_back(value: float, text: str) -> None:
    answer = harvest_one(value)
    assert answer.kind is Kind.NUMBER
    assert answer.text == text
    assert repr(answer.value) == repr(value)


def test_an_int_beyond_any_float_is_unsupported() -> None:
    answer = harvest_one(10**400)
    assert answer.kind is Kind.UNSUPPORTED
    assert answer.note


# --- booleans, text, placeholders -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (np.True_, True),
        (np.False_, False),
        (np.array(True), True),
        (torch.tensor(False), False),
    ],
)
def test_bools(value: Any, expected: bool) -> None:
    answer = harvest_one(value)
    assert answer.kind is Kind.BOOL
    assert answer.value is expected


@pytest.mark.parametrize(
    "value", ["بله، همگرا شده است", "L2 regularization", "", "σ(x)·(1 − σ(x))", 'a"b\\c\n']
)
def test_strings_including_persian(value: str) -> None:
    answer = harvest_one(value)
    assert answer.kind is Kind.TEXT
    assert answer.value == value
    assert answer.text == value
    assert answer.note == ""


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=60))
def test_any_text_comes_back_exactly_surrogates_and_astral_characters_included(value: str) -> None:
    assert harvest_one(value).value == value


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=8).filter(lambda name: name.isidentifier()),
        st.one_of(st.floats(), st.integers(-(2**53), 2**53), st.text(max_size=20), st.none()),
        max_size=6,
    )
)
def test_the_line_is_the_json_the_standard_encoder_would_write(user_ns: dict[str, Any]) -> None:
    names = sorted(user_ns)
    printed = run_harvest(dict(user_ns), names)
    ours = json.loads(printed[len(NONCE) :])
    assert ours == json.loads(json.dumps(ours))  # plain JSON, every float finite or a text
    assert read_answers(printed, NONCE, names).keys() == set(names)


def test_a_student_who_replaces_json_changes_nothing() -> None:
    """The cell writes its JSON itself: a patched ``json`` module is not used."""
    before = run_harvest({"a": 2.5, "b": "x"}, ["a", "b"])
    original = json.dumps
    json.dumps = lambda *args, **kwargs: "{not json"  # type: ignore[assignment]
    try:
        after = run_harvest({"a": 2.5, "b": "x"}, ["a", "b"])
    finally:
        json.dumps = original
    assert after == before
    assert read_answers(after, NONCE, ["a", "b"])["a"].value == 2.5


def test_a_long_string_is_cut_with_a_note() -> None:
    answer = harvest_one("خ" * (MAX_TEXT + 10))
    assert answer.kind is Kind.TEXT
    assert len(answer.value) == MAX_TEXT
    assert str(MAX_TEXT) in answer.note


@pytest.mark.parametrize("value", [..., None])
def test_placeholders(value: Any) -> None:
    answer = harvest_one(value)
    assert answer.kind is Kind.PLACEHOLDER
    assert not answer.given


def test_undefined_is_absent() -> None:
    printed = run_harvest({"defined": 1.0}, ["defined", "undefined"])
    answers = read_answers(printed, NONCE, ["defined", "undefined"])
    assert answers["defined"].kind is Kind.NUMBER
    assert answers["undefined"].kind is Kind.ABSENT
    assert not answers["undefined"].given


def test_names_not_asked_for_are_not_read() -> None:
    printed = run_harvest({"a": 1.0, "secret": 2.0}, ["a"])
    assert "secret" not in printed
    assert set(read_answers(printed, NONCE, ["a"])) == {"a"}


# --- arrays and lists -----------------------------------------------------------------------


def test_numpy_array_keeps_shape_and_values_and_comes_back_read_only() -> None:
    source = np.arange(6, dtype=float).reshape(2, 3) / 7
    answer = harvest_one(source)
    assert answer.kind is Kind.ARRAY
    assert answer.value.shape == (2, 3)
    assert answer.value.dtype == np.float64
    np.testing.assert_array_equal(answer.value, source)
    assert not answer.value.flags.writeable
    np.testing.assert_array_equal(answer.as_array(), source)


def test_a_read_only_student_array_is_read() -> None:
    source = np.linspace(0, 1, 5)
    source.setflags(write=False)
    answer = harvest_one(source)
    assert answer.kind is Kind.ARRAY
    np.testing.assert_array_equal(answer.value, source)


def test_integer_and_empty_arrays() -> None:
    answer = harvest_one(np.array([[1, 2], [3, 4]], dtype=np.int32))
    assert answer.kind is Kind.ARRAY
    assert answer.value.shape == (2, 2)
    assert answer.value.dtype == np.float64
    empty = harvest_one(np.zeros((0, 3)))
    assert empty.kind is Kind.ARRAY
    assert empty.value.shape == (0, 3)


def test_non_finite_array_elements_come_back() -> None:
    answer = harvest_one(np.array([1.0, math.nan, math.inf, -math.inf]))
    assert answer.kind is Kind.ARRAY
    assert answer.value[0] == 1.0
    assert math.isnan(answer.value[1])
    assert answer.value[2] == math.inf
    assert answer.value[3] == -math.inf


def test_nested_lists_are_arrays() -> None:
    answer = harvest_one([[1, 2.5], [3, 4]])
    assert answer.kind is Kind.ARRAY
    assert answer.value.shape == (2, 2)
    np.testing.assert_array_equal(answer.value, [[1, 2.5], [3, 4]])
    assert harvest_one((0.1, 0.2)).kind is Kind.ARRAY


def test_ragged_lists_become_a_list_of_their_parts() -> None:
    answer = harvest_one([[1.0, 2.0], [3.0]])
    assert answer.kind is Kind.LIST
    assert len(answer.value) == 2
    first, second = answer.value
    assert first.kind is Kind.ARRAY
    np.testing.assert_array_equal(first.value, [1.0, 2.0])
    np.testing.assert_array_equal(second.value, [3.0])


def test_lists_of_texts_and_mixed_lists() -> None:
    answer = harvest_one(["L1", "dropout", "وزن"])
    assert answer.kind is Kind.LIST
    assert [a.value for a in answer.value] == ["L1", "dropout", "وزن"]
    assert all(a.kind is Kind.TEXT for a in answer.value)
    mixed = harvest_one(["yes", 0.5, None])
    assert [a.kind for a in mixed.value] == [Kind.TEXT, Kind.NUMBER, Kind.PLACEHOLDER]


def test_deeply_nested_non_numeric_lists_are_cut() -> None:
    answer = harvest_one([["a", ["b", ["c"]]]])
    assert answer.kind is Kind.LIST
    (inner,) = answer.value
    assert inner.kind is Kind.LIST
    assert inner.value[0].value == "a"
    assert inner.value[1].kind is Kind.UNSUPPORTED


def test_a_long_list_is_cut() -> None:
    answer = harvest_one(["x"] * (MAX_LIST + 5))
    assert answer.kind is Kind.LIST
    assert len(answer.value) == MAX_LIST


def test_an_oversized_array_is_unsupported() -> None:
    answer = harvest_one(np.zeros(MAX_ELEMENTS + 1))
    assert answer.kind is Kind.UNSUPPORTED
    assert "too large" in answer.note


@pytest.mark.parametrize(
    "value",
    [
        np.array(["a", "b"]),
        np.array([1 + 2j]),
        np.array([object()], dtype=object),
        1 + 2j,
        {"a": 1},
        {1, 2},
        object(),
        b"bytes",
        np.datetime64("2024-01-01"),
    ],
)
def test_objects_that_are_not_plain_data_are_unsupported(value: Any) -> None:
    answer = harvest_one(value)
    assert answer.kind is Kind.UNSUPPORTED
    assert answer.note


# --- torch and sympy ------------------------------------------------------------------------


def test_torch_tensors_including_ones_that_require_grad() -> None:
    w = torch.tensor([[0.1, 0.2], [0.3, 0.4]], dtype=torch.float64, requires_grad=True)
    loss = (w**2).sum()
    loss.backward()
    answers = harvest(w=w, loss=loss, grad=w.grad, scalar=torch.tensor(0.916))
    assert answers["w"].kind is Kind.ARRAY
    np.testing.assert_array_equal(answers["w"].value, w.detach().numpy())
    assert answers["grad"].kind is Kind.ARRAY
    assert answers["loss"].kind is Kind.NUMBER
    assert answers["loss"].value == loss.item()
    assert answers["scalar"].kind is Kind.NUMBER
    assert answers["scalar"].value == pytest.approx(0.916, rel=1e-6)


def test_a_tensor_numpy_cannot_hold_is_unsupported_not_a_crash() -> None:
    assert harvest_one(torch.tensor([1.0], dtype=torch.bfloat16)).kind is Kind.UNSUPPORTED


def test_sympy_expressions_come_back_as_text() -> None:
    x = sympy.Symbol("x")
    expr = x * sympy.exp(-x) / (1 + sympy.exp(-x))
    answer = harvest_one(expr)
    assert answer.kind is Kind.EXPR
    assert answer.value == str(expr)
    assert answer.text == str(expr)
    assert harvest_one(sympy.I).kind is Kind.EXPR


@pytest.mark.parametrize(
    "value",
    [
        sympy.Rational(1, 3),
        sympy.Integer(7),
        sympy.Float("0.916"),
        sympy.pi,
        sympy.sqrt(2),
        sympy.log(2),
    ],
)
def test_sympy_numbers_are_numbers(value: sympy.Expr) -> None:
    answer = harvest_one(value)
    assert answer.kind is Kind.NUMBER
    assert answer.value == float(value)


# --- objects that fight back ----------------------------------------------------------------


class BadFloat(float):
    def __float__(self) -> float:
        raise RuntimeError("no float for you")

    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


class BadRepr:
    def __float__(self) -> float:
        raise RuntimeError("no float for you")

    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


class BadClass:
    @property  # type: ignore[misc]
    def __class__(self) -> type:
        raise RuntimeError("no class for you")


@pytest.mark.parametrize("make", [lambda: BadFloat(0.5), BadRepr, BadClass])
def test_an_object_that_raises_is_unsupported_not_a_crash(make: Any) -> None:
    answers = harvest(bad=make(), good=0.5)
    assert answers["bad"].kind is Kind.UNSUPPORTED
    assert answers["good"].kind is Kind.NUMBER


# --- read_answers safety --------------------------------------------------------------------


def test_reads_only_the_line_that_starts_with_the_nonce() -> None:
    good = json.dumps({"x": {"kind": "number", "value": 0.5, "text": "0.5"}})
    printed = f"student noise\nsay {NONCE}{{}}\n{NONCE}{good}\ntrailing\n"
    assert read_answers(printed, NONCE, ["x"])["x"].value == 0.5


@pytest.mark.parametrize(
    "printed",
    [
        "",
        "nothing here\n",
        json.dumps({"x": {"kind": "number", "value": 1, "text": "1"}}),  # no nonce
        "__grader_other__{}\n",
    ],
)
def test_output_without_the_nonce_line_is_an_error(printed: str) -> None:
    with pytest.raises(HarvestError):
        read_answers(printed, NONCE, ["x"])


def test_two_nonce_lines_are_an_error() -> None:
    fake = json.dumps({"x": {"kind": "number", "value": 1.0, "text": "1.0"}})
    real = json.dumps({"x": {"kind": "number", "value": 0.5, "text": "0.5"}})
    with pytest.raises(HarvestError):
        read_answers(f"{NONCE}{fake}\n{NONCE}{real}\n", NONCE, ["x"])


@pytest.mark.parametrize(
    "body",
    [
        "{",
        "{'x': 1}",
        '{"x": NaN}',
        '{"x": {"kind": "number", "value": NaN, "text": "nan"}}',
        '{"x": {"kind": "number", "value": Infinity, "text": "inf"}}',
        '{"x": {"kind": "number", "value": -Infinity, "text": "-inf"}}',
        "[" * 100_000 + "]" * 100_000,
        '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"x": 1' + "0" * 5000 + "}",
    ],
)
def test_invalid_json_is_an_error(body: str) -> None:
    with pytest.raises(HarvestError):
        read_answers(NONCE + body + "\n", NONCE, ["x"])


@pytest.mark.parametrize("body", ["[]", "[1, 2]", '"text"', "3", "null", "true"])
def test_json_that_is_not_an_object_is_an_error(body: str) -> None:
    with pytest.raises(HarvestError):
        read_answers(NONCE + body + "\n", NONCE, ["x"])


def test_a_payload_over_the_limit_is_an_error() -> None:
    body = json.dumps({"x": {"kind": "text", "value": "a" * MAX_PAYLOAD}})
    with pytest.raises(HarvestError, match="exceeds"):
        read_answers(NONCE + body + "\n", NONCE, ["x"])


def test_the_kernels_own_large_output_is_an_error_not_a_crash() -> None:
    printed = run_harvest({"big": "x" * (MAX_PAYLOAD + 1)}, ["big"])
    answers = read_answers(printed, NONCE, ["big"])  # the cell cuts the text itself
    assert answers["big"].kind is Kind.TEXT
    with pytest.raises(HarvestError):
        read_answers(printed + "y" * MAX_PAYLOAD, NONCE, ["big"])


@pytest.mark.parametrize(
    "entry",
    [
        1.5,
        "0.5",
        [1, 2],
        {},
        {"kind": None},
        {"kind": 3},
        {"kind": "error"},
        {"kind": "pickle", "value": "gASV"},
        {"kind": ["number"]},
        {"kind": "number"},
        {"kind": "number", "value": "0.5", "text": "0.5"},
        {"kind": "number", "value": True, "text": "True"},
        {"kind": "number", "value": None},
        {"kind": "number", "value": [0.5]},
        {"kind": "number", "value": 0.5, "text": 0.5},
        {"kind": "number", "value": 0.5, "text": "9" * 65},
        {"kind": "number", "value": int("9" * 400), "text": "9"},
        {"kind": "bool", "value": 1},
        {"kind": "bool", "value": "true"},
        {"kind": "text", "value": 3},
        {"kind": "text", "value": "a" * (MAX_TEXT + 1)},
        {"kind": "expr", "value": ["x"]},
        {"kind": "array", "shape": [2, 2], "data": [1.0, 2.0, 3.0]},
        {"kind": "array", "shape": [3], "data": [1.0, 2.0]},
        {"kind": "array", "shape": [-1], "data": [1.0]},
        {"kind": "array", "shape": [1.0], "data": [1.0]},
        {"kind": "array", "shape": [True], "data": [1.0]},
        {"kind": "array", "shape": "2", "data": [1.0, 2.0]},
        {"kind": "array", "shape": [2], "data": "12"},
        {"kind": "array", "shape": [2], "data": [1.0, "x"]},
        {"kind": "array", "shape": [2], "data": [1.0, None]},
        {"kind": "array", "shape": [2], "data": [1.0, [2.0]]},
        {"kind": "array", "shape": [2], "data": [1.0, True]},
        {"kind": "array", "shape": [1] * 100, "data": [1.0]},
        {"kind": "array", "shape": [0, 10**30], "data": []},
        {"kind": "array", "shape": [2**62, 0], "data": []},
        {"kind": "array", "shape": [1], "data": [int("9" * 400)]},
        {"kind": "list", "items": "abc"},
        {"kind": "list", "items": [{"kind": "text", "value": "a"}] * (MAX_LIST + 1)},
    ],
)
def test_malformed_entries_are_unsupported(entry: Any) -> None:
    answers = read({"x": entry, "y": {"kind": "number", "value": 0.5, "text": "0.5"}}, ("x", "y"))
    assert answers["x"].kind is Kind.UNSUPPORTED
    assert answers["y"].kind is Kind.NUMBER


def test_a_null_entry_is_absent() -> None:
    assert read({"x": None})["x"].kind is Kind.ABSENT


def test_markers_keep_a_short_note_only() -> None:
    answer = read({"x": {"kind": "unsupported", "note": "n" * 10_000}})["x"]
    assert answer.kind is Kind.UNSUPPORTED
    assert len(answer.note) <= 500
    assert read({"x": {"kind": "placeholder", "note": 5}})["x"].note == ""


def test_malformed_entries_inside_a_list_are_unsupported_items() -> None:
    answer = read({"x": {"kind": "list", "items": [{"kind": "text", "value": "a"}, 7]}})["x"]
    assert answer.kind is Kind.LIST
    assert [a.kind for a in answer.value] == [Kind.TEXT, Kind.UNSUPPORTED]


def test_lists_nested_beyond_the_cells_depth_are_unsupported() -> None:
    deep: dict[str, Any] = {"kind": "text", "value": "a"}
    for _ in range(5):
        deep = {"kind": "list", "items": [deep]}
    answer = read({"x": deep})["x"]
    depth = 0
    while answer.kind is Kind.LIST:
        (answer,) = answer.value
        depth += 1
    assert answer.kind is Kind.UNSUPPORTED
    assert depth == 2


def test_the_reader_returns_exactly_the_names_asked() -> None:
    answers = read({"x": {"kind": "bool", "value": True}, "extra": {"kind": "bool"}}, ("x", "z"))
    assert set(answers) == {"x", "z"}
    assert answers["z"].kind is Kind.ABSENT


# --- properties -----------------------------------------------------------------------------

KINDS = ["number", "bool", "text", "expr", "array", "list", "absent", "placeholder"]
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**400)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["nan", "inf", "-inf", *KINDS, "unsupported"])
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["kind", "value", "a", "ب"]), inner, max_size=3)
    ),
    max_leaves=8,
)
shapes = st.one_of(
    st.lists(st.integers(min_value=-1, max_value=3), max_size=4),
    st.lists(st.just(1), min_size=60, max_size=70),
    st.lists(st.sampled_from([0, 1, 2, 2**62, 10**30]), max_size=4),
)


@st.composite
def arrays(draw: st.DrawFn) -> dict[str, Any]:
    """Array entries whose data usually has as many elements as the shape asks for."""
    shape = draw(shapes)
    size = math.prod(shape) if all(isinstance(n, int) and n >= 0 for n in shape) else 1
    length = draw(st.sampled_from([size, size + 1, max(size - 1, 0)])) if size <= 64 else 0
    data = draw(st.lists(json_scalars, min_size=length, max_size=length))
    return {"kind": "array", "shape": draw(st.just(shape) | json_values), "data": data}


entries = st.recursive(
    json_values
    | arrays()
    | st.fixed_dictionaries(
        {"kind": st.sampled_from([*KINDS, "unsupported", "error", "pickle"]) | json_values},
        optional={
            "value": json_scalars | json_values,
            "text": json_scalars | json_values,
            "note": json_values,
            "truncated": json_values,
            "shape": shapes | json_values,
            "data": st.lists(json_scalars, max_size=8) | json_values,
        },
    ),
    lambda inner: st.fixed_dictionaries(
        {"kind": st.just("list"), "items": st.lists(inner, max_size=4)}
    ),
    max_leaves=6,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(payload=st.dictionaries(st.sampled_from(["x", "y", "z"]), entries))
@example(payload={"x": {"kind": "array", "shape": [1] * 65, "data": [1.0]}})
@example(payload={"x": {"kind": "list", "items": [{"kind": "number", "value": 10**400}]}})
def test_arbitrary_entries_never_raise_anything_but_harvest_error(payload: dict) -> None:
    printed = NONCE + json.dumps(payload) + "\n"
    try:
        answers = read_answers(printed, NONCE, ["x", "y", "z"])
    except HarvestError:
        return
    assert set(answers) == {"x", "y", "z"}
    for answer in answers.values():
        assert isinstance(answer, Answer)
        if answer.kind is Kind.ARRAY:
            assert not answer.value.flags.writeable


@settings(max_examples=300)
@given(kind=st.sampled_from(KINDS), value=json_scalars, text=json_scalars)
def test_arbitrary_fields_of_a_known_kind_never_raise(kind: str, value: Any, text: Any) -> None:
    printed = NONCE + json.dumps({"x": {"kind": kind, "value": value, "text": text}}) + "\n"
    (answer,) = read_answers(printed, NONCE, ["x"]).values()
    assert isinstance(answer, Answer)


@given(printed=st.text(max_size=200))
def test_arbitrary_printed_text_never_raises_anything_but_harvest_error(printed: str) -> None:
    for text in (printed, NONCE + printed):
        with contextlib.suppress(HarvestError):
            read_answers(text, NONCE, ["x"])


@given(value=json_values)
def test_harvest_of_plain_python_values_reads_back(value: Any) -> None:
    answer = harvest_one(value)
    assert isinstance(answer, Answer)
    assert answer.kind is not Kind.ABSENT
