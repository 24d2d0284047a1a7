"""HW1 (series 1): backpropagation by hand, delta terms, and softmax vs logistic regression.

Q1 is one step of backpropagation through a 2-2-2 sigmoid network whose two layers each share
one bias (the course's definition: the seed's figure is lost). Every value is a step of a
derivation graph, so the same graph gives the reference, the formulas shown in feedback and the
follow-through values. The output units' deltas are internal steps read off the student's own
output-layer gradients (δ_o1 = ∂E/∂w5 ÷ out_h1, δ_o2 = ∂E/∂w7 ÷ out_h1), so the hidden-layer
gradients and ∂E/∂b2 are followed through from the deltas the student actually used.
With the course's secret each student gets their own inputs, weights and biases
(``variation``: constraints keep every variant as fair as the course's own numbers, and
``torch_cross_check`` recomputes each variant with autograd for ``release --verify``).

Q2 asks for the delta terms of a three-layer network as formulas (symbolic): an answer may be
written with activations (a2_1*(1 - a2_1)) or with sigmoid(z2_1), because the question's
notation (a = σ(z), z = W·a of the layer below) is expanded on both sides before comparing.

Q3: two-class softmax regression learns nothing logistic regression cannot, since
softmax(z)_2 = σ(z2 − z1): W_l = W_s2 − W_s1 and b_l = b_s2 − b_s1. The mapping is graded by
the equivalence of the two models (``SoftmaxMapping``): the logistic model built from the
student's formulas must give the softmax model's probability of class 1 for every input and
every (W_s, b_s). The reversed difference gives the same boundary with the classes swapped
and is a named mistake.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Literal

import sympy

from graders.authoring import (
    ABSENT,
    READING_HELP,
    YES_NO,
    Answer,
    ChoicePart,
    Constraint,
    Derivation,
    ExpressionPart,
    FormulaDetail,
    Homework,
    Item,
    Kind,
    Limits,
    Mistake,
    Names,
    Params,
    ParseError,
    Question,
    RelatedParts,
    Status,
    Step,
    Tolerance,
    Variation,
    Verdict,
    check_expression,
    compare,
    evaluate,
    numeric_context,
    parse_expression,
    sample_points,
)

PARAMS = {
    "i1": 0.05,
    "i2": 0.10,
    "w1": 0.15,
    "w2": 0.20,
    "w3": 0.25,
    "w4": 0.30,
    "w5": 0.40,
    "w6": 0.45,
    "w7": 0.50,
    "w8": 0.55,
    "b1": 0.35,
    "b2": 0.60,
    "t1": 0.01,
    "t2": 0.99,
    "eta": 0.5,
}
STEP_POINTS = 0.5
TOLERANCE = Tolerance(rtol=0.005, atol=1e-6)
"""Half a percent, widened by the rounding a student applied (at least 3 significant figures
earn their half-unit); the misread figure's net_h1 = 0.3825 is 1.3% from 0.3775."""
WEIGHTS = tuple(f"w{k}" for k in range(1, 9))
BIASES = ("b1", "b2")

S = sympy.Symbol

# --------------------------------------------------------------------------------------------
# Q1: named mistakes

UPDATE_SIGN = Mistake(
    "update-sign",
    "The update moves the value with the gradient (w + η·∂E/∂w) instead of against it.",
    persian="به‌روزرسانی مقدار را در جهت گرادیان برده است (w + η·∂E/∂w) به جای خلاف جهت آن.",
)
GRADIENT_SIGN = Mistake(
    "gradient-sign",
    "The sign of the gradient is flipped: ∂E/∂out = out − t for E = ½(t − out)², not t − out.",
    persian=(
        "علامت گرادیان وارونه است: برای E = ½(t − out)² مشتق ∂E/∂out برابر out − t است، نه t − out."
    ),
)
MISSING_SIGMOID_DERIVATIVE = Mistake(
    "missing-sigmoid-derivative",
    "A factor σ′(net) = out(1 − out) of a sigmoid unit is missing from the chain rule.",
    persian="ضریب σ′(net) = out(1 − out) یک واحد سیگموید در قاعدهٔ زنجیره‌ای از قلم افتاده است.",
)
HALF_FACTOR = Mistake(
    "half-factor",
    "The factor ½ of the loss is handled wrongly: E = ½·Σ(t − out)², so ∂E/∂out = out − t, "
    "with no factor 2 and no extra ½.",
    persian=(
        "ضریب ½ تابع هزینه درست به کار نرفته است: E = ½·Σ(t − out)²، پس ∂E/∂out = "
        "out − t، بی ضریب ۲ و بی ½ اضافه."
    ),
)
WRONG_LEARNING_RATE = Mistake(
    "wrong-learning-rate",
    "The update uses a learning rate other than the question's η.",
    persian="در به‌روزرسانی نرخ یادگیری‌ای غیر از η سؤال به کار رفته است.",
)
BIAS_ONE_UNIT = Mistake(
    "bias-one-unit",
    "A shared bias feeds both units of its layer: its gradient is the sum of both units' "
    "deltas, not the delta of one unit.",
    persian=(
        "یک بایاس مشترک به هر دو واحد لایه‌اش می‌رسد: گرادیان آن مجموع دلتای هر دو "
        "واحد است، نه دلتای یک واحد."
    ),
)
NO_CHANGE = Mistake(
    "no-change",
    "The updated value is the old one: the change η·∂E/∂w was lost (not applied, or rounded "
    "away; keep enough digits to show it).",
    persian=(
        "مقدار به‌روزشده همان مقدار قبلی است: تغییر η·∂E/∂w از دست رفته است (اعمال "
        "نشده یا با گرد کردن محو شده؛ رقم‌های کافی نگه دارید تا دیده شود)."
    ),
)
SWAPPED_WEIGHTS = Mistake(
    "swapped-weights",
    "The weights are paired with the wrong connections (w2 with w3, and w6 with w7, "
    "exchanged: the figure read column by column). The course's network is "
    "net_h1 = w1·i1 + w2·i2 + b1, net_o1 = w5·out_h1 + w6·out_h2 + b2.",
    credit=0.5,
    persian=(
        "وزن‌ها به اتصال‌های نادرست نسبت داده شده‌اند (جای w2 و w3، و w6 و w7 عوض "
        "شده است: شکل ستون‌به‌ستون خوانده شده). شبکهٔ درس این است: net_h1 = w1·i1 +"
        " w2·i2 + b1 و net_o1 = w5·out_h1 + w6·out_h2 + b2."
    ),
)

SWAP = {S("w2"): S("w3"), S("w3"): S("w2"), S("w6"): S("w7"), S("w7"): S("w6")}
"""The other reading of the lost figure: w2 and w3 exchanged, w6 and w7 exchanged."""


