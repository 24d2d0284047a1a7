"""HW6 (series 6): Swish and Mish, the initial loss of a binary classifier.

Graded here: Q1(a), the derivatives of Swish f(x) = x·σ(x) and Mish f(x) = x·tanh(softplus(x)),
Swish with a parameter f(x) = x·σ(βx), its derivative and its limits as β → 0 and β → ∞
(symbolic); Q1(c) and (d) in words (graded by a person); Q2(a), the mean squared error and
binary cross-entropy of a classifier that outputs 0.5 (numbers). Q1(b) (plots) and Q2(b), (c)
(two loss curves whose figure is lost) are not graded; Q3 is a training question graded
elsewhere.

Every derivative is computed from the function's definition with sympy; the named mistakes are
computed the same way (one term of the product rule, the inner derivative of the chain rule
left out). A symbolic answer is compared by ``ExpressionPart`` (``graders.checks.symbolic``),
which accepts every equivalent form: σ(x) + xσ(x)(1 − σ(x)), f + σ(x)(1 − f), ...
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import sympy

from graders.authoring import (
    READING_HELP,
    ExpressionPart,
    Homework,
    Item,
    Limits,
    Mistake,
    Names,
    NumberPart,
    Params,
    Question,
    TextPart,
    Tolerance,
    sigmoid,
    softplus,
)
from reference import training

PARAMS = {
    "p": 0.5,  # Q2: the untrained classifier's output for every input
    "q": 0.5,  # Q2: the fraction of examples labelled 1 (irrelevant when p = 0.5)
}

X = sympy.Symbol("x", real=True)
BETA = sympy.Symbol("beta", real=True)
F = "f"
"""The name an answer may use for the function itself (f stands for f(x))."""


# --------------------------------------------------------------------------------------------
# Q1(a): the functions and their derivatives


def swish(x: sympy.Expr = X) -> sympy.Expr:
    """Swish f(x) = x·σ(x)."""
    return x * sigmoid(x)


def mish(x: sympy.Expr = X) -> sympy.Expr:
    """Mish f(x) = x·tanh(softplus(x)), softplus(x) = ln(1 + eˣ)."""
    return x * sympy.tanh(softplus(x))


def swish_beta(x: sympy.Expr = X, beta: sympy.Expr = BETA) -> sympy.Expr:
    """Swish with a parameter, f(x) = x·σ(βx)."""
    return x * sigmoid(beta * x)


def swish_derivative() -> sympy.Expr:
    return sympy.diff(swish(), X)


def mish_derivative() -> sympy.Expr:
    return sympy.diff(mish(), X)


def swish_beta_derivative() -> sympy.Expr:
    return sympy.diff(swish_beta(), X)


def product_rule_terms(left: sympy.Expr, right: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
    """The two terms of (left·right)′: left′·right and left·right′."""
    return sympy.diff(left, X) * right, left * sympy.diff(right, X)


def without_inner_derivative(
    outer: Callable[[sympy.Expr], sympy.Expr], inner: sympy.Expr
) -> sympy.Expr:
    """(x·outer(inner))′ with the chain rule's inner′ left out: outer(u) + x·outer′(u)."""
    u = sympy.Dummy("u", real=True)
    frozen = X * outer(u)
    return (sympy.diff(frozen, X) + sympy.diff(frozen, u)).subs(u, inner)


def limit_beta_zero() -> sympy.Expr:
    """lim_{β→0} x·σ(βx) = x·σ(0) = x/2."""
    return sympy.limit(swish_beta(), BETA, 0)


def limit_beta_infinity() -> sympy.Expr:
    """lim_{β→∞} x·σ(βx): x for x > 0 (σ → 1), 0 for x < 0 (σ → 0), 0 at 0: max(x, 0)."""
    return sympy.Max(X, 0)


