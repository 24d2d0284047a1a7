"""Students' mathematics as sympy expressions, read without evaluating anything.

In:  a string a student wrote for a formula, in Python syntax (``x*sigmoid(x)``, ``e^x``,
     ``σ(x)·(1−σ(x))``) or in LaTeX (``\\sigma(x)(1-\\sigma(x))``,
     ``\\frac{1+e^{-x}}{(1+e^{-x})^2}``), and optionally the symbol names the question defines.
Out: a ``sympy.Expr`` built node by node from a whitelist, or a ``ParseError`` whose message
     says, in words a student understands, what was not accepted. ``render_expression`` turns
     an expression into LaTeX and presentation MathML for reports.

Nothing here calls ``eval``, ``exec``, ``compile``, ``sympify``, ``parse_expr`` or ``S(text)``.
Python-syntax text is read by ``ast.parse`` (which only parses) and a walker that accepts
numbers, names, ``+ - * / **`` and calls of whitelisted functions, and builds the sympy objects
itself. LaTeX is read by a small recursive-descent reader in this module that produces the
same Python ``ast`` nodes, so both routes share one walker and one set of limits. sympy's Lark
LaTeX parser is not used: it has no ``eval`` either (its transformer only calls sympy
constructors), but it needs half a second to load, takes seconds on ordinary inputs (Earley
parsing with explicit ambiguity), evaluates ``2^{10^{10}}`` eagerly, and cannot read
``\\sigma(x)``, ``\\operatorname{sech}`` or ``\\mathrm{...}``, which students write all the time.

Conventions (the same in both routes):

- Symbols are ``sympy.Symbol(name, real=True)``; a name is ``[A-Za-z][A-Za-z0-9_]*``, at most
  32 characters, without ``__``. ``e``/``E`` and ``pi`` are the constants unless the question
  declares them as symbols.
- ``sigmoid(u)`` is built as ``1/(1 + exp(-u))`` and ``softplus(u)`` as ``log(1 + exp(u))``:
  plain sympy that numeric evaluation and ``rewrite(exp)`` handle directly. ``relu(u)`` is
  ``Max(u, 0)``; ``sigmoid'``/``dsigmoid``/``sigmoid_prime`` is ``σ(u)(1 − σ(u))``.
- ``^`` means power; ``2x``, ``x sigmoid(x)``, ``σ(x)(1 − f)`` and ``)(`` are products; a
  declared symbol followed by ``(`` is a product (``x(1-x)``), any other name followed by ``(``
  is a function call and must be whitelisted. ``sech^2(u)`` and ``sech²(u)`` mean
  ``sech(u)**2``. Subscripts ``w[1]`` are refused (write ``w1`` or ``w_1``); in LaTeX
  ``w_{2,1}`` names the symbol ``w_2_1`` and ``a^{[2]}_1`` (layer notation) names ``a2_1``.
- ``f'(x) = <expr>`` or ``y = <expr>``: only the right-hand side of a single ``=`` is read.

Limits, so that every answer is read within about 100 ms and hostile ones fail fast: the text
(MAX_LENGTH), bracket nesting (checked before ``ast.parse``, which can itself overflow), tree
depth and size, functions nested in functions, and the numbers sympy would compute. sympy
evaluates as it builds, so the builder refuses, before sympy sees them: exponents above
MAX_EXPONENT (``9**9**9``), exact numbers beyond MAX_NUMBER_BITS, high roots and powers of
constants, exp(k*log(n)) with a large k, and constant parts that are undefined, beyond LIMIT or
zero in a roundabout form (each constant is evaluated with mpmath as soon as it is built).
exp, sigmoid's reciprocal and Max/Min of symbolic arguments are kept as written, since
sympy's automatic simplification of them can take seconds on contrived input.
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import threading
import tokenize
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import mpmath
import sympy
from sympy.printing.mathml import mathml

MAX_LENGTH = 2000
"""Longest text accepted, in characters."""

MAX_NESTING = 40
"""Deepest nesting of brackets accepted in the text."""

MAX_DEPTH = 60
"""Deepest syntax tree accepted."""

MAX_CALLS_NESTED = 12
"""Most function calls nested inside each other, like sigmoid(tanh(exp(...)))."""

MAX_NODES = 2000
"""Largest syntax tree accepted, in nodes."""

MAX_EXPONENT = 1000
"""Largest magnitude of a numeric exponent."""

MAX_NUMBER_BITS = 4096
"""Largest exact number (numerator or denominator) the parser lets sympy compute, in bits."""

MAX_ROOT_BITS = 512
"""Largest exact number whose non-integer power sympy may work out (it factors the number)."""

MAX_CONSTANT_DEGREE = 12
"""Largest root degree of a constant (2**(1/12)), and largest power of a constant expression
((1 + e)**12); exponents of symbols may be up to MAX_EXPONENT."""

MAX_NAME_LENGTH = 32

LIMIT = 1e200
"""A value beyond this magnitude counts as overflow: undefined (here and in the checks)."""

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


class ParseError(ValueError):
    """Student text that is not an accepted expression; ``message`` is shown to the student."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Rendering:
    """An expression typeset for a report: LaTeX source and presentation MathML."""

    latex: str
    mathml: str


# --------------------------------------------------------------------------------------------
# The functions students may call


def sigmoid(u: sympy.Expr) -> sympy.Expr:
    """The logistic function σ(u), as ``1/(1 + exp(-u))``."""
    return sympy.Pow(1 + _exp(-u), -1, evaluate=not u.free_symbols)


def softplus(u: sympy.Expr) -> sympy.Expr:
    """softplus(u) = log(1 + exp(u))."""
    return sympy.log(1 + _exp(u))


def _exp(argument: sympy.Expr) -> sympy.Expr:
    """exp(argument), refusing what sympy would turn into huge exact numbers.

    sympy rewrites exp(k*log(n)) as n**k, so k*log(n) gets the limits of a power n**k. exp of
    a symbolic argument is kept as written: sympy's automatic simplification of it queries
    assumptions that can take seconds on contrived arguments, and neither the numeric
    comparison nor the symbolic proof needs it.
    """
    for term in sympy.Add.make_args(argument):
        coefficient, rest = term.as_coeff_Mul()
        for factor in sympy.Mul.make_args(rest):
            if isinstance(factor, sympy.log):
                _check_exponent(factor.args[0], coefficient)
                if factor.args[0].is_Rational:
                    _power(factor.args[0], coefficient)
            elif factor.is_Add and abs(coefficient) != 1 and factor.has(sympy.log):
                raise ParseError("write a multiple of a sum of logarithms inside exp as one log")
    return sympy.exp(argument, evaluate=not argument.free_symbols)


def _sigmoid_prime(u: sympy.Expr) -> sympy.Expr:
    s = sigmoid(u)
    return s * (1 - s)


def _tanh_prime(u: sympy.Expr) -> sympy.Expr:
    return 1 - sympy.tanh(u) ** 2


def _relu(u: sympy.Expr) -> sympy.Expr:
    return _max(u, sympy.Integer(0))


def _sqrt(u: sympy.Expr) -> sympy.Expr:
    return _power(u, sympy.Rational(1, 2))


def _max(*arguments: sympy.Expr) -> sympy.Expr:
    """Max, kept as written unless all arguments are constants.

    sympy's simplification of Max over symbolic arguments can take seconds; constants (already
    vetted by the builder) compare quickly.
    """
    constant = not any(argument.free_symbols for argument in arguments)
    return sympy.Max(*arguments, evaluate=constant)


def _min(*arguments: sympy.Expr) -> sympy.Expr:
    """Min, kept as written unless all arguments are constants (see ``_max``)."""
    constant = not any(argument.free_symbols for argument in arguments)
    return sympy.Min(*arguments, evaluate=constant)


