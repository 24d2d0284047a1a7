"""Training questions: the student's trained model is measured by the grader, not believed.

In:  what a probe brought out of the kernel as plain arrays (a model's outputs on the grader's
     held-out inputs and on a training sample, its parameter count and weight norms, what each
     augmentation transform does to a grader batch, an activation's values at grader-chosen
     points), the labels the grader kept, the bars a question declares per dataset and the
     figures the student reported.
Out: the grader's own metrics (pure functions: accuracy, per-class accuracy, cross-entropy
     from logits, binary cross-entropy, train-test gap, a reported-versus-measured discrepancy
     with a declared margin); ``Verdict``s; and the training parts a reference module builds
     questions from (``ModelPart``, ``TwinPart``, ``BlockPart``, ``AlphaPart``: each a ``Part``
     and ``Probing``).

How a model is measured. The part's probe hands the kernel the grader's held-out inputs
(``.grader/<dataset>-heldout.npy``, uint8, loaded with ``allow_pickle=False``; never their
labels) and the first training examples (``-train.npy``); in the kernel the model runs on them
in eval mode under ``torch.no_grad()``, in batches, fed ``uint8 / 255`` float32 images shaped
(N, C, H, W) like ``load_dataset`` gives (flattened to (N, C*H*W) if the model refuses 4-D
input), and its outputs (logits, or probabilities, rounded to 6 significant figures) come out
as arrays. The grader then computes accuracy, per-class accuracy and loss itself. A probe first
sets its variables to None, before it calls anything of the student's, so a value planted under
a probe's name is never read; and the pipeline reads them only from the final harvest (not from
the checkpoint after each cell), so a notebook that kills its kernel cannot leave them either.
A part's probe also hands over the kernel's ``data/<name>/`` files (``graders.runtime.data``).

Verdict ``extra`` keys of these parts (for the report):

- ``dataset``: what the figures were measured on (``"digits (standing in for ...)"``).
- ``measured``: the grader's figures of the item's model: ``test_accuracy``, ``test_loss``,
  ``per_class_test`` (a list; None for a class without examples), ``n_test``, and where
  measured ``train_accuracy``, ``train_loss``, ``per_class_train``, ``n_train``, ``gap``
  (train minus test accuracy), ``parameters``, ``weight_norm`` (L2 norm of the weights with
  two or more dimensions: biases and normalisation scales left out), ``weight_l1``,
  ``output_shape``, ``kind`` (``sequential``, ``module`` or a type name).
- ``reported``: the student's own figures (``test_accuracy``, ``per_class_test``,
  ``test_accuracy_per_alpha``).
- ``threshold``: the bar that applied (``test_accuracy_min``, ``gap_min``, ...).
- ``flagged``: True when a reported figure is further than ``margin`` from the measured one
  (also the mistake ``reported-not-measured`` on the reported item); ``margin``.
- ``train_loss``, ``test_loss``: the student's loss histories (lists of numbers).
- ``baseline``: the compared model's variable and figures ((b) for (c) and (d), (a) for (e)).
- ``transforms``: per transform, the mean absolute change it made to a grader batch (the
  largest over five seeds; -1: it changed the shape; -2: it raised).
- ``per_alpha``: per α (as text), that model's ``measured`` figures; ``linear_baseline``: the
  held-out accuracy of the grader's own logistic regression; ``affine_residual``: how far the
  α = 1 model is from affine (HW6 Q3).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import numpy as np

from graders.checks.choice import REGULARIZERS, check_choice
from graders.checks.numeric import NumberCheck, Tolerance, check_number, format_number
from graders.model.answers import ABSENT, Answer, Kind, Mistake, Status, Verdict, missing_verdict
from graders.model.described import Expectation, Sanity, by_value, with_sanity
from graders.model.questions import Item, Params, Probe
from graders.runtime import in_kernel
from graders.runtime.data import HELD_OUT_MAX, DataShelf, Images, Prepared, shelf_of, to_npy

PROBABILITY_SUM = 1e-3  # rows within this of summing to 1 (and in [0, 1]) are probabilities
LOG_FLOOR = -100.0  # torch's BCELoss clamps its logarithms here
CHANGE_FLOOR = 1e-6  # a transform that moves a batch by less than this did nothing
LINEAR_SAMPLE = 5000  # training examples the linear baseline is fitted on, at most
AFFINE = 1e-3  # an affine model's outputs (rounded to 6 figures) deviate less than this

REPORTED_NOT_MEASURED = Mistake(
    "reported-not-measured",
    "The figure reported is not what the grader measures for this model on its held-out data.",
    persian=(
        "عددی که گزارش شده همانی نیست که مصحح برای این مدل روی داده‌های کنارگذاشته‌اش اندازه می‌گیرد."
    ),
)
NOT_SEQUENTIAL = Mistake(
    "not-sequential",
    "This version must be an nn.Sequential.",
    persian="این نسخه باید یک nn.Sequential باشد.",
)
NOT_SUBCLASS = Mistake(
    "not-a-module-subclass",
    "This version must be a subclass of nn.Module (not nn.Sequential).",
    persian="این نسخه باید زیرکلاسی از nn.Module باشد (نه nn.Sequential).",
)
DIFFERENT_ARCHITECTURE = Mistake(
    "different-architecture",
    "The two versions must be the same network: equal parameter counts and output shapes.",
    persian="دو نسخه باید یک شبکه باشند: تعداد پارامترها و شکل خروجی‌ها برابر.",
)
SPATIAL_SIZE = Mistake(
    "spatial-size-changed",
    "Every branch must keep the input's height and width (padding, stride 1), so the "
    "branches can be concatenated at the input's spatial size.",
    persian=(
        "هر شاخه باید ارتفاع و پهنای ورودی را نگه دارد (padding، گام ۱) تا شاخه‌ها "
        "در همان اندازهٔ فضایی ورودی به هم بپیوندند."
    ),
)
ACTIVATION_SWAPPED = Mistake(
    "alpha-on-positive-side",
    "α scales the positive side here: f(x) = α·max(x, 0) + min(x, 0) instead of "
    "max(x, 0) + α·min(x, 0).",
    persian=(
        "اینجا α بخش مثبت را مقیاس می‌دهد: f(x) = α·max(x, 0) + min(x, 0) به جای "
        "max(x, 0) + α·min(x, 0)."
    ),
)


# --- metrics: pure functions of outputs and labels ------------------------------------------


def is_probabilities(scores: np.ndarray) -> bool:
    """Whether rows of class scores are already probabilities (non-negative, summing to 1)."""
    return bool(
        np.all(scores >= 0)
        and np.all(scores <= 1)
        and np.allclose(scores.sum(axis=1), 1.0, atol=PROBABILITY_SUM)
    )


def log_probabilities(outputs: np.ndarray) -> np.ndarray:
    """Row-wise log-probabilities of class scores (N, K): logits (or log-probabilities) through
    log-softmax; rows that already are probabilities through the logarithm."""
    scores = np.asarray(outputs, dtype=float)
    if scores.ndim != 2 or scores.shape[1] < 2:
        raise ValueError(f"class scores must be shaped (N, K), K >= 2; got {scores.shape}")
    if is_probabilities(scores):
        with np.errstate(divide="ignore"):
            return np.log(scores)
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def cross_entropy(outputs: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of class scores against integer labels (torch's CrossEntropyLoss
    for logits)."""
    logp = log_probabilities(outputs)
    return float(-np.mean(logp[np.arange(len(labels)), np.asarray(labels, dtype=int)]))


