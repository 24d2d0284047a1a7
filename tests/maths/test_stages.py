"""The formula reader's stages, one by one: the clean-up's steps, the Python route's
transformations, the LaTeX reader against the Python one, the builder's refusals, evaluation,
and the entry point's re-exports (tests/maths/test_expressions.py tests the whole)."""

from __future__ import annotations

import ast
from collections.abc import Callable

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from graders.maths import builder, evaluation, expressions, limits, text, vocabulary
from graders.maths import python_syntax as py
from graders.maths.builder import Builder, check_size
from graders.maths.latex import read_latex
from graders.maths.limits import MAX_DEPTH, MAX_NESTING, ParseError
from graders.maths.python_syntax import TRANSFORMATIONS, python_tree
from graders.maths.text import PREPARATION, prepare

NONE: frozenset[str] = frozenset()
x = sympy.Symbol("x", real=True)


def test_the_pipelines_are_listed_in_order() -> None:
    assert [step.__name__ for step in PREPARATION] == [
        "refuse_too_long",
        "compatibility_forms",
        "single_spaces",
        "drop_math_delimiters",
        "right_hand_side",
        "refuse_empty",
        "refuse_double_quotes",
        "refuse_deep_nesting",
    ]
    assert [step.__name__ for step in TRANSFORMATIONS] == [
        "unicode_operators",
        "superscripts",
        "sigma",
        "greek_letters",
        "square_roots",
        "primes",
        "caret_powers",
        "inverse_functions",
        "scientific_notation",
        "absolute_bars",
        "postfix_factorials",
        "refuse_quotes",
        "bare_functions",
        "implicit_products",
    ]
    assert all(step.__doc__ for step in (*PREPARATION, *TRANSFORMATIONS))


@pytest.mark.parametrize(
    ("step", "before", "after"),
    [
        (text.compatibility_forms, "ｘ²＋１", "x²+1"),  # full width is plain, x² stays a power
        (text.single_spaces, " x \n +\t1 ", "x + 1"),
        (text.drop_math_delimiters, "$x+1$", "x+1"),
        (text.drop_math_delimiters, "\\( x \\)", "x"),
        (text.drop_math_delimiters, "$x", "$x"),
        (text.right_hand_side, "f'(x) = 2x", "2x"),
        (text.right_hand_side, "a = b = c", "a = b = c"),
        (text.right_hand_side, "x <= 1", "x <= 1"),
        (text.right_hand_side, "f(a=1)", "f(a=1)"),
    ],
)
def test_each_clean_up_step(step: Callable[[str], str], before: str, after: str) -> None:
    assert step(before) == after


def test_the_clean_up_refusals() -> None:
    with pytest.raises(ParseError, match="too long"):
        text.refuse_too_long("x" * (limits.MAX_LENGTH + 1))
    with pytest.raises(ParseError, match="empty"):
        text.refuse_empty("")
    with pytest.raises(ParseError, match="quotes"):
        text.refuse_double_quotes('"x"')
    assert text.refuse_deep_nesting("(" * MAX_NESTING) == "(" * MAX_NESTING
    with pytest.raises(ParseError, match="nested too deeply"):
        text.refuse_deep_nesting("(" * (MAX_NESTING + 1))
    with pytest.raises(ParseError, match="expected text"):
        prepare(3)
    assert prepare("  $$ y = x^2 $$ ") == "x^2"


