"""Numeric evaluation of a sympy expression at a point, in a private mpmath context.

In:  a sympy expression (a student's, built by ``graders.maths.builder``, or a reference's), a
     point (symbol -> number), and a context from ``numeric_context(digits)``.
Out: ``evaluate``: the real value as an mpf of that context, or None where the expression is
     undefined there (division by zero, log or fractional power of a negative, complex, beyond
     LIMIT). The builder uses it to vet constants as it builds; the symbolic check to compare a
     student's expression with the reference at sampled points.

A walker over the sympy tree: no ``lambdify``, no generated code, no global mpmath state.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import mpmath
import sympy

from graders.maths.limits import LIMIT


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
