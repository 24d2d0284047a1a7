"""HW2 (series 2): overfitting, dropout, regularisation, distillation and learning rates.

Graded here: Q1 (overfitting in words; the four dropout tables and the keep probability), Q2
(k-NN bias and variance; three true/false statements; which regulariser produced each weight
vector), Q3 (knowledge distillation, in words) and Q4 (SGD and momentum at four learning
rates). Q5 trains a model and is graded elsewhere.

Every reference follows from the parameters:

- the dropout tables from the layer output and the mask, with ``p`` the fraction of ones in
  the mask (the keep probability: the course's definition);
- k-NN's bias and variance from a simulation of k-NN regression at a small and a large k;
- the regulariser of a weight vector from the rule of ``regulariser_of``;
- the diverging learning rates and the best rate of each optimiser from the full-batch
  training runs of ``optimiser_runs``, the same runs the released notebook's ``train_digits``
  makes with torch (here in numpy, through the Gram matrix of the data).

The three true/false statements of Q2(b) are facts about regularisation, not functions of a
parameter; ``STATEMENTS`` declares them and the tests back each one with an experiment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from graders.authoring import (
    ABSENT,
    TRUE_FALSE,
    Answer,
    ChoicePart,
    Diagnosis,
    Homework,
    Item,
    Limits,
    Mistake,
    Names,
    NumberPart,
    Options,
    Params,
    Question,
    TablePart,
    Text,
    TextPart,
    Verdict,
    check_choice,
    check_table,
    choice_options,
    digits_training,
    mirrored,
    to_npy,
    transposed,
)
from reference import training
from reference.dropout import DropoutTable, dropout_diagnoses, dropout_table

OUTPUT = (
    (1.6, -0.7, -0.2, 1.9),
    (-2.3, 2.5, 2.5, -0.9),
    (-0.5, 3.2, 3.7, -0.4),
    (1.3, -0.4, -2.6, 1.2),
)
MASK = (
    (1, 0, 0, 1),
    (0, 1, 1, 0),
    (0, 1, 1, 0),
    (1, 0, 0, 1),
)
WEIGHTS = (
    (0.26, 0.25, 0.25, 0.25),
    (1.0, 0.0, 0.0, 0.0),
    (13.3, 23.5, 53.2, 5.1),
    (0.5, 1.2, 8.5, 0.0),
)

PARAMS: dict[str, Any] = {
    "output": OUTPUT,
    "mask": MASK,
    # k-NN regression of y = sin(2πx) + noise, x uniform on [0, 1] (Q2(a))
    "knn_k_small": 1,
    "knn_k_large": 25,
    "knn_n_train": 50,
    "knn_noise": 0.3,
    "knn_repeats": 200,
    "knn_seed": 0,
    "weights": WEIGHTS,
    # Q4: a linear model on scikit-learn's digits, full batch, MSE on one-hot labels
    "rates": (0.001, 0.01, 0.1, 1.0),
    "momentum": 0.9,
    "steps": 100,
}

OPTIMISERS = ("sgd", "momentum")


# --------------------------------------------------------------------------------------------
# Q1(c): dropout


def keep_probability(params: Params) -> float:
    """p, the fraction of units the mask keeps (ones in the mask): the course's definition."""
    return float(np.mean(np.asarray(params["mask"], dtype=float)))


def _dropout_expected(table: DropoutTable) -> Callable[[Params], np.ndarray]:
    def expected(params: Params) -> np.ndarray:
        return dropout_table(table, params["output"], params["mask"], keep_probability(params))

    return expected


def _dropout_known(table: DropoutTable) -> Callable[[Params], Sequence[Diagnosis]]:
    def known(params: Params) -> Sequence[Diagnosis]:
        specific = dropout_diagnoses(
            table, params["output"], params["mask"], keep_probability(params)
        )
        return (*specific, transposed(), mirrored())

    return known


DROPOUT_ITEMS = (
    (DropoutTable.STANDARD_TRAIN, "q1c_standard_train", "standard dropout, training"),
    (DropoutTable.STANDARD_TEST, "q1c_standard_test", "standard dropout, test time"),
    (DropoutTable.INVERTED_TRAIN, "q1c_inverted_train", "inverted dropout, training"),
    (DropoutTable.INVERTED_TEST, "q1c_inverted_test", "inverted dropout, test time"),
)
TABLE_HINT = "a 4×4 list of lists or numpy array"


def dropout_parts() -> tuple[TablePart, ...]:
    """The four tables of Q1(c), each with the dropout diagnoses, transposed and mirrored."""
    return tuple(
        TablePart(
            Item(variable, f"Layer after {label}", 1.75, TABLE_HINT),
            _dropout_expected(table),
            _dropout_known(table),
        )
        for table, variable, label in DROPOUT_ITEMS
    )


DROP_FRACTION = Mistake(
    "dropout.drop_fraction",
    "This is the fraction of units dropped; p here is the fraction kept (ones in the mask).",
    persian="این سهم واحدهای حذف‌شده است؛ اینجا p سهم واحدهای نگه‌داشته‌شده است (یک‌های ماسک).",
)


def keep_probability_part() -> NumberPart:
    return NumberPart(
        Item("q1c_p", "p, the fraction of units kept", 1.0, "a number"),
        keep_probability,
        mistakes=((DROP_FRACTION, lambda params: 1.0 - keep_probability(params)),),
    )


def _rows(table: Any) -> list[str]:
    """A table's rows as aligned text (numbers as the question writes them)."""
    return ["  ".join(f"{float(x):5g}" for x in row) for row in table]


