"""Formulas as MathML: typeset offline, and never a way to put markup into a page."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import sympy

from graders.report.mathml import ATTRIBUTES, ELEMENTS, expression_mathml, latex_to_mathml, sanitize


def _tree(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def _tags(markup: str) -> list[str]:
    return [element.tag for element in _tree(markup).iter()]


def test_a_derivation_step_keeps_notebook_names_whole() -> None:
    y_hat, h1, w5 = sympy.symbols("e1_y_hat e1_h1 w5")
    expr = y_hat * (1 - y_hat) * h1 * w5
    math = expression_mathml(expr, ["e1_y_hat", "e1_h1"], lhs="e1_dw5")
    assert math is not None
    root = _tree(math)
    assert root.tag == "math" and root.get("dir") == "ltr" and root.get("display") == "inline"
    names = [mi.text for mi in root.iter("mi")]
    assert names[0] == "e1_dw5"  # the left-hand side
    assert names.count("e1_y_hat") == 2 and "e1_h1" in names
    # a parameter keeps sympy's typesetting: w5 as w with subscript 5
    assert [[c.text for c in sub] for sub in root.iter("msub")] == [["w", "5"]]
    assert "·" in [mo.text for mo in root.iter("mo")]  # products are written with a dot
    assert root.get("alttext") == f"e1_dw5 = {sympy.sstr(expr)}"


def test_sigmoid_renders_as_a_fraction_with_a_plain_e() -> None:
    z = sympy.Symbol("z")
    math = expression_mathml(1 / (1 + sympy.exp(-z)))
    assert math is not None
    root = _tree(math)
    assert "mfrac" in _tags(math) and "msup" in _tags(math)
    assert "e" in [mi.text for mi in root.iter("mi")]  # not the double-struck ⅇ
    assert "\u2212" in [mo.text for mo in root.iter("mo")]  # a minus sign, not a hyphen


def test_latex_is_converted_and_checked() -> None:
    math = latex_to_mathml(r"$\sigma(x)\left(1-\sigma(x)\right)$")
    assert math is not None
    root = _tree(math)
    assert [mi.text for mi in root.iter("mi")].count("σ") == 2
    assert latex_to_mathml(r"\frac{1}{") is None
    assert latex_to_mathml("") is None
    assert latex_to_mathml("x" * 5000) is None


def test_everything_outside_the_whitelist_is_refused_or_dropped() -> None:
    assert sanitize("<mi>x</mi><script>alert(1)</script>") is None
    assert sanitize('<mi xmlns:h="http://www.w3.org/1999/xhtml"><h:img src="x"/></mi>') is None
    assert sanitize("<mi>x</mi><foreignObject/>") is None
    assert sanitize("<mi>unclosed") is None
    kept = sanitize('<mi onclick="steal()" mathvariant="bold" href="http://x">a&lt;b</mi>')
    assert kept is not None
    mi = next(_tree(kept).iter("mi"))
    assert mi.attrib == {"mathvariant": "bold"} and mi.text == "a<b"
    odd = sanitize('<mo lspace="1em;background:url(http://x)">+</mo>')
    assert odd is not None and "url" not in odd


@pytest.mark.parametrize("name", ["x<y", 'a"b', "&amp;", "</math><b>"])
def test_a_students_symbol_name_is_text_never_markup(name: str) -> None:
    math = expression_mathml(sympy.Symbol(name) + 1, [name])
    assert math is not None
    root = _tree(math)
    assert name in [mi.text for mi in root.iter("mi")]
    assert set(_tags(math)) <= ELEMENTS


def test_named_entities_from_sympy_are_resolved() -> None:
    math = sanitize("<mrow><mi>a</mi><mo>&InvisibleTimes;</mo><mi>&ExponentialE;</mi></mrow>")
    assert math is not None
    texts = [e.text for e in _tree(math).iter() if e.text]
    assert "\u2062" in texts and "e" in texts


def test_whitelists_are_presentation_mathml_only() -> None:
    assert not {"script", "style", "foreignObject", "annotation-xml", "maction"} & ELEMENTS
    assert not {a for a in ATTRIBUTES if a.startswith("on") or a in ("href", "style", "src")}