PRODUCT_RULE = Mistake(
    "product-rule",
    "A term of the product rule is missing: (u·v)′ = u′·v + u·v′.",
    persian="جمله‌ای از قاعدهٔ ضرب از قلم افتاده است: (u·v)′ = u′·v + u·v′.",
)
CHAIN_RULE = Mistake(
    "chain-rule",
    "The inner derivative of the chain rule is missing: softplus′(x) = σ(x) for Mish, and "
    "d(βx)/dx = β for Swish with β.",
    persian=(
        "مشتق درونی قاعدهٔ زنجیره‌ای از قلم افتاده است: برای Mish مشتق softplus′(x)"
        " = σ(x) و برای Swish با β مشتق d(βx)/dx = β."
    ),
)
ONLY_SIGMOID_DERIVATIVE = Mistake(
    "sigmoid-derivative-only",
    "This is the derivative of σ(x) alone; Swish is x·σ(x), a product.",
    persian="این فقط مشتق σ(x) است؛ Swish برابر x·σ(x)، یعنی یک حاصل‌ضرب است.",
)
LIMIT_ZERO = Mistake(
    "limit-sigma-zero",
    "As β → 0, σ(βx) → σ(0) = 1/2, so x·σ(βx) → x/2 (a line, but with slope 1/2).",
    persian="با β → 0 مقدار σ(βx) → σ(0) = 1/2 می‌رود، پس x·σ(βx) → x/2 (یک خط، ولی با شیب ½).",
)
LIMIT_POSITIVE_ONLY = Mistake(
    "limit-positive-only",
    "For x > 0, σ(βx) → 1 as β → ∞, but for x < 0 it tends to 0: the limit is x for x > 0 "
    "and 0 for x < 0, i.e. max(x, 0) (ReLU).",
    persian=(
        "برای x > 0 با β → ∞ مقدار σ(βx) → 1 می‌رود، ولی برای x < 0 به ۰ می‌رود: حد"
        " برای x > 0 برابر x و برای x < 0 برابر ۰ است، یعنی max(x, 0) (ReLU)."
    ),
)


def _constant(expr: sympy.Expr) -> Callable[[Params], sympy.Expr]:
    def expected(params: Params) -> sympy.Expr:
        return expr

    return expected


def _function_notation(function: sympy.Expr) -> Callable[[Params], Mapping[str, sympy.Expr]]:
    def notation(params: Params) -> Mapping[str, sympy.Expr]:
        return {F: function}

    return notation


def activation_parts() -> tuple[ExpressionPart, ...]:
    """Q1(a)'s five formulas."""
    swish_terms = product_rule_terms(X, sigmoid(X))
    mish_terms = product_rule_terms(X, sympy.tanh(softplus(X)))
    beta_terms = product_rule_terms(X, sigmoid(BETA * X))

    def mish_outer(u: sympy.Expr) -> sympy.Expr:
        return sympy.tanh(sympy.log(1 + sympy.exp(u)))

    def swish_outer(u: sympy.Expr) -> sympy.Expr:
        return sigmoid(u)

    swish_derivative_only = sympy.diff(sigmoid(X), X)
    return (
        ExpressionPart(
            Item("q1_swish_derivative", "Swish: f′(x)", 2.0, "a formula in x (and f)"),
            _constant(swish_derivative()),
            variables=("x", F),
            notation=_function_notation(swish()),
            mistakes=tuple(
                (m, _constant(e))
                for m, e in (
                    (PRODUCT_RULE, swish_terms[0]),
                    (PRODUCT_RULE, swish_terms[1]),
                    (ONLY_SIGMOID_DERIVATIVE, swish_derivative_only),
                )
            ),
        ),
        ExpressionPart(
            Item("q1_mish_derivative", "Mish: f′(x)", 2.0, "a formula in x (and f)"),
            _constant(mish_derivative()),
            variables=("x", F),
            notation=_function_notation(mish()),
            mistakes=tuple(
                (m, _constant(e))
                for m, e in (
                    (PRODUCT_RULE, mish_terms[0]),
                    (PRODUCT_RULE, mish_terms[1]),
                    # the chain rule stopped at softplus: tanh(u) + x·sech²(u), u = softplus(x)
                    (CHAIN_RULE, without_inner_derivative(sympy.tanh, softplus(X))),
                    # ... or stopped one level further in: softplus′ taken as 1/(1 + eˣ)
                    (CHAIN_RULE, without_inner_derivative(mish_outer, X)),
                )
            ),
        ),
        ExpressionPart(
            Item(
                "q1_swish_beta_derivative",
                "Swish with β: f′(x) for f(x) = x·σ(βx)",
                1.5,
                "a formula in x, beta (and f)",
            ),
            _constant(swish_beta_derivative()),
            variables=("x", "beta", F),
            notation=_function_notation(swish_beta()),
            mistakes=tuple(
                (m, _constant(e))
                for m, e in (
                    (CHAIN_RULE, without_inner_derivative(swish_outer, BETA * X)),
                    (PRODUCT_RULE, beta_terms[0]),
                    (PRODUCT_RULE, beta_terms[1]),
                )
            ),
        ),
        ExpressionPart(
            Item("q1_limit_beta_0", "lim f(x) as β → 0", 1.0, "a formula in x"),
            _constant(limit_beta_zero()),
            variables=("x",),
            mistakes=((LIMIT_ZERO, _constant(X)), (LIMIT_ZERO, _constant(sympy.Integer(0)))),
        ),
        ExpressionPart(
            Item("q1_limit_beta_inf", "lim f(x) as β → ∞", 1.0, "a formula in x"),
            _constant(limit_beta_infinity()),
            variables=("x",),
            mistakes=((LIMIT_POSITIVE_ONLY, _constant(X)),),
        ),
    )


