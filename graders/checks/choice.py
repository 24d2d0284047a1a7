"""Choice checks: one or several answers from a fixed set, tolerant of case, spacing and language.

In:  an ``Answer`` (TEXT, EXPR, BOOL, NUMBER, or a LIST of those), the question's options (each
     canonical id with the spellings it accepts) and the expected id or ids.
Out: a ``Verdict``; its ``ChoiceDetail`` holds the canonical ids, sorted, of the options
     chosen, expected and allowed (only those allowed for an answer that names none), written
     ``{"chosen": [...], "expected": [...], "options": [...]}`` in the record.

Rules:

- Spellings and answers are compared by ``choice_key``: Unicode NFKC, casefold, Persian/Arabic
  letter variants unified (ي/ى→ی, ك→ک, ة/ۀ→ه), Persian and Arabic-Indic digits made ASCII,
  diacritics, tatweel and invisible marks (ZWNJ, bidi marks) removed, surrounding quotes and
  punctuation stripped, and spaces, ``_``, ``{}``, ``$``, ``\\`` and hyphens between letters
  removed (so "Weight-decay", "weight decay" and "$L_{2}$" read as "weightdecay" and "l2").
- BOOL answers read as "true"/"false" and so match whichever option lists those spellings.
  NUMBER answers read as their text ("1", "0.01"); with ``numbers_as_bool`` a 0 or 1 (number or
  text) also reads as "false"/"true".
- An answer that matches no option cannot be read: INVALID, with the options listed. One that
  matches an option other than the expected one is INCORRECT.
- Single choice: CORRECT when the chosen id is the expected id (or one of the expected ids, when
  several are accepted); naming several options is INVALID (one choice was asked for).
- Several choices (``multiple=True``): a LIST answer, or text separated by commas, «،» or
  semicolons. Only the exact set is CORRECT. By default a different set earns nothing; with
  ``partial_credit=True`` it earns ``max(0, (right picks - wrong picks) / len(expected))``, so
  choosing every option earns nothing when half of them are wrong.
"""

from __future__ import annotations

import numbers
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from graders.model.answers import (
    MISSING,
    Answer,
    Kind,
    Status,
    Verdict,
    kind_phrase,
    missing_verdict,
)

Options = Mapping[str, Collection[str]]
"""Canonical option id -> accepted spellings (the id itself is always accepted)."""


@dataclass(frozen=True)
class ChoiceDetail:
    """The options of a choice verdict, as canonical ids, sorted: those allowed, and (for an
    answer that names options) those chosen and those expected."""

    options: tuple[str, ...]
    chosen: tuple[str, ...] | None = None
    expected: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, list[str]]:
        out = {} if self.chosen is None else {"chosen": list(self.chosen)}
        if self.expected is not None:
            out["expected"] = list(self.expected)
        return {**out, "options": list(self.options)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ChoiceDetail:
        def ids(key: str) -> tuple[str, ...] | None:
            return tuple(str(i) for i in data[key]) if key in data else None

        return cls(ids("options") or (), ids("chosen"), ids("expected"))


_LETTERS_AND_DIGITS = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "ە": "ه",
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Persian digits
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
    }
)

_REMOVED = re.compile(
    "["
    "\u0610-\u061a"  # Arabic honorific marks
    "\u064b-\u065f"  # Arabic diacritics (harakat), hamza above/below
    "\u0670"  # superscript alef
    "\u0640"  # tatweel
    "\u00ad"  # soft hyphen
    "\u200b-\u200f"  # zero-width space, ZWNJ, ZWJ, LRM, RLM
    "\u202a-\u202e"  # bidi embeddings and overrides
    "\u2060-\u2064"  # word joiner and invisible operators
    "\u2066-\u2069"  # bidi isolates
    "\ufeff"  # byte order mark
    "]"
)

_MARKUP = re.compile(r"[\s_{}$\\`]+")
_HYPHEN_BETWEEN_LETTERS = re.compile(r"(?<=[^\W\d_])[-\u2010-\u2015](?=[^\W\d_])")
_SEPARATORS = re.compile(r"[,،;؛\n]+")
_SURROUNDING_CATEGORIES = frozenset({"Po", "Ps", "Pe", "Pi", "Pf", "Pc", "Sk", "Sc", "Zs"})


def choice_key(text: str) -> str:
    """The form in which an answer or a spelling is compared: see the module docstring.

    In: any text. Out: the normalised key ('' when nothing readable is left).
    """
    key = unicodedata.normalize("NFKC", text).casefold()
    key = _REMOVED.sub("", key.translate(_LETTERS_AND_DIGITS))
    key = _strip_surrounding(key)
    key = _HYPHEN_BETWEEN_LETTERS.sub("", key)
    return _MARKUP.sub("", key)


def _strip_surrounding(text: str) -> str:
    """``text`` without leading and trailing whitespace, quotes, brackets and punctuation."""
    start, end = 0, len(text)
    while start < end and _is_surrounding(text[start]):
        start += 1
    while end > start and _is_surrounding(text[end - 1]):
        end -= 1
    return text[start:end]


