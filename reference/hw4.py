"""HW4 (series 4): two epochs of backpropagation by hand.

Q2's network: i1, i2 -> linear hidden units h1 = i1*w1 + i2*w2, h2 = i1*w3 + i2*w4 (no biases)
-> y_hat = sigmoid(h1*w5 + h2*w6), loss L = (y - y_hat)^2, plain gradient descent on the one
sample for two epochs. Every value is a step of a derivation graph, so the same graph gives the
reference, the formulas shown in feedback and the follow-through values.
"""

from __future__ import annotations

import random

import sympy

from graders.authoring import (
    YES_NO,
    ChoicePart,
    Constraint,
    Derivation,
    Homework,
    Item,
    Limits,
    Mistake,
    Names,
    Params,
    Question,
    Step,
    TextPart,
    Tolerance,
    Variation,
)
from reference.training import WARM, hw4_q3, setup_source

PARAMS = {
    "i1": 3.0,
    "i2": 5.0,
    "y": 1.0,
    "eta": 0.1,
    **{f"w{k}": round(0.1 * k, 1) for k in range(1, 7)},
}
EPOCHS = 2
STEP_POINTS = 0.5

UPDATE_SIGN = Mistake(
    "update-sign",
    "The update moves the weight with the gradient (w + η·∂L/∂w) instead of against it.",
    persian="به‌روزرسانی وزن را در جهت گرادیان برده است (w + η·∂L/∂w) به جای خلاف جهت آن.",
)
MISSING_SIGMOID_DERIVATIVE = Mistake(
    "missing-sigmoid-derivative",
    "The factor σ′(z) = ŷ(1 − ŷ) of the output unit is missing from the chain rule.",
    persian="ضریب σ′(z) = ŷ(1 − ŷ) واحد خروجی در قاعدهٔ زنجیره‌ای از قلم افتاده است.",
)
MSE_FACTOR_2 = Mistake(
    "mse-factor-2",
    "The derivative of (y − ŷ)² is −2(y − ŷ); the factor 2 is missing.",
    persian="مشتق (y − ŷ)² برابر −2(y − ŷ) است؛ ضریب ۲ از قلم افتاده است.",
)
WRONG_LEARNING_RATE = Mistake(
    "wrong-learning-rate",
    "The update uses a learning rate other than the question's η.",
    persian="در به‌روزرسانی نرخ یادگیری‌ای غیر از η سؤال به کار رفته است.",
)

S = sympy.Symbol


def _sigmoid(z: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-z))


def _gradient_steps(p: str, w: list[sympy.Symbol]) -> list[Step]:
    """∂L/∂w_k of epoch prefix ``p``, with the named mistakes of the chain rule."""
    y, y_hat = S("y"), S(f"{p}_y_hat")
    h1, h2, i1, i2 = S(f"{p}_h1"), S(f"{p}_h2"), S("i1"), S("i2")
    dloss = -2 * (y - y_hat)
    dsig = y_hat * (1 - y_hat)
    local = {1: w[4] * i1, 2: w[4] * i2, 3: w[5] * i1, 4: w[5] * i2, 5: h1, 6: h2}
    chain = f"-2*(y - {y_hat})*{y_hat}*(1 - {y_hat})"  # as the course writes it
    written = {1: f"{w[4]}*i1", 2: f"{w[4]}*i2", 3: f"{w[5]}*i1", 4: f"{w[5]}*i2", 5: h1, 6: h2}
    steps = []
    for k in range(1, 7):
        steps.append(
            Step(
                f"{p}_dw{k}",
                f"∂L/∂w{k} (epoch {p[1:]})",
                dloss * dsig * local[k],
                STEP_POINTS,
                mistakes=(
                    (MISSING_SIGMOID_DERIVATIVE, dloss * local[k]),
                    (MSE_FACTOR_2, dloss / 2 * dsig * local[k]),
                ),
                written=f"{chain}*{written[k]}",
            )
        )
    return steps