Q1_PROMPT = """\
**Swish and Mish.** Swish is f(x) = x·σ(x), with σ(x) = 1 / (1 + e^(−x)); Mish is
f(x) = x·tanh(softplus(x)), with softplus(x) = ln(1 + e^x).

(a) Give the derivative f′(x) of Swish and of Mish. Swish also comes with a parameter β:
f(x) = x·σ(βx). Give its derivative with respect to x, and the function it tends to as β → 0
and as β → ∞ (each as a formula in x).

(b) Plot both functions and their derivatives (for yourself: not graded).

(c) What are the advantages of ReLU over sigmoid and tanh?

(d) What are the similarities of Swish and Mish to ReLU, and their advantages over it?

Answer (c) and (d) in a few sentences each, in English or Persian.
"""

Q1_HELP = (
    "formulas as sympy expressions or strings, in Python syntax (`'x*sigmoid(x)'`, "
    "`'x*tanh(softplus(x))'`) or LaTeX (`r'\\frac{x}{1+e^{-x}}'`). Names: x, beta (β), and f "
    "for the function itself (x·σ(x), x·tanh(softplus(x)) or x·σ(βx), the one the item is "
    "about): write `f`, not `f(x)` (which reads as f times x). Functions: "
    "sigmoid (or σ), softplus (sp), tanh, sech, cosh, exp, log (ln), relu, max. Any equivalent "
    "form is right: σ(x) + xσ(x)(1 − σ(x)) and f + σ(x)(1 − f) are the same answer."
)