def layer_block(params: Params) -> str:
    """The layer output and the mask side by side, as an indented (code) block."""
    left, right = _rows(params["output"]), _rows(params["mask"])
    width = max(len(r) for r in left)
    lines = [f"{'layer output'.ljust(width)}      dropout mask"]
    lines += [f"{a.ljust(width)}      {b}" for a, b in zip(left, right, strict=True)]
    return "\n".join("    " + line for line in lines)


Q1_PROMPT = """\
**Overfitting, underfitting and dropout** ({points:g} points).

(a) Explain the problems of overfitting and underfitting in neural networks.

(b) Suppose we have a model that has already been trained. How can we tell whether it
overfits?

(c) Dropout is one way to prevent overfitting. One layer of a network produced the output
below, and this is its dropout mask (1 = the unit is kept, 0 = it is dropped):

{layer_block}

Here **p is the keep probability: the fraction of units kept, i.e. of ones in the mask** (the
course's definition; note that PyTorch's `nn.Dropout(p)` uses p for the fraction *dropped*).
Give p, then the values of this layer after dropout, as four 4×4 tables:

- `q1c_standard_train`: standard dropout, during training;
- `q1c_standard_test`: standard dropout, at test time;
- `q1c_inverted_train`: inverted dropout, during training;
- `q1c_inverted_test`: inverted dropout, at test time.

Answer (a) and (b) in a few sentences, in English or Persian.
"""

Q1_PROMPT_FA = """\
۱. به سؤالات زیر پاسخ دهید. (۱۵ نمره)

الف) مشکل بیش‌برازش (Overfitting) و کم‌برازش (Underfitting) در شبکه‌های عصبی را توضیح دهید.

ب) فرض کنید مدلی داریم که قبلاً آموزش دیده است. چگونه می‌توانیم بیش‌برازش مدل را تشخیص دهیم؟

پ) یکی از راه‌های جلوگیری از بیش‌برازش استفاده از Dropout است. فرض کنید مقادیر یکی از
لایه‌های یک شبکهٔ عصبی و ماسک Dropout به صورت زیر باشند. مقادیر نهایی این لایه بعد از اعمال
Dropout را در مرحلهٔ آموزش و آزمون محاسبه کنید.
"""

Q1A_RUBRIC = """\
{points} points. Overfitting (2.5): the model fits the training data too closely, noise included,
and loses its ability to generalise: low training error, high test error; high variance, low
bias (small changes of the input change the output a lot). Underfitting (2.5): the model is
too simple (or trained too briefly, or regularised too much) to capture the relation between
inputs and outputs: high error on both the training and the test data; high bias, low
variance. Deduct 1 for each side that lacks either its symptom or its bias/variance reading.
"""
Q1A_MODEL = (
    "Overfitting: the network learns the training data too closely, noise included, so the "
    "training error is low but the error on new (test) data is high; it has high variance and "
    "low bias. Underfitting: the network is too simple, trained too briefly or regularised too "
    "much to capture the relation between inputs and outputs, so the error is high on both the "
    "training and the test data; it has high bias and low variance."
)
Q1B_RUBRIC = """\
{points} points. Overfitting is judged by comparing the model's performance on the training \
data with
its performance on held-out (validation/test) data: a low training error with a much higher
test error means overfitting (1). The model alone is not enough: without its training and
test (or validation) results, or data to measure them on, one cannot tell (1) — the official
key's point.
"""
Q1B_MODEL = (
    "By comparing its error (or accuracy) on the training data with that on held-out "
    "validation/test data: a low training error and a much higher test error mean it overfits. "
    "From the trained model alone, without its training and test results, we cannot tell."
)


# --------------------------------------------------------------------------------------------
# Q2(a): k-NN bias and variance, measured by simulation

LEVELS = choice_options(
    {
        "low": {"low", "small", "lower", "smaller", "کم", "پایین", "کمتر", "کوچک"},
        "high": {"high", "large", "higher", "larger", "زیاد", "بالا", "بیشتر", "بزرگ"},
    }
)


def knn_bias_variance(params: Params) -> dict[int, tuple[float, float]]:
    """Bias² and variance of k-NN regression at the small and the large k of the question.

    Each of ``knn_repeats`` training sets has ``knn_n_train`` points x ~ U(0, 1) with
    y = sin(2πx) + N(0, knn_noise²); both k see the same training sets. Bias² and variance are
    averaged over 50 test points spread over [0.05, 0.95]. Returns k -> (bias², variance).
    """
    rng = np.random.default_rng(params["knn_seed"])
    ks = (int(params["knn_k_small"]), int(params["knn_k_large"]))
    n, repeats = int(params["knn_n_train"]), int(params["knn_repeats"])
    x_test = np.linspace(0.05, 0.95, 50)
    truth = np.sin(2 * np.pi * x_test)
    predictions = {k: np.empty((repeats, x_test.size)) for k in ks}
    for r in range(repeats):
        x = rng.uniform(0.0, 1.0, n)
        y = np.sin(2 * np.pi * x) + rng.normal(0.0, params["knn_noise"], n)
        order = np.argsort(np.abs(x_test[:, None] - x[None, :]), axis=1, kind="stable")
        for k in ks:
            predictions[k][r] = y[order[:, :k]].mean(axis=1)
    return {
        k: (
            float(np.mean((p.mean(axis=0) - truth) ** 2)),
            float(np.mean(p.var(axis=0))),
        )
        for k, p in predictions.items()
    }


KNN_ITEMS = (
    ("q2a_small_k_bias", "Bias at small K", "small", 0),
    ("q2a_small_k_variance", "Variance at small K", "small", 1),
    ("q2a_large_k_bias", "Bias at large K", "large", 0),
    ("q2a_large_k_variance", "Variance at large K", "large", 1),
)


