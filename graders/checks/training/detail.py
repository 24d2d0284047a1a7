"""The typed detail of a training verdict: what the grader measured, beside what was reported.

In:  the figures a training verdict decided on (built by ``graders.checks.training.verdicts``),
     or a results record's ``extra`` (``TrainingDetail.from_json``).
Out: ``TrainingDetail``, a frozen ``graders.model.answers.Detail``; ``to_json`` gives exactly the
     keys the record's ``extra`` holds (every field that is set, in the order below):

- ``dataset``: what the figures were measured on (``"digits (standing in for ...)"``).
- ``measured``: the grader's figures of the item's model (``FigureMap``): ``test_accuracy``,
  ``test_loss``, ``per_class_test`` (a list; None for a class without examples), ``n_test``,
  and where measured ``train_accuracy``, ``train_loss``, ``per_class_train``, ``n_train``,
  ``gap`` (train minus test accuracy), ``parameters``, ``weight_norm`` (L2 norm of the weights
  with two or more dimensions), ``weight_l1``, ``output_shape``, ``kind`` (``sequential``,
  ``module`` or a type name).
- ``per_alpha``: per α (as text), that model's ``measured`` figures; ``linear_baseline``: the
  held-out accuracy of the grader's own logistic regression; ``affine_residual``: how far the
  α = 1 model is from affine (HW6 Q3).
- ``threshold``: the bar that applied (``test_accuracy_min``, ``gap_min``, ...).
- ``baseline``: the compared model's variable and figures.
- ``reported``: the student's own figures (``test_accuracy``, ``per_class_test``,
  ``test_accuracy_per_alpha``); ``flagged``: True when a reported figure is further than
  ``margin`` from the measured one; ``margin``.
- ``train_loss``, ``test_loss``: the student's loss histories (one number per epoch).
- ``transforms``: per transform, the mean absolute change it made to a grader batch (-1: it
  changed the shape; -2: it raised).
- ``input_shape``: the input a block was tried on; ``points``, ``alphas``: where an activation
  was compared.

A field is None when the verdict does not say it; ``nulls`` names the fields the record writes
as null (the verdict says it, but nothing could be measured).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

FigureMap = Mapping[str, Any]
"""Figures by name (``test_accuracy`` -> 0.91, ``per_class_test`` -> [0.9, None, ...])."""


@dataclass(frozen=True)
class TrainingDetail:
    """What a training verdict shows beside its feedback (see the module's docstring)."""

    dataset: str | None = None
    measured: FigureMap | None = None
    per_alpha: Mapping[str, FigureMap] | None = None
    linear_baseline: float | None = None
    affine_residual: float | None = None
    threshold: Mapping[str, float] | None = None
    baseline: FigureMap | None = None
    reported: FigureMap | None = None
    flagged: bool | None = None
    margin: float | None = None
    train_loss: tuple[float, ...] | None = None
    test_loss: tuple[float, ...] | None = None
    transforms: tuple[float, ...] | None = None
    input_shape: tuple[int, ...] | None = None
    points: tuple[float, ...] | None = None
    alphas: tuple[float, ...] | None = None
    nulls: tuple[str, ...] = ()

    @property
    def histories(self) -> dict[str, tuple[float, ...]]:
        """The loss histories given, by name, in the order they are drawn."""
        found = {"train_loss": self.train_loss, "test_loss": self.test_loss}
        return {name: values for name, values in found.items() if values}

    def to_json(self) -> dict[str, Any]:
        """The record's ``extra`` keys of this detail."""
        found: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "nulls":
                continue
            if value is None and f.name not in self.nulls:
                continue
            found[f.name] = _json(value)
        return found

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TrainingDetail:
        """The detail of a record's ``extra``; a key that is absent or of the wrong type is
        left out (None)."""
        return cls(
            dataset=_str(data.get("dataset")),
            measured=_figures(data.get("measured")),
            per_alpha=_per_alpha(data.get("per_alpha")),
            linear_baseline=_float(data.get("linear_baseline")),
            affine_residual=_float(data.get("affine_residual")),
            threshold=_thresholds(data.get("threshold")),
            baseline=_figures(data.get("baseline")),
            reported=_figures(data.get("reported")),
            flagged=data["flagged"] if isinstance(data.get("flagged"), bool) else None,
            margin=_float(data.get("margin")),
            train_loss=_floats(data.get("train_loss")),
            test_loss=_floats(data.get("test_loss")),
            transforms=_floats(data.get("transforms")),
            input_shape=_ints(data.get("input_shape")),
            points=_floats(data.get("points")),
            alphas=_floats(data.get("alphas")),
            nulls=tuple(f.name for f in fields(cls) if f.name in data and data[f.name] is None),
        )


def _json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def _real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _float(value: Any) -> float | None:
    return float(value) if _real(value) else None


def _floats(value: Any) -> tuple[float, ...] | None:
    """Numbers (or their text, as a record may hold them); None when one is neither."""
    if not isinstance(value, Sequence) or isinstance(value, str):
        return None
    found = []
    for x in value:
        if not (_real(x) or isinstance(x, str)):
            return None
        try:
            found.append(float(x))
        except ValueError:
            return None
    return tuple(found)


def _ints(value: Any) -> tuple[int, ...] | None:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return None
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in value):
        return None
    return tuple(value)


def _figures(value: Any) -> FigureMap | None:
    return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else None


def _per_alpha(value: Any) -> Mapping[str, FigureMap] | None:
    if not isinstance(value, Mapping):
        return None
    return {str(k): dict(v) for k, v in value.items() if isinstance(v, Mapping)}


def _thresholds(value: Any) -> Mapping[str, float] | None:
    if not isinstance(value, Mapping):
        return None
    return {str(k): float(v) for k, v in value.items() if _real(v)}
