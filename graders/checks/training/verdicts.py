"""Training verdicts: pure decisions from what was measured (and reported) to a ``Verdict``.

In:  the student's answers (a reported figure, a loss history, a strength), the ``Figures``
     the grader measured (``graders.checks.training.figures``), the question's ``Bar`` and
     ``Rule``, and figures the grader computed itself beforehand (a linear baseline).
Out: ``Verdict``s with a ``TrainingDetail`` (``detail``) and a message key (``message``, said in
     the page's language by ``graders.report.feedback``); the bars (``Bar``, ``Bars``) and rules
     (``Rule``) a question declares; the named mistakes of training questions.

No I/O, no data: everything a verdict depends on is an argument.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import numpy as np

from graders.checks.numeric import format_number
from graders.checks.training.detail import FigureMap, TrainingDetail
from graders.checks.training.figures import Figures, array_of, text_of
from graders.checks.training.metrics import (
    Measurement,
    as_fraction,
    discrepant,
    parametric_activation,
)
from graders.model.answers import Answer, Kind, Message, Mistake, Status, Verdict, missing_verdict
from graders.model.questions import Item

CHANGE_FLOOR = 1e-6  # a transform that moves a batch by less than this did nothing
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


class Norm(StrEnum):
    """Which weight norm a regularised model is compared on (``Figures`` names)."""

    L2 = "weight_norm"
    L1 = "weight_l1"


@dataclass(frozen=True)
class Said:
    """One sentence of a verdict's feedback: its English text and its catalogue message."""

    text: str
    message: Message | None  # None: said in English only


def said(text: str, key: str, **fields: object) -> Said:
    return Said(text, Message(key, fields))


def joined(sentences: Sequence[Said]) -> tuple[str, Message | None]:
    """The feedback and the message of several sentences, said one after another (no message
    when one of them has none: the page then shows the English)."""
    messages = tuple(s.message for s in sentences if s.message is not None)
    text = " ".join(s.text for s in sentences)
    if len(messages) < len(sentences):
        return text, None
    return text, Message("training.sentences", {"sentences": messages})


def pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _loss(m: Measurement) -> Said:
    if m.loss is None:
        return said(
            f"no loss: {m.broken} outputs were not finite numbers (counted as wrong)",
            "training.no_loss",
            broken=m.broken,
        )
    return said(f"loss {m.loss:.4g}", "training.loss", loss=f"{m.loss:.4g}")


def not_measurable(answer: Answer, figures: Figures, detail: TrainingDetail) -> Verdict | None:
    """The verdict of a model that was not given or could not be measured, else None."""
    if answer.unanswered:
        return missing_verdict(answer)
    if figures.problem or figures.test is None:
        reason = figures.problem or "nothing was measured"
        return Verdict(Status.ERROR, 0.0, feedback=f"Not measured: {reason}.", detail=detail)
    return None


def judge_model(
    figures: Figures,
    bar: Bar,
    rule: Rule = Rule.ACCURACY,
    baseline: Figures | None = None,
    norm: str = Norm.L2,
) -> tuple[bool, list[Said]]:
    """Whether a measured model meets ``bar`` and ``rule`` (comparing with ``baseline``), and
    the sentences that say why."""
    test = figures.test
    assert test is not None
    ok = test.accuracy >= bar.accuracy
    loss = _loss(test)
    lines = [
        Said(
            f"Measured held-out accuracy {pct(test.accuracy)} on {test.count} examples "
            f"(needed at least {pct(bar.accuracy)}); {loss.text}.",
            Message(
                "training.measured_accuracy",
                {
                    "accuracy": pct(test.accuracy),
                    "count": test.count,
                    "bar": pct(bar.accuracy),
                    "loss": loss.message,
                },
            ),
        )
    ]
    if figures.gap is not None and figures.train is not None:
        lines.append(
            said(
                f"Training accuracy {pct(figures.train.accuracy)} on the first "
                f"{figures.train.count} training examples: gap {pct(figures.gap)}.",
                "training.train_accuracy",
                accuracy=pct(figures.train.accuracy),
                count=figures.train.count,
                gap=pct(figures.gap),
            )
        )
    if rule is Rule.OVERFITS:
        overfits = figures.gap is not None and figures.gap >= bar.gap
        ok = ok and overfits
        lines.append(
            said(
                f"It overfits: the gap is at least {pct(bar.gap)}.",
                "training.overfits",
                gap=pct(bar.gap),
            )
            if overfits
            else said(
                f"It does not overfit enough: a gap of at least {pct(bar.gap)} was asked for.",
                "training.overfits_not",
                gap=pct(bar.gap),
            )
        )
    if rule in (Rule.LESS_GAP, Rule.SMALLER_NORM, Rule.BEATS):
        if baseline is None or baseline.test is None or baseline.problem:
            reason = baseline.problem if baseline is not None else "it was not measured"
            text = f"No model to compare with: {reason or 'not measured'}."
            return False, [*lines, Said(text, None)]
        passed, sentence = _compare(figures, baseline, bar, rule, norm)
        ok = ok and passed
        lines.append(sentence)
    return ok, lines


