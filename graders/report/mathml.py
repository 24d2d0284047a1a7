"""Formulas as MathML for the reports: rendered offline, no scripts, no network.

In:  a sympy expression (a derivation step's formula, with the names of the notebook variables
     it uses), or a LaTeX string, or MathML made elsewhere (e.g. ``graders.maths.expressions``).
Out: ``Markup`` holding one ``<math>`` element, safe to put in a page, or ``None`` when the
     input cannot be typeset (the page then shows the formula as text).

Every result passes through ``sanitize``: the MathML is parsed as XML and rebuilt from a
whitelist of presentation elements and attributes, with all text escaped, so a formula that
carries a student's symbol names can never inject markup into a page. Named entities (sympy
writes ``&InvisibleTimes;``) are resolved first; ``ⅇ`` becomes a plain ``e`` and a hyphen
operator the minus sign, which read better in every font.

Notebook variable names (``e1_y_hat``) are printed whole, upright, as the student typed them,
instead of sympy's reading of underscores as subscripts; products are written with a centred
dot so that adjacent names stay apart.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from collections.abc import Collection, Mapping
from html.entities import html5
from types import MappingProxyType
from typing import Any

import latex2mathml.converter
import sympy
from markupsafe import Markup, escape
from sympy.printing.mathml import MathMLPresentationPrinter

MATHML_NS = "http://www.w3.org/1998/Math/MathML"

ELEMENTS = frozenset(
    {
        "math",
        "mrow",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "mspace",
        "msup",
        "msub",
        "msubsup",
        "mfrac",
        "msqrt",
        "mroot",
        "mover",
        "munder",
        "munderover",
        "mtable",
        "mtr",
        "mtd",
        "mstyle",
        "mpadded",
        "mphantom",
        "menclose",
        "semantics",
    }
)
"""Presentation MathML elements kept; anything else (and its content) is refused."""

ATTRIBUTES = frozenset(
    {
        "mathvariant",
        "stretchy",
        "fence",
        "separator",
        "form",
        "lspace",
        "rspace",
        "accent",
        "accentunder",
        "largeop",
        "movablelimits",
        "symmetric",
        "minsize",
        "maxsize",
        "linethickness",
        "displaystyle",
        "scriptlevel",
        "columnalign",
        "rowspacing",
        "columnspacing",
        "width",
        "height",
        "depth",
        "notation",
    }
)
"""Attributes kept on those elements (values are escaped); all others are dropped."""

MAX_MATHML_CHARS = 200_000
"""Longest MathML accepted for sanitizing; a longer formula is shown as text."""

MAX_LATEX_CHARS = 4_000
"""Longest LaTeX accepted for conversion."""

_PLAIN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_ATTRIBUTE_VALUE = re.compile(r"^[A-Za-z0-9 .#%:+\-]{0,64}$")
_REPLACE_TEXT = MappingProxyType({"\u2147": "e", "-": "\u2212"})


def _resolve_entities(text: str) -> str:
    """Named entities as numeric references, which an XML parser reads."""

    def numeric(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in ("lt", "gt", "amp", "quot", "apos"):
            return match.group(0)
        char = html5.get(name + ";")
        return "".join(f"&#{ord(c)};" for c in char) if char else ""

    return _ENTITY.sub(numeric, text)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _rebuild(node: ET.Element, out: list[str]) -> None:
    name = _local(node.tag)
    if name not in ELEMENTS:
        raise ValueError(f"element {name!r} is not allowed in a formula")
    attributes = "".join(
        f' {_local(key)}="{escape(value)}"'
        for key, value in sorted(node.attrib.items())
        if _local(key) in ATTRIBUTES and _ATTRIBUTE_VALUE.match(value)
    )
    if name == "math":
        out.append("<mrow>")
    else:
        out.append(f"<{name}{attributes}>")
    text = node.text or ""
    if name in ("mi", "mo", "mn") and text.strip() in _REPLACE_TEXT:
        text = _REPLACE_TEXT[text.strip()]
    out.append(str(escape(text)))
    for child in node:
        _rebuild(child, out)
        out.append(str(escape(child.tail or "")))
    out.append("</mrow>" if name == "math" else f"</{name}>")


def sanitize(mathml: str, *, display: bool = False, label: str = "") -> Markup | None:
    """Whitelisted MathML in one ``<math>`` element, or None when it cannot be read.

    ``mathml`` may be a whole ``<math>`` element or a fragment (sympy's printer writes the
    content only); ``label`` becomes the formula's ``alttext`` (its plain-text reading).
    """
    if not mathml or len(mathml) > MAX_MATHML_CHARS:
        return None
    source = _resolve_entities(mathml)
    try:
        root = ET.fromstring(f'<math xmlns="{MATHML_NS}">{source}</math>')
        parts: list[str] = []
        _rebuild(root, parts)
    except (ET.ParseError, ValueError):
        return None
    mode = "block" if display else "inline"
    alt = f' alttext="{escape(label)}"' if label else ""
    body = "".join(parts)
    return Markup(
        f'<math display="{mode}" dir="ltr"{alt}><mstyle displaystyle="true">{body}</mstyle></math>'
    )


def latex_to_mathml(latex: str, *, display: bool = False) -> Markup | None:
    """A LaTeX formula as MathML, or None when it cannot be converted."""
    text = latex.strip()
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if text.startswith(left) and text.endswith(right) and len(text) >= len(left + right):
            text = text[len(left) : len(text) - len(right)].strip()
            break
    if not text or len(text) > MAX_LATEX_CHARS:
        return None
    try:
        converted = latex2mathml.converter.convert(text)
    except Exception:  # the converter raises many kinds of errors on malformed LaTeX
        return None
    return sanitize(converted, display=display, label=text)


class _VariablePrinter(MathMLPresentationPrinter):
    """sympy's presentation printer, writing notebook variable names whole."""

    def __init__(self, variables: Collection[str]) -> None:
        super().__init__({"mul_symbol": "dot"})
        self._variables = frozenset(variables)

    def _print_Symbol(self, sym: sympy.Symbol, style: str = "plain") -> Any:
        if sym.name in self._variables or not _PLAIN_NAME.match(sym.name):
            # sympy's printer writes text nodes unescaped: escape the name here
            element = self.dom.createElement("mi")
            element.appendChild(self.dom.createTextNode(str(escape(sym.name))))
            return element
        return super()._print_Symbol(sym, style)


