"""Students' mathematics as sympy expressions, read without evaluating anything.

In:  a string a student wrote for a formula, in Python syntax (``x*sigmoid(x)``, ``e^x``,
     ``σ(x)·(1−σ(x))``) or in LaTeX (``\\sigma(x)(1-\\sigma(x))``,
     ``\\frac{1+e^{-x}}{(1+e^{-x})^2}``), and optionally the symbol names the question defines.
Out: a ``sympy.Expr`` built node by node from a whitelist, or a ``ParseError`` whose message
     says, in words a student understands, what was not accepted. ``render_expression`` turns
     an expression into LaTeX and presentation MathML for reports.

Nothing in the reader calls ``eval``, ``exec``, ``compile``, ``sympify``, ``parse_expr`` or
``S(text)``. This module is the reader's one entry point; its stages are modules of their own,
in the order a formula goes through them:

1. ``graders.maths.text``: the clean-up both routes share (``PREPARATION``, a tuple of steps).
2. ``graders.maths.python_syntax``: Python-syntax text rewritten by ``TRANSFORMATIONS`` (a tuple
   of small named steps) and read by ``ast.parse``, which only parses; or
   ``graders.maths.latex``: a small recursive-descent LaTeX reader that makes the same Python
   ``ast`` nodes, so both routes share one builder and one set of limits. sympy's Lark LaTeX
   parser is not used: it has no ``eval`` either (its transformer only calls sympy
   constructors), but it needs half a second to load, takes seconds on ordinary inputs (Earley
   parsing with explicit ambiguity), evaluates ``2^{10^{10}}`` eagerly, and cannot read
   ``\\sigma(x)``, ``\\operatorname{sech}`` or ``\\mathrm{...}``, which students write all the time.
3. ``graders.maths.builder``: the size checks, then a walker that accepts numbers, names,
   ``+ - * / **`` and calls of whitelisted functions and builds the sympy objects itself,
   through ``graders.maths.guards`` (powers and exponentials that refuse huge numbers) and
   ``graders.maths.evaluation`` (constants evaluated as soon as they are built).

What names mean (functions, constants, Greek letters, declared symbols) is
``graders.maths.vocabulary``; the limits and ``ParseError`` are ``graders.maths.limits``. Every
name other modules used from here is still importable from here (``__all__``).

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
from collections.abc import Collection
from dataclasses import dataclass

import sympy
from sympy.printing.mathml import mathml

from graders.maths.builder import Builder, check_result, check_size
from graders.maths.evaluation import evaluate, numeric_context
from graders.maths.latex import read_latex
from graders.maths.limits import (
    LIMIT,
    MAX_CALLS_NESTED,
    MAX_CONSTANT_DEGREE,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LENGTH,
    MAX_NAME_LENGTH,
    MAX_NESTING,
    MAX_NODES,
    MAX_NUMBER_BITS,
    MAX_ROOT_BITS,
    ParseError,
)
from graders.maths.python_syntax import python_tree
from graders.maths.text import looks_like_latex, prepare
from graders.maths.vocabulary import (
    ALLOWED_FUNCTIONS,
    FUNCTIONS,
    declared_names,
    declared_spelling,
    is_name,
    sigmoid,
    softplus,
    split_into_declared,
)

__all__ = [
    "ALLOWED_FUNCTIONS",
    "FUNCTIONS",
    "LIMIT",
    "MAX_CALLS_NESTED",
    "MAX_CONSTANT_DEGREE",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_NESTING",
    "MAX_NODES",
    "MAX_NUMBER_BITS",
    "MAX_ROOT_BITS",
    "ParseError",
    "Rendering",
    "declared_spelling",
    "evaluate",
    "is_name",
    "looks_like_latex",
    "numeric_context",
    "parse_expression",
    "render_expression",
    "sigmoid",
    "softplus",
    "split_into_declared",
]


@dataclass(frozen=True)
class Rendering:
    """An expression typeset for a report: LaTeX source and presentation MathML."""

    latex: str
    mathml: str


def parse_expression(text: str, symbols: Collection[str] | None = None) -> sympy.Expr:
    """Read a student's formula (Python syntax or LaTeX) as a sympy expression.

    ``symbols`` are the names the question defines: they win over constants (a declared ``e``
    is a symbol) and a declared name followed by ``(`` is a product. Names outside it are still
    read as symbols; the caller decides whether to complain about them. Raises ``ParseError``
    with a message for the student when the text is not an accepted expression; never raises
    anything else for any string.
    """
    declared = declared_names(symbols)
    try:
        latex = isinstance(text, str) and looks_like_latex(text)
        body = prepare(text)
        if latex:
            tree: ast.expr = read_latex(body, declared)
        else:
            tree = python_tree(body, declared)
        check_size(tree)
        expr = Builder(declared).build(tree)
        check_result(expr)
    except ParseError:
        raise
    except (RecursionError, MemoryError) as error:
        raise ParseError("the expression is nested too deeply or is too large") from error
    except Exception as error:  # sympy refused a combination; the student sees why
        raise ParseError(f"the formula cannot be worked with ({type(error).__name__})") from error
    return expr


def render_expression(expr: sympy.Expr) -> Rendering:
    """Typeset an expression as LaTeX and as presentation MathML."""
    return Rendering(latex=sympy.latex(expr), mathml=mathml(expr, printer="presentation"))
