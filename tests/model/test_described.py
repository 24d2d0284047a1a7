"""Parts describe their items to the public manifest themselves (``Describing``); a part that
does not is described by the type of its reference values. Neither needs public.py to know the
kind of part."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from graders.checks.derivation import Derivation
from graders.checks.numeric import Tolerance
from graders.checks.training import AlphaPart, BlockPart, ModelPart, TwinPart
from graders.model.answers import Answer, Status, Verdict
from graders.model.described import Describing, Expect, Expectation, Sanity, expectations
from graders.model.parts import ChoicePart, ExpressionPart, NumberPart, TablePart, TextPart
from graders.model.questions import Homework, Item, Params, Question
from graders.model.related import RelatedParts
from graders.student.public import FormPart, manifest_of, read_manifest


@dataclass(frozen=True)
class Heatmap:
    """A kind of part the engine has never seen: a grid whose size is a parameter."""

    item: Item

    @property
    def items(self) -> tuple[Item, ...]:
        return (self.item,)

    def solve(self, params: Params) -> Mapping[str, Any]:
        return {self.item.variable: [[0.0] * params["n"]] * params["n"]}

    def expectations(self, params: Params) -> Mapping[str, Expectation]:
        shape = (params["n"], params["n"])
        return {self.item.variable: Expectation(Expect.TABLE, shape, sanity=Sanity("mnist"))}

    def grade(self, answers: Mapping[str, Answer], params: Params) -> Mapping[str, Verdict]:
        return {self.item.variable: Verdict(Status.MANUAL, 0.0)}


@dataclass(frozen=True)
class Undescribed:
    """A part without ``expectations``: a count, a table and a word."""

    @property
    def items(self) -> tuple[Item, ...]:
        return (Item("count", "c", 1.0), Item("grid", "g", 1.0), Item("word", "w", 1.0))

    def solve(self, params: Params) -> Mapping[str, Any]:
        return {"count": 3, "grid": [[1.0, 2.0, 3.0]], "word": "hello"}

    def grade(self, answers: Mapping[str, Answer], params: Params) -> Mapping[str, Verdict]:
        return {i.variable: Verdict(Status.MANUAL, 0.0) for i in self.items}


def _manifest_items(*parts: Any, params: Params | None = None) -> dict[str, dict[str, Any]]:
    homework = Homework("hwx", "x", (Question("hwx.q1", "Q", "", parts),), params or {})
    data = manifest_of(homework).to_json()
    read_manifest(data)  # what the notebook carries reads back
    return {i["variable"]: i for q in data["questions"] for i in q["items"]}


def test_a_new_kind_of_part_says_what_it_expects_in_the_manifest() -> None:
    items = _manifest_items(Heatmap(Item("heat", "Heat map", 2.0)), params={"n": 3})
    assert items["heat"]["expect"] == "table" and items["heat"]["shape"] == [3, 3]
    assert items["heat"]["sanity"]["dataset"] == "mnist"


def test_a_part_that_does_not_describe_itself_is_described_by_its_values() -> None:
    items = _manifest_items(Undescribed())
    assert items["count"]["expect"] == "integer"
    assert items["grid"]["expect"] == "table" and items["grid"]["shape"] == [1, 3]
    assert items["word"]["expect"] == "any" and "shape" not in items["word"]


def test_every_kind_of_part_of_the_engine_describes_itself() -> None:
    kinds = (ChoicePart, NumberPart, TextPart, TablePart, ExpressionPart, Derivation)
    kinds += (RelatedParts, ModelPart, TwinPart, BlockPart, AlphaPart, FormPart)
    assert [k.__name__ for k in kinds if not issubclass(k, Describing)] == []


def test_related_parts_are_described_as_their_parts_are() -> None:
    count = NumberPart(Item("n", "n", 1.0), lambda p: 3.0, Tolerance(integer=True))
    word = TextPart(Item("why", "why", 1.0), "rubric")
    found = expectations(RelatedParts((count, word)), {})
    assert {v: e.expect for v, e in found.items()} == {"n": Expect.INTEGER, "why": Expect.TEXT}


@given(
    st.floats(1e-9, 0.5), st.floats(0.0, 1.0), st.booleans(), st.floats(-1e6, 1e6), st.booleans()
)
def test_a_number_shows_its_own_tolerance_and_kind(
    rtol: float, atol: float, integer: bool, value: float, show: bool
) -> None:
    tolerance = Tolerance(rtol=rtol, atol=atol, integer=integer)
    part = NumberPart(Item("x", "x", 1.0), lambda p: value, tolerance)
    homework = Homework("hwx", "x", (Question("hwx.q1", "Q", "", (part,), show_result=show),), {})
    item = manifest_of(homework).questions[0].items[0]
    assert item.expect is (Expect.INTEGER if integer else Expect.NUMBER)
    assert (item.answer, item.tolerance) == ((value, tolerance) if show else (None, None))