def _update_steps(p: str, w: list[sympy.Symbol]) -> list[Step]:
    eta = S("eta")
    steps = []
    for k in range(1, 7):
        grad = S(f"{p}_dw{k}")
        steps.append(
            Step(
                f"{p}_w{k}",
                f"w{k} after epoch {p[1:]}",
                w[k - 1] - eta * grad,
                STEP_POINTS,
                scale=eta * grad,
                mistakes=(
                    (UPDATE_SIGN, w[k - 1] + eta * grad),
                    (WRONG_LEARNING_RATE, w[k - 1] - 10 * eta * grad),
                    (WRONG_LEARNING_RATE, w[k - 1] - eta / 10 * grad),
                    (WRONG_LEARNING_RATE, w[k - 1] - grad),
                ),
                written=f"{w[k - 1]} - eta*{grad}",
            )
        )
    return steps


def _epoch(e: int) -> list[Step]:
    p = f"e{e}"
    w = [S(f"w{k}") if e == 1 else S(f"e{e - 1}_w{k}") for k in range(1, 7)]
    i1, i2, y = S("i1"), S("i2"), S("y")
    h1, h2 = S(f"{p}_h1"), S(f"{p}_h2")
    y_hat = S(f"{p}_y_hat")
    output = _sigmoid(h1 * w[4] + h2 * w[5])
    hidden = [
        Step(
            f"{p}_h{k}",
            f"h{k} (epoch {e})",
            i1 * w[2 * k - 2] + i2 * w[2 * k - 1],
            STEP_POINTS,
            written=f"i1*{w[2 * k - 2]} + i2*{w[2 * k - 1]}",
        )
        for k in (1, 2)
    ]
    forward = [
        *hidden,
        Step(
            f"{p}_y_hat",
            f"ŷ (epoch {e})",
            output,
            STEP_POINTS,
            scale=sympy.Min(output, 1 - output),  # a probability, judged by its distance to 0 or 1
            written=f"sigmoid({h1}*{w[4]} + {h2}*{w[5]})",
        ),
        Step(
            f"{p}_loss",
            f"L (epoch {e})",
            (y - y_hat) ** 2,
            STEP_POINTS,
            written=f"(y - {y_hat})**2",
        ),
    ]
    return forward + _gradient_steps(p, w) + _update_steps(p, w)


def backprop_derivation() -> Derivation:
    """The derivation graph of Q2: forward pass, loss, gradients and updates per epoch."""
    steps = [step for e in range(1, EPOCHS + 1) for step in _epoch(e)]
    return Derivation(
        tuple(steps), tuple(PARAMS), Tolerance(rtol=0.02, atol=1e-6), notation=notation()
    )


def notation() -> dict[str, str]:
    """How the course writes Q2's quantities (LaTeX): epoch e's as a superscript (e)."""
    names = {}
    for e in range(1, EPOCHS + 1):
        names[f"e{e}_y_hat"] = rf"\hat{{y}}^{{({e})}}"
        names[f"e{e}_loss"] = rf"L^{{({e})}}"
        for k in (1, 2):
            names[f"e{e}_h{k}"] = rf"h_{{{k}}}^{{({e})}}"
        for k in range(1, 7):
            names[f"e{e}_dw{k}"] = rf"\frac{{\partial L^{{({e})}}}}{{\partial w_{{{k}}}}}"
            names[f"e{e}_w{k}"] = rf"w_{{{k}}}^{{({e})}}"
    return names


Q2_PROMPT = """\
**Two epochs of backpropagation by hand.** A network has two inputs i1 = {i1:g}, i2 = {i2:g}
and target y = {y:g}. Two *linear* hidden units (no biases) feed one sigmoid output:

    h1 = i1*w1 + i2*w2        h2 = i1*w3 + i2*w4
    y_hat = sigmoid(h1*w5 + h2*w6)
    L = (y - y_hat)**2

Initial weights w1..w6 = {w1:g}, {w2:g}, {w3:g}, {w4:g}, {w5:g}, {w6:g}; learning rate
η = {eta:g}. Train for two epochs of plain gradient descent on this one sample
(w ← w − η·∂L/∂w). For each epoch give the forward pass (h1, h2, ŷ), the loss, the six
gradients ∂L/∂w1..∂L/∂w6 (computed with that epoch's weights) and the six updated weights.
Then say whether the network has converged after two epochs.

Write plain numbers (you may round; keep at least 4 significant figures). Each epoch's values
go in the variables `e1_...` and `e2_...` below.
"""