def _log(u: sympy.Expr, base: sympy.Expr | None = None) -> sympy.Expr:
    return sympy.log(u) if base is None else sympy.log(u, base)


def _lg(u: sympy.Expr, base: sympy.Expr | None = None) -> sympy.Expr:
    """lg(u) is the logarithm to base 10 (as in ISO 80000-2); lg(u, a) is to base a."""
    return sympy.log(u, sympy.Integer(10) if base is None else base)


def _root(u: sympy.Expr, degree: sympy.Expr) -> sympy.Expr:
    """root(u, n): the n-th root of u."""
    return _power(u, _power(degree, sympy.Integer(-1)))


def _nth_root(u: sympy.Expr, degree: sympy.Expr | None = None) -> sympy.Expr:
    """nthroot(u, n) is the n-th root; nthroot(u) the square root."""
    return _root(u, sympy.Integer(2) if degree is None else degree)


def _cube_root(u: sympy.Expr) -> sympy.Expr:
    return _root(u, sympy.Integer(3))


def _factorial(u: sympy.Expr) -> sympy.Expr:
    """u! (for any real u, through the gamma function: Γ(u + 1))."""
    return sympy.factorial(u, evaluate=not u.free_symbols)


def _binomial(n: sympy.Expr, k: sympy.Expr) -> sympy.Expr:
    """The binomial coefficient (n over k), for real n and k through the gamma function."""
    return sympy.binomial(n, k, evaluate=not (n.free_symbols or k.free_symbols))


@dataclass(frozen=True)
class _Function:
    """A whitelisted function: how many arguments it takes and how to build it."""

    build: Callable[..., sympy.Expr]
    least: int = 1
    most: int = 1


def _table() -> Mapping[str, _Function]:
    unary: dict[str, Callable[..., sympy.Expr]] = {
        "sigmoid": sigmoid,
        "sig": sigmoid,
        "sigma": sigmoid,
        "logistic": sigmoid,
        "softplus": softplus,
        "sp": softplus,
        "dsigmoid": _sigmoid_prime,
        "sigmoid_prime": _sigmoid_prime,
        "dtanh": _tanh_prime,
        "tanh_prime": _tanh_prime,
        "dsoftplus": sigmoid,
        "softplus_prime": sigmoid,
        "relu": _relu,
        "ReLU": _relu,
        "Relu": _relu,
        "tanh": sympy.tanh,
        "sinh": sympy.sinh,
        "cosh": sympy.cosh,
        "sech": sympy.sech,
        "csch": sympy.csch,
        "coth": sympy.coth,
        "sin": sympy.sin,
        "cos": sympy.cos,
        "tan": sympy.tan,
        "sec": sympy.sec,
        "csc": sympy.csc,
        "cosec": sympy.csc,
        "cot": sympy.cot,
        "cosech": sympy.csch,
        "asin": sympy.asin,
        "arcsin": sympy.asin,
        "acos": sympy.acos,
        "arccos": sympy.acos,
        "atan": sympy.atan,
        "arctan": sympy.atan,
        "asinh": sympy.asinh,
        "arsinh": sympy.asinh,
        "arcsinh": sympy.asinh,
        "acosh": sympy.acosh,
        "arcosh": sympy.acosh,
        "arccosh": sympy.acosh,
        "atanh": sympy.atanh,
        "artanh": sympy.atanh,
        "arctanh": sympy.atanh,
        "asec": sympy.asec,
        "arcsec": sympy.asec,
        "acsc": sympy.acsc,
        "arccsc": sympy.acsc,
        "acot": sympy.acot,
        "arccot": sympy.acot,
        "acoth": sympy.acoth,
        "arccoth": sympy.acoth,
        "arcoth": sympy.acoth,
        "asech": sympy.asech,
        "arcsech": sympy.asech,
        "acsch": sympy.acsch,
        "arccsch": sympy.acsch,
        "cbrt": _cube_root,
        "sign": sympy.sign,
        "sgn": sympy.sign,
        "signum": sympy.sign,
        "factorial": _factorial,
        "exp": _exp,
        "ln": sympy.log,
        "sqrt": _sqrt,
        "abs": sympy.Abs,
        "Abs": sympy.Abs,
    }
    table = {name: _Function(build) for name, build in unary.items()}
    table["log"] = _Function(_log, 1, 2)
    table["lg"] = _Function(_lg, 1, 2)
    table["root"] = _Function(_root, 2, 2)
    table["nthroot"] = _Function(_nth_root, 1, 2)
    for name in ("binomial", "binom"):
        table[name] = _Function(_binomial, 2, 2)
    for name in ("atan2", "arctan2"):
        table[name] = _Function(sympy.atan2, 2, 2)
    for name in ("max", "Max"):
        table[name] = _Function(_max, 1, 64)
    for name in ("min", "Min"):
        table[name] = _Function(_min, 1, 64)
    return MappingProxyType(table)


FUNCTIONS: Mapping[str, _Function] = _table()
"""Every function name a student may call, with its builder."""

ALLOWED_FUNCTIONS: tuple[str, ...] = tuple(sorted(FUNCTIONS, key=str.lower))

_PRIMED = MappingProxyType(
    {
        "sigmoid": "dsigmoid",
        "sig": "dsigmoid",
        "sigma": "dsigmoid",
        "logistic": "dsigmoid",
        "tanh": "dtanh",
        "softplus": "dsoftplus",
        "sp": "dsoftplus",
        "exp": "exp",
    }
)
"""The derivative of a function written with a prime, f'(u)."""

_PYTHON_INVERSES = MappingProxyType(
    {
        name: "a" + name
        for name in (
            "sin",
            "cos",
            "tan",
            "sec",
            "csc",
            "cot",
            "sinh",
            "cosh",
            "tanh",
            "sech",
            "csch",
            "coth",
        )
    }
)
"""f^(-1)(x) in plain text is the inverse function after these (cos^(-1)(x) is acos(x))."""
_LOG_BASE = re.compile(r"log_([0-9]{1,3}|[A-Za-z][A-Za-z0-9]{0,8})")

_CONSTANTS: Mapping[str, sympy.Expr] = MappingProxyType(
    {"e": sympy.E, "E": sympy.E, "pi": sympy.pi}
)


# --------------------------------------------------------------------------------------------
# Public API


def parse_expression(text: str, symbols: Collection[str] | None = None) -> sympy.Expr:
    """Read a student's formula (Python syntax or LaTeX) as a sympy expression.

    ``symbols`` are the names the question defines: they win over constants (a declared ``e``
    is a symbol) and a declared name followed by ``(`` is a product. Names outside it are still
    read as symbols; the caller decides whether to complain about them. Raises ``ParseError``
    with a message for the student when the text is not an accepted expression; never raises
    anything else for any string.
    """
    declared = _declared(symbols)
    try:
        latex = isinstance(text, str) and looks_like_latex(text)
        body = _prepare(text)
        if latex:
            tree: ast.expr = _LatexReader(body, declared).read()
        else:
            tree = _python_tree(body, declared)
        _check_size(tree)
        expr = _Builder(declared).build(tree)
        _check_result(expr)
    except ParseError:
        raise
    except (RecursionError, MemoryError) as error:
        raise ParseError("the expression is nested too deeply or is too large") from error
    except Exception as error:  # sympy refused a combination; the student sees why
        raise ParseError(f"the formula cannot be worked with ({type(error).__name__})") from error
    return expr


def looks_like_latex(text: str) -> bool:
    """Whether text is LaTeX: it has a backslash command, braces or ``$`` delimiters."""
    return any(mark in text for mark in ("\\", "{", "}", "$"))


def render_expression(expr: sympy.Expr) -> Rendering:
    """Typeset an expression as LaTeX and as presentation MathML."""
    return Rendering(latex=sympy.latex(expr), mathml=mathml(expr, printer="presentation"))