def _compare(
    figures: Figures, baseline: Figures, bar: Bar, rule: Rule, norm: str
) -> tuple[bool, Said]:
    assert figures.test is not None and baseline.test is not None
    if rule is Rule.LESS_GAP:
        mine, theirs = figures.gap, baseline.gap
        if mine is None or theirs is None:
            return False, said("The gaps could not both be measured.", "training.gaps_unmeasured")
        passed = mine < theirs
        verb = "smaller than" if passed else "not smaller than"
        key = "training.gap_smaller" if passed else "training.gap_not_smaller"
        return passed, said(
            f"Its gap {pct(mine)} is {verb} the overfit model's {pct(theirs)}.",
            key,
            mine=pct(mine),
            theirs=pct(theirs),
        )
    if rule is Rule.BEATS:
        passed = figures.test.accuracy > baseline.test.accuracy
        verb = "beats" if passed else "does not beat"
        return passed, said(
            f"It {verb} the first model's {pct(baseline.test.accuracy)}.",
            "training.beats" if passed else "training.beats_not",
            theirs=pct(baseline.test.accuracy),
        )
    mine_norm, their_norm = figures.as_dict().get(norm), baseline.as_dict().get(norm)
    if mine_norm is None or their_norm is None:
        return False, said(
            "The weight norms could not both be measured.", "training.norms_unmeasured"
        )
    smaller = mine_norm < their_norm
    comparable = figures.test.accuracy >= baseline.test.accuracy - bar.comparable
    which = "L1 norm" if norm == Norm.L1 else "L2 norm"
    sentence = (
        f"Weight {which} {mine_norm:.4g} against the overfit model's {their_norm:.4g} "
        f"({'smaller' if smaller else 'not smaller'}); accuracy "
        + (
            "comparable."
            if comparable
            else f"more than {pct(bar.comparable)} below the overfit model's."
        )
    )
    different = figures.parameters != baseline.parameters
    if different:
        sentence += " (The two models have different parameter counts.)"
    key = "training.norm_" + ("smaller" if smaller else "not_smaller")
    key += "_comparable" if comparable else "_below"
    fields: dict[str, object] = {
        "norm": which.split()[0],
        "mine": f"{mine_norm:.4g}",
        "theirs": f"{their_norm:.4g}",
        "comparable": pct(bar.comparable),
    }
    parts = [Message(key, fields)]
    if different:
        parts.append(Message("training.different_counts"))
    return smaller and comparable, Said(
        sentence, Message("training.sentences", {"sentences": tuple(parts)})
    )