def expression_mathml(
    expr: sympy.Expr, variables: Collection[str] = (), *, lhs: str = ""
) -> Markup | None:
    """``expr`` (optionally as ``lhs = expr``) as MathML.

    ``variables`` are symbol names printed whole (a notebook's ``e1_y_hat``); other symbols get
    sympy's usual typesetting (``w1`` as w₁, ``eta`` as η).
    """
    return _expression_mathml(expr, frozenset(variables), lhs)


def written_mathml(lhs: str, written: sympy.Expr, notation: Mapping[str, str]) -> Markup | None:
    """``lhs = written`` as MathML in the course's notation: the terms and factors in the order
    written (an unevaluated expression, ``graders.checks.derivation.written_expr``), each name
    of ``notation`` as its LaTeX; None when it cannot be converted."""
    return _written_mathml(lhs, written, tuple(sorted(notation.items())))


@functools.lru_cache(maxsize=4096)
def _written_mathml(
    lhs: str, written: sympy.Expr, notation: tuple[tuple[str, str], ...]
) -> Markup | None:
    names = {sympy.Symbol(name): latex for name, latex in notation}
    try:
        body = sympy.latex(written, order="none", symbol_names=names, mul_symbol="dot")
        head = dict(notation).get(lhs) or sympy.latex(sympy.Symbol(lhs))
    except Exception:  # sympy's printers raise many kinds of errors on unusual expressions
        return None
    return latex_to_mathml(f"{head} = {body}")


@functools.lru_cache(maxsize=4096)
def _expression_mathml(expr: sympy.Expr, variables: frozenset[str], lhs: str) -> Markup | None:
    """``expression_mathml``, memoized: a homework's reference steps are the same on every
    student's page, and sympy's printer is most of what rendering a page costs."""
    printer = _VariablePrinter(variables)
    try:
        body = printer.doprint(expr)
    except Exception:  # sympy's printers raise many kinds of errors on unusual expressions
        return None
    label = sympy.sstr(expr)
    if lhs:
        body = f"<mi>{escape(lhs)}</mi><mo>=</mo>{body}"
        label = f"{lhs} = {label}"
    return sanitize(body, label=label)