def _sigmoid(z: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-z))


def _swapped(formula: sympy.Expr) -> tuple[tuple[Mistake, sympy.Expr], ...]:
    """The swapped-weights variant of ``formula``, when the swap changes it."""
    variant = formula.xreplace(SWAP)
    return ((SWAPPED_WEIGHTS, variant),) if variant != formula else ()


def _forward_steps() -> list[Step]:
    i1, i2, b1, b2 = S("i1"), S("i2"), S("b1"), S("b2")
    w = {k: S(f"w{k}") for k in range(1, 9)}
    out_h1, out_h2 = S("out_h1"), S("out_h2")
    nets = {
        "h1": w[1] * i1 + w[2] * i2 + b1,
        "h2": w[3] * i1 + w[4] * i2 + b1,
        "o1": w[5] * out_h1 + w[6] * out_h2 + b2,
        "o2": w[7] * out_h1 + w[8] * out_h2 + b2,
    }
    written = {  # as the course writes them
        "h1": "w1*i1 + w2*i2 + b1",
        "h2": "w3*i1 + w4*i2 + b1",
        "o1": "w5*out_h1 + w6*out_h2 + b2",
        "o2": "w7*out_h1 + w8*out_h2 + b2",
    }
    steps = []
    for unit, net in nets.items():
        out = _sigmoid(S(f"net_{unit}"))
        steps += [
            Step(
                f"net_{unit}",
                f"net_{unit}",
                net,
                STEP_POINTS,
                mistakes=_swapped(net),
                written=written[unit],
            ),
            Step(
                f"out_{unit}",
                f"out_{unit} = σ(net_{unit})",
                out,
                STEP_POINTS,
                scale=sympy.Min(out, 1 - out),  # a probability, judged by its distance to 0 or 1
                written=f"sigmoid(net_{unit})",
            ),
        ]
    t1, t2, o1, o2 = S("t1"), S("t2"), S("out_o1"), S("out_o2")
    squares = (t1 - o1) ** 2 + (t2 - o2) ** 2
    steps.append(
        Step(
            "E",
            "E = ½Σ(t − out)²",
            squares / 2,
            STEP_POINTS,
            mistakes=((HALF_FACTOR, squares),),
            written="Rational(1, 2)*((t1 - out_o1)**2 + (t2 - out_o2)**2)",
        )
    )
    return steps


def _chain_rule_mistakes(
    formula: sympy.Expr, without_sigmoid: sympy.Expr
) -> tuple[tuple[Mistake, sympy.Expr], ...]:
    return (
        (GRADIENT_SIGN, -formula),
        (MISSING_SIGMOID_DERIVATIVE, without_sigmoid),
        (HALF_FACTOR, 2 * formula),
        (HALF_FACTOR, formula / 2),
    )


def _output_gradient_steps() -> list[Step]:
    """∂E/∂w5..w8 from the forward values, then the output deltas and ∂E/∂b2."""
    error = {1: S("out_o1") - S("t1"), 2: S("out_o2") - S("t2")}
    slope = {o: S(f"out_o{o}") * (1 - S(f"out_o{o}")) for o in (1, 2)}
    feeds = {5: (1, 1), 6: (1, 2), 7: (2, 1), 8: (2, 2)}  # weight: (output unit, hidden unit)
    steps = []
    for k, (o, h) in feeds.items():
        formula = error[o] * slope[o] * S(f"out_h{h}")
        steps.append(
            Step(
                f"dE_dw{k}",
                f"∂E/∂w{k}",
                formula,
                STEP_POINTS,
                mistakes=_chain_rule_mistakes(formula, error[o] * S(f"out_h{h}")),
                written=f"(out_o{o} - t{o})*out_o{o}*(1 - out_o{o})*out_h{h}",
            )
        )
    # the deltas the student used, read off their gradients of the weights from h1
    steps.append(Step("delta_o1", "δ_o1 = ∂E/∂net_o1", S("dE_dw5") / S("out_h1")))
    steps.append(Step("delta_o2", "δ_o2 = ∂E/∂net_o2", S("dE_dw7") / S("out_h1")))
    d1, d2 = S("delta_o1"), S("delta_o2")
    steps.append(
        Step(
            "dE_db2",
            "∂E/∂b2 (shared by o1 and o2)",
            d1 + d2,
            STEP_POINTS,
            mistakes=(
                (BIAS_ONE_UNIT, d1),
                (BIAS_ONE_UNIT, d2),
                (GRADIENT_SIGN, -(d1 + d2)),
                (MISSING_SIGMOID_DERIVATIVE, error[1] + error[2]),
                (HALF_FACTOR, 2 * (d1 + d2)),
            ),
            written="delta_o1 + delta_o2",
        )
    )
    return steps


def _hidden_gradient_steps() -> list[Step]:
    """∂E/∂w1..w4 and ∂E/∂b1 from the output deltas (back through w5..w8)."""
    d1, d2 = S("delta_o1"), S("delta_o2")
    back = {1: d1 * S("w5") + d2 * S("w7"), 2: d1 * S("w6") + d2 * S("w8")}
    slope = {h: S(f"out_h{h}") * (1 - S(f"out_h{h}")) for h in (1, 2)}
    feeds = {1: (1, "i1"), 2: (1, "i2"), 3: (2, "i1"), 4: (2, "i2")}  # weight: (hidden, input)
    shown = {  # the hidden unit's delta as the course writes it
        h: f"(delta_o1*w{4 + h} + delta_o2*w{6 + h})*out_h{h}*(1 - out_h{h})" for h in (1, 2)
    }
    steps = []
    for k, (h, i) in feeds.items():
        formula = back[h] * slope[h] * S(i)
        mistakes = _chain_rule_mistakes(formula, back[h] * S(i)) + _swapped(formula)
        steps.append(
            Step(
                f"dE_dw{k}",
                f"∂E/∂w{k}",
                formula,
                STEP_POINTS,
                mistakes=mistakes,
                written=f"{shown[h]}*{i}",
            )
        )
    terms = {h: back[h] * slope[h] for h in (1, 2)}
    formula = terms[1] + terms[2]
    steps.append(
        Step(
            "dE_db1",
            "∂E/∂b1 (shared by h1 and h2)",
            formula,
            STEP_POINTS,
            mistakes=(
                (BIAS_ONE_UNIT, terms[1]),
                (BIAS_ONE_UNIT, terms[2]),
                *_chain_rule_mistakes(formula, back[1] + back[2]),
                *_swapped(formula),
            ),
            written=f"{shown[1]} + {shown[2]}",
        )
    )
    return steps