def binary_probabilities(outputs: np.ndarray) -> np.ndarray:
    """P(class 1) from one output per example: probabilities as they are, logits through σ."""
    values = np.asarray(outputs, dtype=float).reshape(-1)
    if np.all((values >= 0) & (values <= 1)):
        return values
    return 1.0 / (1.0 + np.exp(-values))


def binary_cross_entropy(outputs: np.ndarray, labels: np.ndarray) -> float:
    """Mean binary cross-entropy: torch's BCELoss for probabilities (logarithms clamped at
    -100), BCEWithLogitsLoss for logits (outputs not all in [0, 1])."""
    values = np.asarray(outputs, dtype=float).reshape(-1)
    y = np.asarray(labels, dtype=float).reshape(-1)
    if len(y) != len(values):
        raise ValueError(f"{len(values)} outputs for {len(y)} labels")
    if not np.all((values >= 0) & (values <= 1)):  # logits: the stable form
        z = values
        return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(values), LOG_FLOOR)
        log_q = np.maximum(np.log(1 - values), LOG_FLOOR)
    return float(-np.mean(y * log_p + (1 - y) * log_q))


def predicted_classes(outputs: np.ndarray) -> np.ndarray:
    """Class ids: the arg-max of (N, K) scores; for one output per example, 1 where
    P(class 1) >= 0.5."""
    values = np.asarray(outputs, dtype=float)
    if values.ndim == 2 and values.shape[1] >= 2:
        return np.argmax(values, axis=1)
    return (binary_probabilities(values) >= 0.5).astype(int)


def accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    """The fraction of predictions equal to the labels."""
    if len(predicted) != len(labels) or len(labels) == 0:
        raise ValueError("one prediction per label, at least one")
    return float(np.mean(np.asarray(predicted) == np.asarray(labels)))


def per_class_accuracy(
    predicted: np.ndarray, labels: np.ndarray, classes: int
) -> tuple[float | None, ...]:
    """Accuracy within each class 0..classes-1 (None for a class without examples)."""
    predicted, labels = np.asarray(predicted), np.asarray(labels)
    result: list[float | None] = []
    for c in range(classes):
        mine = labels == c
        result.append(float(np.mean(predicted[mine] == c)) if mine.any() else None)
    return tuple(result)


@dataclass(frozen=True)
class Measurement:
    """The grader's figures of one model on one labelled set; ``loss`` is None when some
    outputs were not finite (those examples count as wrong, ``broken`` of them)."""

    accuracy: float
    loss: float | None
    per_class: tuple[float | None, ...]
    count: int
    broken: int = 0


