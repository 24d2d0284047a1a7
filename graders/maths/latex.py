"""The LaTeX reader: a student's LaTeX formula as the same Python ``ast`` the other route makes.

In:  text after ``graders.maths.text.prepare`` that looks like LaTeX (``\\sigma(x)(1-\\sigma(x))``,
     ``\\frac{1+e^{-x}}{(1+e^{-x})^2}``, ``\\operatorname{sech}^2 u``, ``a^{[2]}_1``), and the
     question's declared symbol names.
Out: ``read_latex(text, declared)``: an ``ast.expr`` for ``graders.maths.builder`` (so both
     routes share one builder and one set of limits), or a ``ParseError`` for the student.

A small recursive-descent reader (``LatexReader``), not a chain of text rewrites: LaTeX's
structure (``\\frac{..}{..}``, braces, sub- and superscripts) is read once, by its grammar. The
LaTeX commands it knows are the tables below (``_LATEX_FUNCTIONS``, ``_LATEX_GREEK``, ...); what a
name means is ``graders.maths.vocabulary``'s. sympy's Lark LaTeX parser is not used: it needs
half a second to load, takes seconds on ordinary inputs, evaluates ``2^{10^{10}}`` eagerly and
cannot read ``\\sigma(x)``, ``\\operatorname{sech}`` or ``\\mathrm{...}``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from types import MappingProxyType

from graders.maths.limits import DOUBLE_FACTORIAL, MAX_DEPTH, ParseError
from graders.maths.vocabulary import FUNCTIONS, NAME, PRIMED

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


class LatexReader:
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
        name = NAME.match(self.text, start)
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
                raise ParseError(DOUBLE_FACTORIAL)
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
        if not NAME.fullmatch(content):
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
        if not NAME.fullmatch(full):
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
            if name not in PRIMED:
                raise ParseError(f"a prime is only understood after {', '.join(sorted(PRIMED))}")
            name = PRIMED[name]
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


def _call(name: str, arguments: list[ast.expr]) -> ast.Call:
    return ast.Call(func=ast.Name(id=name), args=arguments, keywords=[])


def read_latex(text: str, declared: frozenset[str]) -> ast.expr:
    """Read LaTeX text (after clean-up) into an ``ast`` expression node."""
    return LatexReader(text, declared).read()
