"""Tests for graders.checks.choice: fixed-set answers in English and Persian."""

from __future__ import annotations

import string
from types import MappingProxyType

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from graders.checks.choice import (
    TRUE_FALSE,
    YES_NO,
    check_choice,
    choice_key,
    choice_options,
)
from graders.model.answers import ABSENT, Answer, Kind, Status
from reference.training import REGULARIZERS


def text(value: str) -> Answer:
    return Answer(Kind.TEXT, value, text=value)


def choices(*values: str) -> Answer:
    return Answer(Kind.LIST, tuple(text(v) for v in values))


# --------------------------------------------------------------------------------------------
# Normalisation


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("  TRUE. ", "true"),
        ("«درست»", "درست"),
        ("خير", "خیر"),  # Arabic yeh
        ("كاهش وزن", "کاهشوزن"),  # Arabic kaf, space removed
        ("هیچ\u200cکدام", "هیچکدام"),  # ZWNJ
        ("هیچ کدام", "هیچکدام"),
        ("L۱", "l1"),  # Persian digit
        ("L١", "l1"),  # Arabic-Indic digit
        ("ℓ1", "l1"),
        ("$L_{2}$", "l2"),
        ("Weight-Decay", "weightdecay"),
        ("**Ridge**", "ridge"),
        ("'none'", "none"),
        ("ＬＡＳＳＯ", "lasso"),  # full-width
        ("بـــله", "بله"),  # tatweel
        ("0.01", "0.01"),
        ("1e-3", "1e-3"),  # hyphen kept next to digits
        ("\u200f\u202bنه\u202c", "نه"),  # bidi marks
    ],
)
def test_choice_key(raw: str, key: str) -> None:
    assert choice_key(raw) == key


def test_option_sets_are_immutable() -> None:
    for options in (TRUE_FALSE, YES_NO, REGULARIZERS):
        assert isinstance(options, MappingProxyType)
        assert all(isinstance(spellings, frozenset) for spellings in options.values())
        with pytest.raises(TypeError):
            options["maybe"] = frozenset()  # type: ignore[index]


def test_option_ids_are_spellings() -> None:
    assert "L1" in REGULARIZERS["L1"]
    assert check_choice(text("none"), REGULARIZERS, "none").status is Status.CORRECT


def test_ambiguous_or_empty_spellings_are_refused() -> None:
    with pytest.raises(ValueError, match="shared"):
        choice_options({"a": {"Yes"}, "b": {"yes."}})
    with pytest.raises(ValueError, match="nothing"):
        choice_options({"a": {"..."}})
    with pytest.raises(TypeError):
        choice_options({"a": "abc"})


# --------------------------------------------------------------------------------------------
# Single choice


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("True", "true"),
        ("درست", "true"),
        ("صحیح", "true"),
        ("غلط", "false"),
        ("نادرست", "false"),
        ("F", "false"),
    ],
)
def test_true_false(answer: str, expected: str) -> None:
    assert check_choice(text(answer), TRUE_FALSE, expected).status is Status.CORRECT


def test_hw2_q2b_statements() -> None:
    expected = ["true", "false", "false"]
    given_answers = ["درست", "False", "غلط"]
    verdicts = [
        check_choice(text(a), TRUE_FALSE, e) for a, e in zip(given_answers, expected, strict=True)
    ]
    assert [v.status for v in verdicts] == [Status.CORRECT] * 3


def test_hw2_q2c_regularizers() -> None:
    weights_answers = {"L2": "ridge", "L1": "Lasso", "none": "بدون", "L1 ": "ℓ1"}
    for expected, answer in weights_answers.items():
        verdict = check_choice(text(answer), REGULARIZERS, expected.strip())
        assert verdict.status is Status.CORRECT, (expected, answer)


def test_wrong_known_option_is_incorrect() -> None:
    verdict = check_choice(text("weight decay"), REGULARIZERS, "L1")
    assert verdict.status is Status.INCORRECT
    assert verdict.credit == 0.0
    assert verdict.details["chosen"] == ["L2"]
    assert "L1" in verdict.feedback
    assert verdict.given == "weight decay"


def test_unknown_answer_is_invalid_with_options_listed() -> None:
    verdict = check_choice(text("elastic net"), REGULARIZERS, "L1")
    assert verdict.status is Status.INVALID
    assert verdict.credit == 0.0
    for option in ("L1", "L2", "none"):
        assert repr(option) in verdict.feedback


