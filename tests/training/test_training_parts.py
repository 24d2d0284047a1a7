"""The training parts' verdicts, from probe results made up here with known figures."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from graders.checks import training as t
from graders.model.answers import Answer, Kind, Status
from graders.model.questions import Item
from graders.runtime.data import DataShelf, Prepared
from reference.training import PENALTY_NORMS, REGULARIZERS, size_notes

DATA: Prepared = DataShelf().get("mnist")
BAR = t.Bar(0.8, gap=0.1, comparable=0.05, margin=0.05, transforms=2)
MODEL = Answer(Kind.UNSUPPORTED, note="cannot read an object of type Sequential")


def _array(values: Any) -> Answer:
    return Answer(Kind.ARRAY, np.asarray(values, dtype=float))


def _number(value: float) -> Answer:
    return Answer(Kind.NUMBER, float(value), text=repr(value))


def scores(labels: np.ndarray, right: float, classes: int = 10) -> np.ndarray:
    """Logits right on the first ``right`` fraction of the examples, wrong on the rest."""
    predicted = labels.copy()
    k = round(right * len(labels))
    predicted[k:] = (labels[k:] + 1) % classes
    return 4.0 * np.eye(classes)[predicted]


def measured(
    variable: str,
    test: float,
    train: float | None = None,
    *,
    norm: float = 2.0,
    l1: float = 10.0,
    parameters: int = 100,
    kind: str = "sequential",
    index: int | None = None,
) -> dict[str, Answer]:
    """The answers a probe leaves for a model with these figures."""
    m = t.Measure("model", variable, index=index)
    found = {
        m.name("test"): _array(scores(DATA.heldout.labels, test)),
        m.name("parameters"): _number(parameters),
        m.name("norm"): _number(norm),
        m.name("l1"): _number(l1),
        m.name("kind"): Answer(Kind.TEXT, kind, text=kind),
    }
    if train is not None:
        found[m.name("train")] = _array(scores(DATA.train_sample.labels, train))
    return found


def _exact(fraction: float, n: int) -> float:
    return round(fraction * n) / n


def part(**kw: Any) -> t.ModelPart:
    return t.ModelPart(Item("m", "the model", 5.0), "mnist", {"digits": BAR}, **kw)


def test_accuracy_reached_or_not_with_the_figures_in_extra() -> None:
    reported = Item("acc", "accuracy", 1.0)
    good = part(reported=reported).grade(
        {"m": MODEL, "acc": _number(0.9), **measured("m", 0.9, 0.95)}, {}
    )
    verdict = good["m"]
    assert verdict.status == "correct" and verdict.credit == 1.0
    assert verdict.details["measured"]["test_accuracy"] == pytest.approx(_exact(0.9, 398))
    figures = verdict.details["measured"]
    assert figures["n_test"] == 398 and figures["n_train"] == 100
    assert verdict.details["threshold"] == {"test_accuracy_min": 0.8}
    assert "standing in for mnist" in verdict.details["dataset"]
    assert verdict.details["flagged"] is False and good["acc"].status == "correct"
    weak = part().grade({"m": MODEL, **measured("m", 0.5, 0.5)}, {})["m"]
    assert weak.status == "incorrect" and weak.credit == 0 and "50.0%" in weak.feedback


def test_a_reported_accuracy_far_from_the_measured_one_is_flagged() -> None:
    reported = Item("acc", "accuracy", 1.0)
    graded = part(reported=reported).grade(
        {"m": MODEL, "acc": _number(97), **measured("m", 0.6, 0.6)}, {}
    )
    assert graded["acc"].status == "incorrect"
    assert graded["acc"].mistake == t.REPORTED_NOT_MEASURED
    assert graded["acc"].details["reported"] == {"test_accuracy": 0.97}
    assert graded["m"].details["flagged"] is True and "flagged" in graded["m"].feedback
    assert graded["m"].details["reported"] == {"test_accuracy": 0.97}
    near = part(reported=reported).grade(
        {"m": MODEL, "acc": _number(0.58), **measured("m", 0.6, 0.6)}, {}
    )
    assert near["acc"].status == "correct"  # within the margin: honest noise
    text = part(reported=reported).grade({"m": MODEL, "acc": Answer(Kind.TEXT, "high")}, {})
    assert text["acc"].status == "invalid"


@pytest.mark.parametrize(("train", "ok"), [(1.0, True), (0.85, False)])
def test_an_overfit_model_needs_its_gap(train: float, ok: bool) -> None:
    histories = (Item("tr", "train loss", 1.0), Item("te", "test loss", 1.0))
    graded = part(rule=t.Rule.OVERFITS, histories=histories).grade(
        {
            "m": MODEL,
            "tr": _array([1.0, 0.5, 0.1]),
            "te": _array([1.0, 0.8, 0.9]),
            **measured("m", 0.82, train),
        },
        {},
    )
    assert (graded["m"].status == "correct") is ok
    assert graded["m"].details["measured"]["gap"] == pytest.approx(train - _exact(0.82, 398))
    assert graded["m"].details["train_loss"] == [1.0, 0.5, 0.1]
    assert graded["m"].details["test_loss"] == [1.0, 0.8, 0.9]
    assert graded["tr"].status == "correct"
    single = part(histories=histories).grade({"m": MODEL, "tr": _number(0.1)}, {})
    assert single["tr"].status == "invalid"


def test_augmentation_must_shrink_the_gap_with_working_transforms() -> None:
    transforms = Item("tf", "transforms", 1.0)
    c = part(rule=t.Rule.LESS_GAP, baseline="b", transforms=transforms)
    overfit = measured("b", 0.85, 1.0)
    changes = {"_grader_tf_changes": _array([0.2, 0.0, 0.1])}
    tf = {"tf": Answer(Kind.LIST, ())}
    better = c.grade({"m": MODEL, **tf, **changes, **overfit, **measured("m", 0.88, 0.95)}, {})
    assert better["m"].status == "correct"
    assert better["m"].details["baseline"]["variable"] == "b"
    assert better["tf"].status == "correct" and better["m"].details["transforms"] == [0.2, 0, 0.1]
    worse = c.grade({"m": MODEL, **overfit, **measured("m", 0.84, 1.0)}, {})
    assert worse["m"].status == "incorrect" and "not smaller" in worse["m"].feedback
    alone = c.grade({"m": MODEL, **measured("m", 0.88, 0.9)}, {})
    assert alone["m"].status == "incorrect" and "No model to compare" in alone["m"].feedback
    one = c.grade({"m": MODEL, **tf, "_grader_tf_changes": _array([0.2, 0.0])}, {})
    assert one["tf"].status == "incorrect" and "1 of 2" in one["tf"].feedback


def test_regularisation_compares_the_penalised_norm_at_comparable_accuracy() -> None:
    d = part(
        rule=t.Rule.SMALLER_NORM,
        baseline="b",
        strength=Item("s", "strength", 1.0),
        penalty=t.Penalty(Item("p", "penalty", 1.0), REGULARIZERS, PENALTY_NORMS),
    )
    overfit = measured("b", 0.85, 1.0, norm=10.0, l1=100.0)
    l2 = {"p": Answer(Kind.TEXT, "L2", text="L2"), "s": _number(0.001)}
    small = d.grade({"m": MODEL, **l2, **overfit, **measured("m", 0.84, 0.9, norm=5.0)}, {})
    assert small["m"].status == "correct" and small["s"].status == "correct"
    # with an L1 penalty the L1 norms are compared: here the L1 norm grew
    l1 = {"p": Answer(Kind.TEXT, "lasso", text="lasso"), "s": _number(0.001)}
    grown = d.grade({"m": MODEL, **l1, **overfit, **measured("m", 0.84, 0.9, l1=200.0)}, {})
    assert grown["m"].status == "incorrect" and "L1 norm" in grown["m"].feedback
    sharp = measured("b", 0.95, 1.0, norm=10.0)
    worse = d.grade({"m": MODEL, **l2, **sharp, **measured("m", 0.85, 0.9, norm=1.0)}, {})
    assert worse["m"].status == "incorrect" and "below" in worse["m"].feedback
    zero = d.grade({"m": MODEL, "s": _number(0)}, {})
    assert zero["s"].status == "incorrect"
    assert d.grade({"m": MODEL, "s": Answer(Kind.TEXT, "1e-3")}, {})["s"].status == "invalid"
    none = d.grade({"m": MODEL, "p": Answer(Kind.TEXT, "none", text="none")}, {})
    assert none["p"].status == "incorrect"


def test_the_bonus_must_beat_the_first_model() -> None:
    e = part(rule=t.Rule.BEATS, baseline="a")
    first = measured("a", 0.85, 0.9)
    assert e.grade({"m": MODEL, **first, **measured("m", 0.9, 0.9)}, {})["m"].status == "correct"
    same = e.grade({"m": MODEL, **first, **measured("m", 0.85, 0.9)}, {})["m"]
    assert same.status == "incorrect" and "does not beat" in same.feedback


def test_missing_failed_and_unmeasured_models() -> None:
    assert part().grade({}, {})["m"].status == "missing"
    failed = Answer(Kind.ERROR, note="The cell that defines m (cell 3) raised IndexError.")
    verdict = part().grade({"m": failed}, {})["m"]
    assert verdict.status == "error" and "IndexError" in verdict.feedback
    unmeasured = part().grade({"m": MODEL}, {})["m"]
    assert unmeasured.status == "error" and "did not run" in unmeasured.feedback
    odd = part().grade({"m": MODEL, "_grader_m_test": _array(np.zeros((398, 3)))}, {})["m"]
    assert odd.status == "error" and "3 outputs per input" in odd.feedback


def test_a_dataset_without_a_bar_is_left_to_a_person() -> None:
    p = t.ModelPart(Item("m", "model", 1.0), "mnist", {"mnist": BAR})
    verdict = p.grade({"m": MODEL, **measured("m", 0.9)}, {})["m"]
    assert verdict.status == "manual" and "digits" in verdict.feedback


def _twin(**figures: dict[str, Answer]) -> dict[str, Any]:
    part = t.TwinPart(
        Item("s", "sequential", 1.0), Item("c", "module", 1.0), "mnist", (3, 5), {"digits": BAR}
    )
    heldout = DATA.heldout.of_classes((3, 5))
    labels = (heldout.labels == 5).astype(float)
    answers: dict[str, Answer] = {"s": MODEL, "c": MODEL}
    for variable, (kind, parameters, right) in figures.items():
        m = t.Measure("model", variable)
        probabilities = np.where(np.arange(len(labels)) < right * len(labels), labels, 1 - labels)
        answers |= {
            m.name("test"): _array(0.1 + 0.8 * probabilities[:, None]),
            m.name("kind"): Answer(Kind.TEXT, kind),
            m.name("parameters"): _number(parameters),
            m.name("shape"): _array([len(labels), 1]),
        }
    return dict(part.grade(answers, {}))


def test_the_two_versions_must_be_one_architecture() -> None:
    same = _twin(s=("sequential", 500, 0.95), c=("module", 500, 0.95))
    assert same["s"].status == same["c"].status == "correct"
    other = _twin(s=("sequential", 500, 0.95), c=("module", 600, 0.95))
    assert other["c"].mistake == t.DIFFERENT_ARCHITECTURE
    swapped = _twin(s=("module", 500, 0.95), c=("sequential", 500, 0.95))
    assert swapped["s"].mistake == t.NOT_SEQUENTIAL and swapped["c"].mistake == t.NOT_SUBCLASS
    weak = _twin(s=("sequential", 500, 0.5), c=("module", 500, 0.95))
    assert weak["s"].status == "incorrect" and weak["s"].mistake is None


def test_the_block_shape_and_parameters() -> None:
    block = t.BlockPart(Item("b", "block", 1.0), (2, 3, 32, 32), 96, lambda p: 17728)

    def grade(shape: list[int], parameters: int) -> Any:
        return block.grade(
            {
                "b": MODEL,
                "_grader_b_shape": _array(shape),
                "_grader_b_parameters": _number(parameters),
            },
            {},
        )["b"]

    assert grade([2, 96, 32, 32], 17728).status == "correct"
    assert grade([2, 96, 30, 30], 17728).mistake == t.SPATIAL_SIZE
    wrong = grade([2, 112, 32, 32], 17792)
    assert wrong.status == "incorrect" and "17792" in wrong.feedback and wrong.mistake is None
    assert block.grade({}, {})["b"].status == "missing"


ALPHAS = (-1.0, 0.0, 1.0)


def _alpha_part() -> t.AlphaPart:
    items = [Item(n, n, 1.0) for n in ("tr", "te", "f", "ms", "accs", "best")]
    return t.AlphaPart(
        *items,
        "mnist",
        {"digits": BAR},
        alphas=ALPHAS,
        points=(-2.0, 0.0, 1.0),
        size_notes=size_notes,  # HW6's, declared in reference/
    )


def _alpha_answers(rights: list[float], affine: bool = True) -> dict[str, Answer]:
    """Probe results of one model per α; the α = 1 model's outputs on x and 1 - x add up to
    s(0) + s(1) when ``affine`` (so it is right on the first half at most)."""
    labels = DATA.heldout.labels
    half = len(labels)
    constant = np.full(10, 4.0)
    answers: dict[str, Answer] = {"ms": Answer(Kind.LIST, ())}
    for k, right in enumerate(rights):
        m = t.Measure("model", "ms", index=k)
        first = scores(labels, right)
        second = constant - first if ALPHAS[k] == 1.0 and affine else scores(labels, right)
        answers[m.name("test")] = _array(np.concatenate([first, second]))
        answers[m.name("ends")] = _array(np.stack([np.zeros(10), constant]))
        assert len(first) == half
    return answers


def test_alpha_part_sizes_activation_models_and_best_alpha() -> None:
    p = _alpha_part()
    x = np.array([-2.0, 0.0, 1.0])
    good_values = [t.parametric_activation(x, a) for a in ALPHAS]
    answers = {
        "tr": _number(2000),
        "te": _number(2 * len(DATA.public)),
        "f": Answer(Kind.UNSUPPORTED),
        "_grader_f_values": _array(good_values),
        "best": _number(0.0),
        **_alpha_answers([0.9, 0.95, 0.9]),
    }
    graded = p.grade(answers, {})
    assert graded["tr"].status == graded["te"].status == graded["f"].status == "correct"
    assert graded["best"].status == "correct"
    swapped = [a * np.maximum(x, 0) + np.minimum(x, 0) for a in ALPHAS]
    bad = p.grade({**answers, "_grader_f_values": _array(swapped), "tr": _number(1000)}, {})
    assert bad["f"].mistake == t.ACTIVATION_SWAPPED and bad["tr"].status == "incorrect"
    assert p.grade({**answers, "best": _number(0.5)}, {})["best"].status == "invalid"


def test_alpha_one_must_behave_as_a_linear_model() -> None:
    p = _alpha_part()
    linear = p.grade(_alpha_answers([0.9, 0.95, 0.1], affine=True), {})["ms"]
    assert linear.details["affine_residual"] < t.AFFINE
    assert linear.status == "correct" and "behaves as a linear model" in linear.feedback
    assert 0 <= linear.details["linear_baseline"] < 0.25
    assert set(linear.details["per_alpha"]) == {"-1", "0", "1"}
    bent = p.grade(_alpha_answers([0.9, 0.95, 0.9], affine=False), {})["ms"]
    assert bent.status == "incorrect" and "does not behave as a linear model" in bent.feedback
    weak = p.grade(_alpha_answers([0.5, 0.6, 0.1]), {})["ms"]
    assert weak.status == Status.INCORRECT


def test_reported_accuracies_per_alpha_are_checked_against_the_measured_ones() -> None:
    p = _alpha_part()
    answers = _alpha_answers([0.9, 0.95, 0.1])
    honest = p.grade({**answers, "accs": _array([0.9, 0.95, 0.1])}, {})["accs"]
    assert honest.status == "correct"
    boast = p.grade({**answers, "accs": _array([0.99, 0.99, 0.99])}, {})["accs"]
    assert boast.mistake == t.REPORTED_NOT_MEASURED and boast.details["flagged"] is True
    short = p.grade({**answers, "accs": _array([0.9, 0.95])}, {})["accs"]
    assert short.status == "invalid"


def test_alpha_part_sizes_follow_from_the_kernels_data_and_name_the_courses_numbers() -> None:
    answers = {"tr": _number(2 * len(DATA.train)), "te": _number(2 * len(DATA.public))}
    graded = _alpha_part().grade(answers, {})
    kept = len(DATA.heldout)
    assert graded["te"].status == "correct" and graded["tr"].status == "correct"
    assert graded["te"].expected == str(2 * len(DATA.public))  # not the whole test split
    assert f"the grader keeps {kept:,} more test images" in graded["te"].feedback
    assert "10,000 + 10,000 = 20,000" in graded["te"].feedback
    assert "less the 2,000 the grader keeps: 8,000 + 8,000 = 16,000" in graded["te"].feedback
    assert "60,000 + 60,000 = 120,000" in graded["tr"].feedback
    whole = _alpha_part().grade({"te": _number(2 * (len(DATA.public) + kept))}, {})["te"]
    assert whole.status == "incorrect" and "the grader keeps" in whole.feedback