def _is_surrounding(char: str) -> bool:
    """Whether ``char`` is noise around an answer (space, quote, bracket, full stop, ...)."""
    return char.isspace() or unicodedata.category(char) in _SURROUNDING_CATEGORIES


def choice_options(spec: Mapping[str, Iterable[str]]) -> Mapping[str, frozenset[str]]:
    """An immutable, validated option set: id -> frozenset of spellings (the id included).

    Raises ValueError when a spelling normalises to nothing or when two options share a
    spelling after normalisation, TypeError when spellings are given as a single string.
    """
    frozen = MappingProxyType(
        {option: frozenset(_spellings(option, spellings)) for option, spellings in spec.items()}
    )
    _lookup(frozen)
    return frozen


def _spellings(option: str, spellings: Iterable[str]) -> set[str]:
    """The spellings of one option, with its id, refusing a bare string."""
    if isinstance(spellings, str):
        raise TypeError(f"spellings of {option!r} must be a collection of strings, not a string")
    return {option, *spellings}


def _lookup(options: Options) -> dict[str, str]:
    """Normalised spelling -> option id, checking that no spelling is ambiguous."""
    table: dict[str, str] = {}
    for option, spellings in options.items():
        for spelling in _spellings(option, spellings):
            key = choice_key(spelling)
            if not key:
                raise ValueError(f"spelling {spelling!r} of {option!r} normalises to nothing")
            if table.setdefault(key, option) != option:
                raise ValueError(
                    f"spelling {spelling!r} is shared by options {table[key]!r} and {option!r}"
                )
    return table


TRUE_FALSE = choice_options(
    {
        "true": {"true", "t", "yes", "y", "correct", "right", "✓", "✔", "درست", "صحیح", "بله"},
        "false": {
            "false",
            "f",
            "no",
            "n",
            "incorrect",
            "wrong",
            "✗",
            "✘",
            "غلط",
            "نادرست",
            "اشتباه",
            "خیر",
            "نه",
        },
    }
)
"""True/false, in English and Persian. 0 and 1 count only with ``numbers_as_bool``."""

YES_NO = choice_options(
    {
        "yes": {"yes", "y", "yeah", "yep", "true", "بله", "بلی", "آره", "آری"},
        "no": {"no", "n", "nope", "false", "خیر", "نه", "نخیر"},
    }
)
"""Yes/no, in English and Persian; a BOOL answer reads as yes (True) or no (False)."""


def check_choice(
    answer: Answer,
    options: Options,
    expected: str | frozenset[str],
    *,
    multiple: bool = False,
    numbers_as_bool: bool = False,
    partial_credit: bool = False,
) -> Verdict:
    """Check a choice answer against the expected option id(s).

    In:  ``answer``; ``options`` (id -> spellings, e.g. ``TRUE_FALSE``); ``expected``, an id or
         a frozenset of ids (single choice: any of them is right; ``multiple``: the exact set);
         ``numbers_as_bool`` lets 0/1 stand for false/true; ``partial_credit`` applies only to
         ``multiple``.
    Out: CORRECT, INCORRECT (a readable but wrong choice), INVALID (unreadable, or several
         choices where one was asked for), MISSING/ERROR for answers not given.
    Raises ValueError when ``expected`` names no option or the options are ambiguous.
    """
    lookup = _lookup(options)
    wanted = frozenset({expected}) if isinstance(expected, str) else frozenset(expected)
    unknown = wanted - options.keys()
    if not wanted or unknown:
        raise ValueError(f"expected ids {sorted(unknown) or '(none)'} are not among the options")
    shown_expected = _join(wanted, " and " if multiple else " or ")

    if answer.unanswered:
        return missing_verdict(answer, shown_expected)

    pieces = _pieces(answer, lookup)
    if pieces is None:
        return _invalid(answer, options, shown_expected, f"{_kind_phrase(answer)} given")
    if not pieces:
        return Verdict(
            Status.MISSING,
            0.0,
            expected=shown_expected,
            feedback="No answer (empty text).",
            message=MISSING,
        )

    resolved = {piece: _resolve(piece, lookup, numbers_as_bool=numbers_as_bool) for piece in pieces}
    unreadable = [piece for piece, option in resolved.items() if option is None]
    if unreadable:
        quoted = ", ".join(repr(piece) for piece in unreadable)
        return _invalid(answer, options, shown_expected, f"could not read {quoted}")

    chosen = frozenset(option for option in resolved.values() if option is not None)
    detail = ChoiceDetail(tuple(sorted(options)), tuple(sorted(chosen)), tuple(sorted(wanted)))
    shown_given = _shown(answer)
    if not multiple:
        return _single_verdict(chosen, wanted, shown_given, shown_expected, detail)
    return _multiple_verdict(
        chosen, wanted, shown_given, shown_expected, detail, partial_credit=partial_credit
    )