def measure(outputs: np.ndarray, labels: np.ndarray, classes: int) -> Measurement:
    """Accuracy, per-class accuracy and loss of a model's ``outputs`` against ``labels``:
    (N, classes) scores with cross-entropy, or one output per example (two classes) with
    binary cross-entropy. An example whose outputs are not all finite counts as wrong, and
    then the loss is None. Raises ValueError for outputs of another shape."""
    values = np.asarray(outputs, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or len(values) != len(labels):
        raise ValueError(f"the model gave outputs shaped {values.shape} for {len(labels)} inputs")
    binary = values.shape[1] == 1 and classes == 2
    if values.shape[1] != classes and not binary:
        raise ValueError(
            f"the model gave {values.shape[1]} outputs per input; {classes} classes "
            + ("(or one, P(class 1))" if classes == 2 else "were expected")
        )
    finite = np.all(np.isfinite(values), axis=1)
    predicted = np.where(finite, predicted_classes(np.where(finite[:, None], values, 0)), -1)
    loss = None
    if finite.all():
        loss = binary_cross_entropy(values, labels) if binary else cross_entropy(values, labels)
    return Measurement(
        accuracy(predicted, labels),
        loss,
        per_class_accuracy(predicted, labels, classes),
        len(labels),
        int(np.sum(~finite)),
    )


def gap(train: Measurement, test: Measurement) -> float:
    """Train minus test accuracy: how much the model overfits."""
    return train.accuracy - test.accuracy


def as_fraction(value: float) -> float | None:
    """A reported accuracy as a fraction: 0..1 as it is, 1..100 read as a percentage, else
    None."""
    if not math.isfinite(value) or value < 0 or value > 100:
        return None
    return value / 100 if value > 1 else value


def discrepant(reported: float, measured: float, margin: float) -> bool:
    """Whether a reported figure is further than ``margin`` from the measured one."""
    return abs(reported - measured) > margin


def linear_accuracy(train: Images, test: Images, invert: bool = False) -> float:
    """Held-out accuracy of a multinomial logistic regression the grader fits itself on (at
    most ``LINEAR_SAMPLE``) training examples: what a linear model reaches on this data.
    ``invert`` adds the inverted copy (255 - x) of every training and test image."""
    from sklearn.linear_model import LogisticRegression

    def flat(images: Images) -> tuple[np.ndarray, np.ndarray]:
        x = images.images.reshape(len(images), -1).astype(float) / 255
        y = images.labels
        if invert:
            x, y = np.concatenate([x, 1 - x]), np.concatenate([y, y])
        return x, y

    x_train, y_train = flat(train.take(slice(0, LINEAR_SAMPLE)))
    x_test, y_test = flat(test)
    model = LogisticRegression(max_iter=300, C=1.0)
    model.fit(x_train, y_train)
    return float(np.mean(model.predict(x_test) == y_test))


# --- what a probe measures in the kernel --------------------------------------------------

_RESULTS: Mapping[str, tuple[str, ...]] = {
    "model": (
        *("test", "train", "ends", "shape", "parameters", "norm", "l1", "kind", "flat", "error"),
    ),
    "transforms": ("changes", "error"),
    "activation": ("values", "error"),
}


@dataclass(frozen=True)
class Measure:
    """One thing a probe measures in the kernel. Its results land in the kernel variables
    ``_grader_<tag><variable>[_<index>]_<result>`` (see ``_RESULTS``)."""

    kind: str  # "model", "transforms" or "activation"
    variable: str
    index: int | None = None  # an entry of a list variable, or of a dict by ``key``
    key: float | None = None
    inputs: tuple[tuple[str, str], ...] = ()  # (role, handed file): "test", "train", "ends"
    invert: bool = False  # feed the test images followed by their inverted copies (255 - x)
    shape_input: tuple[int, ...] = ()  # a seeded uniform input the output shape is read on
    alphas: tuple[float, ...] = ()  # activation: the α values
    points: tuple[float, ...] = ()  # activation: the x values
    tag: str = ""  # keeps apart two probes' measures of one variable ("sanity_")

    @property
    def prefix(self) -> str:
        entry = "" if self.index is None else f"{self.index}_"
        return f"_grader_{self.tag}{self.variable}_{entry}"

    def name(self, result: str) -> str:
        return self.prefix + result

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(self.name(r) for r in _RESULTS[self.kind])

    def spec(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "variable": self.variable,
            "index": self.index,
            "key": self.key,
            "prefix": self.prefix,
            "inputs": [list(pair) for pair in self.inputs],
            "invert": self.invert,
            "shape_input": list(self.shape_input),
            "alphas": list(self.alphas),
            "points": list(self.points),
        }


def build_probe(measures: Sequence[Measure], files: Mapping[str, bytes]) -> Probe:
    """A probe running ``measures`` in the kernel, with ``files`` handed over beforehand."""
    variables = tuple(dict.fromkeys(v for m in measures for v in m.variables))
    blank = "\n".join(f"{name} = None" for name in variables)
    specs = [m.spec() for m in measures]
    kernel = inspect.getsource(in_kernel.probe).replace("def probe(", "def _grader_probe(", 1)
    source = (
        f"{blank}\n{kernel.strip()}\n\n"
        f"get_ipython().user_ns.update(_grader_probe({specs!r}))\n"
        "del _grader_probe\n"
    )
    return Probe(source, variables, dict(files))


# --- reading what a probe measured ---------------------------------------------------------


def _array(answer: Answer) -> np.ndarray | None:
    return answer.as_array() if answer.kind in (Kind.ARRAY, Kind.NUMBER) else None


def _number(answer: Answer) -> float | None:
    return float(answer.value) if answer.kind is Kind.NUMBER else None


def _text(answer: Answer) -> str:
    return str(answer.value) if answer.kind is Kind.TEXT else ""


@dataclass(frozen=True)
class Figures:
    """What the grader measured of one model; ``problem`` says why it could not be."""

    test: Measurement | None = None
    train: Measurement | None = None
    parameters: int | None = None
    weight_norm: float | None = None
    weight_l1: float | None = None
    shape: tuple[int, ...] | None = None
    kind: str = ""
    problem: str = ""

    @property
    def gap(self) -> float | None:
        if self.test is None or self.train is None:
            return None
        return gap(self.train, self.test)

    def as_dict(self) -> dict[str, Any]:
        """The ``measured`` figures of ``Verdict.extra``."""
        figures: dict[str, Any] = {}
        for role, m in (("test", self.test), ("train", self.train)):
            if m is not None:
                figures |= {
                    f"{role}_accuracy": m.accuracy,
                    f"{role}_loss": m.loss,
                    f"per_class_{role}": list(m.per_class),
                    f"n_{role}": m.count,
                }
        if self.gap is not None:
            figures["gap"] = self.gap
        for name, value in (
            ("parameters", self.parameters),
            ("weight_norm", self.weight_norm),
            ("weight_l1", self.weight_l1),
            ("output_shape", list(self.shape) if self.shape is not None else None),
            ("kind", self.kind or None),
        ):
            if value is not None:
                figures[name] = value
        return figures


# What the probe's own words for an unmeasured value mean, for the student.
_PROBE_REASONS: Mapping[str, str] = {
    "not defined": "it is not defined",
    "left as released": "it is still the released placeholder `...`",
}


def read_figures(
    answers: Mapping[str, Answer],
    measure_of: Measure,
    labels: Mapping[str, np.ndarray],
    classes: int,
) -> Figures:
    """The figures of one measured model: the probe's outputs against the kept ``labels``
    (by role: "test", "train")."""

    def get(result: str) -> Answer:
        return answers.get(measure_of.name(result), ABSENT)

    error = _text(get("error"))
    if error:
        reason = _PROBE_REASONS.get(error, f"running it raised {error}")
        return Figures(problem=f"the grader could not run the model: {reason}")
    shape = _array(get("shape"))
    parameters = _number(get("parameters"))
    common: dict[str, Any] = {
        "parameters": int(parameters) if parameters is not None else None,
        "weight_norm": _number(get("norm")),
        "weight_l1": _number(get("l1")),
        "shape": tuple(int(n) for n in shape.reshape(-1)) if shape is not None else None,
        "kind": _text(get("kind")),
    }
    measured: dict[str, Measurement] = {}
    for role, kept in labels.items():
        outputs = _array(get(role))
        if outputs is None:
            return Figures(
                problem="the grader's measurement did not run (the notebook did not reach its "
                "end, or the kernel stopped answering)",
                **common,
            )
        try:
            measured[role] = measure(outputs, kept, classes)
        except ValueError as exc:
            return Figures(problem=f"its outputs cannot be read as predictions: {exc}", **common)
    return Figures(test=measured.get("test"), train=measured.get("train"), **common)


def read_shape_figures(answers: Mapping[str, Answer], measure_of: Measure) -> Figures:
    """The figures of a model measured only for its shape and parameters."""
    return read_figures(answers, measure_of, {}, 0)


# --- bars and checks ----------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """What one question asks of a model on one dataset.

    ``accuracy``: held-out accuracy at least this; ``gap``: (overfitting) train minus test
    accuracy at least this; ``comparable``: a model compared with another may be at most this
    much less accurate; ``margin``: a reported accuracy further than this from the measured one
    is flagged (``class_margin`` for per-class figures); ``transforms``: augmentation
    transforms that must really change the images. Margins leave room for honest noise:
    the student measures on their own test split, the grader on its held-out part.
    """

    accuracy: float
    gap: float = 0.0
    comparable: float = 0.05
    margin: float = 0.05
    class_margin: float = 0.15
    transforms: int = 2


Bars = Mapping[str, Bar]


class Rule(StrEnum):
    """What a model must show, besides reaching its bar's accuracy."""

    ACCURACY = "accuracy"
    OVERFITS = "overfits"  # a train-test gap of at least the bar's gap
    LESS_GAP = "less-gap"  # a smaller gap than the baseline model's
    SMALLER_NORM = "smaller-norm"  # a smaller weight norm than the baseline's, comparable accuracy
    BEATS = "beats"  # a higher held-out accuracy than the baseline's


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _loss(m: Measurement) -> str:
    if m.loss is None:
        return f"no loss: {m.broken} outputs were not finite numbers (counted as wrong)"
    return f"loss {m.loss:.4g}"


def _not_measurable(answer: Answer, figures: Figures, extra: Mapping[str, Any]) -> Verdict | None:
    """The verdict of a model that was not given or could not be measured, else None."""
    if answer.unanswered:
        return missing_verdict(answer)
    if figures.problem or figures.test is None:
        reason = figures.problem or "nothing was measured"
        return Verdict(Status.ERROR, 0.0, feedback=f"Not measured: {reason}.", extra=extra)
    return None


def judge_model(
    figures: Figures,
    bar: Bar,
    rule: Rule = Rule.ACCURACY,
    baseline: Figures | None = None,
    norm: str = "weight_norm",
) -> tuple[bool, list[str]]:
    """Whether a measured model meets ``bar`` and ``rule`` (comparing with ``baseline``), and
    the sentences that say why."""
    test = figures.test
    assert test is not None
    ok = test.accuracy >= bar.accuracy
    lines = [
        f"Measured held-out accuracy {_pct(test.accuracy)} on {test.count} examples "
        f"(needed at least {_pct(bar.accuracy)}); {_loss(test)}."
    ]
    if figures.gap is not None and figures.train is not None:
        lines.append(
            f"Training accuracy {_pct(figures.train.accuracy)} on the first "
            f"{figures.train.count} training examples: gap {_pct(figures.gap)}."
        )
    if rule is Rule.OVERFITS:
        overfits = figures.gap is not None and figures.gap >= bar.gap
        ok = ok and overfits
        lines.append(
            f"It overfits: the gap is at least {_pct(bar.gap)}."
            if overfits
            else f"It does not overfit enough: a gap of at least {_pct(bar.gap)} was asked for."
        )
    if rule in (Rule.LESS_GAP, Rule.SMALLER_NORM, Rule.BEATS):
        if baseline is None or baseline.test is None or baseline.problem:
            reason = baseline.problem if baseline is not None else "it was not measured"
            return False, [*lines, f"No model to compare with: {reason or 'not measured'}."]
        passed, sentence = _compare(figures, baseline, bar, rule, norm)
        ok = ok and passed
        lines.append(sentence)
    return ok, lines


def _compare(
    figures: Figures, baseline: Figures, bar: Bar, rule: Rule, norm: str
) -> tuple[bool, str]:
    assert figures.test is not None and baseline.test is not None
    if rule is Rule.LESS_GAP:
        mine, theirs = figures.gap, baseline.gap
        if mine is None or theirs is None:
            return False, "The gaps could not both be measured."
        passed = mine < theirs
        verb = "smaller than" if passed else "not smaller than"
        return passed, f"Its gap {_pct(mine)} is {verb} the overfit model's {_pct(theirs)}."
    if rule is Rule.BEATS:
        passed = figures.test.accuracy > baseline.test.accuracy
        verb = "beats" if passed else "does not beat"
        return passed, f"It {verb} the first model's {_pct(baseline.test.accuracy)}."
    mine_norm, their_norm = figures.as_dict().get(norm), baseline.as_dict().get(norm)
    if mine_norm is None or their_norm is None:
        return False, "The weight norms could not both be measured."
    smaller = mine_norm < their_norm
    comparable = figures.test.accuracy >= baseline.test.accuracy - bar.comparable
    which = "L1 norm" if norm == "weight_l1" else "L2 norm"
    sentence = (
        f"Weight {which} {mine_norm:.4g} against the overfit model's {their_norm:.4g} "
        f"({'smaller' if smaller else 'not smaller'}); accuracy "
        + (
            "comparable."
            if comparable
            else f"more than {_pct(bar.comparable)} below the overfit model's."
        )
    )
    if figures.parameters != baseline.parameters:
        sentence += " (The two models have different parameter counts.)"
    return smaller and comparable, sentence


def check_reported(
    answer: Answer, measured: float | None, margin: float, what: str = "accuracy"
) -> Verdict:
    """A student's reported figure (fraction, or percentage above 1) against the measured one."""
    if answer.unanswered:
        return missing_verdict(answer)
    if answer.kind is not Kind.NUMBER:
        return Verdict(
            Status.INVALID,
            0.0,
            given=answer.text or answer.kind.value,
            feedback=f"Expected the {what} as a number (0..1, or a percentage).",
        )
    reported = as_fraction(float(answer.value))
    if reported is None:
        return Verdict(
            Status.INVALID, 0.0, given=answer.text, feedback=f"{answer.text} is not an {what}."
        )
    extra: dict[str, Any] = {"reported": {"test_accuracy": reported}, "margin": margin}
    if measured is None:
        return Verdict(
            Status.ERROR,
            0.0,
            given=answer.text,
            feedback=f"The model was not measured, so the reported {what} cannot be confirmed.",
            extra=extra,
        )
    extra |= {"measured": {"test_accuracy": measured}, "flagged": False}
    shown = format_number(measured)
    if not discrepant(reported, measured, margin):
        return Verdict(
            Status.CORRECT,
            1.0,
            given=answer.text,
            expected=shown,
            feedback=f"Reported {_pct(reported)}; the grader measured {_pct(measured)}.",
            extra=extra,
        )
    return Verdict(
        Status.INCORRECT,
        0.0,
        given=answer.text,
        expected=shown,
        feedback=f"Reported {_pct(reported)}, but the grader measured {_pct(measured)} on its "
        f"held-out data: more than {_pct(margin)} apart. {REPORTED_NOT_MEASURED.explanation}",
        mistake=REPORTED_NOT_MEASURED,
        extra=extra | {"flagged": True},
    )


def check_reported_many(
    answer: Answer, measured: Sequence[float | None] | None, margin: float, what: str, key: str
) -> Verdict:
    """Several reported figures (per class, per α) against the measured ones, all within
    ``margin`` (figures measured as None are skipped)."""
    if answer.unanswered:
        return missing_verdict(answer)
    values = _array(answer)
    if values is None or measured is None or values.reshape(-1).shape != (len(measured),):
        count = "" if measured is None else f"{len(measured)} "
        return Verdict(
            Status.INVALID if measured is not None else Status.ERROR,
            0.0,
            given=answer.text or answer.kind.value,
            feedback=f"Expected {count}numbers: the {what}."
            if measured is not None
            else "The model was not measured, so these figures cannot be confirmed.",
        )
    reported = [as_fraction(float(v)) for v in values.reshape(-1)]
    if any(r is None for r in reported):
        return Verdict(Status.INVALID, 0.0, given=answer.text, feedback=f"Not all are {what}.")
    pairs = [(r, m) for r, m in zip(reported, measured, strict=True) if m is not None]
    worst = max((abs(r - m) for r, m in pairs if r is not None), default=0.0)
    shown = ", ".join("-" if m is None else f"{m:.3f}" for m in measured)
    extra = {
        "reported": {key: reported},
        "measured": {key: list(measured)},
        "margin": margin,
        "flagged": worst > margin,
    }
    if worst <= margin:
        return Verdict(
            Status.CORRECT,
            1.0,
            given=answer.text,
            expected=shown,
            feedback=f"Each within {_pct(margin)} of the grader's figures.",
            extra=extra,
        )
    return Verdict(
        Status.INCORRECT,
        0.0,
        given=answer.text,
        expected=shown,
        feedback=f"One is {_pct(worst)} from the grader's figure (margin {_pct(margin)}). "
        + REPORTED_NOT_MEASURED.explanation,
        mistake=REPORTED_NOT_MEASURED,
        extra=extra,
    )


def check_history(answer: Answer, what: str) -> Verdict:
    """A loss history: at least two finite numbers, one per epoch."""
    if answer.unanswered:
        return missing_verdict(answer)
    values = _array(answer)
    if values is None or values.ndim != 1 or len(values) < 2 or not np.all(np.isfinite(values)):
        return Verdict(
            Status.INVALID,
            0.0,
            given=answer.text or answer.kind.value,
            feedback=f"Expected the {what} as a list of at least two finite numbers.",
        )
    return Verdict(
        Status.CORRECT,
        1.0,
        given=f"{len(values)} values, last {values[-1]:.4g}",
        extra={what.replace(" ", "_"): values.tolist()},
    )


def check_transforms(answer: Answer, changes: Answer, error: Answer, needed: int) -> Verdict:
    """Augmentation: at least ``needed`` of the student's transforms really change a batch."""
    if answer.unanswered:
        return missing_verdict(answer)
    failure = _text(error)
    values = _array(changes)
    if failure or values is None:
        reason = failure or "the grader's measurement did not run"
        return Verdict(Status.ERROR, 0.0, feedback=f"The transforms could not be tried: {reason}.")
    values = values.reshape(-1)
    working = int(np.sum(values > CHANGE_FLOOR))
    notes = []
    if np.any(values == -1):
        notes.append("a transform changed the images' shape")
    if np.any(values == -2):
        notes.append("a transform raised on a batch and on single images")
    extra = {"transforms": values.tolist(), "threshold": {"transforms_min": needed}}
    text = (
        f"{working} of {len(values)} transforms changed the grader's images "
        f"(at least {needed} needed)" + ("; " + "; ".join(notes) if notes else "") + "."
    )
    ok = working >= needed
    return Verdict(
        Status.CORRECT if ok else Status.INCORRECT,
        1.0 if ok else 0.0,
        given=f"{len(values)} transforms",
        expected=f"at least {needed} that change the images",
        feedback=text,
        extra=extra,
    )


def check_positive(answer: Answer, what: str) -> Verdict:
    """A positive finite number (a regularisation strength)."""
    if answer.unanswered:
        return missing_verdict(answer)
    if answer.kind is not Kind.NUMBER:
        return Verdict(
            Status.INVALID,
            0.0,
            given=answer.text or answer.kind.value,
            feedback=f"Expected the {what} as a number.",
        )
    value = float(answer.value)
    if math.isfinite(value) and value > 0:
        return Verdict(Status.CORRECT, 1.0, given=answer.text)
    return Verdict(Status.INCORRECT, 0.0, given=answer.text, feedback=f"The {what} must be > 0.")


def _unjudged(items: Sequence[Item], reason: str) -> dict[str, Verdict]:
    return {i.variable: Verdict(Status.MANUAL, 0.0, feedback=reason) for i in items}


def _bar(bars: Bars, data: Prepared) -> Bar | None:
    return bars.get(data.source)


def _no_bar(data: Prepared) -> str:
    return f"No bar is declared for the dataset {data.source}; a person must judge the model."


def _threshold(bar: Bar, rule: Rule) -> dict[str, float]:
    found = {"test_accuracy_min": bar.accuracy}
    if rule is Rule.OVERFITS:
        found["gap_min"] = bar.gap
    if rule is Rule.SMALLER_NORM:
        found["comparable"] = bar.comparable
    return found


def _model_verdict(
    answer: Answer,
    figures: Figures,
    ok: bool,
    lines: Sequence[str],
    extra: Mapping[str, Any],
) -> Verdict:
    blocked = _not_measurable(answer, figures, extra)
    if blocked is not None:
        return blocked
    assert figures.test is not None
    return Verdict(
        Status.CORRECT if ok else Status.INCORRECT,
        1.0 if ok else 0.0,
        given=f"measured {_pct(figures.test.accuracy)}",
        expected=f"at least {_pct(extra['threshold']['test_accuracy_min'])}",
        feedback=" ".join(lines),
        extra=extra,
    )


# --- the parts -----------------------------------------------------------------------------


def _model_measure(variable: str, data: Prepared, train: bool = True, **kw: Any) -> Measure:
    inputs = [("test", data.probe_file("heldout"))]
    if train:
        inputs.append(("train", data.probe_file("train")))
    return Measure("model", variable, inputs=tuple(inputs), **kw)


def _data_files(data: Prepared) -> dict[str, bytes]:
    """The kernel's data folder and the probes' inputs of the held-out and training sample."""
    return {
        **data.files,
        data.probe_file("heldout"): to_npy(data.heldout.images),
        data.probe_file("train"): to_npy(data.train_sample.images),
    }


def _labels(data: Prepared, train: bool = True) -> dict[str, np.ndarray]:
    found = {"test": data.heldout.labels}
    if train:
        found["train"] = data.train_sample.labels
    return found


@dataclass(frozen=True)
class ModelPart:
    """One trained model, measured on the held-out examples of ``dataset``.

    Items: the model (its ``rule`` and the dataset's ``Bar``), and optionally the student's
    reported test accuracy, their per-class test accuracies, their train and test loss
    histories, their augmentation transforms, and their regularisation strength and penalty
    (L1 or L2: which weight norm is compared). ``baseline`` names the model a comparing rule
    compares with (measured by this part's probe too).
    """

    model: Item
    dataset: str
    bars: Bars
    rule: Rule = Rule.ACCURACY
    baseline: str = ""
    reported: Item | None = None
    per_class: Item | None = None
    histories: tuple[Item, ...] = ()  # (train loss, test loss)
    transforms: Item | None = None
    strength: Item | None = None
    penalty: Item | None = None
    fallback: DataShelf = field(default_factory=DataShelf, compare=False, repr=False)

    @property
    def datasets(self) -> tuple[str, ...]:
        return (self.dataset,)

    @property
    def items(self) -> tuple[Item, ...]:
        optional = (self.reported, self.per_class, *self.histories, self.transforms)
        rest = (self.strength, self.penalty)
        return tuple(i for i in (self.model, *optional, *rest) if i is not None)

    def solve(self, params: Params) -> Mapping[str, Any]:
        """Descriptions: a trained model cannot be written as a value."""
        return {i.variable: f"({i.label}: measured by the grader)" for i in self.items}

    def expectations(self, params: Params) -> Mapping[str, Expectation]:
        return with_sanity(by_value(self, params), {self.model.variable: Sanity(self.dataset)})

    def _measures(self, data: Prepared) -> list[Measure]:
        found = [_model_measure(self.model.variable, data)]
        if self.baseline:
            found.append(_model_measure(self.baseline, data))
        if self.transforms is not None:
            inputs = (("test", data.probe_file("train")),)
            found.append(Measure("transforms", self.transforms.variable, inputs=inputs))
        return found

    def probe(self, params: Params) -> Probe:
        data = shelf_of(params, self.fallback).get(self.dataset)
        return build_probe(self._measures(data), _data_files(data))

    def grade(self, answers: Mapping[str, Answer], params: Params) -> Mapping[str, Verdict]:
        data = shelf_of(params, self.fallback).get(self.dataset)
        bar = _bar(self.bars, data)
        if bar is None:
            return _unjudged(self.items, _no_bar(data))
        measures = self._measures(data)
        figures = read_figures(answers, measures[0], _labels(data), data.classes)
        baseline = (
            read_figures(answers, measures[1], _labels(data), data.classes)
            if self.baseline
            else None
        )
        verdicts: dict[str, Verdict] = {}
        measured_accuracy = figures.test.accuracy if figures.test is not None else None
        if self.reported is not None:
            verdicts[self.reported.variable] = check_reported(
                answers.get(self.reported.variable, ABSENT), measured_accuracy, bar.margin
            )
        if self.per_class is not None:
            per_class = figures.test.per_class if figures.test is not None else None
            verdicts[self.per_class.variable] = check_reported_many(
                answers.get(self.per_class.variable, ABSENT),
                per_class,
                bar.class_margin,
                "per-class accuracies",
                "per_class_test",
            )
        for item, what in zip(self.histories, ("train loss", "test loss"), strict=False):
            verdicts[item.variable] = check_history(answers.get(item.variable, ABSENT), what)
        if self.transforms is not None:
            name = Measure("transforms", self.transforms.variable).name
            verdicts[self.transforms.variable] = check_transforms(
                answers.get(self.transforms.variable, ABSENT),
                answers.get(name("changes"), ABSENT),
                answers.get(name("error"), ABSENT),
                bar.transforms,
            )
        if self.strength is not None:
            verdicts[self.strength.variable] = check_positive(
                answers.get(self.strength.variable, ABSENT), "regularisation strength"
            )
        norm = "weight_norm"
        if self.penalty is not None:
            penalty = answers.get(self.penalty.variable, ABSENT)
            verdict = check_choice(penalty, REGULARIZERS, frozenset({"L1", "L2"}))
            verdicts[self.penalty.variable] = verdict
            if verdict.extra.get("chosen") == ["L1"]:
                norm = "weight_l1"
        verdicts[self.model.variable] = self._judge(
            answers, figures, baseline, bar, data, verdicts, norm
        )
        return verdicts

    def _judge(
        self,
        answers: Mapping[str, Answer],
        figures: Figures,
        baseline: Figures | None,
        bar: Bar,
        data: Prepared,
        verdicts: Mapping[str, Verdict],
        norm: str,
    ) -> Verdict:
        extra: dict[str, Any] = {
            "dataset": data.described,
            "measured": figures.as_dict(),
            "threshold": _threshold(bar, self.rule),
        }
        if baseline is not None:
            extra["baseline"] = {"variable": self.baseline, **baseline.as_dict()}
        for item in (self.reported, self.per_class):
            if item is not None and item.variable in verdicts:
                seen = verdicts[item.variable].extra
                extra.setdefault("reported", {}).update(seen.get("reported", {}))
                extra["flagged"] = extra.get("flagged", False) or bool(seen.get("flagged"))
                extra["margin"] = bar.margin
        for item in self.histories:
            extra.update(verdicts[item.variable].extra)
        if self.transforms is not None:
            extra["transforms"] = verdicts[self.transforms.variable].extra.get("transforms")
        answer = answers.get(self.model.variable, ABSENT)
        if figures.test is None:
            return _model_verdict(answer, figures, False, [], extra)
        ok, lines = judge_model(figures, bar, self.rule, baseline, norm)
        if extra.get("flagged"):
            lines.append("The figure reported differs from the measured one (flagged).")
        return _model_verdict(answer, figures, ok, lines, extra)


@dataclass(frozen=True)
class TwinPart:
    """The same binary classifier built twice: as an ``nn.Sequential`` and as an ``nn.Module``
    subclass (HW3 Q4). Both are measured on the held-out examples of ``classes`` (the second
    class is label 1); they must be the same architecture (parameter counts and output shapes)
    and both reach the bar."""

    sequential: Item
    module: Item
    dataset: str
    classes: tuple[int, int]
    bars: Bars
    reported: Item | None = None  # the student's test accuracy of the nn.Module version
    fallback: DataShelf = field(default_factory=DataShelf, compare=False, repr=False)

    @property
    def datasets(self) -> tuple[str, ...]:
        return (self.dataset,)

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for i in (self.sequential, self.module, self.reported) if i is not None)

    def solve(self, params: Params) -> Mapping[str, Any]:
        return {i.variable: f"({i.label}: measured by the grader)" for i in self.items}

    def expectations(self, params: Params) -> Mapping[str, Expectation]:
        twin = Sanity(self.dataset, tuple(self.classes))
        sanity = {self.sequential.variable: twin, self.module.variable: twin}
        return with_sanity(by_value(self, params), sanity)

    def _file(self, data: Prepared) -> str:
        return data.probe_file("heldout-" + "-".join(map(str, self.classes)))

    def _heldout(self, data: Prepared) -> Images:
        return data.heldout.of_classes(self.classes)

    def _measures(self, data: Prepared) -> list[Measure]:
        inputs = (("test", self._file(data)),)
        return [Measure("model", i.variable, inputs=inputs) for i in (self.sequential, self.module)]

    def probe(self, params: Params) -> Probe:
        data = shelf_of(params, self.fallback).get(self.dataset)
        files = {**data.files, self._file(data): to_npy(self._heldout(data).images)}
        return build_probe(self._measures(data), files)

    def grade(self, answers: Mapping[str, Answer], params: Params) -> Mapping[str, Verdict]:
        data = shelf_of(params, self.fallback).get(self.dataset)
        bar = _bar(self.bars, data)
        if bar is None:
            return _unjudged(self.items, _no_bar(data))
        labels = {"test": (self._heldout(data).labels == self.classes[1]).astype(np.int64)}
        seq, mod = (read_figures(answers, m, labels, 2) for m in self._measures(data))
        verdicts: dict[str, Verdict] = {}
        if self.reported is not None:
            verdicts[self.reported.variable] = check_reported(
                answers.get(self.reported.variable, ABSENT),
                mod.test.accuracy if mod.test is not None else None,
                bar.margin,
            )
        flagged = self.reported is not None and verdicts[self.reported.variable].extra.get(
            "flagged", False
        )
        for item, mine, other, kind in (
            (self.sequential, seq, None, "sequential"),
            (self.module, mod, seq, "module"),
        ):
            extra: dict[str, Any] = {
                "dataset": f"{data.described}, classes {self.classes[0]} and {self.classes[1]}",
                "measured": mine.as_dict(),
                "threshold": _threshold(bar, Rule.ACCURACY),
            }
            if item is self.module and self.reported is not None:
                extra |= {"flagged": flagged, "margin": bar.margin}
                extra["reported"] = verdicts[self.reported.variable].extra.get("reported", {})
            answer = answers.get(item.variable, ABSENT)
            if mine.test is None:
                verdicts[item.variable] = _model_verdict(answer, mine, False, [], extra)
                continue
            ok, lines = judge_model(mine, bar)
            verdict = _model_verdict(answer, mine, ok, lines, extra)
            mistake = _twin_mistake(mine, other, kind)
            if mistake is not None:
                verdict = Verdict(
                    Status.INCORRECT,
                    0.0,
                    given=verdict.given,
                    expected=verdict.expected,
                    feedback=f"{mistake.explanation} {verdict.feedback}",
                    mistake=mistake,
                    extra=extra,
                )
            verdicts[item.variable] = verdict
        return verdicts