def knn_level(size: str, measure: int) -> Callable[[Params], str]:
    """'low' or 'high': the measure (0 bias², 1 variance) at one k compared with the other k."""

    def expected(params: Params) -> str:
        measured = knn_bias_variance(params)
        small, large = int(params["knn_k_small"]), int(params["knn_k_large"])
        here, other = (small, large) if size == "small" else (large, small)
        return "low" if measured[here][measure] < measured[other][measure] else "high"

    return expected


Q2A_RUBRIC = """\
{points} points. Small K (K = 1): the prediction follows the nearest training points, noise \
included,
so the model fits the training data completely: low bias, high variance (overfitting). Large K:
each prediction averages many neighbours, so it is smoother and changes little from one
training set to another, but it misses the detail of the function: high bias, low variance
(underfitting). 1 for each side with its reason.
"""
Q2A_MODEL = (
    "With a small K (K = 1) each prediction copies the nearest training point, noise included: "
    "the model fits the training data completely, so the bias is low and the variance high. "
    "A large K averages many neighbours: predictions are smooth and change little between "
    "training sets (low variance) but miss the function's detail (high bias)."
)


# --------------------------------------------------------------------------------------------
# Q2(b): true or false


@dataclass(frozen=True)
class Statement:
    """A statement of Q2(b) and whether it is true."""

    variable: str
    text: str
    text_fa: str
    true: bool


STATEMENTS = (
    Statement(
        "q2b_1",
        "Using regularisation may weaken the model's performance.",
        "استفاده از منظم‌سازی، ممکن است باعث تضعیف عملکرد مدل شود.",
        True,
    ),
    Statement(
        "q2b_2",
        "Adding a large number of new features prevents overfitting.",
        "اضافه کردن تعداد زیاد ویژگی‌های (Features) جدید، باعث جلوگیری از بیش‌برازش می‌شود.",
        False,
    ),
    Statement(
        "q2b_3",
        "Increasing the regularisation coefficient makes overfitting more likely.",
        "با زیاد کردن ضریب منظم‌سازی، احتمال بیش‌برازش بیشتر می‌شود.",
        False,
    ),
)


def _truth(statement: Statement) -> Callable[[Params], str]:
    def expected(params: Params) -> str:
        return "true" if statement.true else "false"

    return expected


Q2B_RUBRIC = """\
{points} points, 1 per reason. (1) True: a coefficient too large shrinks the weights so much that
the model underfits (and one too small leaves the overfitting), so regularisation can make the
model worse. (2) False: many new features make the model more complex (more weights, sparser
data in more dimensions), which favours overfitting. (3) False: a larger coefficient penalises
large weights more and so reduces overfitting; taken too far it causes underfitting.
"""
Q2B_MODEL = (
    "1 true: with too large a coefficient the weights shrink so much that the model underfits. "
    "2 false: many new features make the model more complex and the data sparser, which "
    "favours overfitting. 3 false: a larger coefficient penalises the weights more and reduces "
    "overfitting (too large a one causes underfitting)."
)


# --------------------------------------------------------------------------------------------
# Q2(c): which regulariser produced each weight vector

SMALL_WEIGHT = 1.0
"""The largest |w| of a vector shrunk by a penalty (the vectors without one reach tens)."""
EVEN_RATIO = 2.0
"""L2 spreads the weight: the largest |w| is at most this many times the smallest."""


def regulariser_of(weights: Sequence[float]) -> str:
    """The regulariser that produced ``weights``, by this rule, tried in order:

    1. some weight is exactly 0 -> "L1" (the L1 penalty's gradient does not vanish near 0, so it
       sets weights to exactly zero: a sparse vector);
    2. every |w| is at most ``SMALL_WEIGHT`` and the largest at most ``EVEN_RATIO`` times the
       smallest -> "L2" (it shrinks every weight, the large ones most, and spreads the weight
       evenly over correlated inputs, but leaves none at exactly 0);
    3. otherwise -> "none" (large, uneven weights: no penalty held them back).
    """
    w = np.abs(np.asarray(weights, dtype=float))
    if np.any(w == 0):
        return "L1"
    if w.max() <= SMALL_WEIGHT and w.max() <= EVEN_RATIO * w.min():
        return "L2"
    return "none"


def _regulariser_expected(index: int) -> Callable[[Params], str]:
    def expected(params: Params) -> str:
        return regulariser_of(params["weights"][index])

    return expected


def regulariser_parts() -> tuple[ChoicePart, ...]:
    return tuple(
        ChoicePart(
            Item(f"q2c_exp{n}", f"Regulariser of experiment {n}", 1.5, '"L1", "L2" or "none"'),
            training.REGULARIZERS,
            _regulariser_expected(n - 1),
        )
        for n in range(1, len(WEIGHTS) + 1)
    )


def _experiments_of(params: Params) -> dict[str, str]:
    """Regulariser -> the experiments it produced, e.g. {"L1": "experiments 2 and 4"}."""
    found: dict[str, list[str]] = {"L1": [], "L2": [], "none": []}
    for n, weights in enumerate(params["weights"], start=1):
        found[regulariser_of(weights)].append(str(n))
    return {
        name: ("experiment " if len(ns) == 1 else "experiments ")
        + (" and ".join([", ".join(ns[:-1]), ns[-1]]) if len(ns) > 1 else ns[0])
        for name, ns in found.items()
        if ns
    }


def q2c_rubric(params: Params) -> str:
    """The rubric of Q2(c)'s reasons, naming the experiments the rule assigns."""
    by = _experiments_of(params)
    return (
        "{points} points: the reasons. L1 sets weights to exactly 0 (sparse vectors); "
        "L2 shrinks every "
        "weight and spreads them evenly without zeros; large, uneven weights mean no "
        "regulariser. The grader's rule for the choices: a weight exactly 0 -> L1; otherwise "
        f"all |w| <= {SMALL_WEIGHT:g} and the largest at most {EVEN_RATIO:g}× the smallest "
        "-> L2; otherwise none. By this rule: "
        + "; ".join(f"{name}: {where}" for name, where in by.items())
        + ". Full marks need the zeros argument for L1 and the small/even argument for L2."
    )


