"""The clean-up every formula goes through before either reader: the same for Python syntax
and LaTeX.

In:  whatever a student's answer holds (normally a string).
Out: ``prepare(text)``: the text on one line, in plain characters, without math delimiters
     (``$...$``, ``\\(...\\)``), only the right-hand side of a single ``=`` (``f'(x) = ...``),
     or a ``ParseError`` for text that is not a string, too long, empty, holds quotes or nests
     brackets too deeply (checked here because ``ast.parse`` can itself overflow).
     ``looks_like_latex`` says which reader reads the result.

The clean-up is data: ``PREPARATION`` lists its steps in order, each a function from text to
text (a check returns its text unchanged), so a reader can list them and a test can run one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from graders.maths.limits import MAX_LENGTH, MAX_NESTING, ParseError

SUPERSCRIPT_CHARS = frozenset("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")
"""Superscript digits and signs: marks of a power (x² is x**2), kept as they are by the
clean-up for the Python reader to read."""

_DELIMITERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))


def looks_like_latex(text: str) -> bool:
    """Whether text is LaTeX: it has a backslash command, braces or ``$`` delimiters."""
    return any(mark in text for mark in ("\\", "{", "}", "$"))


def refuse_too_long(text: str) -> str:
    """Refuse text longer than MAX_LENGTH characters."""
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the answer is too long ({len(text)} characters; at most {MAX_LENGTH})")
    return text


def compatibility_forms(text: str) -> str:
    """Full-width and other compatibility characters as their plain forms (NFKC), except
    superscripts, which stay marks of a power (x² is x**2, not x2)."""
    return "".join(
        char if char in SUPERSCRIPT_CHARS else unicodedata.normalize("NFKC", char) for char in text
    )


def single_spaces(text: str) -> str:
    """Every run of white space (new lines, tabs) as one space, none at the ends."""
    return " ".join(text.split())


def drop_math_delimiters(text: str) -> str:
    """``$x$``, ``$$x$$``, ``\\(x\\)`` and ``\\[x\\]`` as ``x`` (the first pair that fits)."""
    for left, right in _DELIMITERS:
        if text.startswith(left) and text.endswith(right) and len(text) >= len(left + right):
            return text[len(left) : len(text) - len(right)].strip()
    return text


def right_hand_side(text: str) -> str:
    """``f'(x) = <expr>`` gives ``<expr>``: only for one ``=`` outside all brackets."""
    equals = [i for i, char in enumerate(text) if char == "="]
    if len(equals) != 1:
        return text
    at = equals[0]
    before = text[:at]
    opened = sum(before.count(c) for c in "([{") - sum(before.count(c) for c in ")]}")
    if opened or (at > 0 and text[at - 1] in "<>!"):
        return text
    return text[at + 1 :].strip()


def refuse_empty(text: str) -> str:
    """Refuse an answer with nothing left to read."""
    if not text:
        raise ParseError("the answer is empty")
    return text


def refuse_double_quotes(text: str) -> str:
    """Refuse strings: a ``"`` never belongs in a formula."""
    if '"' in text:
        raise ParseError("quotes (strings) are not allowed in a formula")
    return text


def refuse_deep_nesting(text: str) -> str:
    """Refuse brackets nested more than MAX_NESTING deep."""
    depth = 0
    for char in text:
        if char in "([{":
            depth += 1
            if depth > MAX_NESTING:
                raise ParseError(f"brackets are nested too deeply (more than {MAX_NESTING})")
        elif char in ")]}":
            depth -= 1
    return text


PREPARATION: tuple[Callable[[str], str], ...] = (
    refuse_too_long,
    compatibility_forms,
    single_spaces,
    drop_math_delimiters,
    right_hand_side,
    refuse_empty,
    refuse_double_quotes,
    refuse_deep_nesting,
)
"""The clean-up's steps, in the order ``prepare`` applies them."""


def prepare(text: object) -> str:
    """Check type and size, drop math delimiters, keep the right-hand side of one ``=``."""
    if not isinstance(text, str):
        raise ParseError(f"expected text, got {type(text).__name__}")
    for step in PREPARATION:
        text = step(text)
    return text
