"""The formula reader's vocabulary: what a name in a formula means, the same in both routes.

In:  names (from either reader, or a question's declared symbols).
Out: ``FUNCTIONS``, every function a student may call with its sympy builder and number of
     arguments (``sigmoid``, ``softplus``, ``relu``, the trigonometric and hyperbolic functions
     and their inverses, ``log``/``lg``/``log_b``, roots, ``factorial``, ``binomial``, ``max``);
     ``PRIMED`` (``sigmoid'`` is ``dsigmoid``), ``PYTHON_INVERSES`` (``cos^(-1)`` is ``acos``),
     ``CONSTANTS`` (``e``, ``E``, ``pi``), ``GREEK`` (Unicode letters as names); and the rules
     for symbol names: ``is_name``, ``declared_names`` (a question's symbols, checked),
     ``declared_spelling`` (``theta_1`` is the declared ``theta1``) and ``split_into_declared``
     (``nm`` is n·m when n and m are declared).

The builders make plain sympy: ``sigmoid(u)`` is ``1/(1 + exp(-u))``, ``softplus(u)`` is
``log(1 + exp(u))``, ``relu(u)`` is ``Max(u, 0)``; powers and exponentials go through
``graders.maths.guards``. Nothing here reads text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import sympy

from graders.maths.guards import guarded_exp, guarded_power
from graders.maths.limits import MAX_NAME_LENGTH

NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
"""The spelling of a symbol name (see ``is_name`` for the rest of the rule)."""


def sigmoid(u: sympy.Expr) -> sympy.Expr:
    """The logistic function σ(u), as ``1/(1 + exp(-u))``."""
    return sympy.Pow(1 + guarded_exp(-u), -1, evaluate=not u.free_symbols)


def softplus(u: sympy.Expr) -> sympy.Expr:
    """softplus(u) = log(1 + exp(u))."""
    return sympy.log(1 + guarded_exp(u))


def _sigmoid_prime(u: sympy.Expr) -> sympy.Expr:
    s = sigmoid(u)
    return s * (1 - s)


def _tanh_prime(u: sympy.Expr) -> sympy.Expr:
    return 1 - sympy.tanh(u) ** 2


def _relu(u: sympy.Expr) -> sympy.Expr:
    return _max(u, sympy.Integer(0))


def _sqrt(u: sympy.Expr) -> sympy.Expr:
    return guarded_power(u, sympy.Rational(1, 2))


def _max(*arguments: sympy.Expr) -> sympy.Expr:
    """Max, kept as written unless all arguments are constants.

    sympy's simplification of Max over symbolic arguments can take seconds; constants (already
    vetted by the builder) compare quickly.
    """
    constant = not any(argument.free_symbols for argument in arguments)
    return sympy.Max(*arguments, evaluate=constant)


def _min(*arguments: sympy.Expr) -> sympy.Expr:
    """Min, kept as written unless all arguments are constants (see ``_max``)."""
    constant = not any(argument.free_symbols for argument in arguments)
    return sympy.Min(*arguments, evaluate=constant)


def _log(u: sympy.Expr, base: sympy.Expr | None = None) -> sympy.Expr:
    return sympy.log(u) if base is None else sympy.log(u, base)


def _lg(u: sympy.Expr, base: sympy.Expr | None = None) -> sympy.Expr:
    """lg(u) is the logarithm to base 10 (as in ISO 80000-2); lg(u, a) is to base a."""
    return sympy.log(u, sympy.Integer(10) if base is None else base)


def _root(u: sympy.Expr, degree: sympy.Expr) -> sympy.Expr:
    """root(u, n): the n-th root of u."""
    return guarded_power(u, guarded_power(degree, sympy.Integer(-1)))


def _nth_root(u: sympy.Expr, degree: sympy.Expr | None = None) -> sympy.Expr:
    """nthroot(u, n) is the n-th root; nthroot(u) the square root."""
    return _root(u, sympy.Integer(2) if degree is None else degree)


def _cube_root(u: sympy.Expr) -> sympy.Expr:
    return _root(u, sympy.Integer(3))


def factorial(u: sympy.Expr) -> sympy.Expr:
    """u! (for any real u, through the gamma function: Γ(u + 1))."""
    return sympy.factorial(u, evaluate=not u.free_symbols)


def _binomial(n: sympy.Expr, k: sympy.Expr) -> sympy.Expr:
    """The binomial coefficient (n over k), for real n and k through the gamma function."""
    return sympy.binomial(n, k, evaluate=not (n.free_symbols or k.free_symbols))


@dataclass(frozen=True)
class Function:
    """A whitelisted function: how many arguments it takes and how to build it."""

    build: Callable[..., sympy.Expr]
    least: int = 1
    most: int = 1


def _table() -> Mapping[str, Function]:
    unary: dict[str, Callable[..., sympy.Expr]] = {
        "sigmoid": sigmoid,
        "sig": sigmoid,
        "sigma": sigmoid,
        "logistic": sigmoid,
        "softplus": softplus,
        "sp": softplus,
        "dsigmoid": _sigmoid_prime,
        "sigmoid_prime": _sigmoid_prime,
        "dtanh": _tanh_prime,
        "tanh_prime": _tanh_prime,
        "dsoftplus": sigmoid,
        "softplus_prime": sigmoid,
        "relu": _relu,
        "ReLU": _relu,
        "Relu": _relu,
        "tanh": sympy.tanh,
        "sinh": sympy.sinh,
        "cosh": sympy.cosh,
        "sech": sympy.sech,
        "csch": sympy.csch,
        "coth": sympy.coth,
        "sin": sympy.sin,
        "cos": sympy.cos,
        "tan": sympy.tan,
        "sec": sympy.sec,
        "csc": sympy.csc,
        "cosec": sympy.csc,
        "cot": sympy.cot,
        "cosech": sympy.csch,
        "asin": sympy.asin,
        "arcsin": sympy.asin,
        "acos": sympy.acos,
        "arccos": sympy.acos,
        "atan": sympy.atan,
        "arctan": sympy.atan,
        "asinh": sympy.asinh,
        "arsinh": sympy.asinh,
        "arcsinh": sympy.asinh,
        "acosh": sympy.acosh,
        "arcosh": sympy.acosh,
        "arccosh": sympy.acosh,
        "atanh": sympy.atanh,
        "artanh": sympy.atanh,
        "arctanh": sympy.atanh,
        "asec": sympy.asec,
        "arcsec": sympy.asec,
        "acsc": sympy.acsc,
        "arccsc": sympy.acsc,
        "acot": sympy.acot,
        "arccot": sympy.acot,
        "acoth": sympy.acoth,
        "arccoth": sympy.acoth,
        "arcoth": sympy.acoth,
        "asech": sympy.asech,
        "arcsech": sympy.asech,
        "acsch": sympy.acsch,
        "arccsch": sympy.acsch,
        "cbrt": _cube_root,
        "sign": sympy.sign,
        "sgn": sympy.sign,
        "signum": sympy.sign,
        "factorial": factorial,
        "exp": guarded_exp,
        "ln": sympy.log,
        "sqrt": _sqrt,
        "abs": sympy.Abs,
        "Abs": sympy.Abs,
    }
    table = {name: Function(build) for name, build in unary.items()}
    table["log"] = Function(_log, 1, 2)
    table["lg"] = Function(_lg, 1, 2)
    table["root"] = Function(_root, 2, 2)
    table["nthroot"] = Function(_nth_root, 1, 2)
    for name in ("binomial", "binom"):
        table[name] = Function(_binomial, 2, 2)
    for name in ("atan2", "arctan2"):
        table[name] = Function(sympy.atan2, 2, 2)
    for name in ("max", "Max"):
        table[name] = Function(_max, 1, 64)
    for name in ("min", "Min"):
        table[name] = Function(_min, 1, 64)
    return MappingProxyType(table)


FUNCTIONS: Mapping[str, Function] = _table()
"""Every function name a student may call, with its builder."""

ALLOWED_FUNCTIONS: tuple[str, ...] = tuple(sorted(FUNCTIONS, key=str.lower))

PRIMED = MappingProxyType(
    {
        "sigmoid": "dsigmoid",
        "sig": "dsigmoid",
        "sigma": "dsigmoid",
        "logistic": "dsigmoid",
        "tanh": "dtanh",
        "softplus": "dsoftplus",
        "sp": "dsoftplus",
        "exp": "exp",
    }
)
"""The derivative of a function written with a prime, f'(u)."""