def _twin_mistake(mine: Figures, other: Figures | None, kind: str) -> Mistake | None:
    if mine.kind != kind:
        return NOT_SEQUENTIAL if kind == "sequential" else NOT_SUBCLASS
    if other is None or other.problem:
        return None
    if mine.parameters != other.parameters or mine.shape != other.shape:
        return DIFFERENT_ARCHITECTURE
    return None


@dataclass(frozen=True)
class BlockPart:
    """A module's output shape on a grader input and its parameter count (HW3 Q7's Inception
    block): ``input_shape`` (N, C, H, W) must give (N, ``channels``, H, W), with
    ``parameters(params)`` trainable parameters."""

    block: Item
    input_shape: tuple[int, int, int, int]
    channels: int
    parameters: Callable[[Params], int]

    @property
    def items(self) -> tuple[Item, ...]:
        return (self.block,)

    def solve(self, params: Params) -> Mapping[str, Any]:
        n, _, h, w = self.input_shape
        return {
            self.block.variable: f"a module giving ({n}, {self.channels}, {h}, {w}) with "
            f"{self.parameters(params)} parameters"
        }

    def expectations(self, params: Params) -> Mapping[str, Expectation]:
        return by_value(self, params)

    def _measure(self) -> Measure:
        return Measure("model", self.block.variable, shape_input=self.input_shape)

    def probe(self, params: Params) -> Probe:
        return build_probe([self._measure()], {})

    def grade(self, answers: Mapping[str, Answer], params: Params) -> Mapping[str, Verdict]:
        answer = answers.get(self.block.variable, ABSENT)
        n, _, h, w = self.input_shape
        want_shape, want_params = (n, self.channels, h, w), self.parameters(params)
        expected = f"output {want_shape}, {want_params} parameters"
        if answer.unanswered:
            return {self.block.variable: missing_verdict(answer, expected)}
        figures = read_shape_figures(answers, self._measure())
        extra = {"measured": figures.as_dict(), "input_shape": list(self.input_shape)}
        if figures.problem or figures.shape is None:
            reason = figures.problem or "nothing was measured"
            verdict = Verdict(Status.ERROR, 0.0, expected=expected, feedback=f"{reason}.")
            return {self.block.variable: verdict}
        given = f"output {figures.shape}, {figures.parameters} parameters"
        lines, mistake = [], None
        if figures.shape != want_shape:
            lines.append(f"On an input {self.input_shape} it gives {figures.shape}.")
            if len(figures.shape) == 4 and figures.shape[2:] != (h, w):
                mistake = SPATIAL_SIZE
        if figures.parameters != want_params:
            lines.append(f"It has {figures.parameters} parameters, not {want_params}.")
        ok = not lines
        return {
            self.block.variable: Verdict(
                Status.CORRECT if ok else Status.INCORRECT,
                1.0 if ok else 0.0,
                given=given,
                expected=expected,
                feedback=" ".join(lines) or "Shape and parameter count as the reference.",
                mistake=mistake,
                extra=extra,
            )
        }