# --------------------------------------------------------------------------------------------
# Text clean-up shared by both routes


def _declared(symbols: Collection[str] | None) -> frozenset[str]:
    names = frozenset(symbols or ())
    bad = sorted(name for name in names if not is_name(name))
    if bad:
        raise ValueError(f"declared symbol names must match {_NAME.pattern}: {bad}")
    return names


def is_name(name: str) -> bool:
    """Whether ``name`` is an accepted symbol name (letters, digits, _; short; no ``__``)."""
    return bool(_NAME.fullmatch(name)) and len(name) <= MAX_NAME_LENGTH and "__" not in name


def _prepare(text: object) -> str:
    """Check type and size, drop math delimiters, keep the right-hand side of one ``=``."""
    if not isinstance(text, str):
        raise ParseError(f"expected text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the answer is too long ({len(text)} characters; at most {MAX_LENGTH})")
    body = " ".join(_compatible(text).split())
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if body.startswith(left) and body.endswith(right) and len(body) >= len(left + right):
            body = body[len(left) : len(body) - len(right)].strip()
            break
    body = _right_hand_side(body)
    if not body:
        raise ParseError("the answer is empty")
    if '"' in body:
        raise ParseError("quotes (strings) are not allowed in a formula")
    _check_nesting(body)
    return body


def _compatible(text: str) -> str:
    """Full-width and other compatibility characters as their plain forms (NFKC), except
    superscripts, which stay marks of a power (x² is x**2, not x2)."""
    return "".join(
        char if char in _SUPERSCRIPT_CHARS else unicodedata.normalize("NFKC", char) for char in text
    )


def _right_hand_side(text: str) -> str:
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


def _check_nesting(text: str) -> None:
    depth = 0
    for char in text:
        if char in "([{":
            depth += 1
            if depth > MAX_NESTING:
                raise ParseError(f"brackets are nested too deeply (more than {MAX_NESTING})")
        elif char in ")]}":
            depth -= 1


# --------------------------------------------------------------------------------------------
# Python-syntax route