LEARNING_RATE_FACTORS = (2.0, 0.5, 0.1, 10.0)
"""Wrong learning rates recognised, as multiples of η (and η = 1 itself)."""


def _update_steps() -> list[Step]:
    eta = S("eta")
    steps = []
    for name in (*WEIGHTS, *BIASES):
        old, grad = S(name), S(f"dE_d{name}")
        formula = old - eta * grad
        rates = [(WRONG_LEARNING_RATE, old - f * eta * grad) for f in LEARNING_RATE_FACTORS]
        steps.append(
            Step(
                f"{name}_new",
                f"{name} after the update",
                formula,
                STEP_POINTS,
                scale=eta * grad,
                mistakes=(
                    (UPDATE_SIGN, old + eta * grad),
                    *rates,
                    (WRONG_LEARNING_RATE, old - grad),
                    (NO_CHANGE, old),
                    *_swapped(formula),
                    *((NO_CHANGE, other) for _, other in _swapped(old)),
                ),
                written=f"{name} - eta*dE_d{name}",
            )
        )
    return steps


def backprop_derivation() -> Derivation:
    """The derivation graph of Q1: forward pass, E, every gradient, every updated value."""
    steps = _forward_steps() + _output_gradient_steps() + _hidden_gradient_steps() + _update_steps()
    return Derivation(tuple(steps), tuple(PARAMS), TOLERANCE, notation=notation())


def notation() -> dict[str, str]:
    """How the course writes Q1's quantities (LaTeX): net_{h_1}, ∂E/∂w_5, w_5⁺ (updated)."""
    names = {"E": "E", "delta_o1": r"\delta_{o_{1}}", "delta_o2": r"\delta_{o_{2}}"}
    for unit in ("h1", "h2", "o1", "o2"):
        names[f"net_{unit}"] = rf"\mathrm{{net}}_{{{unit[0]}_{{{unit[1]}}}}}"
        names[f"out_{unit}"] = rf"\mathrm{{out}}_{{{unit[0]}_{{{unit[1]}}}}}"
    for name in (*WEIGHTS, *BIASES):
        letter, k = name[0], name[1:]
        names[f"dE_d{name}"] = rf"\frac{{\partial E}}{{\partial {letter}_{{{k}}}}}"
        names[f"{name}_new"] = rf"{letter}_{{{k}}}^{{+}}"
    return names


Q1_PROMPT = """\
**One step of backpropagation by hand.** The network's figure is lost; these equations are
the course's definition of it. Two inputs i1 = {i1:g}, i2 = {i2:g}; two sigmoid hidden units
h1, h2 and two sigmoid output units o1, o2; one bias shared by the two units of each layer
(b1 by h1 and h2, b2 by o1 and o2):

    net_h1 = w1*i1 + w2*i2 + b1              out_h1 = sigmoid(net_h1)
    net_h2 = w3*i1 + w4*i2 + b1              out_h2 = sigmoid(net_h2)
    net_o1 = w5*out_h1 + w6*out_h2 + b2      out_o1 = sigmoid(net_o1)
    net_o2 = w7*out_h1 + w8*out_h2 + b2      out_o2 = sigmoid(net_o2)
    E = 1/2 * (t1 - out_o1)**2 + 1/2 * (t2 - out_o2)**2

with sigmoid(z) = 1 / (1 + exp(-z)). Initial values: w1..w8 = {w1:g}, {w2:g}, {w3:g}, {w4:g},
{w5:g}, {w6:g}, {w7:g}, {w8:g}; b1 = {b1:g}, b2 = {b2:g}. Targets t1 = {t1:g}, t2 = {t2:g};
learning rate η = {eta:g}.

Give, for one step of gradient descent on this one sample:

1. the forward pass: net and out of every unit, and the loss E;
2. the gradient of E with respect to every weight and both biases (`dE_dw1` … `dE_dw8`,
   `dE_db1`, `dE_db2`), all at the initial values. A shared bias collects the gradient of
   both units it feeds: ∂E/∂b1 = ∂E/∂net_h1 + ∂E/∂net_h2;
3. every updated value, w ← w − η·∂E/∂w and b ← b − η·∂E/∂b (`w1_new` … `b2_new`).

Write plain numbers (you may round; keep at least 4 significant figures).
"""

Q1_PROMPT_FA = """\
سوال ۱) شبکه عصبی زیر را در نظر بگیرید. این شبکه دو خروجی Y_1 و Y_2 دارد که بعد از train
مقدار آنها باید به ترتیب ۰.۰۱ و ۰.۹۹ باشد.

تابع loss را به صورت زیر تعریف میکنیم:

$$Loss = \\frac{1}{2} \\sum_{i=1}^2 (Y_i - \\hat{Y}_i)^2$$

مقدار learning rate را ۰.۵ فرض کنید. برای یک تکرار، مقادیر w و b را آپدیت کنید.
"""

# --------------------------------------------------------------------------------------------
# Q2: delta terms of a three-layer network, as formulas

X_NAMES = ("x1", "x2")
W1_NAMES = tuple(f"w1_{j}{k}" for j in (1, 2) for k in (1, 2))
W2_NAMES = tuple(f"w2_{j}{k}" for j in (1, 2) for k in (1, 2))
W3_NAMES = ("w3_1", "w3_2")
Z_NAMES = ("z1_1", "z1_2", "z2_1", "z2_2")
A_NAMES = ("a1_1", "a1_2", "a2_1", "a2_2")
NETWORK_NAMES = (*X_NAMES, *W1_NAMES, *W2_NAMES, *W3_NAMES, *Z_NAMES, *A_NAMES)
"""Every name Q2 declares (the deltas' names come on top, item by item)."""


def network_notation() -> dict[str, sympy.Expr]:
    """What Q2's names stand for: z = W·(layer below), a = sigmoid(z), down to x and W."""
    notation: dict[str, sympy.Expr] = {}
    for j in (1, 2):
        notation[f"z1_{j}"] = S(f"w1_{j}1") * S("x1") + S(f"w1_{j}2") * S("x2")
        notation[f"a1_{j}"] = _sigmoid(S(f"z1_{j}"))
        notation[f"z2_{j}"] = S(f"w2_{j}1") * S("a1_1") + S(f"w2_{j}2") * S("a1_2")
        notation[f"a2_{j}"] = _sigmoid(S(f"z2_{j}"))
    return notation


def _slope(name: str) -> sympy.Expr:
    """σ′ of a unit, written with its activation: a(1 − a)."""
    return S(name) * (1 - S(name))


def delta1() -> sympy.Expr:
    """δ1 = ∂f/∂z2_1 = w3_1 · σ′(z2_1)."""
    return S("w3_1") * _slope("a2_1")


