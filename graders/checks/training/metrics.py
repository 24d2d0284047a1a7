"""Training metrics: pure functions of a model's outputs and the labels the grader kept.

In:  arrays (class scores shaped (N, K), or one output per example), integer labels, the
     number of classes; a reported figure and a margin.
Out: accuracy, per-class accuracy, cross-entropy from logits or probabilities, binary
     cross-entropy, a ``Measurement`` of one model on one labelled set (``measure``), the
     train-test gap, a reported figure read as a fraction, whether it is discrepant; the
     parametric activation HW6 Q3 asks for and how far a model is from affine.

No I/O, no state: every function here is a pure function of its arguments.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PROBABILITY_SUM = 1e-3  # rows within this of summing to 1 (and in [0, 1]) are probabilities
LOG_FLOOR = -100.0  # torch's BCELoss clamps its logarithms here


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
