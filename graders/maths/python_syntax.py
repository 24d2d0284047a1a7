"""The Python-syntax reader: a student's formula as a Python ``ast`` expression, parsed only.

In:  text after ``graders.maths.text.prepare`` that does not look like LaTeX (``x*sigmoid(x)``,
     ``e^x``, ``σ(x)·(1−σ(x))``, ``2x sin x``, ``|x|``, ``n!``), and the question's declared
     symbol names.
Out: ``python_tree(text, declared)``: an ``ast.expr`` for ``graders.maths.builder``, or a
     ``ParseError`` for the student.

The text is rewritten into plain Python syntax by ``TRANSFORMATIONS``, a tuple of small named
steps applied in order (as sympy's parser does with its ``standard_transformations``), each a
function ``(text, declared) -> text`` that a test can run alone: Unicode operators, superscripts,
Greek letters, roots and primes to ASCII; ``^`` as power; ``sin^-1`` as ``asin``; one reading
of scientific notation; ``|x|`` as abs; ``n!`` as factorial; quotes and comments refused;
functions applied without brackets (``sin x``) bracketed; implicit products (``2x``, ``x y``,
``)(``) made explicit. Then ``ast.parse`` (which only parses, never runs) reads the result.
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import threading
import tokenize
from collections.abc import Callable

from graders.maths.limits import DOUBLE_FACTORIAL, ParseError
from graders.maths.vocabulary import (
    CONSTANTS,
    FUNCTIONS,
    GREEK,
    PRIMED,
    PYTHON_INVERSES,
    split_into_declared,
)

_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_CHARACTERS = str.maketrans(
    {
        "·": "*",
        "⋅": "*",
        "×": "*",
        "∗": "*",
        "÷": "/",
        "−": "-",
        "–": "-",
        "—": "-",
        "′": "'",
        "’": "'",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "٫": ".",
        **{chr(0x06F0 + d): str(d) for d in range(10)},
        **{chr(0x0660 + d): str(d) for d in range(10)},
    }
)
_SUPERSCRIPT = re.compile(r"[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_SIGMA = re.compile(r"σ(?=\s*['(])")
_PRIME = re.compile(r"\b(" + "|".join(PRIMED) + r")\s*'")
_ROOT = re.compile(r"√\s*([A-Za-z0-9_.]+)")


def unicode_operators(text: str, declared: frozenset[str]) -> str:
    """Unicode operators, dashes, primes, spaces and Persian/Arabic digits as ASCII
    (``·`` and ``×`` are ``*``, ``−`` is ``-``, ``۲`` is ``2``)."""
    return text.translate(_CHARACTERS)


def superscripts(text: str, declared: frozenset[str]) -> str:
    """Superscript digits as powers: ``x²`` is ``x**2``, ``x⁻¹`` is ``x**(-1)``."""
    return _SUPERSCRIPT.sub(lambda m: _superscript(m.group()), text)


def sigma(text: str, declared: frozenset[str]) -> str:
    """``σ`` is the sigmoid function, or the symbol ``sigma`` where the question declares it
    (unless a bracket or a prime follows it: ``σ(x)`` is always the function)."""
    text = _SIGMA.sub(" sigmoid", text)
    return text.replace("σ", " sigma " if "sigma" in declared else " sigmoid ")


def greek_letters(text: str, declared: frozenset[str]) -> str:
    """The other Greek letters as their names (``GREEK``): ``θ1`` and ``θ_1`` are one name
    (theta1, theta_1), ``2θx`` is 2*theta*x."""
    for letter, name in GREEK.items():
        text = re.sub(f"{letter}(?![0-9_])", f" {name} ", text)
        text = re.sub(f"(?<![A-Za-z0-9_]){letter}", f" {name}", text)
        text = text.replace(letter, name)
    return text


def square_roots(text: str, declared: frozenset[str]) -> str:
    """``√x`` and ``√2`` as ``sqrt(x)``, ``√(x+1)`` as ``sqrt(x+1)``."""
    return _ROOT.sub(r" sqrt(\1)", text).replace("√", " sqrt")


def primes(text: str, declared: frozenset[str]) -> str:
    """A function written with a prime as its derivative (``PRIMED``): ``sigmoid'`` is
    ``dsigmoid``."""
    return _PRIME.sub(lambda m: PRIMED[m.group(1)], text)


def caret_powers(text: str, declared: frozenset[str]) -> str:
    """``^`` means power, as in mathematics (not Python's exclusive or)."""
    return text.replace("^", "**").strip()


_INVERSE = re.compile(
    r"(?<![A-Za-z0-9_])(" + "|".join(PYTHON_INVERSES) + r")\s*\*\*\s*(?:\(\s*-\s*1\s*\)|-\s*1)"
    r"(?![0-9.])"
)


def inverse_functions(text: str, declared: frozenset[str]) -> str:
    """``sin^-1``, ``sin^(-1)`` and ``sin⁻¹`` are the inverse function's name (``asin``), as
    ``\\sin^{-1}`` is, so its argument may follow with or without brackets (``sin^-1 x``);
    ``sin(x)^-1`` stays 1/sin(x), and a declared ``sin`` is left alone."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        return match.group() if name in declared else PYTHON_INVERSES[name]

    return _INVERSE.sub(replace, text)


def _superscript(mark: str) -> str:
    power = mark.translate(_SUPERSCRIPT_DIGITS)
    return f"**{power}" if power.isdigit() else f"**({power})"


# CPython 3.11's ast.parse is not safe in two threads at once: the conversion to Python objects
# keeps its recursion depth per interpreter, and a concurrent parse fails with "SystemError: AST
# constructor recursion depth mismatch". Submissions are checked in threads, so parses take turns.
_AST_PARSE = threading.Lock()


_SCIENTIFIC = re.compile(r"(?<![A-Za-z0-9_.])(\d+\.?\d*|\.\d+)([eE])([+-]?)(\d+)(\.?)")


def scientific_notation(text: str, declared: frozenset[str]) -> str:
    """One reading of scientific notation: ``2e-3`` is 0.002 and ``2e+3`` is 2000 (digits
    follow the e, with or without a sign); ``2e+x`` is 2·e + x. A letter, ``(`` or ``.``
    right after the exponent's digits (``3e+2x``) is refused: it could be 300·x or 3e + 2x.
    Where the question declares ``e`` (or ``E``) as a symbol, ``2e+3`` is 2·e + 3."""

    def replace(match: re.Match[str]) -> str:
        mantissa, letter, sign, digits, dot = match.groups()
        after = text[match.end() :].lstrip()
        if letter in declared and sign:
            return f"{mantissa}*{letter}{sign}{digits}{dot}"
        if dot or (after[:1].isalpha() or after[:1] in ("(", "_")):
            raise ParseError(
                f"{match.group()}{after[:1]}... is ambiguous: write {mantissa}{letter}{sign}"
                f"{digits}*{after[:1] or 'x'} for a number times {after[:1] or 'x'}, or "
                f"{mantissa}*{letter} {sign or '+'} ... for e"
            )
        return f"{mantissa}e{sign}{digits}"

    return _SCIENTIFIC.sub(replace, text)


def absolute_bars(text: str, declared: frozenset[str]) -> str:
    """``|x|`` is abs(x). A bar after an operand closes (``|x|y`` is abs(x)·y), or, when an
    operand follows it, may open a new one (``||x||y||`` is abs(abs(x)·abs(y))): the first of
    these two readings whose bars pair up is taken; text where neither does is refused."""
    if "|" not in text:
        return text
    for lookahead in (False, True):
        read = _read_bars(text, lookahead)
        if read is not None:
            return read
    raise ParseError("the bars | ... | do not pair up; write abs(...) for an absolute value")


def _read_bars(text: str, lookahead: bool) -> str | None:
    out: list[str] = []
    depth = 0
    operand_before = False
    for at, char in enumerate(text):
        if char != "|":
            out.append(char)
            if not char.isspace():
                operand_before = char.isalnum() or char in ")_."
            continue
        following = text[at + 1 :].lstrip()[:1]
        opens_next = lookahead and (following.isalnum() or following == "(")
        if operand_before and depth and not opens_next:
            out.append(")")
            depth -= 1
            operand_before = True
        else:
            out.append(" abs(")
            depth += 1
            operand_before = False
    return None if depth else "".join(out).strip()


def postfix_factorials(text: str, declared: frozenset[str]) -> str:
    """``n!``, ``(n+1)!`` and ``f(x)!`` as factorial(...); ``!=`` is left for the refusal of
    comparisons, and ``n!!`` is refused."""
    if "!" not in text:
        return text
    chars = list(text)
    i = 0
    while i < len(chars):
        if chars[i] != "!" or (i + 1 < len(chars) and chars[i + 1] == "="):
            i += 1
            continue
        if i + 1 < len(chars) and chars[i + 1] == "!":
            raise ParseError(DOUBLE_FACTORIAL)
        start = _operand_start(chars, i)
        if start is None:
            raise ParseError("a factorial (!) needs a number, a name or a bracket before it")
        operand = "".join(chars[start:i])
        chars[start : i + 1] = list(f"factorial({operand})")
        i = start + len("factorial(") + len(operand) + 1
    return "".join(chars)


def _operand_start(chars: list[str], end: int) -> int | None:
    """Where the operand that ends just before ``end`` starts: a name, a number, or a
    bracketed group with the function name before it, if any."""
    i = end - 1
    if i < 0:
        return None
    if chars[i] == ")":
        depth = 0
        while i >= 0:
            depth += {")": 1, "(": -1}.get(chars[i], 0)
            if depth == 0:
                break
            i -= 1
        if i < 0:
            return None
        while i > 0 and (chars[i - 1].isalnum() or chars[i - 1] == "_"):
            i -= 1
        return i
    if not (chars[i].isalnum() or chars[i] in "_."):
        return None
    while i > 0 and (chars[i - 1].isalnum() or chars[i - 1] in "_."):
        i -= 1
    return i


def bare_functions(text: str, declared: frozenset[str]) -> str:
    """``sin x``, ``sin 5n``, ``ln sin x``, ``tan y**3`` and ``log^2 2n`` as mathematicians
    write them: a function name followed by an operand takes as its argument the names and
    numbers written together after it (with their powers), up to an operator or another
    function (``sin x cos x`` is sin(x)·cos(x)). An argument followed by ``*``, ``/`` or
    ``(`` is refused (``cos 2*x`` may mean cos(2x) or cos(2)·x)."""
    try:
        tokens = [
            token
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type in (tokenize.NUMBER, tokenize.NAME, tokenize.OP)
        ]
    except Exception:  # tokenizing is best effort; ast.parse reports the real error
        return text
    inserts: list[tuple[int, str]] = []
    for i in range(len(tokens)):
        end = _bare_application(tokens, i, declared)
        if end is None:
            continue
        start = i + 1
        if tokens[start].string == "**":
            start += 2
        if end < len(tokens) and tokens[end].string in ("*", "/", "("):
            name = tokens[i].string
            raise ParseError(
                f"write brackets around the argument of {name}: {name}(...) — without them "
                f"it is not clear where the argument ends"
            )
        inserts += [(tokens[start].start[1], "("), (tokens[end - 1].end[1], ")")]
    for column, mark in sorted(inserts, key=lambda item: item[0], reverse=True):
        text = f"{text[:column]}{mark}{text[column:]}"
    return text


def _is_function_name(token: tokenize.TokenInfo, declared: frozenset[str]) -> bool:
    return (
        token.type == tokenize.NAME and token.string in FUNCTIONS and token.string not in declared
    )


def _bare_application(
    tokens: list[tokenize.TokenInfo], i: int, declared: frozenset[str]
) -> int | None:
    """If tokens[i] is a function applied without brackets, the index after its argument."""
    if not _is_function_name(tokens[i], declared) or tokens[i].start[0] != 1:
        return None
    j = i + 1
    if (
        j + 1 < len(tokens)
        and tokens[j].string == "**"
        and tokens[j + 1].type in (tokenize.NUMBER, tokenize.NAME)
        and not _is_function_name(tokens[j + 1], declared)
    ):
        j += 2
    if j >= len(tokens) or not _starts_operand(tokens[j]):
        return None
    end = _factor_end(tokens, j, declared)
    while end < len(tokens) and _starts_operand(tokens[end]):
        if _is_function_name(tokens[end], declared):
            break
        end = _factor_end(tokens, end, declared)
    return end


def _starts_operand(token: tokenize.TokenInfo) -> bool:
    return token.type == tokenize.NUMBER or (
        token.type == tokenize.NAME and not keyword.iskeyword(token.string)
    )


def _factor_end(tokens: list[tokenize.TokenInfo], j: int, declared: frozenset[str]) -> int:
    """The index after one factor starting at ``j`` (with a power after it, if any)."""
    if _is_function_name(tokens[j], declared):
        nested = _bare_application(tokens, j, declared)
        if nested is not None:
            return nested
        return _group_end(tokens, j + 1) if j + 1 < len(tokens) else j + 1
    end = j + 1
    while end + 1 < len(tokens) and tokens[end].string == "**":
        end = _group_end(tokens, end + 1) if tokens[end + 1].string == "(" else end + 2
        if end <= len(tokens) and tokens[end - 1].string in ("-", "+"):
            end += 1
    return end


def _group_end(tokens: list[tokenize.TokenInfo], j: int) -> int:
    """The index after a bracketed group starting at ``j`` (or after tokens[j] alone)."""
    if tokens[j].string != "(":
        return j + 1
    depth = 0
    for k in range(j, len(tokens)):
        depth += {"(": 1, ")": -1}.get(tokens[k].string, 0)
        if depth == 0:
            return k + 1
    return len(tokens)


def refuse_quotes(text: str, declared: frozenset[str]) -> str:
    """Strings and comments never belong in a formula; refuse them before ``ast.parse``."""
    if '"' in text or text.count("'") > 1:
        raise ParseError("quotes (strings) are not allowed in a formula")
    if "'" in text:
        raise ParseError("a prime (') is understood only after sigmoid, tanh or softplus")
    if "#" in text:
        raise ParseError("comments (#) are not allowed in a formula")
    return text


def implicit_products(text: str, declared: frozenset[str]) -> str:
    """Insert ``*`` for implicit products: ``2x``, ``x y``, ``)(``, ``2(``, declared ``x(``."""
    try:
        tokens = [
            token
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type in (tokenize.NUMBER, tokenize.NAME, tokenize.OP)
        ]
    except Exception:  # tokenizing is best effort; ast.parse reports the real error
        return text
    inserts = [
        tokens[i].start[1]
        for i in range(1, len(tokens))
        if tokens[i - 1].start[0] == tokens[i].start[0] == 1
        and _is_product(tokens[i - 1], tokens[i], declared)
        and not _is_function_power(tokens[max(0, i - 3) : i + 1])
        and not _is_inverse_notation(tokens[max(0, i - 6) : i + 1])
    ]
    for column in reversed(inserts):
        text = f"{text[:column]}*{text[column:]}"
    return text


def _is_product(
    left: tokenize.TokenInfo, right: tokenize.TokenInfo, declared: frozenset[str]
) -> bool:
    left_operand = (
        left.type == tokenize.NUMBER
        or (left.type == tokenize.NAME and not keyword.iskeyword(left.string))
        or left.string == ")"
    )
    right_operand = (
        (right.type == tokenize.NUMBER and left.type != tokenize.NUMBER)
        or (right.type == tokenize.NAME and not keyword.iskeyword(right.string))
        or right.string == "("
    )
    if not (left_operand and right_operand):
        return False
    if left.type == tokenize.NAME and right.string == "(":
        return (
            left.string in declared
            or (left.string in CONSTANTS and left.string not in FUNCTIONS)
            or (left.string not in FUNCTIONS and bool(split_into_declared(left.string, declared)))
        )
    return not (
        left.type == tokenize.NAME and left.string in FUNCTIONS and left.string not in declared
    )


def _is_function_power(tokens: list[tokenize.TokenInfo]) -> bool:
    """Whether the tokens read ``sech ** 2 (``: a power of a function, not 2 times (...)."""
    return (
        len(tokens) == 4
        and tokens[0].string in FUNCTIONS
        and tokens[1].string == "**"
        and tokens[2].type in (tokenize.NUMBER, tokenize.NAME)
        and tokens[2].string not in FUNCTIONS
        and tokens[3].string == "("
    )


def _is_inverse_notation(tokens: list[tokenize.TokenInfo]) -> bool:
    """Whether the tokens read ``cos ** ( - 1 ) (``: the inverse function, applied."""
    return [token.string for token in tokens[1:]] == ["**", "(", "-", "1", ")", "("] and (
        tokens[0].string in PYTHON_INVERSES
    )


Transformation = Callable[[str, frozenset[str]], str]
"""One step of the Python route: the text so far and the declared names, to the next text (a
check returns its text unchanged, or raises ``ParseError``)."""

TRANSFORMATIONS: tuple[Transformation, ...] = (
    unicode_operators,
    superscripts,
    sigma,
    greek_letters,
    square_roots,
    primes,
    caret_powers,
    inverse_functions,
    scientific_notation,
    absolute_bars,
    postfix_factorials,
    refuse_quotes,
    bare_functions,
    implicit_products,
)
"""The Python route's text transformations, in the order ``python_tree`` applies them before
``ast.parse``."""


def python_tree(text: str, declared: frozenset[str]) -> ast.expr:
    """Parse Python-syntax text (after clean-up) into an ``ast`` expression node."""
    for transformation in TRANSFORMATIONS:
        text = transformation(text, declared)
    try:
        with _AST_PARSE:
            tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise ParseError(f"not a valid expression ({error.msg})") from error
    except (ValueError, OverflowError) as error:
        raise ParseError(f"not a valid expression ({error})") from error
    return tree.body