CONVERGED_GRADIENT = 1e-3  # converged: every gradient of the last epoch below this size


def converged(derivation: Derivation) -> ChoicePart:
    """Has the network converged after two epochs? Yes iff the last gradients vanished."""

    def expected(params: Params) -> str:
        values = derivation.evaluate(params)
        grads = [abs(values[f"e{EPOCHS}_dw{k}"]) for k in range(1, 7)]
        return "yes" if max(grads) < CONVERGED_GRADIENT else "no"

    item = Item("converged", "Converged after two epochs?", 1.0, 'write "yes" or "no"')
    return ChoicePart(item, YES_NO, expected)


Q1_PROMPT = """\
**Adaptive optimisers and SGD.** Compare adaptive optimisers (Adam, RMSprop, AdaGrad) with
stochastic gradient descent (with or without momentum): how fast do they converge on the
training data, how much tuning do they need, and how well do the models they find generalise?
Answer in a few sentences, in English or Persian.
"""

Q1_RUBRIC = """\
{points} points. 2: adaptive methods converge faster on the training data and need less tuning of
the learning rate (good with sparse data). 2: SGD (with momentum / Nesterov) and a good
learning-rate schedule often generalises better than Adam, at the cost of more epochs and
tuning. 1: a reason or source (e.g. adaptive steps settle in sharper minima; published
comparisons). Deduct for claiming one optimiser is better in every respect.
"""

Q1_MODEL = (
    "Adaptive optimisers (AdaGrad, RMSprop, Adam) scale each parameter's step by a running "
    "measure of its past gradients, so they make fast progress on the training loss from the "
    "first epochs, cope with badly scaled or sparse gradients and work with a default learning "
    "rate. SGD, especially with momentum (or Nesterov) and a learning-rate schedule, needs more "
    "tuning and more epochs, but the models it finds often generalise better: on image "
    "classification SGD with momentum usually reaches a higher test accuracy than Adam, which "
    "tends to settle in sharper minima. Neither is better in every respect: Adam for speed and "
    "little tuning, tuned SGD for the last points of test accuracy."
)


def _draw(rng: random.Random) -> Params:
    """One candidate variant: small integer inputs, one-decimal weights, a usual η."""
    return {
        "i1": float(rng.randint(1, 5)),
        "i2": float(rng.randint(1, 5)),
        "eta": rng.choice([0.05, 0.1, 0.2]),
        **{f"w{k}": rng.randint(1, 9) / 10 for k in range(1, 7)},
    }


def variation(derivation: Derivation) -> Variation:
    """Per-student numbers of Q2 that keep the question as hard as the course's own."""

    def first_output(params: Params) -> float:
        return derivation.evaluate(params)["e1_y_hat"]

    def loss_decreases(params: Params) -> bool:
        values = derivation.evaluate(params)
        return values[f"e{EPOCHS}_loss"] < values["e1_loss"]

    def gradients_visible(params: Params) -> bool:
        values = derivation.evaluate(params)
        return min(abs(values[f"e1_dw{k}"]) for k in range(1, 7)) > 1e-3

    return Variation(
        draw=_draw,
        constraints=(
            Constraint(
                "the output unit does not saturate (0.6 < ŷ < 0.97 in epoch 1)",
                lambda p: 0.6 < first_output(p) < 0.97,
            ),
            Constraint("the learning rate leaves the loss decreasing", loss_decreases),
            Constraint("every gradient of epoch 1 is larger than 1e-3", gradients_visible),
        ),
        cross_checks=(torch_cross_check,),
    )


