"""The builder: a sympy expression from the parsed form, node by node from a whitelist.

In:  an ``ast.expr`` from either reader (``graders.maths.python_syntax`` or
     ``graders.maths.latex``) and the question's declared symbol names.
Out: ``check_size(tree)`` refuses trees too deep or too large (without recursing);
     ``Builder(declared).build(tree)`` makes the ``sympy.Expr``; ``check_result(expr)`` refuses
     infinities and exponents that grew while sympy combined parts. Each raises ``ParseError``
     with a message for the student.

Only numbers, names, ``+ - * / **`` (``^`` too) and calls of ``FUNCTIONS`` are built; every
other node is refused with its reason (``_REFUSED``). Symbols are ``Symbol(name, real=True)``.
sympy evaluates as it builds, so powers go through ``graders.maths.guards``, and every constant
part is evaluated with ``graders.maths.evaluation`` as soon as it is built: undefined, beyond
LIMIT or zero in a roundabout form, it is refused before any sympy constructor reasons about it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import sympy

from graders.maths.evaluation import evaluate, numeric_context
from graders.maths.guards import check_exponent, guard_number, guarded_power, short
from graders.maths.limits import (
    MAX_CALLS_NESTED,
    MAX_DEPTH,
    MAX_NAME_LENGTH,
    MAX_NODES,
    MAX_NUMBER_BITS,
    ParseError,
)
from graders.maths.vocabulary import (
    ALLOWED_FUNCTIONS,
    CONSTANTS,
    FUNCTIONS,
    LOG_BASE,
    NAME,
    PYTHON_INVERSES,
    Function,
    declared_spelling,
    factorial,
    split_into_declared,
)


def check_size(tree: ast.expr) -> None:
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
class Builder:
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
            check_exponent(power.base, power.exp)
        rough, fine = self._value(expr, 30), self._value(expr, 60)
        if rough is None or fine is None:
            raise ParseError(
                f"the constant {short(expr)} in the formula is undefined, complex or too large"
            )
        if fine == 0 or abs(float(rough) - float(fine)) > 1e-9 * abs(float(fine)):
            raise ParseError(
                f"the constant {short(expr)} is zero, or nearly, in a roundabout form; simplify it"
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
            ) if name in PYTHON_INVERSES:
                # cos^(-1)(x), sinh^(-1)(x): the inverse function, as written on a calculator.
                inverse = ast.Call(
                    func=ast.Name(id=PYTHON_INVERSES[name]), args=call.args, keywords=call.keywords
                )
                return self._call(inverse)
            case ast.BinOp(
                left=ast.Name(id=name), op=ast.Pow() | ast.BitXor(), right=ast.Call() as call
            ) if name in FUNCTIONS and isinstance(call.func, ast.Constant | ast.Name):
                # sech**2(u), sech^2(u), sech²(u), exp^y(z): a power of a function applied to u.
                applied = ast.Call(func=ast.Name(id=name), args=call.args, keywords=call.keywords)
                exponent = self.build(call.func)
                return guarded_power(self._vetted(self._call(applied)), exponent)
            case ast.BinOp(left=ast.Name(id=name), op=ast.Pow() | ast.BitXor(), right=right) if (
                name not in self.declared and split_into_declared(name, self.declared)
            ):
                # nm^(-1) with n and m declared: the power binds to m alone, as in n m^(-1).
                *first, last = split_into_declared(name, self.declared)
                factors = [self._name(piece) for piece in first]
                return sympy.Mul(*factors, guarded_power(self._name(last), self.build(right)))
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
                part = guarded_power(part, sympy.Integer(-1))
            parts.append(part)
        combined = sympy.Add(*parts) if family == "sum" else sympy.Mul(*parts)
        return guard_number(combined)

    def _binary(self, left: ast.AST, op: ast.operator, right: ast.AST) -> sympy.Expr:
        if isinstance(op, ast.Pow | ast.BitXor):
            return guarded_power(self.build(left), self.build(right))
        symbol = _OPERATORS.get(type(op), type(op).__name__)
        raise ParseError(f"operator '{symbol}' is not allowed")

    def _name(self, name: str) -> sympy.Expr:
        if name in self.declared:
            return sympy.Symbol(name, real=True)
        if name.startswith("_") or "__" in name:
            raise ParseError(
                f"name {name!r} is not allowed (names may not start with _ or contain __)"
            )
        if not NAME.fullmatch(name):
            raise ParseError(f"name {name!r} is not allowed (use letters a-z, digits and _)")
        if len(name) > MAX_NAME_LENGTH:
            raise ParseError(f"name {name[:20]!r}... is too long (at most {MAX_NAME_LENGTH})")
        if name in CONSTANTS:
            return CONSTANTS[name]
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
        based = LOG_BASE.fullmatch(name)
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
        exact = function.build is factorial and arguments[0].is_Integer
        if not exact and not any(argument.free_symbols for argument in arguments):
            self._vet_application(name, function, arguments)
        return guard_number(function.build(*arguments))

    def _vet_application(self, name: str, function: Function, arguments: list[sympy.Expr]) -> None:
        """Refuse a function of constants whose value is undefined or too large, before sympy
        builds it (softplus(10**900) would make sympy reason about exp(10**900)).

        The function is built on placeholder symbols and evaluated at the constants' values.
        """
        placeholders = [sympy.Dummy(real=True) for _ in arguments]
        values = [self._value(argument, 30) for argument in arguments]
        context, _ = self.contexts[30]
        point = dict(zip(placeholders, values, strict=True))
        if None in values or evaluate(function.build(*placeholders), point, context) is None:
            shown = ", ".join(short(argument) for argument in arguments)
            raise ParseError(f"{name}({shown}) is undefined, complex or too large")


def check_result(expr: sympy.Expr) -> None:
    """Refuse infinities and powers whose exponent grew too large while sympy combined them."""
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ParseError("the expression divides by zero or is infinite")
    for power in expr.atoms(sympy.Pow):
        check_exponent(power.base, power.exp)


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