PYTHON_INVERSES = MappingProxyType(
    {
        name: "a" + name
        for name in (
            "sin",
            "cos",
            "tan",
            "sec",
            "csc",
            "cot",
            "sinh",
            "cosh",
            "tanh",
            "sech",
            "csch",
            "coth",
        )
    }
)
"""f^(-1)(x) in plain text is the inverse function after these (cos^(-1)(x) is acos(x))."""
LOG_BASE = re.compile(r"log_([0-9]{1,3}|[A-Za-z][A-Za-z0-9]{0,8})")

CONSTANTS: Mapping[str, sympy.Expr] = MappingProxyType({"e": sympy.E, "E": sympy.E, "pi": sympy.pi})


def declared_names(symbols: Collection[str] | None) -> frozenset[str]:
    """The names a question declares, checked (a bad name is the author's error: ValueError)."""
    names = frozenset(symbols or ())
    bad = sorted(name for name in names if not is_name(name))
    if bad:
        raise ValueError(f"declared symbol names must match {NAME.pattern}: {bad}")
    return names


def is_name(name: str) -> bool:
    """Whether ``name`` is an accepted symbol name (letters, digits, _; short; no ``__``)."""
    return bool(NAME.fullmatch(name)) and len(name) <= MAX_NAME_LENGTH and "__" not in name