def check_reported(
    answer: Answer, measured: float | None, margin: float, what: str = "accuracy"
) -> Verdict:
    """A student's reported figure (fraction, or percentage above 1) against the measured one."""
    if answer.unanswered:
        return missing_verdict(answer)
    accuracy = what == "accuracy"
    if answer.kind is not Kind.NUMBER:
        return Verdict(
            Status.INVALID,
            0.0,
            given=answer.text or answer.kind.value,
            feedback=f"Expected the {what} as a number (0..1, or a percentage).",
            message=Message("training.reported_not_number") if accuracy else None,
        )
    reported = as_fraction(float(answer.value))
    if reported is None:
        return Verdict(
            Status.INVALID,
            0.0,
            given=answer.text,
            feedback=f"{answer.text} is not an {what}.",
            message=Message("training.reported_not_accuracy", {"given": answer.text})
            if accuracy
            else None,
        )
    shown_reported = {"test_accuracy": reported}
    if measured is None:
        return Verdict(
            Status.ERROR,
            0.0,
            given=answer.text,
            feedback=f"The model was not measured, so the reported {what} cannot be confirmed.",
            detail=TrainingDetail(reported=shown_reported, margin=margin),
            message=Message("training.reported_unconfirmed") if accuracy else None,
        )
    shown = format_number(measured)
    far = discrepant(reported, measured, margin)
    detail = TrainingDetail(
        reported=shown_reported,
        margin=margin,
        measured={"test_accuracy": measured},
        flagged=far,
    )
    fields = {"reported": pct(reported), "measured": pct(measured), "margin": pct(margin)}
    if not far:
        return Verdict(
            Status.CORRECT,
            1.0,
            given=answer.text,
            expected=shown,
            feedback=f"Reported {pct(reported)}; the grader measured {pct(measured)}.",
            detail=detail,
            message=Message("training.reported_close", fields),
        )
    return Verdict(
        Status.INCORRECT,
        0.0,
        given=answer.text,
        expected=shown,
        feedback=f"Reported {pct(reported)}, but the grader measured {pct(measured)} on its "
        f"held-out data: more than {pct(margin)} apart. {REPORTED_NOT_MEASURED.explanation}",
        mistake=REPORTED_NOT_MEASURED,
        detail=detail,
        message=Message("training.reported_far", fields),
    )


def check_reported_many(
    answer: Answer, measured: Sequence[float | None] | None, margin: float, what: str, key: str
) -> Verdict:
    """Several reported figures (per class, per α) against the measured ones, all within
    ``margin`` (figures measured as None are skipped)."""
    if answer.unanswered:
        return missing_verdict(answer)
    values = array_of(answer)
    if values is None or measured is None or values.reshape(-1).shape != (len(measured),):
        count = "" if measured is None else f"{len(measured)} "
        return Verdict(
            Status.INVALID if measured is not None else Status.ERROR,
            0.0,
            given=answer.text or answer.kind.value,
            feedback=f"Expected {count}numbers: the {what}."
            if measured is not None
            else "The model was not measured, so these figures cannot be confirmed.",
            message=None if measured is not None else Message("training.many_unconfirmed"),
        )
    reported = [as_fraction(float(v)) for v in values.reshape(-1)]
    if any(r is None for r in reported):
        return Verdict(Status.INVALID, 0.0, given=answer.text, feedback=f"Not all are {what}.")
    pairs = [(r, m) for r, m in zip(reported, measured, strict=True) if m is not None]
    worst = max((abs(r - m) for r, m in pairs if r is not None), default=0.0)
    shown = ", ".join("-" if m is None else f"{m:.3f}" for m in measured)
    detail = TrainingDetail(
        reported={key: reported},
        measured={key: list(measured)},
        margin=margin,
        flagged=worst > margin,
    )
    if worst <= margin:
        return Verdict(
            Status.CORRECT,
            1.0,
            given=answer.text,
            expected=shown,
            feedback=f"Each within {pct(margin)} of the grader's figures.",
            detail=detail,
            message=Message("training.many_close", {"margin": pct(margin)}),
        )
    return Verdict(
        Status.INCORRECT,
        0.0,
        given=answer.text,
        expected=shown,
        feedback=f"One is {pct(worst)} from the grader's figure (margin {pct(margin)}). "
        + REPORTED_NOT_MEASURED.explanation,
        mistake=REPORTED_NOT_MEASURED,
        detail=detail,
        message=Message("training.many_far", {"worst": pct(worst), "margin": pct(margin)}),
    )


HISTORIES = ("train loss", "test loss")
"""What a part's loss histories are, in order (``TrainingDetail.train_loss``, ``test_loss``)."""