def parametric_activation(x: np.ndarray, alpha: float) -> np.ndarray:
    """f(x) = max(x, 0) + α·min(x, 0)."""
    return np.maximum(x, 0) + alpha * np.minimum(x, 0)


def affine_residual(paired: np.ndarray | None, ends: np.ndarray | None) -> float | None:
    """How far a model is from affine, from its outputs on images x (first half of
    ``paired``), their inverted copies 1 - x (second half) and the all-0 and all-1 images
    (``ends``): an affine s has s(x) + s(1 - x) = s(0) + s(1). The largest deviation,
    relative to the largest output; None when the outputs are missing or misshapen."""
    if paired is None or ends is None or len(ends) != 2 or len(paired) % 2:
        return None
    half = len(paired) // 2
    pairs = np.asarray(paired, dtype=float).reshape(len(paired), -1)
    corners = np.asarray(ends, dtype=float).reshape(2, -1)
    if pairs.shape[1] != corners.shape[1] or not np.all(np.isfinite(pairs)):
        return None
    deviation = pairs[:half] + pairs[half:] - corners[0] - corners[1]
    scale = max(float(np.max(np.abs(pairs))), float(np.max(np.abs(corners))), 1e-12)
    return float(np.max(np.abs(deviation)) / scale)


COURSE_MNIST = (60_000, 10_000)  # the real MNIST's training and test images, as the course counts