def q2c_model(params: Params) -> str:
    """A full-marks answer to Q2(c)'s reasons for the question's vectors."""
    by = _experiments_of(params)
    reasons = {
        "L1": "L1 drives some weights to exactly zero, so the sparse vectors come from L1",
        "L2": "L2 shrinks all weights and spreads them evenly without making any zero",
        "none": "large, uneven weights mean no regularisation",
    }
    return "; ".join(f"{reasons[name]} ({where})" for name, where in by.items()) + "."


def _vectors(params: Params) -> str:
    return "\n".join(
        f"    W_exp{n} = [{', '.join(f'{x:g}' for x in w)}]"
        for n, w in enumerate(params["weights"], start=1)
    )


Q2_PROMPT = """\
**Bias, variance and regularisation** ({points:g} points).

(a) One of the algorithms used in machine learning is k-nearest neighbours (k-NN). Explain how
the bias and the variance change as K changes: for a small K and for a large K, is the bias
low or high, and is the variance low or high? (The grader measures them for k-NN regression
of y = sin(2πx) + noise with standard deviation {knn_noise:g}, {knn_n_train} training points
with x uniform on [0, 1], at K = {knn_k_small} and K = {knn_k_large}.) Give the four levels and
your explanation.

(b) Say whether each statement is true or false, and give your reason:

1. {statement_1}
2. {statement_2}
3. {statement_3}

(c) To prevent a model from overfitting we want to use L1 and L2 regularisation. Four
experiments gave these weight vectors; say which regulariser was used in each (L1, L2 or
none), and explain your choice:

{vectors}
"""

Q2_PROMPT_FA = """\
۲. لطفاً سؤالات زیر را به صورت کامل پاسخ دهید. (۲۰ نمره)

الف) یکی از الگوریتم‌هایی که در حوزهٔ یادگیری ماشین مورد استفاده قرار می‌گیرند، الگوریتم
نزدیک‌ترین همسایگی (K-Nearest Neighbors) است. توضیح دهید که با تغییر مقدار K، بایاس و واریانس
چه تغییری می‌کنند.

ب) درست یا غلط بودن گزاره‌های زیر را مشخص کنید و دلیل پاسخ خود را نیز بیان کنید.

{statements_fa}

پ) فرض کنید یک مدلی داریم و برای جلوگیری از بیش‌برازش می‌خواهیم از منظم‌سازی L1 و L2 استفاده
کنیم. برای این کار چهار آزمایش اجرا کرده و نتایج به دست آمده به صورت زیر است. با توجه به این
نتایج، مشخص کنید در هر آزمایش از کدام منظم‌سازی استفاده شده است (دلیل انتخاب خود را توضیح
دهید).

{vectors}
"""


# --------------------------------------------------------------------------------------------
# Q3: knowledge distillation (text)

Q3_PROMPT = """\
**Knowledge distillation** ({points:g} points).

(a) What is knowledge distillation, and what is it used for?

(b) The course showed an architecture (the figure is not available here) that extracts the
knowledge of a *teacher* network and transfers it to a *student* network. Describe how it is
trained.

(c) With respect to which loss function are the student network's weights updated?

Answer each in a few sentences, in English or Persian.
"""
Q3_PROMPT_FA = """\
۳. به سؤالات زیر پاسخ دهید. (۱۵ نمره)

الف) فرایند تقطیر دانش (Knowledge Distillation) چیست و به چه منظور استفاده می‌شود؟

ب) معماری شکل زیر برای استخراج دانش از شبکهٔ teacher و انتقال آن به شبکهٔ student پیشنهاد
شده است. روند یادگیری آن را توضیح دهید.

پ) وزن‌های شبکهٔ student با توجه به کدام تابع ضرر (Loss Function) به‌روزرسانی خواهند شد؟
"""
Q3_TEXTS = (
    (
        "q3a_answer",
        "What knowledge distillation is and why",
        """\
{points} points. Knowledge learned by a large (deep, accurate) teacher network is extracted and
transferred to a smaller student network (3); the purpose: a model that needs less computation
and memory, to run on devices with little processing power, while keeping most of the
teacher's accuracy (2).
""",
        "Knowledge distillation transfers what a large trained network (the teacher) has learned "
        "to a smaller network (the student), so that a model with far less computation and "
        "memory, which can run on weak devices, keeps most of the large model's accuracy.",
    ),
    (
        "q3b_answer",
        "How the teacher-student architecture is trained",
        """\
{points} points. The teacher is trained first and stays frozen: its weights do not change (1). Each
input goes through both networks (1). The student has two losses: a classification loss
against the true labels (e.g. categorical cross-entropy) (1) and a loss measuring how similar
its extracted features or softened outputs are to the teacher's (1); the two are added and
back-propagated through the student only (1).
""",
        "The teacher is already trained and frozen. Each input is fed to both networks. The "
        "student gets two losses: a classification loss (cross-entropy with the labels) and a "
        "loss measuring how close its features (or softened outputs) are to the teacher's. Their "
        "sum is back-propagated through the student only, updating its weights.",
    ),
    (
        "q3c_answer",
        "The loss that updates the student",
        """\
{points} points. The sum of the classification loss (with the true labels) and the distillation
loss (similarity of the student's features or soft outputs to the teacher's), possibly
weighted (5). Only one of the two: 2.
""",
        "The sum (possibly weighted) of the student's classification loss with the true labels "
        "and the distillation loss measuring its similarity to the teacher's features/outputs.",
    ),
)