def torch_cross_check(homework: Homework, params: Params) -> str | None:
    """Recompute Q2 with torch autograd; a problem when any value differs from the graph."""
    import torch

    derivation = next(
        part for q in homework.questions for part in q.parts if isinstance(part, Derivation)
    )
    expected = derivation.evaluate(params)
    w = torch.tensor([params[f"w{k}"] for k in range(1, 7)], dtype=torch.float64)
    i1, i2, y, eta = (params[n] for n in ("i1", "i2", "y", "eta"))
    worst = 0.0
    for e in range(1, EPOCHS + 1):
        w = w.detach().requires_grad_(True)
        h1, h2 = i1 * w[0] + i2 * w[1], i1 * w[2] + i2 * w[3]
        y_hat = torch.sigmoid(h1 * w[4] + h2 * w[5])
        loss = (y - y_hat) ** 2
        loss.backward()
        assert w.grad is not None
        got = {"h1": h1, "h2": h2, "y_hat": y_hat, "loss": loss}
        got |= {f"dw{k}": w.grad[k - 1] for k in range(1, 7)}
        w = (w - eta * w.grad).detach()
        got |= {f"w{k}": w[k - 1] for k in range(1, 7)}
        for name, value in got.items():
            worst = max(worst, abs(float(value.detach()) - expected[f"e{e}_{name}"]))
    return None if worst < 1e-9 else f"torch autograd differs from the reference by {worst:g}"


def homework() -> Homework:
    """HW4 as graded: Q1 (text, by a person), Q2 (the derivation and converged?) and Q3 (a
    CIFAR-10 CNN, measured by the grader: ``reference.training``)."""
    q1 = Question(
        id="hw4.q1",
        title="Adaptive optimisers and SGD",
        prompt=Q1_PROMPT,
        parts=(
            TextPart(
                Item(
                    "q1_answer",
                    "Comparison of adaptive optimisers and SGD",
                    5.0,
                    "a string, English or Persian",
                ),
                Q1_RUBRIC,
                Q1_MODEL,
            ),
        ),
    )
    derivation = backprop_derivation()
    q2 = Question(
        id="hw4.q2",
        title="Two epochs of backpropagation by hand",
        prompt=Q2_PROMPT,
        parts=(derivation, converged(derivation)),
    )
    return Homework(
        id="hw4",
        title="Series 4: optimisation and backpropagation",
        questions=(q1, q2, hw4_q3()),
        params=PARAMS,
        limits=Limits(cell=10.0, notebook=120.0),
        setup=setup_source(),
        warm=WARM,
        variation=variation(derivation),
        persian=persian_names(),
    )


def persian_names() -> Names:
    """HW4's title, question titles and answer labels in Persian, for ``--lang fa`` reports."""
    items = {
        "q1_answer": "مقایسهٔ بهینه‌سازهای تطبیقی (adaptive) و SGD",
        "converged": "آیا شبکه پس از دو دوره همگرا شده است؟",
        "q3_model": "شبکهٔ کانولوشنی آموزش‌دیده",
        "q3_accuracy": "دقت آزمونی که خودتان اندازه گرفتید",
        "q3_per_class": "دقت آزمون هر کلاس",
        "q3_transforms": "تبدیل‌های داده‌افزایی",
    }
    for epoch, nth in ((1, "اول"), (2, "دوم")):
        in_epoch = f"دورهٔ {nth}"
        items |= {
            f"e{epoch}_h1": f"مقدار h1 در {in_epoch}",
            f"e{epoch}_h2": f"مقدار h2 در {in_epoch}",
            f"e{epoch}_y_hat": f"خروجی ŷ در {in_epoch}",
            f"e{epoch}_loss": f"تابع هزینهٔ L در {in_epoch}",
        }
        for k in range(1, 7):
            items[f"e{epoch}_dw{k}"] = f"گرادیان ∂L/∂w{k} در {in_epoch}"
            items[f"e{epoch}_w{k}"] = f"وزن w{k} پس از {in_epoch}"
    return Names(
        title="تمرین سری چهارم: بهینه‌سازی و پس‌انتشار خطا",
        questions={
            "hw4.q1": "بهینه‌سازهای تطبیقی و SGD",
            "hw4.q2": "دو دورهٔ پس‌انتشار خطا، به‌صورت دستی",
            "hw4.q3": "شبکهٔ کانولوشنی برای CIFAR-10 با داده‌افزایی",
        },
        items=items,
    )
