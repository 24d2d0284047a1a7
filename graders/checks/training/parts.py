"""Training parts: the questions' declarations, and the plumbing between data, probe and verdict.

In:  what a reference module declares (items, the dataset, its ``Bars``, a ``Rule``, the
     options of a choice of penalty, notes that explain expected sizes) and, when the pipeline
     calls them, the ``CheckContext`` holding the batch's datasets.
Out: ``ModelPart``, ``TwinPart``, ``BlockPart`` and ``AlphaPart``: each a ``Part`` and
     ``Probing``; those that read data are ``Contextual`` (``graders.model.context``). ``probe``
     hands the kernel the grader's held-out inputs; ``grade`` reads the figures the probe
     brought out against the labels it kept, computes the grader's own baselines (memoised on
     the batch's shelf), and hands everything to the pure verdicts.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graders.checks.choice import Options, check_choice
from graders.checks.numeric import NumberCheck, Tolerance, check_number
from graders.checks.training.baseline import linear_accuracy
from graders.checks.training.detail import TrainingDetail
from graders.checks.training.figures import (
    Figures,
    array_of,
    read_figures,
    read_shape_figures,
    text_of,
)
from graders.checks.training.metrics import affine_residual
from graders.checks.training.probe import Measure, build_probe
from graders.checks.training.verdicts import (
    FLAGGED,
    HISTORIES,
    Bar,
    Bars,
    Norm,
    Rule,
    activation_verdict,
    alpha_models_verdict,
    best_alpha_verdict,
    block_verdict,
    check_history,
    check_positive,
    check_reported,
    check_reported_many,
    check_transforms,
    judge_model,
    model_verdict,
    no_bar,
    noted,
    threshold,
    twin_mistake,
    unjudged,
    with_mistake,
)
from graders.model.answers import ABSENT, Answer, Verdict, missing_verdict
from graders.model.context import CheckContext, context_or_stand_in
from graders.model.described import Expectation, Sanity, by_value, with_sanity
from graders.model.questions import Item, Params, Probe
from graders.runtime.data import Images, Prepared, to_npy


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


def _probe_files(
    context: CheckContext | None,
    dataset: str,
    kind: Hashable,
    make: Callable[[Prepared], dict[str, bytes]],
) -> tuple[Prepared, Mapping[str, bytes]]:
    """The dataset and the files a probe hands to every kernel of the batch (the same bytes
    for each submission: made once per data shelf)."""
    shelf = context_or_stand_in(context).data
    data = shelf.get(dataset)
    files: Mapping[str, bytes] = shelf.memo(("probe-files", dataset, kind), lambda: make(data))
    return data, files


def _labels(data: Prepared, train: bool = True) -> dict[str, np.ndarray]:
    found = {"test": data.heldout.labels}
    if train:
        found["train"] = data.train_sample.labels
    return found


def _data(dataset: str, context: CheckContext | None) -> Prepared:
    return context_or_stand_in(context).data.get(dataset)


@dataclass(frozen=True)
class Penalty:
    """A choice of penalty: the answer item, the ``options`` its answer is read with (declared
    by the homework) and, per option id, the weight norm the regularised model is compared on;
    any of those options is accepted."""

    item: Item
    options: Options
    norms: Mapping[str, Norm]


@dataclass(frozen=True)
class ModelPart:
    """One trained model, measured on the held-out examples of ``dataset``.

    Items: the model (its ``rule`` and the dataset's ``Bar``), and optionally the student's
    reported test accuracy, their per-class test accuracies, their train and test loss
    histories, their augmentation transforms, and their regularisation strength and penalty
    (a ``Penalty``: which weight norm is compared). ``baseline`` names the model a comparing
    rule compares with (measured by this part's probe too).
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
    penalty: Penalty | None = None

    @property
    def datasets(self) -> tuple[str, ...]:
        return (self.dataset,)

    @property
    def items(self) -> tuple[Item, ...]:
        optional = (self.reported, self.per_class, *self.histories, self.transforms)
        rest = (self.strength, self.penalty.item if self.penalty is not None else None)
        return tuple(i for i in (self.model, *optional, *rest) if i is not None)

    def solve(self, params: Params, context: CheckContext | None = None) -> Mapping[str, Any]:
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

    def probe(self, params: Params, context: CheckContext | None = None) -> Probe:
        data, files = _probe_files(context, self.dataset, "images", _data_files)
        return build_probe(self._measures(data), files)

    def grade(
        self, answers: Mapping[str, Answer], params: Params, context: CheckContext | None = None
    ) -> Mapping[str, Verdict]:
        data = _data(self.dataset, context)
        bar = self.bars.get(data.source)
        if bar is None:
            return unjudged(self.items, no_bar(data.source))
        measures = self._measures(data)
        figures = read_figures(answers, measures[0], _labels(data), data.classes)
        baseline = (
            read_figures(answers, measures[1], _labels(data), data.classes)
            if self.baseline
            else None
        )
        verdicts = self._items(answers, figures, bar)
        norm = Norm.L2
        if self.penalty is not None:
            penalty = answers.get(self.penalty.item.variable, ABSENT)
            verdict = check_choice(penalty, self.penalty.options, frozenset(self.penalty.norms))
            verdicts[self.penalty.item.variable] = verdict
            chosen = verdict.details.get("chosen")
            if isinstance(chosen, list) and len(chosen) == 1 and chosen[0] in self.penalty.norms:
                norm = self.penalty.norms[chosen[0]]
        verdicts[self.model.variable] = self._judge(
            answers, figures, baseline, bar, data, verdicts, norm
        )
        return verdicts

    def _items(
        self, answers: Mapping[str, Answer], figures: Figures, bar: Bar
    ) -> dict[str, Verdict]:
        """The verdicts of every item but the model and the penalty."""
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
        for item, what in zip(self.histories, HISTORIES, strict=False):
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
        detail = self._detail(figures, baseline, bar, data, verdicts)
        answer = answers.get(self.model.variable, ABSENT)
        if figures.test is None:
            return model_verdict(answer, figures, False, [], detail)
        ok, lines = judge_model(figures, bar, self.rule, baseline, norm)
        if detail.flagged:
            lines.append(FLAGGED)
        return model_verdict(answer, figures, ok, lines, detail)

    def _detail(
        self,
        figures: Figures,
        baseline: Figures | None,
        bar: Bar,
        data: Prepared,
        verdicts: Mapping[str, Verdict],
    ) -> TrainingDetail:
        """The model verdict's detail: its figures, and what its other items' verdicts saw."""
        seen = {
            name: v.detail for name, v in verdicts.items() if isinstance(v.detail, TrainingDetail)
        }
        reported: dict[str, Any] | None = None
        flagged: bool | None = None
        margin: float | None = None
        for item in (self.reported, self.per_class):
            if item is not None and item.variable in verdicts:
                found = seen.get(item.variable)
                reported = {**(reported or {}), **dict((found.reported if found else None) or {})}
                flagged = bool(flagged) or bool(found is not None and found.flagged)
                margin = bar.margin
        histories: dict[str, tuple[float, ...]] = {}
        for item in self.histories:
            found = seen.get(item.variable)
            histories |= found.histories if found is not None else {}
        transforms: tuple[float, ...] | None = None
        if self.transforms is not None:
            found = seen.get(self.transforms.variable)
            transforms = found.transforms if found is not None else None
        return TrainingDetail(
            dataset=data.described,
            measured=figures.as_dict(),
            threshold=threshold(bar, self.rule),
            baseline={"variable": self.baseline, **baseline.as_dict()}
            if baseline is not None
            else None,
            reported=reported,
            flagged=flagged,
            margin=margin,
            train_loss=histories.get("train_loss"),
            test_loss=histories.get("test_loss"),
            transforms=transforms,
            nulls=("transforms",) if self.transforms is not None and transforms is None else (),
        )


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

    @property
    def datasets(self) -> tuple[str, ...]:
        return (self.dataset,)

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for i in (self.sequential, self.module, self.reported) if i is not None)

    def solve(self, params: Params, context: CheckContext | None = None) -> Mapping[str, Any]:
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

    def probe(self, params: Params, context: CheckContext | None = None) -> Probe:
        def make(data: Prepared) -> dict[str, bytes]:
            return {**data.files, self._file(data): to_npy(self._heldout(data).images)}

        data, files = _probe_files(context, self.dataset, ("classes", *self.classes), make)
        return build_probe(self._measures(data), files)

    def grade(
        self, answers: Mapping[str, Answer], params: Params, context: CheckContext | None = None
    ) -> Mapping[str, Verdict]:
        data = _data(self.dataset, context)
        bar = self.bars.get(data.source)
        if bar is None:
            return unjudged(self.items, no_bar(data.source))
        labels = {"test": (self._heldout(data).labels == self.classes[1]).astype(np.int64)}
        seq, mod = (read_figures(answers, m, labels, 2) for m in self._measures(data))
        verdicts: dict[str, Verdict] = {}
        seen: TrainingDetail | None = None
        if self.reported is not None:
            reported = check_reported(
                answers.get(self.reported.variable, ABSENT),
                mod.test.accuracy if mod.test is not None else None,
                bar.margin,
            )
            verdicts[self.reported.variable] = reported
            seen = reported.detail if isinstance(reported.detail, TrainingDetail) else None
        described = f"{data.described}, classes {self.classes[0]} and {self.classes[1]}"
        for item, mine, other, kind in (
            (self.sequential, seq, None, "sequential"),
            (self.module, mod, seq, "module"),
        ):
            detail = TrainingDetail(
                dataset=described,
                measured=mine.as_dict(),
                threshold=threshold(bar, Rule.ACCURACY),
            )
            if item is self.module and self.reported is not None:
                detail = TrainingDetail(
                    dataset=detail.dataset,
                    measured=detail.measured,
                    threshold=detail.threshold,
                    flagged=bool(seen is not None and seen.flagged),
                    margin=bar.margin,
                    reported=(seen.reported if seen is not None else None) or {},
                )
            answer = answers.get(item.variable, ABSENT)
            if mine.test is None:
                verdicts[item.variable] = model_verdict(answer, mine, False, [], detail)
                continue
            ok, lines = judge_model(mine, bar)
            verdict = model_verdict(answer, mine, ok, lines, detail)
            mistake = twin_mistake(mine, other, kind)
            if mistake is not None:
                verdict = with_mistake(verdict, mistake, detail)
            verdicts[item.variable] = verdict
        return verdicts


@dataclass(frozen=True)
class BlockPart:
    """A module's output shape on a grader input and its parameter count (HW3 Q7's Inception
    block): ``input_shape`` (N, C, H, W) must give (N, ``channels``, H, W), with
    ``parameters(params)`` trainable parameters. It reads no data: a plain ``Part``."""

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
        if answer.unanswered:
            expected = f"output {want_shape}, {want_params} parameters"
            return {self.block.variable: missing_verdict(answer, expected)}
        figures = read_shape_figures(answers, self._measure())
        verdict = block_verdict(figures, self.input_shape, want_shape, want_params)
        return {self.block.variable: verdict}


SizeNotes = Callable[[Prepared], tuple[str, str]]
"""How a question explains the expected dataset sizes (training, test) from the data given."""


def _no_notes(data: Prepared) -> tuple[str, str]:
    return "", ""


@dataclass(frozen=True)
class AlphaPart:
    """HW6 Q3: data with inverted copies, a parametric activation and one model per α.

    Items: the dataset sizes after adding the inverted copies (twice the kernel's training and
    test splits; ``size_notes``, declared by the homework, explain them), the activation (a
    function ``f(x, alpha)`` or a class ``f(alpha)`` whose instances are applied to x;
    compared with max(x, 0) + α·min(x, 0) at ``points``), the models (a list in the order of
    ``alphas``, or a dict keyed by α; each measured on the held-out examples and their
    inverted copies: the best must reach the bar, and the α = 1 model must behave as a linear
    model — affine in its input, which the grader checks on its outputs: s(x) + s(1 - x) =
    s(0) + s(1) for every held-out x; its accuracy is shown beside a logistic regression the
    grader fits itself), the student's accuracies per α (flagged when off), and their best α
    (its measured accuracy within the bar's margin of the measured best).
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
    size_notes: SizeNotes = field(default=_no_notes, compare=False, repr=False)

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

    def solve(self, params: Params, context: CheckContext | None = None) -> Mapping[str, Any]:
        train, test = self._sizes(_data(self.dataset, context))
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

    def probe(self, params: Params, context: CheckContext | None = None) -> Probe:
        def make(data: Prepared) -> dict[str, bytes]:
            ends = np.stack([np.zeros(data.image_shape), np.full(data.image_shape, 255)])
            return {**_data_files(data), data.probe_file("ends"): to_npy(ends.astype(np.uint8))}

        data, files = _probe_files(context, self.dataset, "ends", make)
        return build_probe(self._measures(data), files)

    def grade(
        self, answers: Mapping[str, Answer], params: Params, context: CheckContext | None = None
    ) -> Mapping[str, Verdict]:
        shelf = context_or_stand_in(context).data
        data = shelf.get(self.dataset)
        bar = self.bars.get(data.source)
        if bar is None:
            return unjudged(self.items, no_bar(data.source))
        verdicts = self._sizes_verdicts(answers, data)
        activation = Measure("activation", self.activation.variable).name
        verdicts[self.activation.variable] = activation_verdict(
            answers.get(self.activation.variable, ABSENT),
            array_of(answers.get(activation("values"), ABSENT)),
            text_of(answers.get(activation("error"), ABSENT)),
            self.points,
            self.alphas,
        )
        *model_measures, _ = self._measures(data)
        labels = {"test": np.concatenate([data.heldout.labels, data.heldout.labels])}
        figures = [read_figures(answers, m, labels, data.classes) for m in model_measures]
        linear = shelf.memo(
            ("linear-inverted", data.name),
            lambda: linear_accuracy(data.train, data.heldout, invert=True),
        )
        linear_model = model_measures[self.alphas.index(1.0)]
        residual = affine_residual(
            array_of(answers.get(linear_model.name("test"), ABSENT)),
            array_of(answers.get(linear_model.name("ends"), ABSENT)),
        )
        verdicts[self.models.variable] = alpha_models_verdict(
            answers.get(self.models.variable, ABSENT),
            figures,
            self.alphas,
            bar,
            linear,
            residual,
            f"{data.described}, with inverted copies",
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
        verdicts[self.best_alpha.variable] = best_alpha_verdict(
            answers.get(self.best_alpha.variable, ABSENT), measured, self.alphas, bar.margin
        )
        return verdicts

    def _sizes_verdicts(self, answers: Mapping[str, Answer], data: Prepared) -> dict[str, Verdict]:
        train, test = self._sizes(data)
        exact = Tolerance(integer=True)
        train_note, test_note = self.size_notes(data)
        found = {}
        for item, size, note in (
            (self.train_size, train, train_note),
            (self.test_size, test, test_note),
        ):
            verdict = check_number(answers.get(item.variable, ABSENT), NumberCheck(size, exact))
            found[item.variable] = noted(verdict, note) if note else verdict
        return found