# --------------------------------------------------------------------------------------------
# Q4: learning rates for SGD and momentum


Q4_FOLDER = "data/digits-q4"  # where a kernel finds Q4's digits (``q4_files``)


def digits_problem() -> tuple[np.ndarray, np.ndarray]:
    """Q4's data: the digits stand-in's 1000 training images as 64 pixels scaled to [0, 1]
    with a column of ones (the bias), and their one-hot labels.

    Only the training split: the stand-in's test images are the grader's held-out set without
    ``--data``, so no file a kernel sees may hold them with their labels (scikit-learn's own
    digits file is hidden in the sandbox; the kernel reads Q4's images from ``q4_files``)."""
    pixels, labels = digits_training()
    x = np.hstack([pixels / 16.0, np.ones((len(pixels), 1))])
    return x, np.eye(10)[labels]


def q4_files(params: Params) -> Mapping[str, bytes]:
    """The files every HW2 kernel finds for Q4: the digits of ``digits_problem`` at their own
    values (uint8 0..16, shaped (1000, 64)) and labels, as ``.npy`` files."""

    pixels, labels = digits_training()
    return {
        f"{Q4_FOLDER}/pixels.npy": to_npy(pixels),
        f"{Q4_FOLDER}/labels.npy": to_npy(labels),
    }


def optimiser_runs(params: Params) -> dict[tuple[str, float], np.ndarray]:
    """The training losses of every (optimiser, learning rate) run of Q4.

    The model is linear, starts at zero and is trained on the full batch with the mean squared
    error against one-hot labels, so the loss is the quadratic tr(WᵀGW) − 2tr(WᵀB) + c of the
    Gram matrix G = XᵀX/(10n): the runs need only 65×65 products. The update is torch's SGD:
    v ← μv + ∇L, W ← W − ηv (μ = 0 for "sgd"). Each run's losses are the one before every
    step and the one after the last (``steps + 1`` values).
    """
    x, y = digits_problem()
    size = y.size
    gram, cross, const = x.T @ x / size, x.T @ y / size, float(np.sum(y * y)) / size
    momenta = {"sgd": 0.0, "momentum": float(params["momentum"])}
    runs = {}
    for optimiser in OPTIMISERS:
        for rate in params["rates"]:
            runs[optimiser, float(rate)] = _quadratic_run(
                gram, cross, const, float(rate), momenta[optimiser], int(params["steps"])
            )
    return runs


def _quadratic_run(
    gram: np.ndarray, cross: np.ndarray, const: float, rate: float, momentum: float, steps: int
) -> np.ndarray:
    """One run from W = 0: the loss before each of ``steps`` updates and after the last."""

    def loss(w: np.ndarray) -> float:
        return float(np.sum(w * (gram @ w)) - 2 * np.sum(w * cross) + const)

    w = np.zeros_like(cross)
    velocity = np.zeros_like(cross)
    losses = []
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            losses.append(loss(w))
            velocity = momentum * velocity + 2 * (gram @ w - cross)
            w = w - rate * velocity
        losses.append(loss(w))
    return np.array(losses)


def diverged(losses: np.ndarray) -> bool:
    """A run diverges when its final loss is not finite or is larger than its initial loss."""
    return bool(not np.isfinite(losses[-1]) or losses[-1] > losses[0])


def rate_id(rate: float) -> str:
    """How a learning rate is named as a choice: '0.001', '0.01', '0.1', '1'."""
    return f"{float(rate):g}"


def rate_options(rates: Sequence[float]) -> Options:
    """The learning rates as choices, each also accepted as 1e-3, 0.0010, 1.0 ..."""
    spec = {}
    for rate in rates:
        value = float(rate)
        mantissa, exponent = f"{value:.0e}".split("e")
        spellings = {
            repr(value),
            f"{value:.4f}",
            f"{mantissa}e{int(exponent)}",
            f"{value:.0e}",
            f"{value:e}",
        }
        spec[rate_id(value)] = spellings - {rate_id(value)}
    return choice_options(spec)


@dataclass(frozen=True)
class Comparison:
    """What Q4's runs show: the diverged table and the best rate of each optimiser."""

    diverged: np.ndarray  # rows: OPTIMISERS; columns: the rates; 1 = diverges
    best: Mapping[str, str]  # optimiser -> rate id


def compare(params: Params) -> Comparison:
    """Run Q4's experiment and read off its answers.

    The best rate is the one with the lowest final loss among the optimiser's runs that do not
    diverge. Raises ValueError when every run of an optimiser diverges (no best rate exists).
    """
    runs = optimiser_runs(params)
    rates = [float(r) for r in params["rates"]]
    table = np.array([[float(diverged(runs[o, r])) for r in rates] for o in OPTIMISERS])
    best = {}
    for optimiser in OPTIMISERS:
        stable = [r for r in rates if not diverged(runs[optimiser, r])]
        if not stable:
            raise ValueError(f"every run of {optimiser} diverges: no best learning rate")
        best[optimiser] = rate_id(min(stable, key=lambda r: runs[optimiser, r][-1]))
    return Comparison(table, best)


ROWS_SWAPPED = Mistake(
    "q4.rows_swapped",
    "The rows are swapped: the first row is plain SGD, the second momentum.",
    persian="جای سطرها عوض شده است: سطر اول SGD ساده است و سطر دوم با تکانه.",
)
MARKED_CONVERGED = Mistake(
    "q4.converged_marked",
    "The table marks the runs that converge (1) instead of the ones that diverge.",
    persian="جدول اجراهایی را که همگرا می‌شوند (۱) علامت زده است، نه آن‌هایی را که واگرا می‌شوند.",
)


