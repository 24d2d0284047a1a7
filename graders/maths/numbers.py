"""Numbers written as text: read where they are unambiguous, refused with a reason where not.

In:  the text of an answer that should be a number ("1/4", "۰٫۲۵", "2.5e-3", "25%",
     "0.693 nats") and the units the question accepts after a number, if any.
Out: a ``NumberReading`` (the value, the number as a plain decimal for judging its rounding,
     and how it was read, for the report) or a ``ParseError`` whose message says why not.

Rules: Persian and Arabic-Indic digits, the Persian decimal separator (٫) and full-width
characters are read as plain ones; scientific notation as in formulas (2e-3 = 0.002,
2E+3 = 2000) and as handwritten (2.5×10^-3, 2.5·10⁻³, 2.5*10**-3 = 0.0025); a fraction of
two whole numbers exactly (1/4 = 0.25); a percent sign (% or ٪) divides by 100 (25% = 0.25);
a word after the number is a unit, accepted only where the question declares it. A comma is
refused (1,5 and 1,500 read differently in different countries), and so is anything else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from fractions import Fraction

from graders.maths.expressions import ParseError

_DIGITS = str.maketrans(
    {
        **{chr(0x06F0 + d): str(d) for d in range(10)},
        **{chr(0x0660 + d): str(d) for d in range(10)},
        "٫": ".",
        "٪": "%",
        "−": "-",
        "–": "-",
    }
)
_DECIMAL = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_FRACTION = re.compile(r"([+-]?\d+)\s*/\s*(\d+)")
_NUMBER = re.compile(_DECIMAL)
_WITH_UNIT = re.compile(rf"({_DECIMAL})\s*([^\d\s%+\-.][^\d]*)")
_TIMES_TEN = r"(?:[×xX·⋅*]\s*)10\s*"
_SUPERSCRIPT_POWER = re.compile(_TIMES_TEN + r"([⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)")
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")
_POWER_OF_TEN = re.compile(
    rf"([+-]?(?:\d+\.?\d*|\.\d+))\s*{_TIMES_TEN}(?:\^|\*\*)\s*(\(\s*[+-]?\d+\s*\)|[+-]?\d+)"
)


@dataclass(frozen=True)
class NumberReading:
    """A number read from text: its value, as a plain decimal, and how it was read."""

    value: float
    decimal: str  # the number as written, in plain digits ("" for a fraction: exact)
    how: str  # for the report: "read '1/4' as 0.25"


def read_number(text: str, units: Collection[str] = ()) -> NumberReading:
    """Read ``text`` as a number, or raise ``ParseError`` saying why it is not one."""
    # a power of ten written with superscripts (2.5×10⁻³) is read before NFKC flattens them
    raised = _SUPERSCRIPT_POWER.sub(lambda m: f"×10^{m.group(1).translate(_SUPERSCRIPTS)}", text)
    plain = unicodedata.normalize("NFKC", raised).translate(_DIGITS).strip()
    plain = re.sub(r"\s+", " ", plain)
    if not plain:
        raise ParseError("the answer is empty")
    if "," in plain or "٬" in plain:
        raise ParseError(
            f"{text!r} has a comma, which is a decimal point in some countries and a thousands "
            "separator in others: write the number with a point and no separators (1.5, 1500)"
        )
    percent = plain.endswith("%")
    body = plain.removesuffix("%").strip()
    reading = _fraction(body) or _decimal(body) or _power_of_ten(body) or _with_unit(body, units)
    value, decimal = reading
    if percent:
        value, decimal = value / 100, ""
    return NumberReading(value, decimal, f"read {text.strip()!r} as {value:.6g}")


def _fraction(body: str) -> tuple[float, str] | None:
    match = _FRACTION.fullmatch(body)
    if match is None:
        return None
    numerator, denominator = int(match.group(1)), int(match.group(2))
    if denominator == 0:
        raise ParseError("a fraction with denominator 0 is not a number")
    return float(Fraction(numerator, denominator)), ""


def _decimal(body: str) -> tuple[float, str] | None:
    if _NUMBER.fullmatch(body) is None:
        return None
    return float(body), body


def _power_of_ten(body: str) -> tuple[float, str] | None:
    """``2.5×10^-3``, ``2.5*10**-3``, ``2.5 x 10^(-3)``: scientific notation as it is
    handwritten, the same number as ``2.5e-3``."""
    match = _POWER_OF_TEN.fullmatch(body)
    if match is None:
        return None
    written = f"{match.group(1)}e{match.group(2).strip('() ').replace(' ', '')}"
    return float(written), written


def _with_unit(body: str, units: Collection[str]) -> tuple[float, str]:
    match = _WITH_UNIT.fullmatch(body)
    if match is None:
        raise ParseError(f"{body!r} is not a number")
    number, unit = match.group(1), match.group(2).strip()
    if unit in units:
        return float(number), number
    accepted = f" (this question accepts {', '.join(sorted(units))})" if units else ""
    raise ParseError(
        f"{number} is followed by {unit!r}: give the number alone, without a unit{accepted}"
    )