def test_hw1_q3_yes_no() -> None:
    assert check_choice(text("No"), YES_NO, "no").status is Status.CORRECT
    assert check_choice(text("خیر"), YES_NO, "no").status is Status.CORRECT
    assert check_choice(text("نه!"), YES_NO, "no").status is Status.CORRECT
    assert check_choice(text("بله"), YES_NO, "no").status is Status.INCORRECT


def test_bool_answers() -> None:
    assert check_choice(Answer(Kind.BOOL, True), TRUE_FALSE, "true").status is Status.CORRECT
    assert check_choice(Answer(Kind.BOOL, False), TRUE_FALSE, "true").status is Status.INCORRECT
    assert check_choice(Answer(Kind.BOOL, False), YES_NO, "no").status is Status.CORRECT
    assert check_choice(Answer(Kind.BOOL, True), REGULARIZERS, "L1").status is Status.INVALID


@pytest.mark.parametrize("value", [1.0, 0.0])
def test_numbers_as_bool_only_with_the_flag(value: float) -> None:
    answer = Answer(Kind.NUMBER, value, text=repr(value))
    expected = "true" if value else "false"
    assert check_choice(answer, TRUE_FALSE, expected).status is Status.INVALID
    flagged = check_choice(answer, TRUE_FALSE, expected, numbers_as_bool=True)
    assert flagged.status is Status.CORRECT
    persian = check_choice(text("۱" if value else "۰"), TRUE_FALSE, expected, numbers_as_bool=True)
    assert persian.status is Status.CORRECT


def test_number_answers_match_numeric_options() -> None:
    rates = choice_options({"0.001": set(), "0.01": set(), "0.1": set(), "1": set()})
    answer = Answer(Kind.NUMBER, 0.01, text="0.01")
    assert check_choice(answer, rates, "0.01").status is Status.CORRECT
    assert check_choice(Answer(Kind.NUMBER, 1.0, text="1.0"), rates, "1").status is Status.CORRECT
    assert check_choice(Answer(Kind.NUMBER, 0.5, text="0.5"), rates, "1").status is Status.INVALID


def test_several_answers_when_one_is_asked_for_is_invalid() -> None:
    verdict = check_choice(text("true, false"), TRUE_FALSE, "true")
    assert verdict.status is Status.INVALID
    assert verdict.credit == 0.0
    assert check_choice(choices("L1", "L2"), REGULARIZERS, "L1").status is Status.INVALID
    assert check_choice(choices("L1"), REGULARIZERS, "L1").status is Status.CORRECT


def test_several_accepted_answers_for_one_choice() -> None:
    verdict = check_choice(text("ridge"), REGULARIZERS, frozenset({"L1", "L2"}))
    assert verdict.status is Status.CORRECT


def test_missing_empty_error_and_other_kinds() -> None:
    assert check_choice(ABSENT, TRUE_FALSE, "true").status is Status.MISSING
    assert check_choice(Answer(Kind.PLACEHOLDER), TRUE_FALSE, "true").status is Status.MISSING
    assert check_choice(text("  "), TRUE_FALSE, "true").status is Status.MISSING
    assert check_choice(text('"."'), TRUE_FALSE, "true").status is Status.MISSING
    assert check_choice(Answer(Kind.ERROR, note="boom"), TRUE_FALSE, "true").status is Status.ERROR
    assert check_choice(Answer(Kind.ARRAY, None), TRUE_FALSE, "true").status is Status.INVALID
    assert check_choice(Answer(Kind.UNSUPPORTED), TRUE_FALSE, "true").status is Status.INVALID


def test_expected_must_be_an_option() -> None:
    with pytest.raises(ValueError, match="not among the options"):
        check_choice(text("true"), TRUE_FALSE, "maybe")
    with pytest.raises(ValueError):
        check_choice(text("true"), TRUE_FALSE, frozenset())


# --------------------------------------------------------------------------------------------
# Several choices


def test_multiple_from_list_and_separated_text() -> None:
    expected = frozenset({"L1", "L2"})
    for answer in (choices("lasso", "Ridge"), text("L1، L2"), text("l2; L1"), text("L1,L2,L1")):
        verdict = check_choice(answer, REGULARIZERS, expected, multiple=True)
        assert verdict.status is Status.CORRECT, answer