@dataclass(frozen=True)
class OptimiserComparison:
    """Q4's automatic items: the diverged table and each optimiser's best rate.

    Implements the ``Part`` protocol; the experiment runs once per ``solve`` or ``grade``.
    """

    diverged_item: Item
    best_items: Mapping[str, Item]  # optimiser -> item

    @property
    def items(self) -> tuple[Item, ...]:
        return (self.diverged_item, *(self.best_items[o] for o in OPTIMISERS))

    def solve(self, params: Params) -> Mapping[str, Any]:
        result = compare(params)
        return {
            self.diverged_item.variable: result.diverged.astype(int).tolist(),
            **{self.best_items[o].variable: result.best[o] for o in OPTIMISERS},
        }

    def grade(self, answers: Mapping[str, Answer], params: Params) -> Mapping[str, Verdict]:
        result = compare(params)
        diagnoses = (
            transposed(),
            Diagnosis(ROWS_SWAPPED, np.flipud),
            Diagnosis(MARKED_CONVERGED, lambda table: 1.0 - table),
        )
        name = self.diverged_item.variable
        verdicts = {
            name: check_table(answers.get(name, ABSENT), result.diverged, diagnoses=diagnoses)
        }
        options = rate_options(params["rates"])
        for optimiser in OPTIMISERS:
            variable = self.best_items[optimiser].variable
            answer = answers.get(variable, ABSENT)
            verdicts[variable] = check_choice(answer, options, result.best[optimiser])
        return verdicts


def optimiser_comparison() -> OptimiserComparison:
    return OptimiserComparison(
        Item(
            "q4_diverged",
            "Which runs diverge",
            4.0,
            "a 2×4 list of lists of 1 (diverges) and 0: rows sgd, momentum; columns the rates",
        ),
        {
            "sgd": Item("q4_best_sgd", "Best learning rate for SGD", 1.0, "one of the rates"),
            "momentum": Item(
                "q4_best_momentum", "Best learning rate with momentum", 1.0, "one of the rates"
            ),
        },
    )


SETUP = '''\
# Q4's experiment (run it from your own cells: nothing runs until you call it).
def train_digits(optimiser, lr, steps={steps}):
    """Train Q4's linear model on the digits; return the loss before each step and after the
    last. optimiser: "sgd" (plain SGD) or "momentum" (SGD with momentum {momentum:g})."""
    import pathlib

    import numpy as np
    import torch

    folder = pathlib.Path("{folder}")
    if folder.is_dir():  # handed to the grader's kernel
        pixels = np.load(folder / "pixels.npy", allow_pickle=False)
        labels = np.load(folder / "labels.npy", allow_pickle=False)
    else:  # the same 1000 images, from scikit-learn's own file
        from sklearn.datasets import load_digits

        digits = load_digits()
        keep = np.random.default_rng(0).permutation(len(digits.target))[:1000]
        pixels, labels = digits.data[keep], digits.target[keep]
    x = torch.tensor(pixels / 16.0, dtype=torch.float32)
    y = torch.nn.functional.one_hot(torch.tensor(labels, dtype=torch.int64), 10).float()
    model = torch.nn.Linear(64, 10)
    torch.nn.init.zeros_(model.weight)
    torch.nn.init.zeros_(model.bias)
    momentum = {{"sgd": 0.0, "momentum": {momentum!r}}}[optimiser]
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    loss_fn = torch.nn.MSELoss()
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    with torch.no_grad():
        losses.append(loss_fn(model(x), y).item())
    return losses
'''

Q4_PROMPT = """\
**SGD and momentum at four learning rates** ({points:g} points).

The course's notebook for this question is not available; this experiment replaces it. The
function `train_digits(optimiser, lr, steps={steps})`, defined in the notebook's first code
cell, trains one linear model on 1000 of scikit-learn's digits (images of 8×8 pixels scaled
to [0, 1]; the grader's kernel finds them in `data/digits-q4/`, elsewhere they are read from
scikit-learn): a `torch.nn.Linear(64, 10)` whose weights and bias start at zero, trained with
`MSELoss` against the one-hot labels on the full batch (every step sees every image), by
`torch.optim.SGD(lr=lr)` (optimiser `"sgd"`) or `torch.optim.SGD(lr=lr, momentum={momentum:g})`
(optimiser `"momentum"`), for {steps} steps. It returns the training loss before each step and
after the last one.

Run it for both optimisers at the learning rates {rate_list}, plot the loss curves, and
compare them:

- `q4_diverged`: which runs diverge, as a 2×4 table of 1 (diverges) and 0 (does not): the
  first row `"sgd"`, the second `"momentum"`; the columns are the learning rates in the order
  above. A run diverges when its final loss is larger than its initial loss (or is not a finite
  number).
- `q4_best_sgd`, `q4_best_momentum`: the best learning rate of each optimiser: the one with the
  lowest final loss among its runs that do not diverge.
- `q4_analysis`: your analysis. Explain the functions used (what the two optimisers do), how
  the learning rate changes the loss curves, why some runs diverge, and why momentum behaves
  differently from plain SGD.
"""
Q4_PROMPT_FA = """\
۴. در نوت‌بوک پیوست‌شده، کد آماده‌ای قرار داده شده که تنها نیاز است سلول‌ها را اجرا کنید و نتایج
به دست آمده از بهینه‌سازهای متفاوت را با هم مقایسه کرده و تحلیل نمایید (لطفاً تحلیل خود را به
علاوهٔ توابع استفاده‌شده به صورت کامل توضیح دهید). (۱۰ نمره)
"""
Q4_RUBRIC = """\
{points} points; the grader's diverged table and best rates are shown beside the answer. 1: what the
functions do: SGD steps against the gradient, w ← w − η∇L; momentum keeps a velocity
v ← μv + ∇L and steps w ← w − ηv, so consistent gradients build up speed. 1: plain SGD: too
small a rate learns slowly, larger rates faster, and past a limit (η above 2/λ_max of
the loss's curvature) the loss grows instead of falling. 1: momentum: faster progress at the
same rate, with oscillations at the large rates; on this quadratic loss it stays stable up to
η < 2(1 + μ)/λ_max, which explains a rate at which momentum converges and SGD diverges. 1: a
conclusion that agrees with the runs (best rates, which diverge).
"""