@pytest.mark.parametrize(
    ("step", "before", "declared", "after"),
    [
        (py.unicode_operators, "2·x−1÷y", (), "2*x-1/y"),
        (py.unicode_operators, "۲x", (), "2x"),
        (py.superscripts, "x²", (), "x**2"),
        (py.superscripts, "x⁻¹", (), "x**(-1)"),
        (py.inverse_functions, "sin**-1 x+cos ** (-1)(y)", (), "asin x+acos(y)"),
        (py.inverse_functions, "sin**-1.5", (), "sin**-1.5"),
        (py.sigma, "σ(x)", (), " sigmoid(x)"),
        (py.sigma, "2σ", ("sigma",), "2 sigma "),
        (py.sigma, "2σ", (), "2 sigmoid "),
        (py.greek_letters, "θ1+θ", (), " theta1+ theta "),
        (py.square_roots, "√x", (), " sqrt(x)"),
        (py.primes, "sigmoid'(x)", (), "dsigmoid(x)"),
        (py.caret_powers, "x^2 ", (), "x**2"),
        (py.scientific_notation, "2e-3+x", (), "2e-3+x"),
        (py.scientific_notation, "2e+3", ("e",), "2*e+3"),
        (py.absolute_bars, "|x|y", (), "abs(x)y"),
        (py.postfix_factorials, "(n+1)!", (), "factorial((n+1))"),
        (py.postfix_factorials, "x != 1", (), "x != 1"),
        (py.refuse_quotes, "x+1", (), "x+1"),
        (py.bare_functions, "sin x", (), "sin (x)"),
        (py.bare_functions, "sin x cos x", (), "sin (x) cos (x)"),
        (py.implicit_products, "2x", (), "2*x"),
        (py.implicit_products, "x(1-x)", ("x",), "x*(1-x)"),
        (py.implicit_products, "f(1-x)", (), "f(1-x)"),  # a call: the builder refuses f
        (py.implicit_products, "sigmoid(x)(1-x)", (), "sigmoid(x)*(1-x)"),
    ],
)
def test_each_python_transformation(
    step: py.Transformation, before: str, declared: tuple[str, ...], after: str
) -> None:
    assert step(before, frozenset(declared)) == after


@pytest.mark.parametrize(
    ("step", "before", "message"),
    [
        (py.scientific_notation, "3e+2x", "ambiguous"),
        (py.absolute_bars, "|x", "do not pair up"),
        (py.postfix_factorials, "n!!", "double factorial"),
        (py.postfix_factorials, "!x", "needs a number"),
        (py.refuse_quotes, "x # note", "comments"),
        (py.refuse_quotes, "x'", "prime"),
        (py.bare_functions, "cos 2*x", "brackets around the argument of cos"),
    ],
)
def test_python_transformations_refuse(step: py.Transformation, before: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        step(before, NONE)


@given(st.text(alphabet="2xy (+)-", max_size=30))
def test_implicit_products_only_insert_times(written: str) -> None:
    assert py.implicit_products(written, frozenset({"x", "y"})).replace("*", "") == written


@pytest.mark.parametrize(
    ("latex", "python"),
    [
        ("\\frac{1}{1+e^{-x}}", "1/(1+e^(-x))"),
        ("\\sigma(x)(1-\\sigma(x))", "sigmoid(x)*(1-sigmoid(x))"),
        ("\\operatorname{sech}^2 x", "sech(x)**2"),
        ("\\sqrt[3]{x}", "x**(1/3)"),
        ("\\ln x + \\left|x\\right|", "log(x) + abs(x)"),
        ("\\sin^{-1} x", "asin(x)"),
        ("2x!", "2*factorial(x)"),
    ],
)
def test_both_readers_give_the_builder_the_same_formula(latex: str, python: str) -> None:
    build = Builder(NONE).build
    assert build(read_latex(latex, NONE)) == build(python_tree(python, NONE))


def test_the_builder_checks_size_and_refuses_what_is_not_maths() -> None:
    deep: ast.expr = ast.Name(id="x")
    for _ in range(MAX_DEPTH):
        deep = ast.UnaryOp(op=ast.USub(), operand=deep)
    with pytest.raises(ParseError, match="nested too deeply"):
        check_size(deep)
    with pytest.raises(ParseError, match="attribute access"):
        Builder(NONE).build(python_tree("x.real", NONE))
    with pytest.raises(ParseError, match="function 'f' is not allowed"):
        Builder(NONE).build(python_tree("f(x)", NONE))
    assert Builder(frozenset({"x"})).build(python_tree("x*(1-x)", NONE)) == x * (1 - x)
    with pytest.raises(ParseError, match="infinite"):
        builder.check_result(sympy.zoo * x)


def test_evaluation_is_none_where_undefined() -> None:
    context = evaluation.numeric_context(30)
    assert evaluation.evaluate(vocabulary.sigmoid(x), {x: 0}, context) == context.mpf("0.5")
    assert evaluation.evaluate(1 / x, {x: 0}, context) is None
    assert evaluation.evaluate(sympy.log(x), {x: -1}, context) is None
    assert evaluation.evaluate(sympy.exp(sympy.exp(x)), {x: 1000}, context) is None  # > LIMIT


def test_the_entry_point_re_exports_the_stages_names() -> None:
    modules = (builder, evaluation, limits, text, vocabulary)
    for name in expressions.__all__:
        value = getattr(expressions, name)
        homes = [m for m in modules if getattr(m, name, None) is value]
        assert homes or name in ("Rendering", "parse_expression", "render_expression"), name