def delta2(i: int) -> sympy.Expr:
    """Component i of δ2 = ∂f/∂Z²: w3_i · σ′(z2_i)."""
    return S(f"w3_{i}") * _slope(f"a2_{i}")


def delta3(j: int, *, transposed: bool = False) -> sympy.Expr:
    """Component j of δ3 = ∂f/∂Z¹: (Σ_i δ2_i · w2_ij) · σ′(z1_j), back through column j of W².

    ``transposed`` uses row j instead (w2_ji), the mistake of multiplying by W² rather than
    by its transpose.
    """
    weights = [S(f"w2_{j}{i}") if transposed else S(f"w2_{i}{j}") for i in (1, 2)]
    back = delta2(1) * weights[0] + delta2(2) * weights[1]
    return back * _slope(f"a1_{j}")


def delta4(*, input_name: str = "x1") -> sympy.Expr:
    """δ4 = ∂f/∂w1_11 = δ3_1 · x1 (w1_11 carries x1 into z1_1)."""
    return delta3(1) * S(input_name)


DELTA_NAMES = ("delta1", "delta2_1", "delta2_2", "delta3_1", "delta3_2")


def delta_notation() -> dict[str, sympy.Expr]:
    """The deltas by name, for answers that build on earlier ones."""
    return {
        "delta1": delta1(),
        "delta2_1": delta2(1),
        "delta2_2": delta2(2),
        "delta3_1": delta3(1),
        "delta3_2": delta3(2),
    }


LAYER_LABEL = Mistake(
    "weight-layer-label",
    "The weights of f are w³₁ and w³₂ (layer 3); the answer writes them with the layer-2 "
    "label (w²₁, w²₂), which names other weights.",
    credit=0.5,
    persian=(
        "وزن‌های f همان w³₁ و w³₂ (لایهٔ ۳) هستند؛ پاسخ آن‌ها را با برچسب لایهٔ ۲ "
        "(w²₁، w²₂) نوشته است که نام وزن‌های دیگری است."
    ),
)
Q2_MISSING_SIGMOID = Mistake(
    "missing-sigmoid-derivative",
    "The factor σ′(z) = a(1 − a) of a sigmoid unit is missing.",
    persian="ضریب σ′(z) = a(1 − a) یک واحد سیگموید از قلم افتاده است.",
)
TRANSPOSED_W2 = Mistake(
    "transposed-weights",
    "Going back from Z² to A¹ multiplies by the transpose of W²: unit j of layer 1 reaches "
    "z2_i through w2_ij (column j), not through row j.",
    persian=(
        "برگشت از Z² به A¹ در ترانهادهٔ W² ضرب می‌شود: واحد j لایهٔ ۱ از راه w2_ij "
        "(ستون j) به z2_i می‌رسد، نه از راه سطر j."
    ),
)
WRONG_INPUT = Mistake(
    "wrong-input",
    "w1_11 multiplies x1 in z1_1, so ∂z1_1/∂w1_11 = x1, not x2.",
    persian="w1_11 در z1_1 در x1 ضرب می‌شود، پس ∂z1_1/∂w1_11 = x1 است، نه x2.",
)

MISLABELLED = {S("w3_1"): S("w2_1"), S("w3_2"): S("w2_2")}


def _mislabelled(expr: sympy.Expr) -> sympy.Expr:
    return expr.xreplace(MISLABELLED)


def _constant(expr: sympy.Expr) -> Callable[[Params], sympy.Expr]:
    def expected(params: Params) -> sympy.Expr:
        return expr

    return expected


def _notation(delta_names: Sequence[str]) -> Callable[[Params], Mapping[str, sympy.Expr]]:
    def notation(params: Params) -> Mapping[str, sympy.Expr]:
        deltas = delta_notation()
        return {**network_notation(), **{name: deltas[name] for name in delta_names}}

    return notation


def _delta_part(
    item: Item,
    reference: sympy.Expr,
    earlier: Sequence[str],
    mistakes: Iterable[tuple[Mistake, sympy.Expr]] = (),
) -> ExpressionPart:
    return ExpressionPart(
        item,
        _constant(reference),
        variables=(*NETWORK_NAMES, *earlier),
        notation=_notation(earlier),
        mistakes=tuple((m, _constant(e)) for m, e in mistakes),
    )


def delta_parts() -> tuple[ExpressionPart, ...]:
    """Q2's six symbolic items: δ1, δ2 (two components), δ3 (two components), δ4."""
    parts = [
        _delta_part(
            Item("q2_delta1", "δ1 = ∂f/∂z2_1", 1.0, "a formula (string or sympy)"),
            delta1(),
            (),
            ((Q2_MISSING_SIGMOID, S("w3_1")), (LAYER_LABEL, _mislabelled(delta1()))),
        )
    ]
    for i in (1, 2):
        parts.append(
            _delta_part(
                Item(f"q2_delta2_{i}", f"δ2, component {i}: ∂f/∂z2_{i}", 1.0, "a formula"),
                delta2(i),
                ("delta1",),
                ((Q2_MISSING_SIGMOID, S(f"w3_{i}")), (LAYER_LABEL, _mislabelled(delta2(i)))),
            )
        )
    for j in (1, 2):
        parts.append(
            _delta_part(
                Item(f"q2_delta3_{j}", f"δ3, component {j}: ∂f/∂z1_{j}", 1.5, "a formula"),
                delta3(j),
                ("delta1", "delta2_1", "delta2_2"),
                (
                    (TRANSPOSED_W2, delta3(j, transposed=True)),
                    (Q2_MISSING_SIGMOID, delta3(j) / _slope(f"a1_{j}")),
                    (LAYER_LABEL, _mislabelled(delta3(j))),
                ),
            )
        )
    parts.append(
        _delta_part(
            Item("q2_delta4", "δ4 = ∂f/∂w1_11", 1.5, "a formula"),
            delta4(),
            DELTA_NAMES,
            (
                (WRONG_INPUT, delta4(input_name="x2")),
                (TRANSPOSED_W2, delta3(1, transposed=True) * S("x1")),
                (LAYER_LABEL, _mislabelled(delta4())),
            ),
        )
    )
    return tuple(parts)


def related_delta_parts() -> tuple[ExpressionPart | RelatedParts, ...]:
    """Q2's parts as graded: δ1, δ2₁ and δ2₂ are the same computation one layer apart, so one
    slip repeated in them (a wrong layer index, a missing σ′) is penalised once."""
    parts = delta_parts()
    return (RelatedParts(parts[:3]), *parts[3:])