def q4_model(params: Params) -> str:
    """A full-marks analysis of Q4's runs, with the momentum of these parameters."""
    momentum = float(params["momentum"])
    return (
        f"SGD updates w <- w - lr*grad; momentum keeps a velocity v <- {momentum:g} v + grad "
        "and updates w <- w - lr*v, so steps along a consistent direction grow up to "
        f"{1 / (1 - momentum):.3g} times. With SGD the smallest rate barely lowers the loss and "
        "larger rates are faster until the step is too large for the steepest direction of the "
        "loss (lr > 2/curvature): then the loss explodes. Momentum makes more progress at the "
        "same rate and oscillates at large rates; on this quadratic loss heavy-ball momentum "
        f"stays stable up to lr < 2(1 + {momentum:g})/curvature, so it can survive a rate at "
        "which plain SGD diverges. The best rate of each is the largest one that still "
        "converges smoothly, as the runs show."
    )


def _rate_list(rates: Sequence[float]) -> str:
    names = [rate_id(r) for r in rates]
    return ", ".join(names[:-1]) + " and " + names[-1]


# --------------------------------------------------------------------------------------------
# The homework


def _text(variable: str, label: str, points: float, rubric: Text, model: Text) -> TextPart:
    return TextPart(Item(variable, label, points, "a string, English or Persian"), rubric, model)


def _escape(text: str) -> str:
    """``text`` safe to pass through ``str.format`` unchanged."""
    return text.replace("{", "{{").replace("}", "}}")


def q1_prompt(params: Params) -> str:
    """Q1's prompt template, with the layer output and mask of these parameters."""
    return Q1_PROMPT.replace("{layer_block}", _escape(layer_block(params)))


def question_1() -> Question:
    return Question(
        id="hw2.q1",
        title="Overfitting, underfitting and dropout",
        prompt=q1_prompt,
        prompt_fa=Q1_PROMPT_FA,
        parts=(
            _text("q1a_answer", "Overfitting and underfitting", 5.0, Q1A_RUBRIC, Q1A_MODEL),
            _text(
                "q1b_answer", "Telling whether a trained model overfits", 2.0, Q1B_RUBRIC, Q1B_MODEL
            ),
            keep_probability_part(),
            *dropout_parts(),
        ),
        answer_help="Tables: a 4×4 list of lists (rows top to bottom) or a numpy array; round "
        "to two decimals or keep more.",
    )


def q2_prompt(params: Params) -> str:
    """Q2's prompt template, with the statements and the weight vectors of these parameters."""
    statements = {f"statement_{n}": _escape(s.text) for n, s in enumerate(STATEMENTS, start=1)}
    prompt = Q2_PROMPT.replace("{vectors}", _escape(_vectors(params)))
    for key, text in statements.items():
        prompt = prompt.replace("{" + key + "}", text)
    return prompt


def q2_prompt_fa(params: Params) -> str:
    """Q2's Persian prompt, with the statements and the weight vectors of these parameters."""
    return Q2_PROMPT_FA.replace(
        "{statements_fa}", "\n".join(f"- {s.text_fa}" for s in STATEMENTS)
    ).replace("{vectors}", _vectors(params))


def question_2() -> Question:
    knn = tuple(
        ChoicePart(Item(variable, label, 1.0, '"low" or "high"'), LEVELS, knn_level(size, m))
        for variable, label, size, m in KNN_ITEMS
    )
    truths = tuple(
        ChoicePart(
            Item(s.variable, f"Statement {n}", 1.0, '"true" or "false"'), TRUE_FALSE, _truth(s)
        )
        for n, s in enumerate(STATEMENTS, start=1)
    )
    return Question(
        id="hw2.q2",
        title="Bias, variance and regularisation",
        prompt=q2_prompt,
        prompt_fa=q2_prompt_fa,
        parts=(
            *knn,
            _text("q2a_reason", "Why K changes bias and variance", 2.0, Q2A_RUBRIC, Q2A_MODEL),
            *truths,
            _text("q2b_reasons", "Reasons for the three statements", 3.0, Q2B_RUBRIC, Q2B_MODEL),
            *regulariser_parts(),
            _text("q2c_reason", "Why each regulariser", 2.0, q2c_rubric, q2c_model),
        ),
        answer_help='Levels: "low" or "high"; statements: "true" or "false" (Persian درست/غلط '
        'is accepted); regularisers: "L1", "L2" or "none".',
    )


def question_3() -> Question:
    return Question(
        id="hw2.q3",
        title="Knowledge distillation",
        prompt=Q3_PROMPT,
        prompt_fa=Q3_PROMPT_FA,
        parts=tuple(
            _text(variable, label, 5.0, rubric, model)
            for variable, label, rubric, model in Q3_TEXTS
        ),
    )


def q4_prompt(params: Params) -> str:
    """Q4's prompt template, with the learning rates of these parameters."""
    return Q4_PROMPT.replace("{rate_list}", _rate_list(params["rates"]))


def question_4() -> Question:
    return Question(
        id="hw2.q4",
        title="SGD and momentum at four learning rates",
        prompt=q4_prompt,
        prompt_fa=Q4_PROMPT_FA,
        parts=(
            optimiser_comparison(),
            _text("q4_analysis", "Analysis of the runs", 4.0, Q4_RUBRIC, q4_model),
        ),
        answer_help='Learning rates as numbers (0.01) or text ("0.01"); the table as a list of '
        "lists of 0/1 (True/False is read as 1/0).",
    )