Q1C_RUBRIC = """\
{points} points. Cheap to compute (a comparison, no exponential) (1); does not saturate for positive
inputs, so its gradient (1) does not vanish as the sigmoid's and tanh's do (≤ 0.25 and ≤ 1,
tending to 0), which lets deep networks train and converge faster (1); sparse activations
(exact zeros for negative inputs) (1). Mentioning the dying-ReLU drawback is a plus, not
required; more than {points} points is not given.
"""
Q1C_MODEL = (
    "ReLU is cheap to compute, and it does not saturate for positive inputs: its gradient there "
    "is 1, while the sigmoid's (at most 0.25) and tanh's vanish for large |x|, so deep networks "
    "train faster with ReLU. It also gives sparse activations (exact zeros for negative inputs)."
)
Q1D_RUBRIC = """\
{points} points. Similarities (1.5): unbounded above like ReLU (no saturation for large positive x,
close to x there), bounded below / close to 0 for large negative x. Advantages (2.5): smooth
(differentiable everywhere), non-monotonic with small negative outputs, so neurons with
negative inputs still get a gradient (no dying units); the bounded negative part acts as a
regulariser; in deep networks they often reach higher accuracy than ReLU; Swish's β spans
x/2 (β → 0) to ReLU (β → ∞). Deduct for claims without a reason.
"""
Q1D_MODEL = (
    "Like ReLU, Swish and Mish are unbounded above (close to x for large positive x, so they "
    "do not saturate there) and bounded below (close to 0 for large negative x). Unlike ReLU "
    "they are smooth and non-monotonic: small negative inputs give small negative outputs with "
    "a non-zero gradient, so units do not die, the bounded negative part acts as a mild "
    "regulariser, and in deep networks they often train better and reach higher accuracy. "
    "Swish's β moves it between x/2 (β → 0) and ReLU (β → ∞)."
)


# --------------------------------------------------------------------------------------------
# Q2(a): the initial losses


def initial_mse(params: Params) -> float:
    """(1/N)Σ(y − p)² with a fraction q of labels 1: q(1 − p)² + (1 − q)p²."""
    p, q = params["p"], params["q"]
    return float(q * (1 - p) ** 2 + (1 - q) * p**2)


def initial_bce(params: Params) -> float:
    """−(1/N)Σ[y ln p + (1 − y) ln(1 − p)] = −q ln p − (1 − q) ln(1 − p)."""
    p, q = params["p"], params["q"]
    return float(-q * math.log(p) - (1 - q) * math.log(1 - p))


def _absolute_error(params: Params) -> float:
    p, q = params["p"], params["q"]
    return float(q * (1 - p) + (1 - q) * p)


def _half_mse(params: Params) -> float:
    return initial_mse(params) / 2


def _bce_base(base: float) -> Callable[[Params], float]:
    def wrong(params: Params) -> float:
        return initial_bce(params) / math.log(base)

    return wrong


def _bce_sign(params: Params) -> float:
    return -initial_bce(params)


NOT_SQUARED = Mistake(
    "not-squared",
    "The error is not squared: that is the mean absolute error |y − ŷ|, not (y − ŷ)².",
    persian="خطا به توان دو نرسیده است: این میانگین قدر مطلق خطا |y − ŷ| است، نه (y − ŷ)².",
)
HALF_MSE = Mistake(
    "half-mse",
    "The mean squared error has no factor ½ here: MSE = (1/N)Σ(y − ŷ)².",
    persian="میانگین مربعات خطا اینجا ضریب ½ ندارد: MSE = (1/N)Σ(y − ŷ)².",
)
LOG_BASE = Mistake(
    "log-base",
    "Binary cross-entropy uses the natural logarithm: −ln(0.5) = ln 2, not log₂ or log₁₀.",
    persian=(
        "آنتروپی متقاطع دودویی لگاریتم طبیعی را به کار می‌برد: −ln(0.5) = ln 2، نه log₂ یا log₁₀."
    ),
)
BCE_SIGN = Mistake(
    "bce-sign",
    "The minus sign of the cross-entropy is missing: a loss is never negative.",
    persian="علامت منفی آنتروپی متقاطع از قلم افتاده است: هزینه هرگز منفی نیست.",
)


def loss_parts() -> tuple[NumberPart, ...]:
    return (
        NumberPart(
            Item("q2_mse", "Initial mean squared error", 1.0, "a number"),
            initial_mse,
            Tolerance(rtol=0.01, atol=1e-6),
            ((NOT_SQUARED, _absolute_error), (HALF_MSE, _half_mse)),
        ),
        NumberPart(
            Item("q2_bce", "Initial binary cross-entropy", 1.0, "a number"),
            initial_bce,
            Tolerance(rtol=0.01, atol=1e-6),
            ((LOG_BASE, _bce_base(2.0)), (LOG_BASE, _bce_base(10.0)), (BCE_SIGN, _bce_sign)),
        ),
    )


