"""sympy constructors that refuse, before sympy sees them, numbers it would take long to compute.

sympy evaluates as it builds: ``2**(10**10)``, ``exp(1000*log(7))`` or ``(1 + e)**400`` would be
worked out in full. These are the builder's only ways to make a power or an exponential.

In:  sympy expressions already built (and vetted) from a student's formula.
Out: ``guarded_power(base, exponent)`` and ``guarded_exp(argument)``, the sympy expression, or a
     ``ParseError`` saying which number is too large; ``check_exponent`` and ``guard_number``
     refuse without building; ``short`` shows a part of the formula in a message.
"""

from __future__ import annotations

import sympy

from graders.maths.limits import (
    MAX_CONSTANT_DEGREE,
    MAX_EXPONENT,
    MAX_NUMBER_BITS,
    MAX_ROOT_BITS,
    ParseError,
)


def guarded_exp(argument: sympy.Expr) -> sympy.Expr:
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
                check_exponent(factor.args[0], coefficient)
                if factor.args[0].is_Rational:
                    guarded_power(factor.args[0], coefficient)
            elif factor.is_Add and abs(coefficient) != 1 and factor.has(sympy.log):
                raise ParseError("write a multiple of a sum of logarithms inside exp as one log")
    return sympy.exp(argument, evaluate=not argument.free_symbols)


def guarded_power(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    """base**exponent, refusing numbers that would take sympy long to work out."""
    check_exponent(base, exponent)
    coefficient = base.as_coeff_Mul()[0]
    if exponent.is_Number and coefficient.is_Rational and coefficient != 0:
        bits = max(_bits(coefficient.p), _bits(coefficient.q))
        if bits * abs(exponent) > MAX_NUMBER_BITS:
            raise ParseError(f"({short(base)})**{short(exponent)} is too large a number")
        if not exponent.is_Integer and bits > MAX_ROOT_BITS:
            raise ParseError("a root of a very large number is not allowed")
    if base == 0 and exponent.is_negative:
        raise ParseError("division by zero (0 to a negative power)")
    if not base.free_symbols and not exponent.is_Integer and base.is_extended_negative:
        raise ParseError(f"the negative constant {short(base)} has a non-integer power")
    if base is sympy.E:
        return guarded_exp(exponent)
    return guard_number(sympy.Pow(base, exponent))


def check_exponent(base: sympy.Expr, exponent: sympy.Expr) -> None:
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
                f"the number {short(number)} is too large for an exponent (at most {MAX_EXPONENT})"
            )
        if number.q > limit:
            where = " of a number" if constant else ""
            raise ParseError(
                f"the exponent{where} has the fraction {short(number)}, whose denominator is "
                f"too large (at most {limit})"
            )
    if (
        constant
        and not base.is_Number
        and exponent.is_Number
        and abs(exponent) > MAX_CONSTANT_DEGREE
    ):
        raise ParseError(
            f"a constant like {short(base)} may be raised at most to the power "
            f"{MAX_CONSTANT_DEGREE}"
        )


def _bits(value: int) -> int:
    return abs(int(value)).bit_length()


def guard_number(expr: sympy.Expr) -> sympy.Expr:
    """Refuse an expression whose number, or numeric coefficient or term, is too large."""
    for number in (expr.as_coeff_Mul()[0], expr.as_coeff_Add()[0]):
        if number.is_Rational and max(_bits(number.p), _bits(number.q)) > MAX_NUMBER_BITS:
            raise ParseError("a number in the expression is too large")
    return expr


def short(expr: sympy.Expr) -> str:
    text = str(expr)
    return text if len(text) <= 24 else text[:20] + "..."