_SUPERSCRIPT_CHARS = frozenset("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")
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
_GREEK = MappingProxyType(
    {
        "α": "alpha",
        "β": "beta",
        "γ": "gamma",
        "δ": "delta",
        "ε": "epsilon",
        "ζ": "zeta",
        "η": "eta",
        "θ": "theta",
        "κ": "kappa",
        "λ": "lamda",
        "μ": "mu",
        "ν": "nu",
        "ξ": "xi",
        "π": "pi",
        "ρ": "rho",
        "τ": "tau",
        "φ": "phi",
        "χ": "chi",
        "ψ": "psi",
        "ω": "omega",
        "Δ": "Delta",
    }
)
_SUPERSCRIPT = re.compile(r"[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_SIGMA = re.compile(r"σ(?=\s*['(])")
_PRIME = re.compile(r"\b(" + "|".join(_PRIMED) + r")\s*'")
_ROOT = re.compile(r"√\s*([A-Za-z0-9_.]+)")


def _normalise(text: str, declared: frozenset[str]) -> str:
    """Unicode operators, superscripts, Greek letters and primes to ASCII Python syntax."""
    text = text.translate(_CHARACTERS)
    text = _SUPERSCRIPT.sub(lambda m: _superscript(m.group()), text)
    text = _SIGMA.sub(" sigmoid", text)
    text = text.replace("σ", " sigma " if "sigma" in declared else " sigmoid ")
    for letter, name in _GREEK.items():
        # θ1, θ_1 and μ0 are one name (theta1, theta_1, mu0); 2θx is 2*theta*x.
        text = re.sub(f"{letter}(?![0-9_])", f" {name} ", text)
        text = re.sub(f"(?<![A-Za-z0-9_]){letter}", f" {name}", text)
        text = text.replace(letter, name)
    text = _ROOT.sub(r" sqrt(\1)", text).replace("√", " sqrt")
    text = _PRIME.sub(lambda m: _PRIMED[m.group(1)], text)
    return text.replace("^", "**").strip()


def _superscript(mark: str) -> str:
    power = mark.translate(_SUPERSCRIPT_DIGITS)
    return f"**{power}" if power.isdigit() else f"**({power})"


# CPython 3.11's ast.parse is not safe in two threads at once: the conversion to Python objects
# keeps its recursion depth per interpreter, and a concurrent parse fails with "SystemError: AST
# constructor recursion depth mismatch". Submissions are checked in threads, so parses take turns.
_AST_PARSE = threading.Lock()


def _python_tree(text: str, declared: frozenset[str]) -> ast.expr:
    """Parse Python-syntax text (after clean-up) into an ``ast`` expression node."""
    text = _normalise(text, declared)
    text = _scientific(text, declared)
    text = _absolute_bars(text)
    text = _postfix_factorials(text)
    _refuse_quotes(text)
    text = _apply_bare_functions(text, declared)
    text = _insert_products(text, declared)
    try:
        with _AST_PARSE:
            tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise ParseError(f"not a valid expression ({error.msg})") from error
    except (ValueError, OverflowError) as error:
        raise ParseError(f"not a valid expression ({error})") from error
    return tree.body


_SCIENTIFIC = re.compile(r"(?<![A-Za-z0-9_.])(\d+\.?\d*|\.\d+)([eE])([+-]?)(\d+)(\.?)")


def _scientific(text: str, declared: frozenset[str]) -> str:
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


def _absolute_bars(text: str) -> str:
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


def _postfix_factorials(text: str) -> str:
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
            raise ParseError(_DOUBLE_FACTORIAL)
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


def _apply_bare_functions(text: str, declared: frozenset[str]) -> str:
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


def _refuse_quotes(text: str) -> None:
    """Strings and comments never belong in a formula; refuse them before ``ast.parse``."""
    if '"' in text or text.count("'") > 1:
        raise ParseError("quotes (strings) are not allowed in a formula")
    if "'" in text:
        raise ParseError("a prime (') is understood only after sigmoid, tanh or softplus")
    if "#" in text:
        raise ParseError("comments (#) are not allowed in a formula")


def _insert_products(text: str, declared: frozenset[str]) -> str:
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
            or (left.string in _CONSTANTS and left.string not in FUNCTIONS)
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
        tokens[0].string in _PYTHON_INVERSES
    )


def _check_size(tree: ast.expr) -> None:
    """Refuse trees nested too deeply or too large, without recursing.

    A chain like ``a + b - c + d`` or ``a * b / c`` counts as one level, as the builder reads
    it with a loop; every other child is one level deeper than its parent. Function calls
    inside function calls are limited separately (MAX_CALLS_NESTED): sympy's reasoning about
    deeply nested functions grows quickly with the depth.
    """
    stack: list[tuple[ast.AST, int, int]] = [(tree, 1, 0)]
    count = 0
    while stack:
        node, depth, calls = stack.pop()
        count += isinstance(node, ast.expr)
        calls += isinstance(node, ast.Call)
        if depth > MAX_DEPTH:
            raise ParseError(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)")
        if calls > MAX_CALLS_NESTED:
            raise ParseError(
                f"functions are nested too deeply (more than {MAX_CALLS_NESTED} inside each other)"
            )
        if count > MAX_NODES:
            raise ParseError(f"the expression is too large (more than {MAX_NODES} parts)")
        for child in ast.iter_child_nodes(node):
            continues = child is getattr(node, "left", None) and _family(child) == _family(node)
            stack.append((child, depth if continues and _family(node) else depth + 1, calls))


def _family(node: ast.AST) -> str:
    """Which loop-read chain a node continues: "sum", "product", or "" for none."""
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Add | ast.Sub):
            return "sum"
        if isinstance(node.op, ast.Mult | ast.Div):
            return "product"
    return ""


_REFUSED = MappingProxyType(
    {
        ast.Attribute: "attribute access (.) is not allowed",
        ast.Subscript: "subscripts ([...]) are not allowed; write w1 or w_1 for an indexed name",
        ast.Lambda: "lambda is not allowed",
        ast.ListComp: "comprehensions are not allowed",
        ast.SetComp: "comprehensions are not allowed",
        ast.DictComp: "comprehensions are not allowed",
        ast.GeneratorExp: "comprehensions are not allowed",
        ast.JoinedStr: "f-strings are not allowed",
        ast.FormattedValue: "f-strings are not allowed",
        ast.Starred: "starred (*) arguments are not allowed",
        ast.Compare: "comparisons (<, ==, ...) are not allowed; give only the expression",
        ast.BoolOp: "and/or are not allowed",
        ast.IfExp: "if/else is not allowed",
        ast.NamedExpr: "assignment (:=) is not allowed",
        ast.Tuple: "a tuple (comma-separated values) is not an expression; give one formula",
        ast.List: "lists are not allowed; give one formula",
        ast.Set: "sets and braces are not allowed",
        ast.Dict: "dictionaries are not allowed",
        ast.Await: "await is not allowed",
        ast.Slice: "slices are not allowed",
    }
)

_OPERATORS = MappingProxyType(
    {
        ast.FloorDiv: "//",
        ast.Mod: "%",
        ast.MatMult: "@",
        ast.LShift: "<<",
        ast.RShift: ">>",
        ast.BitOr: "|",
        ast.BitAnd: "&",
    }
)


@dataclass(frozen=True)
class _Builder:
    """Builds a sympy expression from an already size-checked ``ast`` expression.

    Every constant part (no symbols, not a plain number) is evaluated at 30 and at 60 digits
    as soon as it is built, before any sympy constructor that might reason about it sees it.
    It is refused if undefined or beyond LIMIT (sympy would compute exp(exp(exp(100))) in
    full), or if it is zero in a roundabout form (the two precisions disagree, as with
    sqrt(2) + sqrt(3) - sqrt(5 + 2*sqrt(6))), since sympy may then search for a minimal
    polynomial of unbounded degree to decide its sign.
    """

    declared: frozenset[str]
    contexts: dict[int, tuple[Any, dict[sympy.Basic, Any]]] = field(default_factory=dict)

    def build(self, node: ast.AST) -> sympy.Expr:
        return self._vetted(self._build(node))

    def _vetted(self, expr: sympy.Expr) -> sympy.Expr:
        if expr.is_Number or expr.free_symbols:
            return expr
        for power in expr.atoms(sympy.Pow):
            _check_exponent(power.base, power.exp)
        rough, fine = self._value(expr, 30), self._value(expr, 60)
        if rough is None or fine is None:
            raise ParseError(
                f"the constant {_short(expr)} in the formula is undefined, complex or too large"
            )
        if fine == 0 or abs(float(rough) - float(fine)) > 1e-9 * abs(float(fine)):
            raise ParseError(
                f"the constant {_short(expr)} is zero, or nearly, in a roundabout form; simplify it"
            )
        return expr

    def _value(self, expr: sympy.Expr, digits: int) -> Any:
        """The constant's value at ``digits`` digits (contexts made when first needed)."""
        if digits not in self.contexts:
            self.contexts[digits] = (numeric_context(digits), {})
        context, memo = self.contexts[digits]
        return evaluate(expr, {}, context, memo)

    def _build(self, node: ast.AST) -> sympy.Expr:
        match node:
            case ast.Constant(value=value):
                return _number(value)
            case ast.Name(id=name):
                return self._name(name)
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                return -self.build(operand)
            case ast.UnaryOp(op=ast.UAdd(), operand=operand):
                return self.build(operand)
            case ast.UnaryOp(op=ast.Not()):
                raise ParseError("'not' is not allowed")
            case ast.UnaryOp():
                raise ParseError("operator '~' is not allowed")
            case ast.BinOp(
                left=ast.Name(id=name),
                op=ast.Pow() | ast.BitXor(),
                right=ast.Call(
                    func=ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=1))
                ) as call,
            ) if name in _PYTHON_INVERSES:
                # cos^(-1)(x), sinh^(-1)(x): the inverse function, as written on a calculator.
                inverse = ast.Call(
                    func=ast.Name(id=_PYTHON_INVERSES[name]), args=call.args, keywords=call.keywords
                )
                return self._call(inverse)
            case ast.BinOp(
                left=ast.Name(id=name), op=ast.Pow() | ast.BitXor(), right=ast.Call() as call
            ) if name in FUNCTIONS and isinstance(call.func, ast.Constant | ast.Name):
                # sech**2(u), sech^2(u), sech²(u), exp^y(z): a power of a function applied to u.
                applied = ast.Call(func=ast.Name(id=name), args=call.args, keywords=call.keywords)
                exponent = self.build(call.func)
                return _power(self._vetted(self._call(applied)), exponent)
            case ast.BinOp(left=ast.Name(id=name), op=ast.Pow() | ast.BitXor(), right=right) if (
                name not in self.declared and split_into_declared(name, self.declared)
            ):
                # nm^(-1) with n and m declared: the power binds to m alone, as in n m^(-1).
                *first, last = split_into_declared(name, self.declared)
                factors = [self._name(piece) for piece in first]
                return sympy.Mul(*factors, _power(self._name(last), self.build(right)))
            case ast.BinOp() if _family(node):
                return self._chain(node)
            case ast.BinOp(left=left, op=op, right=right):
                return self._binary(left, op, right)
            case ast.Call():
                return self._call(node)
            case ast.List(elts=[element]):  # [x + 1] as brackets
                return self.build(element)
            case _:
                message = _REFUSED.get(type(node), f"{type(node).__name__} is not allowed")
                raise ParseError(message)

    def _chain(self, node: ast.BinOp) -> sympy.Expr:
        """``a + b - c ...`` or ``a * b / c ...``: a loop over the left spine, one sympy call."""
        family = _family(node)
        spine: list[ast.BinOp] = []
        current: ast.AST = node
        while isinstance(current, ast.BinOp) and _family(current) == family:
            spine.append(current)
            current = current.left
        parts = [self.build(current)]
        for link in reversed(spine):
            part = self.build(link.right)
            if isinstance(link.op, ast.Sub):
                part = -part
            elif isinstance(link.op, ast.Div):
                if part == 0:
                    raise ParseError("division by zero")
                part = _power(part, sympy.Integer(-1))
            parts.append(part)
        combined = sympy.Add(*parts) if family == "sum" else sympy.Mul(*parts)
        return _guard_number(combined)

    def _binary(self, left: ast.AST, op: ast.operator, right: ast.AST) -> sympy.Expr:
        if isinstance(op, ast.Pow | ast.BitXor):
            return _power(self.build(left), self.build(right))
        symbol = _OPERATORS.get(type(op), type(op).__name__)
        raise ParseError(f"operator '{symbol}' is not allowed")

    def _name(self, name: str) -> sympy.Expr:
        if name in self.declared:
            return sympy.Symbol(name, real=True)
        if name.startswith("_") or "__" in name:
            raise ParseError(
                f"name {name!r} is not allowed (names may not start with _ or contain __)"
            )
        if not _NAME.fullmatch(name):
            raise ParseError(f"name {name!r} is not allowed (use letters a-z, digits and _)")
        if len(name) > MAX_NAME_LENGTH:
            raise ParseError(f"name {name[:20]!r}... is too long (at most {MAX_NAME_LENGTH})")
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        if name in FUNCTIONS:
            raise ParseError(f"{name} is a function; write {name}(...) with its argument")
        same = declared_spelling(name, self.declared)
        if same is not None:
            return sympy.Symbol(same, real=True)
        pieces = split_into_declared(name, self.declared)
        if pieces:
            return sympy.Mul(*(self._name(piece) for piece in pieces))
        return sympy.Symbol(name, real=True)

    def _call(self, node: ast.Call) -> sympy.Expr:
        if isinstance(node.func, ast.Attribute):
            raise ParseError(_REFUSED[ast.Attribute])
        if not isinstance(node.func, ast.Name):
            raise ParseError("only named functions may be called, like sigmoid(x)")
        name = node.func.id
        based = _LOG_BASE.fullmatch(name)
        if based is not None and name not in FUNCTIONS:  # log_10(x), log_2(8), log_a(b)
            base = (
                ast.Constant(int(based.group(1)))
                if based.group(1).isdigit()
                else ast.Name(id=based.group(1))
            )
            return self._call(
                ast.Call(func=ast.Name(id="log"), args=[*node.args, base], keywords=[])
            )
        function = FUNCTIONS.get(name)
        if function is None:
            shown = name if len(name) <= 40 else name[:40] + "..."
            raise ParseError(
                f"function {shown!r} is not allowed; allowed: {', '.join(ALLOWED_FUNCTIONS)}"
                f" (for a product, write {shown}*(...))"
            )
        if node.keywords:
            raise ParseError(f"keyword arguments are not allowed (in {name}(...))")
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            raise ParseError(_REFUSED[ast.Starred])
        if not function.least <= len(node.args) <= function.most:
            wanted = (
                str(function.least)
                if function.least == function.most
                else f"at least {function.least}"
            )
            raise ParseError(f"{name} takes {wanted} argument(s), got {len(node.args)}")
        arguments = [self.build(arg) for arg in node.args]
        exact = function.build is _factorial and arguments[0].is_Integer
        if not exact and not any(argument.free_symbols for argument in arguments):
            self._vet_application(name, function, arguments)
        return _guard_number(function.build(*arguments))

    def _vet_application(self, name: str, function: _Function, arguments: list[sympy.Expr]) -> None:
        """Refuse a function of constants whose value is undefined or too large, before sympy
        builds it (softplus(10**900) would make sympy reason about exp(10**900)).

        The function is built on placeholder symbols and evaluated at the constants' values.
        """
        placeholders = [sympy.Dummy(real=True) for _ in arguments]
        values = [self._value(argument, 30) for argument in arguments]
        context, _ = self.contexts[30]
        point = dict(zip(placeholders, values, strict=True))
        if None in values or evaluate(function.build(*placeholders), point, context) is None:
            shown = ", ".join(_short(argument) for argument in arguments)
            raise ParseError(f"{name}({shown}) is undefined, complex or too large")


