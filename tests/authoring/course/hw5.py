"""A course's own homework, written the way a course author writes one: this file imports only
from ``graders.authoring`` and lives outside the grader (``grade.py --reference FILE``).

HW5 (a test's homework): the softmax of two logits, the derivative of a scaled tanh, and the
table of a ReLU applied to a small matrix, each with a named mistake and a Persian translation.
"""

from __future__ import annotations

import math

import numpy as np
import sympy

from graders.authoring import (
    Diagnosis,
    ExpressionPart,
    Homework,
    Item,
    Mistake,
    Names,
    NumberPart,
    Params,
    Question,
    TablePart,
    Tolerance,
)

PARAMS: Params = {"z1": 2.0, "z2": 0.5, "k": 3, "m": [[1.5, -2.0], [-0.5, 4.0]]}

FORGOT_EXPONENT = Mistake(
    "forgot-exponent",
    "The logits were normalised without the exponential: z1 / (z1 + z2).",
    persian="لوجیت‌ها بدون تابع نمایی نرمال شده‌اند: z1 / (z1 + z2).",
)
CHAIN_FACTOR = Mistake(
    "chain-factor",
    "The inner derivative k of tanh(k·x) is missing.",
    persian="مشتق درونی k در tanh(k·x) از قلم افتاده است.",
)
NEGATIVES_KEPT = Mistake(
    "negatives-kept",
    "Negative entries were kept: ReLU sets them to zero.",
    persian="درایه‌های منفی نگه داشته شده‌اند: ReLU آن‌ها را صفر می‌کند.",
)


def softmax_first(params: Params) -> float:
    z1, z2 = float(params["z1"]), float(params["z2"])
    return math.exp(z1) / (math.exp(z1) + math.exp(z2))


def tanh_derivative(params: Params) -> sympy.Expr:
    x = sympy.Symbol("x", real=True)
    k = int(params["k"])
    return k * (1 - sympy.tanh(k * x) ** 2)


def relu_table(params: Params) -> np.ndarray:
    return np.maximum(np.asarray(params["m"], dtype=float), 0.0)


def homework() -> Homework:
    x = sympy.Symbol("x", real=True)
    q1 = Question(
        "hw5.q1",
        "Softmax of two logits",
        "Give p1 = softmax(z)₁ for z = ({z1:g}, {z2:g}).",
        (
            NumberPart(
                Item("p1", "Probability of class 1", 2.0),
                softmax_first,
                Tolerance(rtol=1e-3),
                mistakes=((FORGOT_EXPONENT, lambda p: p["z1"] / (p["z1"] + p["z2"])),),
            ),
        ),
    )
    q2 = Question(
        "hw5.q2",
        "Derivative of tanh(kx)",
        "Give d/dx tanh({k}·x) as a formula of x.",
        (
            ExpressionPart(
                Item("dtanh", "d/dx tanh(kx)", 2.0, 'a formula of x, e.g. "1 - tanh(x)**2"'),
                tanh_derivative,
                variables=("x",),
                mistakes=((CHAIN_FACTOR, lambda p: 1 - sympy.tanh(int(p["k"]) * x) ** 2),),
            ),
        ),
    )
    q3 = Question(
        "hw5.q3",
        "ReLU of a matrix",
        "Give ReLU(M) for M = {m}, as a list of rows.",
        (
            TablePart(
                Item("relu_m", "ReLU(M)", 2.0, "a list of lists"),
                relu_table,
                lambda p: (Diagnosis(NEGATIVES_KEPT, lambda table: np.asarray(p["m"], float)),),
            ),
        ),
    )
    return Homework(
        id="hw5",
        title="Series 5: softmax, tanh and ReLU",
        questions=(q1, q2, q3),
        params=PARAMS,
        persian=Names(
            "تمرین سری پنجم: سافت‌مکس، tanh و ReLU",
            {"hw5.q1": "سافت‌مکس دو لوجیت", "hw5.q2": "مشتق tanh(kx)", "hw5.q3": "ReLU یک ماتریس"},
            {"p1": "احتمال کلاس ۱", "dtanh": "مشتق tanh(kx)", "relu_m": "ReLU ماتریس M"},
        ),
    )