def _pieces(answer: Answer, lookup: Mapping[str, str]) -> list[str] | None:
    """The texts the answer names, or None when its kind cannot name a choice.

    A text that matches an option as a whole is one piece; otherwise it is split at commas,
    «،» and semicolons. A LIST gives one piece per text, BOOL or NUMBER element.
    """
    if answer.kind is Kind.LIST:
        pieces: list[str] = []
        for element in answer.value or ():
            if not isinstance(element, Answer) or element.kind is Kind.LIST:
                return None
            element_pieces = _pieces(element, lookup)
            if element_pieces is None:
                return None
            pieces.extend(element_pieces)
        return pieces
    text = _answer_text(answer)
    if text is None:
        return None
    if choice_key(text) in lookup:
        return [text]
    return [piece for piece in _SEPARATORS.split(text) if choice_key(piece)]


def _answer_text(answer: Answer) -> str | None:
    """How a TEXT, EXPR, BOOL or NUMBER answer reads as a choice; None for other kinds."""
    if answer.kind in (Kind.TEXT, Kind.EXPR):
        return str(answer.value if answer.value is not None else answer.text)
    if answer.kind is Kind.BOOL:
        return "true" if answer.value else "false"
    if answer.kind is Kind.NUMBER:
        return _number_text(answer)
    return None


def _number_text(answer: Answer) -> str:
    """A number as text: its integer form when it is whole, else the harvest's text or repr."""
    value = answer.value
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return str(int(float(value)))
    return answer.text or repr(value)


def _resolve(piece: str, lookup: Mapping[str, str], *, numbers_as_bool: bool) -> str | None:
    """The option id ``piece`` names, or None."""
    key = choice_key(piece)
    option = lookup.get(key)
    if option is None and numbers_as_bool:
        as_bool = {"1": "true", "1.0": "true", "0": "false", "0.0": "false"}.get(key)
        if as_bool is not None:
            option = lookup.get(as_bool)
    return option


def _single_verdict(
    chosen: frozenset[str],
    wanted: frozenset[str],
    shown_given: str,
    shown_expected: str,
    detail: ChoiceDetail,
) -> Verdict:
    """The verdict when one choice was asked for."""
    if len(chosen) > 1:
        return Verdict(
            Status.INVALID,
            0.0,
            given=shown_given,
            expected=shown_expected,
            feedback=(
                f"One choice was asked for; the answer names {len(chosen)}: {_join(chosen, ', ')}."
            ),
            detail=detail,
        )
    if chosen <= wanted:
        return Verdict(
            Status.CORRECT, 1.0, given=shown_given, expected=shown_expected, detail=detail
        )
    return Verdict(
        Status.INCORRECT,
        0.0,
        given=shown_given,
        expected=shown_expected,
        feedback=f"Chose {_join(chosen, ', ')}; the answer is {shown_expected}.",
        detail=detail,
    )


def _multiple_verdict(
    chosen: frozenset[str],
    wanted: frozenset[str],
    shown_given: str,
    shown_expected: str,
    detail: ChoiceDetail,
    *,
    partial_credit: bool,
) -> Verdict:
    """The verdict when several choices may be named: exact set, or optional partial credit."""
    if chosen == wanted:
        return Verdict(
            Status.CORRECT, 1.0, given=shown_given, expected=shown_expected, detail=detail
        )
    missed, extra_picks = wanted - chosen, chosen - wanted
    notes = []
    if missed:
        notes.append(f"missing {_join(missed, ', ')}")
    if extra_picks:
        notes.append(f"not expected: {_join(extra_picks, ', ')}")
    credit = (
        max(0.0, (len(chosen & wanted) - len(extra_picks)) / len(wanted)) if partial_credit else 0.0
    )
    return Verdict(
        Status.INCORRECT,
        credit,
        given=shown_given,
        expected=shown_expected,
        feedback=(
            f"Chose {_join(chosen, ', ')}; the answer is {shown_expected} ({'; '.join(notes)})."
        ),
        detail=detail,
    )


def _invalid(answer: Answer, options: Options, shown_expected: str, reason: str) -> Verdict:
    """INVALID for an answer that names no option, listing the options allowed."""
    allowed = ", ".join(repr(option) for option in options)
    return Verdict(
        Status.INVALID,
        0.0,
        given=_shown(answer),
        expected=shown_expected,
        feedback=f"The answer is not one of the options ({reason}). Allowed: {allowed}.",
        detail=ChoiceDetail(tuple(sorted(options))),
    )


def _shown(answer: Answer) -> str:
    """What the student wrote, for display: the harvest's text, else the value."""
    if answer.text:
        return answer.text
    if answer.kind is Kind.LIST:
        return ", ".join(
            _shown(element) for element in answer.value or () if isinstance(element, Answer)
        )
    return "" if answer.value is None else str(answer.value)


def _kind_phrase(answer: Answer) -> str:
    """How an answer kind that cannot name a choice reads in feedback (an unreadable answer
    with the harvest's reason)."""
    phrases = {
        Kind.ARRAY: "an array of numbers",
        Kind.UNSUPPORTED: "an object that is not plain data",
        Kind.LIST: "a list that holds something other than texts",
    }
    return kind_phrase(answer, phrases)


def _join(ids: Collection[str], separator: str) -> str:
    """Option ids, sorted, joined with ``separator`` for display."""
    return separator.join(sorted(ids))