Q2_PROMPT = """\
**The loss of an untrained binary classifier.** (a) A binary classifier, freshly initialised,
outputs ŷ = {p:g} for every input (its final sigmoid sees logits close to 0). A fraction
q = {q:g} of the examples is labelled 1 and the rest 0. What are its initial losses: the mean
squared error (1/N)·Σ(y − ŷ)², and the binary cross-entropy
−(1/N)·Σ[y·ln ŷ + (1 − y)·ln(1 − ŷ)] (natural logarithm)?

Parts (b) and (c) read two loss curves whose figure is lost: they are not graded here.
"""


def homework() -> Homework:
    """HW6 as graded here: Q1 (formulas and text), Q2(a) (numbers) and Q3 (training, from
    ``reference.training``)."""
    q1 = Question(
        id="hw6.q1",
        title="Swish and Mish",
        prompt=Q1_PROMPT,
        parts=(
            *activation_parts(),
            TextPart(
                Item("q1c_answer", "ReLU vs sigmoid and tanh", 3.0, "a string, English or Persian"),
                Q1C_RUBRIC,
                Q1C_MODEL,
            ),
            TextPart(
                Item("q1d_answer", "Swish and Mish vs ReLU", 4.0, "a string, English or Persian"),
                Q1D_RUBRIC,
                Q1D_MODEL,
            ),
        ),
        answer_help=Q1_HELP + "\n\n" + READING_HELP,
    )
    q2 = Question(
        id="hw6.q2",
        title="The loss of an untrained binary classifier",
        prompt=Q2_PROMPT,
        parts=loss_parts(),
        answer_help="plain numbers; keep at least 3 significant figures.",
    )
    return Homework(
        id="hw6",
        title="Series 6: activation functions and losses",
        questions=(q1, q2, training.hw6_q3()),
        params=PARAMS,
        limits=Limits(cell=30.0, notebook=120.0),
        setup=training.setup_source(),
        warm=training.WARM,
        persian=persian_names(),
    )


def persian_names() -> Names:
    """HW6's title, question titles and answer labels in Persian, for ``--lang fa`` reports."""
    items = {
        "q1_swish_derivative": "مشتق تابع Swish، یعنی f′(x)",
        "q1_mish_derivative": "مشتق تابع Mish، یعنی f′(x)",
        "q1_swish_beta_derivative": "مشتق تابع Swish با پارامتر β، یعنی f′(x) برای f(x) = x·σ(βx)",
        "q1_limit_beta_0": "حد f(x) وقتی β → 0",
        "q1_limit_beta_inf": "حد f(x) وقتی β → ∞",
        "q1c_answer": "مزایای تابع ReLU نسبت به توابع sigmoid و tanh",
        "q1d_answer": "مزایای توابع Swish و Mish نسبت به ReLU",
        "q2_mse": "میانگین مربعات خطا (MSE) در آغاز آموزش",
        "q2_bce": "آنتروپی متقاطع دودویی در آغاز آموزش",
        "q3_train_size": "تعداد تصاویر آموزش همراه با نسخه‌های معکوس",
        "q3_test_size": "تعداد تصاویر آزمون همراه با نسخه‌های معکوس",
        "q3_activation": "تابع فعال‌سازی با پارامتر α",
        "q3_models": "یک شبکهٔ کانولوشنی آموزش‌دیده برای هر α",
        "q3_accuracies": "دقت آزمون برای هر α",
        "q3_best_alpha": "بهترین مقدار α",
    }
    return Names(
        title="تمرین سری ششم: توابع فعال‌سازی و توابع هزینه",
        questions={
            "hw6.q1": "توابع فعال‌سازی Swish و Mish",
            "hw6.q2": "هزینهٔ اولیهٔ یک طبقه‌بند دودویی آموزش‌ندیده",
            "hw6.q3": "مجموعهٔ MNIST با تصاویر معکوس؛ تابع فعال‌سازی پارامتردار",
        },
        items=items,
    )
