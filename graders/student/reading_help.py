"""The released notebook's note on how answers written as text are read.

In:  nothing. Out: ``READING_HELP``, a markdown text that a question whose answers are
formulas adds to its ``answer_help`` (``graders.authoring`` exports it; HW1 Q2 and HW6 Q1 use
it), so the released notebook shows it under the question. It states the rules
``graders.maths.expressions`` and ``graders.maths.numbers`` apply (tests/maths/test_reading.py
pins them), in the words a student needs.
"""

from __future__ import annotations

READING_HELP = """\
### How answers written as text are read

- **Numbers.** `0.002`, `2e-3` and `2E-3` are the same number, and `2e+3` and `2e3` are
  2000: digits right after the `e`, with or without a sign, make a power of ten. `2e+x` is
  2·e + x (e = 2.718...). A letter or a bracket right after such a number (`3e+2x`) is not
  guessed at: write `3e+2*x` for 300·x, or `3*e + 2*x`. Persian digits and the Persian
  decimal separator (`۰٫۲۵`) and full-width characters are read as the plain ones.
- **Names.** `w1`, `w_1`, `w_{1}` and, in LaTeX, `w_1` are one name, the question's own:
  `θ1`, `θ_1`, `theta1` and `\\theta_1` too. Several declared names written together are a
  product (`ab` is a·b when the question names a and b).
- **Functions.** `log`, `ln` and `\\ln` are the natural logarithm (`\\log` in LaTeX too);
  `lg` is base 10; `log(x, b)`, `log_b(x)` and `\\log_b x` are base b. Inverse functions:
  `asin`, `arcsin`, `sin^(-1)(x)`, `\\sin^{-1} x` (and cos, tan, their hyperbolic and sec,
  csc, cot forms); `atan2(y, x)`; `sign`, `abs` or `|x|`, `n!` or `factorial(n)`,
  `binomial(n, k)`, `sqrt`, `root(x, n)`. Brackets may be left out where a mathematician
  would: `sin x`, `\\ln xy` (the logarithm of x·y), `sin^2 x`; but `cos 2*x` must be written
  `cos(2*x)` or `cos(2)*x`.
- **Not read, with a reason given:** `x!!`, derivative notation (`\\frac{d}{dx}`), comparisons
  and equations with more than one `=`: give the expression itself.
"""