def test_multiple_is_exact_set_without_partial_credit() -> None:
    expected = frozenset({"L1", "L2"})
    verdict = check_choice(text("L1"), REGULARIZERS, expected, multiple=True)
    assert verdict.status is Status.INCORRECT
    assert verdict.credit == 0.0
    assert "missing L2" in verdict.feedback


@pytest.mark.parametrize(
    ("answer", "credit"),
    [("L1", 0.5), ("L1, L2", 1.0), ("L1, none", 0.0), ("L1, L2, none", 0.5), ("none", 0.0)],
)
def test_multiple_partial_credit(answer: str, credit: float) -> None:
    verdict = check_choice(
        text(answer), REGULARIZERS, frozenset({"L1", "L2"}), multiple=True, partial_credit=True
    )
    assert verdict.credit == credit


def test_multiple_with_an_unreadable_piece_is_invalid() -> None:
    verdict = check_choice(text("L1, elastic"), REGULARIZERS, frozenset({"L1"}), multiple=True)
    assert verdict.status is Status.INVALID
    assert "elastic" in verdict.feedback


def test_option_spelled_with_a_comma_is_read_whole() -> None:
    options = choice_options({"a": {"yes, always"}, "b": {"no"}})
    assert check_choice(text("Yes, always"), options, "a").status is Status.CORRECT


# --------------------------------------------------------------------------------------------
# Properties

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_LETTERS = str.maketrans({"ی": "ي", "ک": "ك"})
OPTION_SETS = [TRUE_FALSE, YES_NO, REGULARIZERS]
spelled = st.sampled_from(
    [
        (options, option, spelling)
        for options in OPTION_SETS
        for option, spellings in options.items()
        for spelling in sorted(spellings)
    ]
)


@st.composite
def disguised(draw: st.DrawFn, spelling: str) -> str:
    """``spelling`` with random casing, digits, letter forms, ZWNJs, spaces and quotes."""
    chars = [c.upper() if draw(st.booleans()) else c.lower() for c in spelling]
    out = "".join(chars)
    if draw(st.booleans()):
        out = out.translate(PERSIAN_DIGITS)
    if draw(st.booleans()):
        out = out.translate(ARABIC_LETTERS)
    if draw(st.booleans()) and len(out) > 1:
        cut = draw(st.integers(1, len(out) - 1))
        out = out[:cut] + "\u200c" + out[cut:]
    left = draw(st.sampled_from(["", " ", "\t", '"', "«", "'", "(", "  **"]))
    right = draw(st.sampled_from(["", " ", "\n", '"', "»", ".", ")", "!", "؟", "** "]))
    return left + out + right


@given(spelled, st.data())
def test_disguised_spellings_still_match(item: tuple, data: st.DataObject) -> None:
    options, option, spelling = item
    answer = data.draw(disguised(spelling))
    verdict = check_choice(text(answer), options, option)
    assert verdict.status is Status.CORRECT, (answer, option)
    other = next(o for o in options if o != option)
    assert check_choice(text(answer), options, other).status is Status.INCORRECT


@given(spelled, st.data())
def test_disguised_spellings_in_a_list(item: tuple, data: st.DataObject) -> None:
    options, option, spelling = item
    answer = choices(data.draw(disguised(spelling)))
    verdict = check_choice(answer, options, frozenset({option}), multiple=True)
    assert verdict.status is Status.CORRECT


ACCEPTED_KEYS = frozenset(
    choice_key(spelling)
    for options in OPTION_SETS
    for option, spellings in options.items()
    for spelling in (option, *spellings)
)


@given(st.text(alphabet=string.ascii_letters + string.digits + " .,-'\"؟،" + "سلامبگ", max_size=30))
def test_unrelated_strings_never_match(noise: str) -> None:
    pieces = [noise, *noise.replace("،", ",").split(",")]
    assume(not any(choice_key(piece) in ACCEPTED_KEYS for piece in pieces))
    for options in OPTION_SETS:
        expected = next(iter(options))
        verdict = check_choice(text(noise), options, expected)
        assert verdict.status in (Status.INVALID, Status.MISSING)
        assert verdict.credit == 0.0


@given(st.text(max_size=40))
def test_any_text_never_crashes(noise: str) -> None:
    for options in OPTION_SETS:
        for multiple in (False, True):
            verdict = check_choice(text(noise), options, next(iter(options)), multiple=multiple)
            assert 0.0 <= verdict.credit <= 1.0
