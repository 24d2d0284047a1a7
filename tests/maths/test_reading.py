"""How formulas are read: names with digits, numbers in every notation, the vocabulary.

Property tests generate the names and numbers; the examples pin the decisions (scientific
notation, x1 and x_1, the natural \\log, bars, factorials, functions without brackets).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from graders.maths.expressions import ParseError, parse_expression

GREEK = {"θ": "theta", "μ": "mu", "α": "alpha", "β": "beta", "λ": "lamda", "ω": "omega"}
LATIN = st.sampled_from(["w", "x", "b", "W", "a", "z"])


def symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


@st.composite
def indexed_names(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A declared name with digits (theta_1, w2_1, mu0) and the ways students spell it."""
    greek = draw(st.booleans())
    base = draw(st.sampled_from(sorted(GREEK))) if greek else draw(LATIN)
    spelled = GREEK.get(base, base)
    indices = draw(st.lists(st.integers(0, 12).map(str), min_size=1, max_size=2))
    declared = spelled + "_" + "_".join(indices)
    written = [spelled + "".join(indices[:1]) + "".join("_" + i for i in indices[1:])]
    written.append(declared)
    if greek:
        written.append(base + "_".join(indices))
        written.append(base + "_" + "_".join(indices))
    if len(indices) == 1:
        written.append(spelled + indices[0])
        latex = ("\\" + spelled.replace("lamda", "lambda")) if greek else spelled
        written.append(f"{latex}_{{{indices[0]}}}")
    return declared, written


@settings(max_examples=150, deadline=None)
@given(case=indexed_names(), other=st.sampled_from(["y", "u"]))
def test_a_name_with_digits_is_one_name_matched_to_the_declared_one(
    case: tuple[str, list[str]], other: str
) -> None:
    declared, written = case
    for text in written:
        parsed = parse_expression(f"{text} + 2*{other}", [declared, other])
        assert parsed == symbol(declared) + 2 * symbol(other), text


@settings(max_examples=100, deadline=None)
@given(base=st.sampled_from(sorted(GREEK)), digit=st.integers(0, 9))
def test_a_greek_letter_and_a_digit_are_never_a_product(base: str, digit: int) -> None:
    parsed = parse_expression(f"{base}{digit}")
    assert parsed == symbol(f"{GREEK[base]}{digit}")


PERSIAN = str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹٫")
FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


@st.composite
def numbers(draw: st.DrawFn) -> tuple[Fraction, list[str]]:
    """A decimal number and the notations a student may write it in."""
    digits = draw(st.integers(1, 99999))
    places = draw(st.integers(0, 6))
    value = Fraction(digits, 10**places)
    plain = f"{digits / 10**places:.{places}f}" if places else str(digits)
    exponent = draw(st.integers(-8, 8))
    mantissa = f"{digits}e{exponent:+d}" if exponent else f"{digits}e0"
    scaled = Fraction(digits) * Fraction(10) ** exponent
    forms = [
        (value, plain),
        (value, plain.translate(PERSIAN)),
        (value, plain.translate(FULL_WIDTH)),
    ]
    forms += [
        (scaled, mantissa),
        (scaled, mantissa.replace("e", "E")),
        (scaled, mantissa.replace("+", "")),
    ]
    return draw(st.sampled_from(forms))


@settings(max_examples=300, deadline=None)
@given(case=numbers())
def test_numbers_in_every_notation_are_read_exactly(case: tuple[Fraction, str]) -> None:
    value, text = case
    parsed = parse_expression(text)
    assert parsed == sympy.Rational(value.numerator, value.denominator), text
    assert parse_expression(f"{text}*x") == parsed * symbol("x")


@settings(max_examples=100, deadline=None)
@given(mantissa=st.integers(1, 99), exponent=st.integers(0, 9), sign=st.sampled_from("+-"))
def test_a_letter_right_after_an_exponent_is_refused(
    mantissa: int, exponent: int, sign: str
) -> None:
    with pytest.raises(ParseError, match="ambiguous"):
        parse_expression(f"{mantissa}e{sign}{exponent}x")
    read = parse_expression(f"{mantissa}e{sign}x")
    x = symbol("x")
    assert read == (mantissa * sympy.E + x if sign == "+" else mantissa * sympy.E - x)


x, y, n, a, b = (symbol(name) for name in "xynab")

READINGS = [
    ("asin(x) + arccos(x)", sympy.asin(x) + sympy.acos(x)),
    (r"\sin^{-1} x", sympy.asin(x)),
    (r"\arctan x", sympy.atan(x)),
    ("atan2(y, x)", sympy.atan2(y, x)),
    ("acosh(x) + arsinh(x)", sympy.acosh(x) + sympy.asinh(x)),
    ("sec(x) + csc(x) + cot(x)", sympy.sec(x) + sympy.csc(x) + sympy.cot(x)),
    ("sgn(x)", sympy.sign(x)),
    ("n!", sympy.factorial(n)),
    ("(n+1)!", sympy.factorial(n + 1)),
    ("|x - 1|", sympy.Abs(x - 1)),
    (r"\left| x \right|", sympy.Abs(x)),
    (r"\log_a x", sympy.log(x) / sympy.log(a)),
    (r"\lg x", sympy.log(x) / sympy.log(10)),
    (r"\log x", sympy.log(x)),
    (r"a \, b \thinspace x", a * b * x),
    (r"\sin x", sympy.sin(x)),
    (r"\ln xy", sympy.log(x * y)),
    ("sin x", sympy.sin(x)),
    ("ln sin x", sympy.log(sympy.sin(x))),
    ("x sin x cos x", x * sympy.sin(x) * sympy.cos(x)),
    ("ｘ ＋ １", x + 1),
    # the inverse written with a bare -1, as students type it, and without brackets
    ("sin^-1(x)", sympy.asin(x)),
    ("sin^-1 x", sympy.asin(x)),
    ("sin^(-1) x", sympy.asin(x)),
    ("cos^-1(x) + tan^-1(y)", sympy.acos(x) + sympy.atan(y)),
    ("sin⁻¹ x", sympy.asin(x)),
    ("sin(x)^-1", 1 / sympy.sin(x)),
    ("x^-1", 1 / x),
]


@pytest.mark.parametrize(("text", "expected"), READINGS)
def test_the_vocabulary_mathematicians_write(text: str, expected: sympy.Expr) -> None:
    assert parse_expression(text, ["x", "y", "n", "a", "b"]) == expected


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("3e+2x", "ambiguous"),
        ("2.5e-3(x+1)", "ambiguous"),
        ("cos 2*x", "brackets"),
        ("n!!", "double factorial"),
        ("||x|", "pair up"),
        (r"\frac{d}{dx} x^2", "derivative"),
    ],
)
def test_ambiguous_text_is_refused_with_a_reason(text: str, word: str) -> None:
    with pytest.raises(ParseError, match=word):
        parse_expression(text, ["x", "n"])


def test_a_declared_e_makes_2e_plus_3_a_sum() -> None:
    e = symbol("e")
    assert parse_expression("2e+3", ["e"]) == 2 * e + 3
    assert parse_expression("2e+3") == 2000