Q2_PROMPT = """\
**Delta terms of a three-layer network.** The input is x = (x1, x2). Two layers of two
sigmoid units each, without biases, then a linear output f:

    Z1 = W1 x,   A1 = sigmoid(Z1)      Z1 = (z1_1, z1_2),  A1 = (a1_1, a1_2)
    Z2 = W2 A1,  A2 = sigmoid(Z2)      Z2 = (z2_1, z2_2),  A2 = (a2_1, a2_2)
    f  = w3_1*a2_1 + w3_2*a2_2

W1 = [[w1_11, w1_12], [w1_21, w1_22]] and W2 = [[w2_11, w2_12], [w2_21, w2_22]]: w1_jk
multiplies input k in unit j of layer 1, so z1_1 = w1_11*x1 + w1_12*x2, and likewise
z2_1 = w2_11*a1_1 + w2_12*a1_2. (In the course's notation z1_1 is z^[1]_1, w2_21 is
w^[2]_21 and w3_1 is w^[3]_1.)

Give, as formulas:

(a) δ1 = ∂f/∂z2_1;
(b) δ2 = ∂f/∂Z2, both components (∂f/∂z2_1 and ∂f/∂z2_2);
(c) δ3 = ∂f/∂Z1, both components;
(d) δ4 = ∂f/∂w1_11.
"""

Q2_HELP = (
    "each answer is a formula: a sympy expression, or a string in Python syntax "
    "(`'w3_1*a2_1*(1 - a2_1)'`) or in LaTeX (`r'w^{[3]}_1 a^{[2]}_1 (1 - a^{[2]}_1)'`). "
    "Names: x1, x2; w1_11, w1_12, w1_21, w1_22; w2_11, w2_12, w2_21, w2_22; w3_1, w3_2; "
    "z1_1, z1_2, z2_1, z2_2; a1_1, a1_2, a2_1, a2_2 (a = sigmoid(z)). Functions: sigmoid "
    "(or σ), sigmoid' (σ′(u) = σ(u)(1 − σ(u))), exp, log, tanh. Write σ′ with activations "
    "(a2_1*(1 - a2_1)) or with sigmoid(z2_1): both are right. A later answer may use the "
    "earlier deltas by name: delta1, delta2_1, delta2_2 (in (c) and (d)), delta3_1, delta3_2 "
    "(in (d))."
)

Q2_PROMPT_FA = """\
سوال ۲) شبکه سه لایه زیر را در نظر بگیرید و فرض کنید

$$f = w_1^{[3]} a_1^{[2]} + w_2^{[3]} a_2^{[2]}$$

$$Z^{[1]} = W^{[1]} x, \\quad A^{[1]} = \\sigma(Z^{[1]}), \\quad
Z^{[2]} = W^{[2]} A^{[1]}, \\quad A^{[2]} = \\sigma(Z^{[2]})$$

مقادیر زیر را محاسبه کنید:

(الف) $\\delta_1 = \\frac{\\partial f(x)}{\\partial z_1^{[2]}}$

(ب) $\\delta_2 = \\frac{\\partial f(x)}{\\partial Z^{[2]}}$

(ج) $\\delta_3 = \\frac{\\partial f(x)}{\\partial Z^{[1]}}$

(د) $\\delta_4 = \\frac{\\partial f(x)}{\\partial w_{11}^{[1]}}$
"""

# --------------------------------------------------------------------------------------------
# Q3: softmax with two classes is logistic regression

SOFTMAX_NAMES = ("W_s1", "W_s2", "b_s1", "b_s2")
INPUT = "x"


def R(name: str) -> sympy.Symbol:
    """A real symbol, as the safe parser builds them (Q3 compares with parsed formulas)."""
    return sympy.Symbol(name, real=True)


def softmax_logits() -> tuple[sympy.Expr, sympy.Expr]:
    """z1, z2 of the softmax model on a one-feature input x."""
    x = R(INPUT)
    return R("W_s1") * x + R("b_s1"), R("W_s2") * x + R("b_s2")


def softmax_probabilities() -> tuple[sympy.Expr, sympy.Expr]:
    """[ŷ1, ŷ2] = softmax(W_s·x + b_s)."""
    z1, z2 = softmax_logits()
    total = sympy.exp(z1) + sympy.exp(z2)
    return sympy.exp(z1) / total, sympy.exp(z2) / total


def logistic_weight() -> sympy.Expr:
    """W_l = W_s2 − W_s1 (row by row, for several features)."""
    return R("W_s2") - R("W_s1")


def logistic_bias() -> sympy.Expr:
    """b_l = b_s2 − b_s1."""
    return R("b_s2") - R("b_s1")


def logistic_probability(weight: sympy.Expr, bias: sympy.Expr) -> sympy.Expr:
    """ŷ = σ(W_l·x + b_l), approach 1's probability of class 1."""
    return _sigmoid(weight * R(INPUT) + bias)


CLASSES_SWAPPED = Mistake(
    "classes-swapped",
    "W_l = W_s1 − W_s2, b_l = b_s1 − b_s2 gives the same decision boundary with the classes "
    "swapped: σ(z1 − z2) is ŷ1, the softmax model's probability of class 0, so this logistic "
    "model says class 1 exactly where the softmax model says class 0.",
    persian=(
        "W_l = W_s1 − W_s2 و b_l = b_s1 − b_s2 همان مرز تصمیم را با جای کلاس‌های "
        "عوض‌شده می‌دهند: σ(z1 − z2) همان ŷ1، یعنی احتمال کلاس ۰ در مدل softmax "
        "است، پس این مدل لجستیک درست جایی کلاس ۱ را می‌گوید که مدل softmax کلاس ۰ "
        "را."
    ),
)
SAME_DECISIONS_ONLY = Mistake(
    "same-decisions-only",
    "These W_l, b_l give the softmax model's decisions but not its probabilities (a positive "
    "multiple of W_s2 − W_s1, b_s2 − b_s1): σ(W_l·x + b_l) must equal ŷ2 = σ(z2 − z1).",
    credit=0.5,
    persian=(
        "این W_l و b_l تصمیم‌های مدل softmax را می‌دهند ولی احتمال‌هایش را نه (مضرب"
        " مثبتی از W_s2 − W_s1 و b_s2 − b_s1): σ(W_l·x + b_l) باید برابر ŷ2 = σ(z2 "
        "− z1) باشد."
    ),
)
REVERSED_DIFFERENCE = Mistake(
    "reversed-difference",
    "The difference is reversed (class 0's row minus class 1's): approach 1's ŷ is the "
    "probability of class 1, so it takes W_s2 − W_s1 and b_s2 − b_s1.",
    persian=(
        "تفاضل وارونه است (سطر کلاس ۰ منهای سطر کلاس ۱): ŷ در رویکرد ۱ احتمال کلاس "
        "۱ است، پس W_s2 − W_s1 و b_s2 − b_s1 را می‌گیرد."
    ),
)