def _spelling(name: str) -> str:
    """A name without the underscores between its parts: theta_1, theta1 -> theta1."""
    return name.replace("_", "")


def declared_spelling(name: str, declared: Collection[str]) -> str | None:
    """The declared name spelt like ``name`` but for underscores (θ1, θ_1, theta1 and
    theta_1 are one name; w2_1 is w_2_1), if exactly one is; else None."""
    if "_" not in name and not any(char.isdigit() for char in name):
        return None
    matches = [other for other in declared if _spelling(other) == _spelling(name)]
    return matches[0] if len(matches) == 1 else None


def split_into_declared(name: str, declared: Collection[str]) -> list[str]:
    """``nm`` as [n, m] when the question declares n and m (and not nm): an undeclared name
    made entirely of declared names and the constants e and pi (``xe``, ``ee``) is their
    product. The longest declared name is taken first; [] if none fits."""
    parts = [*sorted(declared, key=len, reverse=True), "pi", "e"]

    def split(rest: str) -> list[str] | None:
        if not rest:
            return []
        for part in parts:
            if part and rest.startswith(part):
                tail = split(rest[len(part) :])
                if tail is not None:
                    return [part, *tail]
        return None

    if "_" in name or len(name) > MAX_NAME_LENGTH:
        return []
    pieces = split(name) or []
    return pieces if len(pieces) > 1 else []


def _check_result(expr: sympy.Expr) -> None:
    """Refuse infinities and powers whose exponent grew too large while sympy combined them."""
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ParseError("the expression divides by zero or is infinite")
    for power in expr.atoms(sympy.Pow):
        _check_exponent(power.base, power.exp)