GREEK = MappingProxyType(
    {
        "α": "alpha",
        "β": "beta",
        "γ": "gamma",
        "δ": "delta",
        "ε": "epsilon",
        "ζ": "zeta",
        "η": "eta",
        "θ": "theta",
        "κ": "kappa",
        "λ": "lamda",
        "μ": "mu",
        "ν": "nu",
        "ξ": "xi",
        "π": "pi",
        "ρ": "rho",
        "τ": "tau",
        "φ": "phi",
        "χ": "chi",
        "ψ": "psi",
        "ω": "omega",
        "Δ": "Delta",
    }
)
"""Greek letters written as Unicode characters, and the names they stand for (λ is lamda:
``lambda`` is a Python keyword; \\lambda in LaTeX reads the same)."""


def _spelling(name: str) -> str:
    """A name without the underscores between its parts: theta_1, theta1 -> theta1."""
    return name.replace("_", "")


def declared_spelling(name: str, declared: Collection[str]) -> str | None:
    """The declared name spelt like ``name`` but for underscores (θ1, θ_1, theta1 and
    theta_1 are one name; w2_1 is w_2_1), if exactly one is; else None."""
    if "_" not in name and not any(char.isdigit() for char in name):
        return None
    matches = [other for other in declared if _spelling(other) == _spelling(name)]
    return matches[0] if len(matches) == 1 else None


def split_into_declared(name: str, declared: Collection[str]) -> list[str]:
    """``nm`` as [n, m] when the question declares n and m (and not nm): an undeclared name
    made entirely of declared names and the constants e and pi (``xe``, ``ee``) is their
    product. The longest declared name is taken first; [] if none fits."""
    parts = [*sorted(declared, key=len, reverse=True), "pi", "e"]

    def split(rest: str) -> list[str] | None:
        if not rest:
            return []
        for part in parts:
            if part and rest.startswith(part):
                tail = split(rest[len(part) :])
                if tail is not None:
                    return [part, *tail]
        return None

    if "_" in name or len(name) > MAX_NAME_LENGTH:
        return []
    pieces = split(name) or []
    return pieces if len(pieces) > 1 else []