Relation = Literal["equivalent", "swapped", "decisions", "different"]
"""How the student's logistic model relates to the softmax model (see ``model_relation``)."""


def model_relation(weight: sympy.Expr, bias: sympy.Expr, seed: int = 0) -> Relation:
    """Compare σ(W_l·x + b_l) with the softmax model over seeded random (W_s, b_s, x).

    ``"equivalent"``: the same probability of class 1 everywhere; ``"swapped"``: the
    probability of class 0 instead (or, with other probabilities, the opposite decision at
    every point); ``"decisions"``: the same decision at every point, other probabilities;
    ``"different"``: anything else.
    """
    y1, y2 = softmax_probabilities()
    z1, z2 = softmax_logits()
    student = logistic_probability(weight, bias)
    symbols = sorted(
        {*student.free_symbols, *y2.free_symbols}, key=lambda s: getattr(s, "name", "")
    )
    points = sample_points([s for s in symbols if isinstance(s, sympy.Symbol)], seed)
    if compare(student, y2, points).equal:
        return "equivalent"
    if compare(student, y1, points).equal:
        return "swapped"
    signs = _decision_agreement(weight * R(INPUT) + bias, z2 - z1, points)
    if signs == 1:
        return "decisions"
    if signs == -1:
        return "swapped"
    return "different"


def _decision_agreement(
    logit: sympy.Expr, reference: sympy.Expr, points: Sequence[Mapping[sympy.Symbol, float]]
) -> int:
    """1 if both logits have the same sign at every point, -1 if opposite at every point."""
    context = numeric_context(30)
    same = opposite = 0
    for point in points:
        mine, theirs = evaluate(logit, point, context), evaluate(reference, point, context)
        if mine is None or theirs is None:
            return 0
        if mine * theirs > 0:
            same += 1
        elif mine * theirs < 0:
            opposite += 1
    if same == len(points):
        return 1
    if opposite == len(points):
        return -1
    return 0


@dataclass(frozen=True)
class SoftmaxMapping:
    """Q3's mapping (W_l, b_l) from (W_s, b_s), judged by the equivalence of the two models.

    Each formula is first read and compared on its own (``check_expression``: missing,
    unreadable, correct, or a named mistake). When both are readable, the logistic model they
    make, σ(W_l·x + b_l), is compared with the softmax model as functions of W_s1, W_s2, b_s1,
    b_s2 and x: the same probability of class 1 makes both correct; the probability of class
    0 (the boundary kept, the classes swapped) makes both incorrect with ``classes-swapped``;
    the same decisions with other probabilities earn ``same-decisions-only``. Otherwise each
    formula keeps its own verdict (the model is equivalent only if both are right, since
    σ(a·x + b) determines a and b).
    """

    weight: Item
    bias: Item

    @property
    def items(self) -> tuple[Item, ...]:
        return (self.weight, self.bias)

    def solve(self, params: Params) -> Mapping[str, Any]:
        return {
            self.weight.variable: sympy.sstr(logistic_weight()),
            self.bias.variable: sympy.sstr(logistic_bias()),
        }

    def grade(self, answers: Mapping[str, Answer], params: Params) -> Mapping[str, Verdict]:
        references = {self.weight.variable: logistic_weight(), self.bias.variable: logistic_bias()}
        given = {name: answers.get(name, ABSENT) for name in references}
        verdicts = {
            name: check_expression(
                given[name],
                reference,
                variables=SOFTMAX_NAMES,
                mistakes=((REVERSED_DIFFERENCE, -reference),),
                seed=_seed(name),
            )
            for name, reference in references.items()
        }
        formulas = {name: _formula(given[name]) for name in references}
        weight, bias = formulas[self.weight.variable], formulas[self.bias.variable]
        if weight is None or bias is None:
            return verdicts
        relation = model_relation(weight, bias, _seed(self.weight.variable))
        return {name: _with_model(verdicts[name], relation) for name in references}


def _seed(variable: str) -> int:
    """The seed of an item's sample points: stable across runs and machines."""
    return zlib.crc32(variable.encode("utf-8"))


def _formula(answer: Answer) -> sympy.Expr | None:
    """The student's formula as sympy (real symbols), or None when it cannot be read."""
    if answer.kind is Kind.NUMBER and isinstance(answer.value, float):
        return sympy.Float(answer.value)
    if answer.kind not in (Kind.EXPR, Kind.TEXT) or not isinstance(answer.value, str):
        return None
    try:
        return parse_expression(answer.value, SOFTMAX_NAMES)
    except ParseError:
        return None


MODEL_NOTES = {
    "equivalent": "The logistic model σ(W_l·x + b_l) built from your W_l and b_l gives the "
    "softmax model's probability of class 1 for every input and every (W_s, b_s).",
    "different": "The logistic model σ(W_l·x + b_l) built from your W_l and b_l does not "
    "reproduce the softmax model's probabilities or decisions.",
}


MODEL_MISTAKES: Mapping[str, Mistake] = {
    "swapped": CLASSES_SWAPPED,
    "decisions": SAME_DECISIONS_ONLY,
}
"""The relations of the two models that are a named mistake of both formulas."""


def _with_model(verdict: Verdict, relation: Relation) -> Verdict:
    """The item's verdict in the light of the two models' relation."""
    found = verdict.detail if isinstance(verdict.detail, FormulaDetail) else FormulaDetail()
    detail = replace(found, model_relation=relation)
    mistake = MODEL_MISTAKES.get(relation)
    if mistake is not None:
        return replace(
            verdict,
            status=Status.INCORRECT,
            credit=mistake.credit,
            mistake=mistake,
            feedback=mistake.explanation,
            detail=detail,
            message=None,
        )
    note = MODEL_NOTES[relation]
    return replace(verdict, feedback=f"{verdict.feedback} {note}".strip(), detail=detail)


def more_expressive() -> ChoicePart:
    """Does approach 2 learn anything approach 1 cannot? No: the mapping always exists."""

    def expected(params: Params) -> str:
        return "no"

    item = Item(
        "q3_more_expressive",
        "Can approach 2 learn more than approach 1?",
        1.0,
        'write "yes" or "no"',
    )
    return ChoicePart(item, YES_NO, expected)