def _number(value: object) -> sympy.Expr:
    """A literal as an exact sympy number (decimals become exact rationals)."""
    if isinstance(value, bool):
        raise ParseError("True/False are not numbers here")
    if isinstance(value, int):
        if value.bit_length() > MAX_NUMBER_BITS:
            raise ParseError("a number in the expression is too large")
        return sympy.Integer(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ParseError("a number in the expression is too large")
        exact = Fraction(repr(value))
        return sympy.Rational(exact.numerator, exact.denominator)
    if isinstance(value, complex):
        raise ParseError("complex numbers (j) are not allowed")
    if value is Ellipsis:
        raise ParseError("'...' is a placeholder, not an answer")
    if isinstance(value, str | bytes):
        raise ParseError("quotes (strings) are not allowed")
    raise ParseError(f"{value!r} is not allowed")


def _power(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    """base**exponent, refusing numbers that would take sympy long to work out."""
    _check_exponent(base, exponent)
    coefficient = base.as_coeff_Mul()[0]
    if exponent.is_Number and coefficient.is_Rational and coefficient != 0:
        bits = max(_bits(coefficient.p), _bits(coefficient.q))
        if bits * abs(exponent) > MAX_NUMBER_BITS:
            raise ParseError(f"({_short(base)})**{_short(exponent)} is too large a number")
        if not exponent.is_Integer and bits > MAX_ROOT_BITS:
            raise ParseError("a root of a very large number is not allowed")
    if base == 0 and exponent.is_negative:
        raise ParseError("division by zero (0 to a negative power)")
    if not base.free_symbols and not exponent.is_Integer and base.is_extended_negative:
        raise ParseError(f"the negative constant {_short(base)} has a non-integer power")
    if base is sympy.E:
        return _exp(exponent)
    return _guard_number(sympy.Pow(base, exponent))


def _check_exponent(base: sympy.Expr, exponent: sympy.Expr) -> None:
    """Refuse exponents that would send sympy into long work.

    Numbers in any exponent are at most MAX_EXPONENT in size (sympy splits 2**(n + x) into
    2**n * 2**x). A constant base, like 2 or 1 + e, may have fractional exponents with
    denominators up to MAX_CONSTANT_DEGREE only (sympy reasons about 2**(1/n) with polynomials
    of degree n); a constant base that is not a plain number may be raised to integers up to
    MAX_CONSTANT_DEGREE only (sympy expands (1 + e)**n term by term to find its sign).
    """
    constant = not base.free_symbols and base is not sympy.E and not exponent.free_symbols
    limit = MAX_CONSTANT_DEGREE if constant else MAX_EXPONENT
    for number in exponent.atoms(sympy.Rational):
        if abs(number) > MAX_EXPONENT:
            raise ParseError(
                f"the number {_short(number)} is too large for an exponent (at most {MAX_EXPONENT})"
            )
        if number.q > limit:
            where = " of a number" if constant else ""
            raise ParseError(
                f"the exponent{where} has the fraction {_short(number)}, whose denominator is "
                f"too large (at most {limit})"
            )
    if (
        constant
        and not base.is_Number
        and exponent.is_Number
        and abs(exponent) > MAX_CONSTANT_DEGREE
    ):
        raise ParseError(
            f"a constant like {_short(base)} may be raised at most to the power "
            f"{MAX_CONSTANT_DEGREE}"
        )


def _bits(value: int) -> int:
    return abs(int(value)).bit_length()


def _guard_number(expr: sympy.Expr) -> sympy.Expr:
    """Refuse an expression whose number, or numeric coefficient or term, is too large."""
    for number in (expr.as_coeff_Mul()[0], expr.as_coeff_Add()[0]):
        if number.is_Rational and max(_bits(number.p), _bits(number.q)) > MAX_NUMBER_BITS:
            raise ParseError("a number in the expression is too large")
    return expr


def _short(expr: sympy.Expr) -> str:
    text = str(expr)
    return text if len(text) <= 24 else text[:20] + "..."


# --------------------------------------------------------------------------------------------
# LaTeX route

_LATEX_FUNCTIONS = MappingProxyType(
    {
        "sigma": "sigmoid",
        "exp": "exp",
        "ln": "ln",
        "log": "log",
        "tanh": "tanh",
        "sinh": "sinh",
        "cosh": "cosh",
        "sech": "sech",
        "csch": "csch",
        "coth": "coth",
        "sin": "sin",
        "cos": "cos",
        "tan": "tan",
        "sec": "sec",
        "csc": "csc",
        "cot": "cot",
        "arcsin": "asin",
        "arccos": "acos",
        "arctan": "atan",
        "lg": "lg",
        "max": "max",
        "min": "min",
    }
)
_INVERSES = MappingProxyType(
    {
        "sin": "asin",
        "cos": "acos",
        "tan": "atan",
        "sinh": "asinh",
        "cosh": "acosh",
        "tanh": "atanh",
    }
)
"""f^{-1}(x) after these functions is the inverse function (\\sin^{-1} x is arcsin x)."""
_LATEX_BINOMIALS = frozenset(["binom", "tbinom", "dbinom"])
_LATEX_DERIVATIVE = re.compile(
    r"\\[dtc]?frac\s*\{\s*(d|\\partial)(?![A-Za-z])[^{}]*\}\s*\{\s*(d|\\partial)"
)
_LATEX_GREEK = frozenset(
    [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "varepsilon",
        "zeta",
        "eta",
        "theta",
        "vartheta",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
        "rho",
        "tau",
        "phi",
        "varphi",
        "chi",
        "psi",
        "omega",
        "Delta",
    ]
)
_LATEX_SPACING = frozenset(
    [
        "quad",
        "qquad",
        "left",
        "right",
        "big",
        "Big",
        "bigg",
        "Bigg",
        "bigl",
        "bigr",
        "Bigl",
        "Bigr",
        "biggl",
        "biggr",
        "Biggl",
        "Biggr",
        "displaystyle",
        "textstyle",
        "thinspace",
        "medspace",
        "thickspace",
        "negthinspace",
        "negmedspace",
        "negthickspace",
        "enspace",
        "hfill",
    ]
)
_LATEX_NAMED = frozenset(["operatorname", "mathrm", "text", "textrm", "mathit", "rm", "textit"])
_LATEX_FRACTIONS = frozenset(["frac", "dfrac", "tfrac", "cfrac"])
_LATEX_TIMES = frozenset(["cdot", "times", "ast"])
_LATEX_TOKEN = re.compile(
    r"(?P<cmd>\\[A-Za-z]+)|(?P<escape>\\.)|(?P<num>\d+(?:\.\d*)?|\.\d+)"
    r"|(?P<letter>[A-Za-z])|(?P<char>\S)"
)
_LATEX_COMMAND = re.compile(r"\\([A-Za-z]+)")
_LATEX_BRACED = re.compile(r"\{\s*([^{}]*?)\s*\}")
_LATEX_LAYER = re.compile(r"\s*(\{\s*)?\[")
_LATEX_SCRIPT = re.compile(r"\{([^{}]*)\}|\[[^\[\]]*\]")
_LATEX_PRIME = re.compile(r"'|\^\s*\\prime|\^\s*\{\s*\\prime\s*\}")
_CLOSING = MappingProxyType({"(": ")", "[": "]", "{": "}"})


@dataclass(frozen=True)
class _Token:
    kind: str  # cmd, num, letter, word, symbol, char, end
    text: str
    end: int


class _LatexReader:
    """Recursive-descent reader from LaTeX to Python ``ast`` nodes.

    A reader is made for one text and used once (``read``); it holds only its position.
    """

    def __init__(self, text: str, declared: frozenset[str]) -> None:
        self.text = text
        self.declared = declared
        self.pos = 0
        self.depth = 0

    # ---- tokens

    def read(self) -> ast.expr:
        if _LATEX_DERIVATIVE.search(self.text):
            raise ParseError(
                "derivative notation (\\frac{d}{dx}) is not read; write the derivative itself"
            )
        node = self.expression()
        token = self.peek()
        if self.is_char(token, "'"):
            raise ParseError("a prime (') is understood only after \\sigma, \\tanh or softplus")
        if token.kind != "end":
            raise ParseError(f"unexpected {token.text!r} in the LaTeX at position {self.pos + 1}")
        return node

    def peek(self) -> _Token:
        self.skip_space()
        if self.pos >= len(self.text):
            return _Token("end", "end of text", self.pos)
        match = _LATEX_TOKEN.match(self.text, self.pos)
        assert match is not None  # \S always matches a non-space character
        kind = match.lastgroup or "char"
        if kind == "letter":
            return self.word(match.start())
        if kind == "escape":
            escaped = match.group()[1]
            text = {"{": "(", "}": ")", "|": "|"}.get(escaped)
            if text is None:
                raise ParseError(f"LaTeX {match.group()!r} is not understood")
            return _Token("char", text, match.end())
        return _Token(kind, match.group(), match.end())

    def word(self, start: int) -> _Token:
        """A declared symbol, a function word, or one letter (LaTeX letters are products)."""
        name = _NAME.match(self.text, start)
        assert name is not None
        candidate = name.group()
        for end in range(len(candidate), 0, -1):
            if candidate[:end] in self.declared and not candidate[:end].endswith("_"):
                return _Token("symbol", candidate[:end], start + end)
        letters = re.match(r"[A-Za-z]+", candidate)
        assert letters is not None
        run = letters.group()
        if run in FUNCTIONS or run == "pi":
            return _Token("word", run, start + len(run))
        return _Token("letter", run[0], start + 1)

    def skip_space(self) -> None:
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char.isspace() or char == "~":
                self.pos += 1
            elif self.text.startswith(("\\,", "\\;", "\\:", "\\!", "\\ "), self.pos):
                self.pos += 2
            elif char == "\\":
                match = _LATEX_COMMAND.match(self.text, self.pos)
                if match is None or match.group(1) not in _LATEX_SPACING:
                    return
                self.pos = match.end()
                if match.group(1) in ("left", "right") and self.text.startswith(".", self.pos):
                    self.pos += 1
            else:
                return

    def take(self) -> _Token:
        token = self.peek()
        self.pos = token.end
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            found = "the end" if token.kind == "end" else repr(token.text)
            raise ParseError(f"expected {text!r} in the LaTeX, found {found}")

    def is_char(self, token: _Token, chars: str) -> bool:
        return token.kind == "char" and token.text in chars

    # ---- grammar

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)")

    def expression(self) -> ast.expr:
        """sum := term (('+' | '-') term)*"""
        self.nested()
        node = self.term()
        while self.is_char(token := self.peek(), "+-"):
            self.take()
            op: ast.operator = ast.Add() if token.text == "+" else ast.Sub()
            node = ast.BinOp(left=node, op=op, right=self.term())
        self.depth -= 1
        return node

    def term(self) -> ast.expr:
        """term := signed (('*' | '/' | \\cdot | \\times | \\div | nothing) signed)*"""
        node = self.signed()
        while True:
            token = self.peek()
            if self.is_char(token, "*") or (token.kind == "cmd" and token.text[1:] in _LATEX_TIMES):
                self.take()
                node = ast.BinOp(left=node, op=ast.Mult(), right=self.signed())
            elif self.is_char(token, "/") or token.text == "\\div":
                self.take()
                node = ast.BinOp(left=node, op=ast.Div(), right=self.signed())
            elif self.starts_factor(token):
                node = ast.BinOp(left=node, op=ast.Mult(), right=self.power())
            else:
                return node

    def starts_factor(self, token: _Token) -> bool:
        if token.kind in ("num", "letter", "word", "symbol"):
            return True
        if token.kind == "cmd":
            return token.text[1:] not in _LATEX_TIMES and token.text not in ("\\div", "\\rvert")
        return self.is_char(token, "([{")

    def signed(self) -> ast.expr:
        token = self.peek()
        if self.is_char(token, "-+"):
            self.take()
            self.nested()
            operand = self.signed()
            self.depth -= 1
            return ast.UnaryOp(op=ast.USub(), operand=operand) if token.text == "-" else operand
        return self.power()

    def power(self) -> ast.expr:
        base = self.factorials(self.atom())
        if self.is_char(self.peek(), "^"):
            self.take()
            return ast.BinOp(left=base, op=ast.Pow(), right=self.superscript())
        return base

    def factorials(self, node: ast.expr) -> ast.expr:
        """``x!`` is factorial(x); ``x!!`` is refused (a double factorial, or two?)."""
        while self.is_char(self.peek(), "!"):
            self.take()
            if self.is_char(self.peek(), "!"):
                raise ParseError(_DOUBLE_FACTORIAL)
            node = _call("factorial", [node])
        return node

    def bare_argument(self) -> ast.expr:
        """The argument of \\sin x or \\ln xy without brackets: letters and numbers written
        together (\\ln xy is ln(xy)); it ends at an operator or another function."""
        node = self.power()
        while self.continues_bare(self.peek()):
            node = ast.BinOp(left=node, op=ast.Mult(), right=self.power())
        return node

    def continues_bare(self, token: _Token) -> bool:
        if token.kind in ("num", "letter", "symbol"):
            return True
        return token.kind == "cmd" and token.text[1:] in _LATEX_GREEK

    def superscript(self) -> ast.expr:
        token = self.peek()
        if self.is_char(token, "-+"):
            self.take()
            self.nested()
            operand = self.superscript()
            self.depth -= 1
            return ast.UnaryOp(op=ast.USub(), operand=operand) if token.text == "-" else operand
        if self.is_char(token, "{"):
            return self.group()
        return self.atom()

    def group(self) -> ast.expr:
        self.expect("{")
        node = self.expression()
        self.expect("}")
        return node

    def argument(self) -> ast.expr:
        """One argument of \\frac or \\sqrt: a braced group or a single character."""
        token = self.peek()
        if self.is_char(token, "{"):
            return self.group()
        if token.kind == "num" and token.text[0].isdigit():
            self.pos = token.end - len(token.text) + 1
            return ast.Constant(int(token.text[0]))
        return self.atom()

    def atom(self) -> ast.expr:
        self.nested()
        node = self.atom_inner()
        self.depth -= 1
        return node

    def atom_inner(self) -> ast.expr:
        token = self.take()
        if token.kind == "num":
            return ast.Constant(float(token.text) if "." in token.text else int(token.text))
        if token.kind in ("letter", "symbol"):
            return self.symbol(token.text)
        if token.kind == "word":
            return ast.Name(id="pi") if token.text == "pi" else self.function(token.text)
        if token.kind == "cmd":
            return self.command(token.text[1:])
        if self.is_char(token, "([{"):
            node = self.expression()
            self.expect(_CLOSING[token.text])
            return node
        if self.is_char(token, "|"):
            node = self.expression()
            self.expect("|")
            return _call("abs", [node])
        found = "the end" if token.kind == "end" else repr(token.text)
        raise ParseError(f"expected a number, a letter or '(' in the LaTeX, found {found}")

    def command(self, name: str) -> ast.expr:
        if name in _LATEX_FRACTIONS:
            numerator = self.argument()
            return ast.BinOp(left=numerator, op=ast.Div(), right=self.argument())
        if name in _LATEX_BINOMIALS:
            top = self.argument()
            return _call("binomial", [top, self.argument()])
        if name == "sqrt":
            if self.is_char(self.peek(), "["):
                self.take()
                degree = self.expression()
                self.expect("]")
                root = ast.BinOp(left=ast.Constant(1), op=ast.Div(), right=degree)
                return ast.BinOp(left=self.argument(), op=ast.Pow(), right=root)
            return _call("sqrt", [self.argument()])
        if name in _LATEX_NAMED:
            return self.named(self.braced_text())
        if name == "sigma" and "sigma" in self.declared and not self.is_char(self.peek(), "('^"):
            return ast.Name(id="sigma")
        if name in _LATEX_FUNCTIONS:
            return self.function(_LATEX_FUNCTIONS[name])
        if name in _LATEX_GREEK:
            greek = {"lambda": "lamda"}.get(name, name.removeprefix("var"))
            return self.symbol(greek)
        if name == "pi":
            return ast.Name(id="pi")
        if name in ("lvert", "vert"):
            node = self.expression()
            closing = self.take()
            if closing.text not in ("\\rvert", "\\vert"):
                raise ParseError("expected \\rvert to close \\lvert in the LaTeX")
            return _call("abs", [node])
        raise ParseError(f"the LaTeX command \\{name} is not understood")

    def braced_text(self) -> str:
        self.skip_space()
        match = _LATEX_BRACED.match(self.text, self.pos)
        if match is None:
            raise ParseError("expected {name} after \\operatorname, \\mathrm or \\text")
        self.pos = match.end()
        return match.group(1)

    def named(self, content: str) -> ast.expr:
        """\\operatorname{sech}, \\mathrm{softplus}, \\mathrm{e}, \\text{ReLU}, \\mathrm{W}."""
        if content in FUNCTIONS:
            return self.function(content)
        if content in _LATEX_FUNCTIONS:
            return self.function(_LATEX_FUNCTIONS[content])
        if content == "e":
            return ast.Name(id="E")
        if not _NAME.fullmatch(content):
            raise ParseError(f"{content!r} is not a name or a known function")
        return self.symbol(content)

    def symbol(self, name: str) -> ast.expr:
        """A symbol with optional subscript and layer superscript: a^{[2]}_1 is a2_1."""
        layer = sub = ""
        for _ in range(2):
            token = self.peek()
            if self.is_char(token, "_") and not sub:
                self.take()
                sub = self.script_text()
            elif self.is_char(token, "^") and not layer and self.layer_follows(token.end):
                self.take()
                layer = self.script_text().strip("[]")
            else:
                break
        full = name + layer + (f"_{sub}" if sub else "")
        if not _NAME.fullmatch(full):
            raise ParseError(f"{full!r} is not a usable name")
        return ast.Name(id=full)

    def layer_follows(self, at: int) -> bool:
        return _LATEX_LAYER.match(self.text, at) is not None

    def script_text(self) -> str:
        """The raw text of a subscript (``_1``, ``_{2,1}``, ``^{[2]}``), made name-safe."""
        self.skip_space()
        command = _LATEX_COMMAND.match(self.text, self.pos)
        if command is not None:  # h_\theta
            raw, self.pos = command.group(1), command.end()
        elif self.text.startswith(("{", "["), self.pos):
            match = _LATEX_SCRIPT.match(self.text, self.pos)
            if match is None:
                raise ParseError("a subscript may hold only letters and digits")
            raw, self.pos = match.group(1) or match.group(), match.end()
        else:
            raw, self.pos = self.text[self.pos : self.pos + 1], self.pos + 1
        cleaned = re.sub(r"[\s\\]", "", raw).replace(",", "_")
        if not re.fullmatch(r"\[?[A-Za-z0-9_]+\]?", cleaned):
            raise ParseError(f"the subscript {raw!r} may hold only letters and digits")
        return cleaned

    def function(self, name: str) -> ast.expr:
        """A function applied: \\sigma(x), \\sigma'(x), \\operatorname{sech}^2(u), \\ln x."""
        exponent: ast.expr | None = None
        base: ast.expr | None = None
        if self.primed():
            if name not in _PRIMED:
                raise ParseError(f"a prime is only understood after {', '.join(sorted(_PRIMED))}")
            name = _PRIMED[name]
        if self.is_char(self.peek(), "_") and name == "log":
            self.take()
            base = self.argument()
        if self.is_char(self.peek(), "^"):
            self.take()
            exponent = self.superscript()
            if name in _INVERSES and ast.dump(exponent) == ast.dump(_MINUS_ONE):
                name, exponent = _INVERSES[name], None
        token = self.peek()
        if self.is_char(token, "(["):
            self.take()
            arguments = [self.expression()]
            while self.is_char(self.peek(), ","):
                self.take()
                arguments.append(self.expression())
            self.expect(_CLOSING[token.text])
        elif self.is_char(token, "{"):
            arguments = [self.group()]
        elif token.kind == "end" or not self.starts_factor(token):
            raise ParseError(f"{name} needs an argument, like {name}(x)")
        else:
            arguments = [self.bare_argument()]
        if base is not None:
            arguments.append(base)
        node = _call(name, arguments)
        return node if exponent is None else ast.BinOp(left=node, op=ast.Pow(), right=exponent)

    def primed(self) -> bool:
        self.skip_space()
        match = _LATEX_PRIME.match(self.text, self.pos)
        if match is None:
            return False
        self.pos = match.end()
        return True


_MINUS_ONE = ast.UnaryOp(op=ast.USub(), operand=ast.Constant(1))
_DOUBLE_FACTORIAL = (
    "x!! is not read (a double factorial, or the factorial of a factorial?); "
    "write factorial(factorial(x)) for the second"
)


def _call(name: str, arguments: list[ast.expr]) -> ast.Call:
    return ast.Call(func=ast.Name(id=name), args=arguments, keywords=[])


# --------------------------------------------------------------------------------------------
# Numeric evaluation (used to vet constants here, and by the symbolic check)


def numeric_context(digits: int) -> Any:
    """A private mpmath context working at ``digits`` decimal digits (no global state)."""
    context = mpmath.MPContext()
    context.dps = digits
    return context


def evaluate(
    expr: sympy.Basic,
    point: Mapping[sympy.Symbol, Any],
    context: Any,
    memo: dict[sympy.Basic, Any] | None = None,
) -> Any:
    """The real value of ``expr`` at ``point`` as an mpf of ``context``, or None if undefined.

    A walker over the sympy tree (no ``lambdify``, no generated code). Undefined covers
    division by zero, logs and fractional powers of negatives, complex values and results
    beyond LIMIT. Inside the tree a value beyond LIMIT becomes an infinity, so work stays small
    whatever the expression (exp(exp(exp(100))) is never computed digit by digit), and
    1/(1 + exp(1000)) still comes out as 0; anything that then has no value (inf - inf,
    sin(inf)) is undefined. ``memo`` may be shared between calls at the same point.
    """
    values = {symbol: context.mpf(value) for symbol, value in point.items()}
    result = _value(expr, values, context, {} if memo is None else memo)
    return result if result is not None and context.isfinite(result) else None


def _value(expr: sympy.Basic, point: Mapping[sympy.Symbol, Any], context: Any, memo: dict) -> Any:
    if expr in memo:
        return memo[expr]
    try:
        result = _real(_node(expr, point, context, memo), context)
    except (ArithmeticError, ValueError, TypeError, KeyError):
        result = None
    memo[expr] = result
    return result


def _real(value: Any, context: Any) -> Any:
    """A node's value as a real mpf, an infinity beyond LIMIT, or None."""
    if value is None:
        return None
    if isinstance(value, context.mpc):
        if value.imag != 0:
            return None
        value = value.real
    if context.isnan(value):
        return None
    if abs(value) > LIMIT:
        return context.inf if value > 0 else context.ninf
    return value


_UNARY = MappingProxyType(
    {
        sympy.exp: "exp",
        sympy.tanh: "tanh",
        sympy.sinh: "sinh",
        sympy.cosh: "cosh",
        sympy.sech: "sech",
        sympy.csch: "csch",
        sympy.coth: "coth",
        sympy.sin: "sin",
        sympy.cos: "cos",
        sympy.tan: "tan",
        sympy.sec: "sec",
        sympy.csc: "csc",
        sympy.cot: "cot",
        sympy.asin: "asin",
        sympy.acos: "acos",
        sympy.atan: "atan",
        sympy.asinh: "asinh",
        sympy.acosh: "acosh",
        sympy.atanh: "atanh",
        sympy.asec: "asec",
        sympy.acsc: "acsc",
        sympy.acot: "acot",
        sympy.acoth: "acoth",
        sympy.asech: "asech",
        sympy.acsch: "acsch",
        sympy.factorial: "factorial",
    }
)


def _node(expr: sympy.Basic, point: Mapping[sympy.Symbol, Any], context: Any, memo: dict) -> Any:
    if isinstance(expr, sympy.Symbol):
        return point[expr]
    if expr.is_Rational:
        return context.mpf(int(expr.p)) / int(expr.q)
    if expr.is_Float:
        return context.mpf(expr._mpf_)
    if expr is sympy.E:
        return context.e
    if expr is sympy.pi:
        return context.pi
    if expr.is_Pow:
        return _power_value(expr, point, context, memo)
    args = [_value(arg, point, context, memo) for arg in expr.args]
    if any(arg is None for arg in args):
        return None
    return _combine(expr, args, context)


def _combine(expr: sympy.Basic, args: list[Any], context: Any) -> Any:
    if expr.is_Add:
        return context.fsum(args)
    if expr.is_Mul:
        return context.fprod(args)
    if expr.func in _UNARY:
        return getattr(context, _UNARY[expr.func])(args[0])
    if expr.func is sympy.log:
        return context.log(args[0]) if args[0] > 0 else None
    if expr.func is sympy.Abs:
        return abs(args[0])
    if expr.func is sympy.Max:
        return max(args)
    if expr.func is sympy.Min:
        return min(args)
    if expr.func is sympy.sign:
        return context.sign(args[0])
    if expr.func is sympy.Heaviside:
        return None if args[0] == 0 else context.mpf(args[0] > 0)
    if expr.func is sympy.atan2:
        return None if args[0] == args[1] == 0 else context.atan2(*args)
    if expr.func is sympy.binomial:
        return context.binomial(*args)
    return _fallback(expr, args, context)


def _fallback(expr: sympy.Basic, args: list[Any], context: Any) -> Any:
    """Any other function (only references use them): sympy evaluates it at the arguments."""
    numeric = expr.func(*(sympy.Float(arg, context.dps) for arg in args)).evalf(context.dps)
    if not numeric.is_real or not numeric.is_Float:
        return None
    return context.mpf(numeric._mpf_)


def _power_value(
    expr: sympy.Basic, point: Mapping[sympy.Symbol, Any], context: Any, memo: dict
) -> Any:
    base = _value(expr.base, point, context, memo)
    if base is None:
        return None
    if expr.exp.is_Integer:
        n = int(expr.exp)
        return None if base == 0 and n < 0 else base**n
    exponent = _value(expr.exp, point, context, memo)
    if exponent is None or base < 0:
        return None
    if base == 0:
        return context.mpf(0) if exponent > 0 else None
    return context.power(base, exponent)