def size_notes(data: Prepared) -> tuple[str, str]:
    """How the expected sizes follow from what the kernel was given (the grader keeps part of
    the test split), and how they relate to the course's numbers for the real MNIST."""
    train, test, kept = len(data.train), len(data.public), len(data.heldout)
    course_train, course_test = COURSE_MNIST
    course_kept = min(HELD_OUT_MAX, course_test // 2)
    train_note = (
        f"Expected from the data the kernel was given: {train:,} training images and their "
        f"{train:,} inverted copies, {2 * train:,}. (The course's MNIST: 60,000 + 60,000 = "
        f"{2 * course_train:,}.)"
    )
    test_note = (
        f"Expected from the data the kernel was given: {test:,} test images and their "
        f"{test:,} inverted copies, {2 * test:,}; the grader keeps {kept:,} more test images to "
        f"measure the models. (The course's MNIST: 10,000 + 10,000 = {2 * course_test:,} test "
        f"images, less the {course_kept:,} the grader keeps: {course_test - course_kept:,} + "
        f"{course_test - course_kept:,} = {2 * (course_test - course_kept):,}.)"
    )
    return train_note, test_note


def _noted(verdict: Verdict, note: str) -> Verdict:
    """``verdict`` with ``note`` after its feedback."""
    feedback = verdict.feedback if verdict.feedback not in ("", verdict.status.value) else ""
    return replace(verdict, feedback=f"{feedback} {note}".strip())


@dataclass(frozen=True)
class AlphaPart:
    """HW6 Q3: data with inverted copies, a parametric activation and one model per α.

    Items: the dataset sizes after adding the inverted copies (twice the kernel's training and
    test splits), the activation (a function ``f(x, alpha)`` or a class ``f(alpha)`` whose
    instances are applied to x; compared with max(x, 0) + α·min(x, 0) at ``points``), the
    models (a list in the order of ``alphas``, or a dict keyed by α; each measured on the
    held-out examples and their inverted copies: the best must reach the bar, and the α = 1
    model must behave as a linear model — affine in its input, which the grader checks on its
    outputs: s(x) + s(1 - x) = s(0) + s(1) for every held-out x; its accuracy is shown beside
    a logistic regression the grader fits itself), the student's accuracies per α (flagged when
    off), and their best α (its measured accuracy within the bar's margin of the measured best).
    """

    train_size: Item
    test_size: Item
    activation: Item
    models: Item
    accuracies: Item
    best_alpha: Item
    dataset: str
    bars: Bars
    alphas: tuple[float, ...] = (-1.0, -0.5, 0.0, 0.5, 1.0)
    points: tuple[float, ...] = tuple(round(-3 + 0.25 * k, 2) for k in range(25))
    fallback: DataShelf = field(default_factory=DataShelf, compare=False, repr=False)

    @property
    def datasets(self) -> tuple[str, ...]:
        return (self.dataset,)

    @property
    def items(self) -> tuple[Item, ...]:
        return (
            self.train_size,
            self.test_size,
            self.activation,
            self.models,
            self.accuracies,
            self.best_alpha,
        )

    def _sizes(self, data: Prepared) -> tuple[int, int]:
        return 2 * len(data.train), 2 * len(data.public)

    def solve(self, params: Params) -> Mapping[str, Any]:
        data = shelf_of(params, self.fallback).get(self.dataset)
        train, test = self._sizes(data)
        return {
            self.train_size.variable: train,
            self.test_size.variable: test,
            self.activation.variable: "lambda x, alpha: x.clamp(min=0) + alpha * x.clamp(max=0)",
            self.models.variable: "(one trained model per alpha: measured by the grader)",
            self.accuracies.variable: "(measured by the grader)",
            self.best_alpha.variable: "(the alpha whose model is most accurate)",
        }

    def expectations(self, params: Params) -> Mapping[str, Expectation]:
        sanity = Sanity(self.dataset, invert=True, keys=self.alphas)
        return with_sanity(by_value(self, params), {self.models.variable: sanity})

    def _measures(self, data: Prepared) -> list[Measure]:
        inputs = (("test", data.probe_file("heldout")), ("ends", data.probe_file("ends")))
        found = [
            Measure("model", self.models.variable, index=k, key=a, inputs=inputs, invert=True)
            for k, a in enumerate(self.alphas)
        ]
        found.append(
            Measure("activation", self.activation.variable, alphas=self.alphas, points=self.points)
        )
        return found

    def probe(self, params: Params) -> Probe:
        data = shelf_of(params, self.fallback).get(self.dataset)
        ends = np.stack([np.zeros(data.image_shape), np.full(data.image_shape, 255)])
        files = {**_data_files(data), data.probe_file("ends"): to_npy(ends.astype(np.uint8))}
        return build_probe(self._measures(data), files)

    def grade(self, answers: Mapping[str, Answer], params: Params) -> Mapping[str, Verdict]:
        shelf = shelf_of(params, self.fallback)
        data = shelf.get(self.dataset)
        bar = _bar(self.bars, data)
        if bar is None:
            return _unjudged(self.items, _no_bar(data))
        train, test = self._sizes(data)
        exact = Tolerance(integer=True)
        train_note, test_note = size_notes(data)
        verdicts = {
            self.train_size.variable: _noted(
                check_number(
                    answers.get(self.train_size.variable, ABSENT), NumberCheck(train, exact)
                ),
                train_note,
            ),
            self.test_size.variable: _noted(
                check_number(
                    answers.get(self.test_size.variable, ABSENT), NumberCheck(test, exact)
                ),
                test_note,
            ),
            self.activation.variable: self._activation(answers),
        }
        *model_measures, _ = self._measures(data)
        labels = {"test": np.concatenate([data.heldout.labels, data.heldout.labels])}
        figures = [read_figures(answers, m, labels, data.classes) for m in model_measures]
        linear = shelf.memo(
            ("linear-inverted", data.name),
            lambda: linear_accuracy(data.train, data.heldout, invert=True),
        )
        linear_residual = affine_residual(
            _array(answers.get(model_measures[self.alphas.index(1.0)].name("test"), ABSENT)),
            _array(answers.get(model_measures[self.alphas.index(1.0)].name("ends"), ABSENT)),
        )
        verdicts[self.models.variable] = self._models(
            answers, figures, bar, data, linear, linear_residual
        )
        measured = [f.test.accuracy if f.test is not None else None for f in figures]
        complete = all(m is not None for m in measured)
        verdicts[self.accuracies.variable] = check_reported_many(
            answers.get(self.accuracies.variable, ABSENT),
            measured if complete else None,
            bar.margin,
            "accuracies per alpha",
            "test_accuracy_per_alpha",
        )
        verdicts[self.best_alpha.variable] = self._best(answers, measured, bar)
        return verdicts

    def _activation(self, answers: Mapping[str, Answer]) -> Verdict:
        answer = answers.get(self.activation.variable, ABSENT)
        name = Measure("activation", self.activation.variable).name
        if answer.unanswered:
            return missing_verdict(answer)
        error = _text(answers.get(name("error"), ABSENT))
        values = _array(answers.get(name("values"), ABSENT))
        x = np.asarray(self.points)
        want = np.array([parametric_activation(x, a) for a in self.alphas])
        if error or values is None or values.shape != want.shape:
            reason = error or (
                "it gave values of another shape" if values is not None else "it was not run"
            )
            return Verdict(
                Status.ERROR, 0.0, feedback=f"The activation could not be tried: {reason}."
            )
        extra = {"points": list(self.points), "alphas": list(self.alphas)}
        if np.allclose(values, want, rtol=1e-4, atol=1e-5):
            return Verdict(Status.CORRECT, 1.0, given="matches at every point", extra=extra)
        swapped = np.array([a * np.maximum(x, 0) + np.minimum(x, 0) for a in self.alphas])
        mistake = ACTIVATION_SWAPPED if np.allclose(values, swapped, atol=1e-5) else None
        row, col = np.unravel_index(np.argmax(np.abs(values - want)), want.shape)
        return Verdict(
            Status.INCORRECT,
            0.0,
            given=f"f({x[col]:g}) = {values[row, col]:.4g} at α = {self.alphas[row]:g}",
            expected=f"{want[row, col]:.4g}",
            feedback=mistake.explanation
            if mistake
            else "It does not compute max(x, 0) + α·min(x, 0).",
            mistake=mistake,
            extra=extra,
        )

    def _models(
        self,
        answers: Mapping[str, Answer],
        figures: Sequence[Figures],
        bar: Bar,
        data: Prepared,
        linear: float,
        residual: float | None,
    ) -> Verdict:
        per_alpha = {f"{a:g}": f.as_dict() for a, f in zip(self.alphas, figures, strict=True)}
        extra: dict[str, Any] = {
            "dataset": f"{data.described}, with inverted copies",
            "per_alpha": per_alpha,
            "linear_baseline": linear,
            "affine_residual": residual,
            "threshold": {"test_accuracy_min": bar.accuracy, "affine_residual_max": AFFINE},
        }
        answer = answers.get(self.models.variable, ABSENT)
        if answer.unanswered:
            return missing_verdict(answer)
        broken = [(a, f.problem) for a, f in zip(self.alphas, figures, strict=True) if f.problem]
        if broken:
            a, problem = broken[0]
            return Verdict(
                Status.ERROR, 0.0, feedback=f"The model for α = {a:g}: {problem}.", extra=extra
            )
        accuracies = [f.test.accuracy for f in figures if f.test is not None]
        best = max(accuracies)
        lines = [
            "Measured held-out accuracy (with inverted copies) per α: "
            + ", ".join(f"{a:g}: {_pct(v)}" for a, v in zip(self.alphas, accuracies, strict=True))
            + f". Best {_pct(best)} (needed at least {_pct(bar.accuracy)})."
        ]
        linear_model = accuracies[self.alphas.index(1.0)]
        behaves = residual is not None and residual <= AFFINE
        lines.append(
            f"α = 1 reaches {_pct(linear_model)}; a logistic regression the grader fitted "
            f"reaches {_pct(linear)}. "
            + (
                "The α = 1 network behaves as a linear model (its outputs are affine in the input)."
                if behaves
                else "The α = 1 network does not behave as a linear model: its outputs are not "
                "affine in the input (max-pooling, for one, is not linear)."
            )
        )
        ok = best >= bar.accuracy and behaves
        return Verdict(
            Status.CORRECT if ok else Status.INCORRECT,
            1.0 if ok else 0.0,
            given=f"best measured {_pct(best)}",
            expected=f"at least {_pct(bar.accuracy)}; α = 1 linear",
            feedback=" ".join(lines),
            extra=extra,
        )

    def _best(
        self, answers: Mapping[str, Answer], measured: Sequence[float | None], bar: Bar
    ) -> Verdict:
        answer = answers.get(self.best_alpha.variable, ABSENT)
        if answer.unanswered:
            return missing_verdict(answer)
        if answer.kind is not Kind.NUMBER or float(answer.value) not in self.alphas:
            options = ", ".join(f"{a:g}" for a in self.alphas)
            return Verdict(
                Status.INVALID, 0.0, given=answer.text, feedback=f"Expected one of {options}."
            )
        if any(m is None for m in measured):
            return Verdict(
                Status.ERROR, 0.0, given=answer.text, feedback="Not every model was measured."
            )
        values = [float(m) for m in measured if m is not None]
        best = max(values)
        chosen = values[self.alphas.index(float(answer.value))]
        top = self.alphas[values.index(best)]
        ok = chosen >= best - bar.margin
        return Verdict(
            Status.CORRECT if ok else Status.INCORRECT,
            1.0 if ok else 0.0,
            given=answer.text,
            expected=f"{top:g}",
            feedback=f"Measured {_pct(chosen)} for α = {answer.text}; the best measured is "
            f"{_pct(best)} (α = {top:g}); within {_pct(bar.margin)} counts.",
        )