Q3_PROMPT = """\
**Softmax with two classes is logistic regression.** A binary classification problem can be
solved in two ways:

- Approach 1, logistic regression (one neuron): ŷ = σ(W_l·x + b_l); the input is class 0 if
  ŷ ≤ 0.5 and class 1 otherwise (ŷ is the probability of class 1).
- Approach 2, softmax regression (two neurons): [ŷ1, ŷ2] = softmax(W_s·x + b_s); the input is
  class 0 if ŷ1 ≥ ŷ2 and class 1 otherwise. W_s has two rows W_s1, W_s2 and b_s two entries
  b_s1, b_s2, so approach 2 has twice the parameters of approach 1.

(a) Can approach 2 learn models that approach 1 cannot? Answer yes or no.

(b) If no, show it: for every (W_s, b_s), give the W_l and b_l whose logistic model is the
same model, that is, σ(W_l·x + b_l) = ŷ2 for every input x (same probabilities, hence the
same decisions). Write the relation ŷ1 ≥ ŷ2 with the softmax and the parameters that lead
to it, and simplify. Give W_l and b_l as formulas in W_s1, W_s2, b_s1 and b_s2 (treat x as
one feature: for several features the same formula holds row by row).
"""

Q3_HELP = (
    '(a): "yes" or "no" (Persian بله/خیر is accepted). (b): formulas as strings in Python '
    "syntax (`'3*W_s1 + b_s2'` shows the syntax) or LaTeX, or sympy expressions, in the "
    "names W_s1, W_s2, b_s1, b_s2. They are checked by comparing your logistic model "
    "σ(W_l·x + b_l) with the softmax model at many random (W_s, b_s, x)."
)

Q3_PROMPT_FA = """\
سوال ۳) یک مسئلهی طبقهبندی دودویی (Binary Classification) را میتوان با دو رویکرد زیر حل کرد:

رویکرد ۱: رگرسیون لجستیک ساده (یک نورون). خروجی شما به صورت زیر است:
$\\hat{y} = \\sigma(W_l x + b_l)$. اگر $\\hat{y} \\leq 0.5$ باشد، به عنوان ۰ طبقهبندی میشود، و در
غیر این صورت به عنوان ۱.

رویکرد ۲: رگرسیون Softmax ساده (دو نورون). خروجی شما به صورت زیر است:
$\\hat{y} = softmax(W_s x + b_s) = [\\hat{y}_1 \\hat{y}_2]$.
اگر $\\hat{y}_1 \\geq \\hat{y}_2$ باشد، به عنوان ۰ طبقهبندی میشود، و در غیر این صورت به عنوان ۱.

رویکرد ۲ دو برابر تعداد پارامترهای رویکرد ۱ را دارد.

سؤال: آیا رویکرد ۲ میتواند مدلهای پیچیدهتری نسبت به رویکرد ۱ یاد بگیرد؟

اگر بله، پارامترهای (W_s, b_s) تابعی را ارائه دهید که بتوان آن را با رویکرد ۲ مدل کرد ولی با
رویکرد ۱ نه.

اگر نه، نشان دهید که (W_s, b_s) را میتوان همیشه بر حسب (W_l, b_l) نوشت.

دقیق کنید که این رابطه $(\\hat{y}_1 \\geq \\hat{y}_2)$ را باید بر مبنای تابع softmax و چهار
وزن منتهی به آن بنویسید و سپس آنرا ساده کنید.
"""


# --------------------------------------------------------------------------------------------
# Per-student variants of Q1 (graders.model.variants)
#
# Only Q1's references are functions of parameters; Q2 and Q3 ask for formulas in names, the
# same for every student. The targets and η stay the course's: the Persian original states
# them (t1 = 0.01, t2 = 0.99, η = 0.5).

GRID = 0.05
"""Every drawn value is a multiple of 0.05, as in the course's network."""
SATURATION = (0.1, 0.9)
"""Every unit's output stays inside this band, so σ′(net) ≥ 0.09 everywhere."""
SMALLEST_CHANGE = 1e-4
"""Every update moves its value by at least this much: visible at 4 significant figures."""
MISTAKE_GAP = 2 * TOLERANCE.rtol
"""Each named mistake lands at least this far (relative to the size its step is judged at)
from the reference, so the tolerance bands of a mistake and of the right answer never overlap.
Stricter than the course's own numbers, whose net_h2 read with w2 and w3 exchanged is only 0.64%
away."""


def _draw(rng: random.Random) -> Params:
    """One candidate variant of Q1: inputs, weights and biases on the course's grid."""

    def grid(low: int, high: int) -> float:
        return round(rng.randint(low, high) * GRID, 2)

    return {
        "i1": grid(1, 10),  # 0.05 .. 0.5
        "i2": grid(1, 10),
        **{name: grid(2, 18) for name in WEIGHTS},  # 0.1 .. 0.9
        **{name: grid(2, 16) for name in BIASES},  # 0.1 .. 0.8
    }


@dataclass(frozen=True)
class MistakeGaps:
    """How far every named mistake of a derivation lands from the reference.

    Each gap is |mistake − reference| divided by the size the step is judged at (its
    ``scale``, else its value); the formulas are compiled once, on first use.
    """

    derivation: Derivation

    @cached_property
    def _compiled(self) -> tuple[tuple[str, ...], Callable[..., list[tuple[float, float]]]]:
        names = (*self.derivation.parameters, *(s.name for s in self.derivation.steps))
        pairs = [
            sympy.Tuple(wrong - S(step.name), S(step.name) if step.scale is None else step.scale)
            for step in self.derivation.steps
            for _, wrong in step.mistakes
        ]
        return names, sympy.lambdify([S(n) for n in names], pairs, modules="math")

    def smallest(self, params: Params) -> float:
        """The smallest gap of any named mistake at ``params`` (0 when one is undefined)."""
        names, gaps = self._compiled
        env = self.derivation.evaluate(params)
        try:
            pairs = gaps(*(env[n] for n in names))
        except (ArithmeticError, ValueError):
            return 0.0
        return min((abs(d) / abs(s) if s else 0.0 for d, s in pairs), default=math.inf)


def _outputs(derivation: Derivation, params: Params) -> list[float]:
    values = derivation.evaluate(params)
    return [values[f"out_{unit}"] for unit in ("h1", "h2", "o1", "o2")]


def _smallest_change(derivation: Derivation, params: Params) -> float:
    values = derivation.evaluate(params)
    return min(abs(params["eta"] * values[f"dE_d{name}"]) for name in (*WEIGHTS, *BIASES))


