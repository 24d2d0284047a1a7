"""The formula reader's limits and its one error, shared by every stage.

In:  nothing (constants only).
Out: the sizes a formula may reach (text length, bracket nesting, tree depth and size, numbers
     sympy would compute), ``LIMIT`` (the magnitude beyond which a value counts as undefined,
     here and in the checks) and ``ParseError``, the only exception a stage raises for a
     student's text: its ``message`` is shown to the student.
"""

from __future__ import annotations

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
"""Longest symbol name accepted, in characters."""

LIMIT = 1e200
"""A value beyond this magnitude counts as overflow: undefined (here and in the checks)."""


class ParseError(ValueError):
    """Student text that is not an accepted expression; ``message`` is shown to the student."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


DOUBLE_FACTORIAL = (
    "x!! is not read (a double factorial, or the factorial of a factorial?); "
    "write factorial(factorial(x)) for the second"
)
"""Why ``x!!`` is refused (both routes say it)."""