def setup_source(params: Params) -> str:
    """The released notebook's first code cell: Q4's ``train_digits``."""
    return SETUP.format(
        steps=int(params["steps"]), momentum=float(params["momentum"]), folder=Q4_FOLDER
    )


def homework() -> Homework:
    """HW2 as graded here; Q5 (a)-(e), training questions, come from ``reference.training``."""
    params = PARAMS
    return Homework(
        id="hw2",
        title="Series 2: overfitting, regularisation and optimisers",
        questions=(
            question_1(),
            question_2(),
            question_3(),
            question_4(),
            *training.hw2_q5(),
        ),
        params=params,
        limits=Limits(cell=60.0, notebook=300.0),
        setup=setup_source(params) + "\n\n" + training.setup_source(),
        warm=training.WARM,
        persian=persian_names(),
        files=q4_files,
    )


def persian_names() -> Names:
    """HW2's title, question titles and answer labels in Persian, for ``--lang fa`` reports
    (the course's terms, from the official key)."""
    accuracy = "دقت آزمونی که خودتان اندازه گرفتید"
    items = {
        "q1a_answer": "مشکل بیش‌برازش و کم‌برازش",
        "q1b_answer": "تشخیص بیش‌برازش مدلی که قبلاً آموزش دیده است",
        "q1c_p": "مقدار p، نسبت واحدهای نگه‌داشته‌شده",
        "q1c_standard_train": "خروجی لایه پس از Dropout استاندارد، مرحلهٔ آموزش",
        "q1c_standard_test": "خروجی لایه پس از Dropout استاندارد، مرحلهٔ آزمون",
        "q1c_inverted_train": "خروجی لایه پس از Dropout معکوس، مرحلهٔ آموزش",
        "q1c_inverted_test": "خروجی لایه پس از Dropout معکوس، مرحلهٔ آزمون",
        "q2a_small_k_bias": "بایاس به ازای K کوچک",
        "q2a_small_k_variance": "واریانس به ازای K کوچک",
        "q2a_large_k_bias": "بایاس به ازای K بزرگ",
        "q2a_large_k_variance": "واریانس به ازای K بزرگ",
        "q2a_reason": "چرا تغییر K بایاس و واریانس را تغییر می‌دهد",
        "q2b_1": "گزارهٔ ۱ (درست یا غلط)",
        "q2b_2": "گزارهٔ ۲ (درست یا غلط)",
        "q2b_3": "گزارهٔ ۳ (درست یا غلط)",
        "q2b_reasons": "دلیل درست یا غلط بودن سه گزاره",
        "q2c_exp1": "منظم‌سازی آزمایش ۱",
        "q2c_exp2": "منظم‌سازی آزمایش ۲",
        "q2c_exp3": "منظم‌سازی آزمایش ۳",
        "q2c_exp4": "منظم‌سازی آزمایش ۴",
        "q2c_reason": "دلیل انتخاب منظم‌سازی هر آزمایش",
        "q3a_answer": "تقطیر دانش چیست و به چه منظور استفاده می‌شود",
        "q3b_answer": "روند یادگیری معماری teacher و student",
        "q3c_answer": "تابع ضرری که وزن‌های شبکهٔ student را به‌روز می‌کند",
        "q4_diverged": "کدام اجراها واگرا می‌شوند",
        "q4_best_sgd": "بهترین نرخ یادگیری برای SGD",
        "q4_best_momentum": "بهترین نرخ یادگیری برای Momentum",
        "q4_analysis": "تحلیل نتایج بهینه‌سازها",
        "a_model": "(الف) شبکهٔ MLP آموزش‌دیده",
        "a_accuracy": accuracy,
        "b_model": "(ب) شبکهٔ MLP دچار بیش‌برازش",
        "b_accuracy": accuracy,
        "b_train_loss": "خطای آموزش در هر دوره",
        "b_test_loss": "خطای آزمون در هر دوره",
        "c_model": "(پ) شبکهٔ MLP آموزش‌دیده با داده‌افزایی",
        "c_accuracy": accuracy,
        "c_transforms": "تبدیل‌های داده‌افزایی",
        "d_model": "(ت) شبکهٔ MLP بهبودیافته با منظم‌سازی",
        "d_accuracy": accuracy,
        "d_strength": "ضریب منظم‌سازی",
        "d_penalty": "نوع منظم‌سازی (L1 یا L2)",
        "e_model": "(ث) بهترین ترکیب داده‌افزایی، منظم‌سازی و Dropout",
        "e_accuracy": accuracy,
    }
    return Names(
        title="تمرین سری دوم: بیش‌برازش، منظم‌سازی و بهینه‌سازها",
        questions={
            "hw2.q1": "بیش‌برازش، کم‌برازش و Dropout",
            "hw2.q2": "بایاس، واریانس و منظم‌سازی",
            "hw2.q3": "تقطیر دانش",
            "hw2.q4": "بهینه‌سازهای SGD و Momentum با چهار نرخ یادگیری",
            "hw2.q5a": "شبکهٔ MLP برای FashionMNIST (الف): تعریف و آموزش مدل",
            "hw2.q5b": "شبکهٔ MLP برای FashionMNIST (ب): بیش‌برازش",
            "hw2.q5c": "شبکهٔ MLP برای FashionMNIST (پ): داده‌افزایی",
            "hw2.q5d": "شبکهٔ MLP برای FashionMNIST (ت): منظم‌سازی",
            "hw2.q5e": "شبکهٔ MLP برای FashionMNIST (ث، امتیازی): بهترین ترکیب",
        },
        items=items,
    )