def variation(question: Question) -> Variation:
    """Per-student numbers of Q1 that keep it as hard as the course's own question."""
    derivation = next(p for p in question.parts if isinstance(p, Derivation))
    gaps = MistakeGaps(derivation)
    low, high = SATURATION
    return Variation(
        draw=_draw,
        constraints=(
            Constraint(
                f"no unit saturates ({low:g} < out < {high:g} for every unit)",
                lambda p: all(low < out < high for out in _outputs(derivation, p)),
            ),
            Constraint(
                f"every update changes its value by at least {SMALLEST_CHANGE:g}",
                lambda p: _smallest_change(derivation, p) >= SMALLEST_CHANGE,
            ),
            Constraint(
                f"every named mistake is at least {MISTAKE_GAP:.0%} away from the right answer "
                "(w2 ≠ w3 and w6 ≠ w7 among others)",
                lambda p: gaps.smallest(p) >= MISTAKE_GAP,
            ),
        ),
        cross_checks=(torch_cross_check,),
    )


def torch_cross_check(homework: Homework, params: Params) -> str | None:
    """Recompute Q1 with torch autograd; a problem when any value differs from the graph."""
    import torch

    derivation = next(p for p in homework.question("hw1.q1").parts if isinstance(p, Derivation))
    expected = derivation.evaluate(params)
    v = {
        name: torch.tensor(float(params[name]), dtype=torch.float64, requires_grad=True)
        for name in (*WEIGHTS, *BIASES)
    }
    i1, i2, t1, t2 = (float(params[name]) for name in ("i1", "i2", "t1", "t2"))
    got = {"net_h1": v["w1"] * i1 + v["w2"] * i2 + v["b1"]}
    got["net_h2"] = v["w3"] * i1 + v["w4"] * i2 + v["b1"]
    got["out_h1"], got["out_h2"] = torch.sigmoid(got["net_h1"]), torch.sigmoid(got["net_h2"])
    got["net_o1"] = v["w5"] * got["out_h1"] + v["w6"] * got["out_h2"] + v["b2"]
    got["net_o2"] = v["w7"] * got["out_h1"] + v["w8"] * got["out_h2"] + v["b2"]
    got["out_o1"], got["out_o2"] = torch.sigmoid(got["net_o1"]), torch.sigmoid(got["net_o2"])
    got["E"] = 0.5 * (t1 - got["out_o1"]) ** 2 + 0.5 * (t2 - got["out_o2"]) ** 2
    got["E"].backward()
    numbers = {name: float(value.detach()) for name, value in got.items()}
    for name, tensor in v.items():
        assert tensor.grad is not None
        numbers[f"dE_d{name}"] = float(tensor.grad)
        numbers[f"{name}_new"] = float(tensor.detach()) - float(params["eta"]) * float(tensor.grad)
    asked = {item.variable for item in derivation.items}
    if asked - set(numbers):
        return f"torch cross-check misses {', '.join(sorted(asked - set(numbers)))}"
    worst = max(abs(value - expected[name]) for name, value in numbers.items())
    return None if worst < 1e-9 else f"torch autograd differs from the reference by {worst:g}"


def homework() -> Homework:
    """HW1 as graded: Q1 (derivation), Q2 (symbolic deltas), Q3 (choice and mapping)."""
    q1 = Question(
        id="hw1.q1",
        title="One step of backpropagation by hand",
        prompt=Q1_PROMPT,
        parts=(backprop_derivation(),),
        prompt_fa=Q1_PROMPT_FA,
        answer_help="plain numbers (int or float); keep at least 4 significant figures.",
    )
    q2 = Question(
        id="hw1.q2",
        title="Delta terms of a three-layer network",
        prompt=Q2_PROMPT,
        parts=related_delta_parts(),
        prompt_fa=Q2_PROMPT_FA,
        answer_help=Q2_HELP + "\n\n" + READING_HELP,
    )
    q3 = Question(
        id="hw1.q3",
        title="Softmax with two classes is logistic regression",
        prompt=Q3_PROMPT,
        parts=(
            more_expressive(),
            SoftmaxMapping(
                Item("q3_W_l", "W_l as a formula of W_s, b_s", 1.5, "a formula"),
                Item("q3_b_l", "b_l as a formula of W_s, b_s", 1.5, "a formula"),
            ),
        ),
        prompt_fa=Q3_PROMPT_FA,
        answer_help=Q3_HELP,
    )
    return Homework(
        id="hw1",
        title="Series 1: backpropagation and softmax",
        questions=(q1, q2, q3),
        params=PARAMS,
        limits=Limits(cell=30.0, notebook=120.0),
        variation=variation(q1),
        persian=persian_names(),
    )


def persian_names() -> Names:
    """HW1's title, question titles and answer labels in Persian, for ``--lang fa`` reports."""
    items: dict[str, str] = {}
    for unit in ("h1", "h2", "o1", "o2"):
        items[f"net_{unit}"] = f"ورودی خالص نورون {unit}، net_{unit}"
        items[f"out_{unit}"] = f"خروجی نورون {unit}، یعنی out_{unit} = σ(net_{unit})"
    items["E"] = "خطای کل شبکه، E = ½Σ(t − out)²"
    for k in (5, 6, 7, 8, 1, 2, 3, 4):
        items[f"dE_dw{k}"] = f"گرادیان ∂E/∂w{k}"
    items["dE_db2"] = "گرادیان ∂E/∂b2 (بایاس مشترک o1 و o2)"
    items["dE_db1"] = "گرادیان ∂E/∂b1 (بایاس مشترک h1 و h2)"
    for name in ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2"):
        items[f"{name}_new"] = f"مقدار {name} پس از به‌روزرسانی"
    items |= {
        "q2_delta1": "بخش الف: δ1 = ∂f/∂z2_1",
        "q2_delta2_1": "بخش ب: مؤلفهٔ اول δ2، یعنی ∂f/∂z2_1",
        "q2_delta2_2": "بخش ب: مؤلفهٔ دوم δ2، یعنی ∂f/∂z2_2",
        "q2_delta3_1": "بخش پ: مؤلفهٔ اول δ3، یعنی ∂f/∂z1_1",
        "q2_delta3_2": "بخش پ: مؤلفهٔ دوم δ3، یعنی ∂f/∂z1_2",
        "q2_delta4": "بخش ت: δ4 = ∂f/∂w1_11",
        "q3_more_expressive": "آیا رویکرد ۲ می‌تواند مدل‌های پیچیده‌تری از رویکرد ۱ یاد بگیرد؟",
        "q3_W_l": "وزن W_l بر حسب W_s و b_s",
        "q3_b_l": "بایاس b_l بر حسب W_s و b_s",
    }
    return Names(
        title="تمرین سری اول: پس‌انتشار خطا و softmax",
        questions={
            "hw1.q1": "یک گام پس‌انتشار خطا، به‌صورت دستی",
            "hw1.q2": "جمله‌های δ در یک شبکهٔ سه‌لایه",
            "hw1.q3": "softmax با دو کلاس همان رگرسیون لجستیک است",
        },
        items=items,
    )