def check_history(answer: Answer, what: str) -> Verdict:
    """A loss history (``what``: one of ``HISTORIES``): at least two finite numbers, one per
    epoch."""
    if answer.unanswered:
        return missing_verdict(answer)
    values = array_of(answer)
    name = what.replace(" ", "_")
    if values is None or values.ndim != 1 or len(values) < 2 or not np.all(np.isfinite(values)):
        return Verdict(
            Status.INVALID,
            0.0,
            given=answer.text or answer.kind.value,
            feedback=f"Expected the {what} as a list of at least two finite numbers.",
            message=Message("training.history_invalid", {"what": Message(f"figure.{name}")}),
        )
    history = tuple(float(v) for v in values)
    detail = (
        TrainingDetail(train_loss=history)
        if name == "train_loss"
        else TrainingDetail(test_loss=history)
    )
    return Verdict(
        Status.CORRECT, 1.0, given=f"{len(values)} values, last {values[-1]:.4g}", detail=detail
    )


def check_transforms(answer: Answer, changes: Answer, error: Answer, needed: int) -> Verdict:
    """Augmentation: at least ``needed`` of the student's transforms really change a batch."""
    if answer.unanswered:
        return missing_verdict(answer)
    failure = text_of(error)
    values = array_of(changes)
    if failure or values is None:
        reason = failure or "the grader's measurement did not run"
        return Verdict(Status.ERROR, 0.0, feedback=f"The transforms could not be tried: {reason}.")
    values = values.reshape(-1)
    working = int(np.sum(values > CHANGE_FLOOR))
    notes, keys = [], []
    if np.any(values == -1):
        notes.append("a transform changed the images' shape")
        keys.append(Message("training.transform_reshaped"))
    if np.any(values == -2):
        notes.append("a transform raised on a batch and on single images")
        keys.append(Message("training.transform_raised"))
    detail = TrainingDetail(
        transforms=tuple(float(v) for v in values), threshold={"transforms_min": needed}
    )
    text = (
        f"{working} of {len(values)} transforms changed the grader's images "
        f"(at least {needed} needed)" + ("; " + "; ".join(notes) if notes else "") + "."
    )
    counted = {"working": working, "count": len(values), "needed": needed}
    message = Message(
        "training.transforms_noted" if keys else "training.transforms",
        {**counted, "notes": tuple(keys)} if keys else counted,
    )
    ok = working >= needed
    return Verdict(
        Status.CORRECT if ok else Status.INCORRECT,
        1.0 if ok else 0.0,
        given=f"{len(values)} transforms",
        expected=f"at least {needed} that change the images",
        feedback=text,
        detail=detail,
        message=message,
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


def unjudged(items: Sequence[Item], reason: str) -> dict[str, Verdict]:
    """Every item left for a person, with ``reason``."""
    return {i.variable: Verdict(Status.MANUAL, 0.0, feedback=reason) for i in items}


def no_bar(source: str) -> str:
    return f"No bar is declared for the dataset {source}; a person must judge the model."


def threshold(bar: Bar, rule: Rule) -> dict[str, float]:
    """The bar that applied, as the detail shows it."""
    found = {"test_accuracy_min": bar.accuracy}
    if rule is Rule.OVERFITS:
        found["gap_min"] = bar.gap
    if rule is Rule.SMALLER_NORM:
        found["comparable"] = bar.comparable
    return found


def model_verdict(
    answer: Answer, figures: Figures, ok: bool, lines: Sequence[Said], detail: TrainingDetail
) -> Verdict:
    """The verdict of a measured model: its sentences, its detail."""
    blocked = not_measurable(answer, figures, detail)
    if blocked is not None:
        return blocked
    assert figures.test is not None and detail.threshold is not None
    feedback, message = joined(lines)
    return Verdict(
        Status.CORRECT if ok else Status.INCORRECT,
        1.0 if ok else 0.0,
        given=f"measured {pct(figures.test.accuracy)}",
        expected=f"at least {pct(detail.threshold['test_accuracy_min'])}",
        feedback=feedback,
        detail=detail,
        message=message,
    )


FLAGGED = Said(
    "The figure reported differs from the measured one (flagged).",
    Message("training.flagged"),
)


def with_mistake(verdict: Verdict, mistake: Mistake, detail: TrainingDetail) -> Verdict:
    """``verdict`` turned INCORRECT by ``mistake``, its explanation first."""
    message = None
    if verdict.message is not None:
        message = Message(
            "training.mistaken", {"mistake": mistake.persian, "rest": verdict.message}
        )
    return replace(
        verdict,
        status=Status.INCORRECT,
        credit=0.0,
        feedback=f"{mistake.explanation} {verdict.feedback}",
        mistake=mistake,
        detail=detail,
        message=message if mistake.persian else None,
    )


def twin_mistake(mine: Figures, other: Figures | None, kind: str) -> Mistake | None:
    """The mistake of one version of a model built twice (``kind``: sequential or module)."""
    if mine.kind != kind:
        return NOT_SEQUENTIAL if kind == "sequential" else NOT_SUBCLASS
    if other is None or other.problem:
        return None
    if mine.parameters != other.parameters or mine.shape != other.shape:
        return DIFFERENT_ARCHITECTURE
    return None


def block_verdict(
    figures: Figures,
    input_shape: tuple[int, int, int, int],
    want_shape: tuple[int, ...],
    want_params: int,
) -> Verdict:
    """A module's output shape and parameter count against the reference's."""
    expected = f"output {want_shape}, {want_params} parameters"
    if figures.problem or figures.shape is None:
        reason = figures.problem or "nothing was measured"
        return Verdict(Status.ERROR, 0.0, expected=expected, feedback=f"{reason}.")
    detail = TrainingDetail(measured=figures.as_dict(), input_shape=tuple(input_shape))
    given = f"output {figures.shape}, {figures.parameters} parameters"
    lines: list[Said] = []
    mistake = None
    if figures.shape != want_shape:
        lines.append(
            said(
                f"On an input {input_shape} it gives {figures.shape}.",
                "training.block_shape",
                input=str(input_shape),
                shape=str(figures.shape),
            )
        )
        if len(figures.shape) == 4 and figures.shape[2:] != want_shape[2:]:
            mistake = SPATIAL_SIZE
    if figures.parameters != want_params:
        lines.append(
            said(
                f"It has {figures.parameters} parameters, not {want_params}.",
                "training.block_parameters",
                given=figures.parameters,
                expected=want_params,
            )
        )
    ok = not lines
    if ok:
        lines.append(said("Shape and parameter count as the reference.", "training.block_correct"))
    feedback, message = joined(lines)
    return Verdict(
        Status.CORRECT if ok else Status.INCORRECT,
        1.0 if ok else 0.0,
        given=given,
        expected=expected,
        feedback=feedback,
        mistake=mistake,
        detail=detail,
        message=message,
    )


def noted(verdict: Verdict, note: str) -> Verdict:
    """``verdict`` with ``note`` after its feedback (the English alone says it: the message is
    dropped)."""
    feedback = verdict.feedback if verdict.feedback not in ("", verdict.status.value) else ""
    return replace(verdict, feedback=f"{feedback} {note}".strip(), message=None)


def activation_verdict(
    answer: Answer,
    values: np.ndarray | None,
    error: str,
    points: Sequence[float],
    alphas: Sequence[float],
) -> Verdict:
    """A parametric activation's values at ``points`` for each of ``alphas`` against
    max(x, 0) + α·min(x, 0)."""
    if answer.unanswered:
        return missing_verdict(answer)
    x = np.asarray(points)
    want = np.array([parametric_activation(x, a) for a in alphas])
    if error or values is None or values.shape != want.shape:
        reason = error or (
            "it gave values of another shape" if values is not None else "it was not run"
        )
        return Verdict(Status.ERROR, 0.0, feedback=f"The activation could not be tried: {reason}.")
    detail = TrainingDetail(points=tuple(points), alphas=tuple(alphas))
    if np.allclose(values, want, rtol=1e-4, atol=1e-5):
        return Verdict(Status.CORRECT, 1.0, given="matches at every point", detail=detail)
    swapped = np.array([a * np.maximum(x, 0) + np.minimum(x, 0) for a in alphas])
    mistake = ACTIVATION_SWAPPED if np.allclose(values, swapped, atol=1e-5) else None
    row, col = np.unravel_index(np.argmax(np.abs(values - want)), want.shape)
    return Verdict(
        Status.INCORRECT,
        0.0,
        given=f"f({x[col]:g}) = {values[row, col]:.4g} at α = {alphas[int(row)]:g}",
        expected=f"{want[row, col]:.4g}",
        feedback=mistake.explanation if mistake else "It does not compute max(x, 0) + α·min(x, 0).",
        mistake=mistake,
        detail=detail,
        message=None if mistake else Message("training.activation_wrong"),
    )


def alpha_models_verdict(
    answer: Answer,
    figures: Sequence[Figures],
    alphas: Sequence[float],
    bar: Bar,
    linear: float,
    residual: float | None,
    dataset: str,
) -> Verdict:
    """One model per α: the best must reach the bar and the α = 1 model must be affine."""
    per_alpha: dict[str, FigureMap] = {
        f"{a:g}": f.as_dict() for a, f in zip(alphas, figures, strict=True)
    }
    detail = TrainingDetail(
        dataset=dataset,
        per_alpha=per_alpha,
        linear_baseline=linear,
        affine_residual=residual,
        threshold={"test_accuracy_min": bar.accuracy, "affine_residual_max": AFFINE},
        nulls=("affine_residual",) if residual is None else (),
    )
    if answer.unanswered:
        return missing_verdict(answer)
    broken = [(a, f.problem) for a, f in zip(alphas, figures, strict=True) if f.problem]
    if broken:
        a, problem = broken[0]
        return Verdict(
            Status.ERROR, 0.0, feedback=f"The model for α = {a:g}: {problem}.", detail=detail
        )
    accuracies = [f.test.accuracy for f in figures if f.test is not None]
    best = max(accuracies)
    listed = ", ".join(f"{a:g}: {pct(v)}" for a, v in zip(alphas, accuracies, strict=True))
    linear_model = accuracies[list(alphas).index(1.0)]
    behaves = residual is not None and residual <= AFFINE
    lines = [
        said(
            f"Measured held-out accuracy (with inverted copies) per α: {listed}. "
            f"Best {pct(best)} (needed at least {pct(bar.accuracy)}).",
            "training.alpha_accuracies",
            listed=listed,
            best=pct(best),
            bar=pct(bar.accuracy),
        ),
        said(
            f"α = 1 reaches {pct(linear_model)}; a logistic regression the grader fitted "
            f"reaches {pct(linear)}. "
            + (
                "The α = 1 network behaves as a linear model (its outputs are affine in the input)."
                if behaves
                else "The α = 1 network does not behave as a linear model: its outputs are not "
                "affine in the input (max-pooling, for one, is not linear)."
            ),
            "training.alpha_linear" if behaves else "training.alpha_not_linear",
            mine=pct(linear_model),
            linear=pct(linear),
        ),
    ]
    ok = best >= bar.accuracy and behaves
    feedback, message = joined(lines)
    return Verdict(
        Status.CORRECT if ok else Status.INCORRECT,
        1.0 if ok else 0.0,
        given=f"best measured {pct(best)}",
        expected=f"at least {pct(bar.accuracy)}; α = 1 linear",
        feedback=feedback,
        detail=detail,
        message=message,
    )


def best_alpha_verdict(
    answer: Answer, measured: Sequence[float | None], alphas: Sequence[float], margin: float
) -> Verdict:
    """The student's best α: its measured accuracy within ``margin`` of the measured best."""
    if answer.unanswered:
        return missing_verdict(answer)
    if answer.kind is not Kind.NUMBER or float(answer.value) not in alphas:
        options = ", ".join(f"{a:g}" for a in alphas)
        return Verdict(
            Status.INVALID,
            0.0,
            given=answer.text,
            feedback=f"Expected one of {options}.",
            message=Message("training.alpha_options", {"options": options}),
        )
    if any(m is None for m in measured):
        return Verdict(
            Status.ERROR,
            0.0,
            given=answer.text,
            feedback="Not every model was measured.",
            message=Message("training.alpha_unmeasured"),
        )
    values = [float(m) for m in measured if m is not None]
    best = max(values)
    chosen = values[list(alphas).index(float(answer.value))]
    top = alphas[values.index(best)]
    ok = chosen >= best - margin
    fields: Mapping[str, Any] = {
        "chosen": pct(chosen),
        "alpha": answer.text,
        "best": pct(best),
        "top": f"{top:g}",
        "margin": pct(margin),
    }
    return Verdict(
        Status.CORRECT if ok else Status.INCORRECT,
        1.0 if ok else 0.0,
        given=answer.text,
        expected=f"{top:g}",
        feedback=f"Measured {pct(chosen)} for α = {answer.text}; the best measured is "
        f"{pct(best)} (α = {top:g}); within {pct(margin)} counts.",
        message=Message("training.alpha_best", fields),
    )
