"""Figures: what the grader measured of one model, read from what its probe brought out.

In:  the harvested answers (the probe's plain variables), the ``Measure`` of the model, the
     labels the grader kept (by role: ``test``, ``train``) and the number of classes.
Out: ``Figures`` (held-out and training ``Measurement``s, parameter count, weight norms, output
     shape, kind of module, or the ``problem`` that kept it from being measured), and the
     readers of single probe results (``array_of``, ``number_of``, ``text_of``).

Pure: no I/O; the labels are handed in by the part that holds the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from graders.checks.training.metrics import Measurement, gap, measure
from graders.checks.training.probe import Measure
from graders.model.answers import ABSENT, Answer, Kind


def array_of(answer: Answer) -> np.ndarray | None:
    """A probe result as an array (a number is a 0-d array), or None."""
    return answer.as_array() if answer.kind in (Kind.ARRAY, Kind.NUMBER) else None


def number_of(answer: Answer) -> float | None:
    """A probe result as a number, or None."""
    return float(answer.value) if answer.kind is Kind.NUMBER else None


def text_of(answer: Answer) -> str:
    """A probe result as text ("" when it is not text)."""
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
        """The ``measured`` figures of a ``TrainingDetail``."""
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

    error = text_of(get("error"))
    if error:
        reason = _PROBE_REASONS.get(error, f"running it raised {error}")
        return Figures(problem=f"the grader could not run the model: {reason}")
    shape = array_of(get("shape"))
    parameters = number_of(get("parameters"))
    common: dict[str, Any] = {
        "parameters": int(parameters) if parameters is not None else None,
        "weight_norm": number_of(get("norm")),
        "weight_l1": number_of(get("l1")),
        "shape": tuple(int(n) for n in shape.reshape(-1)) if shape is not None else None,
        "kind": text_of(get("kind")),
    }
    measured: dict[str, Measurement] = {}
    for role, kept in labels.items():
        outputs = array_of(get(role))
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
