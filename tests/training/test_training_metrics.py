"""The grader's metrics, cross-checked against torch on the same model and data."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from graders.checks import training as t
from graders.runtime.data import DataShelf, scaled


def _model(seed: int, inputs: int, classes: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(inputs, 16), nn.ReLU(), nn.Linear(16, classes))


def _trained_on_digits() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """A small model trained a little on the stand-in data, and the held-out set."""
    prepared = DataShelf().get("mnist")
    x = torch.from_numpy(scaled(prepared.train.images))
    y = torch.from_numpy(prepared.train.labels)
    model = _model(0, 64, 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(30):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    held = torch.from_numpy(scaled(prepared.heldout.images))
    return model, held, torch.from_numpy(prepared.heldout.labels)


def test_metrics_of_a_trained_model_match_torch() -> None:
    model, x, y = _trained_on_digits()
    with torch.no_grad():
        logits = model(x)
    measured = t.measure(logits.numpy(), y.numpy(), 10)
    assert measured.accuracy == pytest.approx((logits.argmax(1) == y).float().mean().item())
    assert measured.loss == pytest.approx(nn.functional.cross_entropy(logits, y).item(), rel=1e-5)
    for c in range(10):
        mine = y == c
        want = (logits.argmax(1)[mine] == c).float().mean().item()
        assert measured.per_class[c] == pytest.approx(want)
    assert measured.count == len(y) and 0.3 < measured.accuracy < 1


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 12), st.floats(0.1, 30))
def test_cross_entropy_of_logits_log_probabilities_and_probabilities(
    seed: int, classes: int, spread: float
) -> None:
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(40, classes, generator=generator, dtype=torch.float64) * spread
    labels = torch.randint(0, classes, (40,), generator=generator)
    want = nn.functional.cross_entropy(logits, labels).item()
    assert t.cross_entropy(logits.numpy(), labels.numpy()) == pytest.approx(want, rel=1e-9)
    log_p = torch.log_softmax(logits, 1)
    assert t.cross_entropy(log_p.numpy(), labels.numpy()) == pytest.approx(want, rel=1e-9)
    probabilities = torch.softmax(logits, 1)
    nll = nn.functional.nll_loss(torch.log(probabilities), labels).item()
    assert t.cross_entropy(probabilities.numpy(), labels.numpy()) == pytest.approx(nll, rel=1e-7)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.1, 20))
def test_binary_cross_entropy_of_probabilities_and_logits(seed: int, spread: float) -> None:
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(50, 1, generator=generator, dtype=torch.float64) * spread
    labels = torch.randint(0, 2, (50, 1), generator=generator).double()
    p = torch.sigmoid(logits)
    assert t.binary_cross_entropy(p.numpy(), labels.numpy()) == pytest.approx(
        nn.BCELoss()(p, labels).item(), rel=1e-7, abs=1e-9
    )
    assert 1 - (p >= 0.5).double().eq(labels).double().mean().item() == pytest.approx(
        1 - t.accuracy(t.predicted_classes(p.numpy()), labels.numpy().reshape(-1))
    )
    if (p.min() > 0) and (p.max() < 1):  # logits outside [0, 1] are read as logits
        with_logits = nn.BCEWithLogitsLoss()(logits, labels).item()
        if logits.abs().max() > 1:
            assert t.binary_cross_entropy(logits.numpy(), labels.numpy()) == pytest.approx(
                with_logits, rel=1e-6
            )


def test_saturated_probabilities_are_clamped_like_torch() -> None:
    p = torch.tensor([[0.0], [1.0], [1.0]], dtype=torch.float64)
    y = torch.tensor([[1.0], [1.0], [0.0]], dtype=torch.float64)
    assert t.binary_cross_entropy(p.numpy(), y.numpy()) == pytest.approx(nn.BCELoss()(p, y).item())


def test_outputs_that_are_not_finite_count_as_wrong() -> None:
    outputs = np.array([[5.0, 0.0], [np.nan, 1.0], [0.0, 3.0]])
    measured = t.measure(outputs, np.array([0, 1, 1]), 2)
    assert measured.accuracy == pytest.approx(2 / 3) and measured.loss is None
    assert measured.broken == 1
    with pytest.raises(ValueError, match="3 outputs per input"):
        t.measure(np.zeros((3, 3)), np.array([0, 1, 1]), 10)
    with pytest.raises(ValueError, match="for 2 inputs"):
        t.measure(np.zeros((3, 10)), np.array([0, 1]), 10)


def test_binary_outputs_one_per_example() -> None:
    measured = t.measure(np.array([0.9, 0.2, 0.6, 0.4]), np.array([1, 0, 0, 0]), 2)
    assert measured.accuracy == 0.75
    assert measured.per_class == (pytest.approx(2 / 3), 1.0)
    assert measured.loss == pytest.approx(
        nn.BCELoss()(torch.tensor([0.9, 0.2, 0.6, 0.4]), torch.tensor([1.0, 0, 0, 0])).item(),
        rel=1e-6,
    )


def test_per_class_accuracy_marks_classes_without_examples() -> None:
    assert t.per_class_accuracy(np.array([0, 2, 2]), np.array([0, 2, 1]), 4) == (
        1.0,
        0.0,
        1.0,
        None,
    )


def test_reported_figures_read_as_fractions_or_percentages() -> None:
    assert t.as_fraction(0.87) == 0.87 and t.as_fraction(87.0) == pytest.approx(0.87)
    assert t.as_fraction(1.0) == 1.0 and t.as_fraction(100.0) == 1.0
    assert t.as_fraction(-0.1) is None and t.as_fraction(130.0) is None
    assert t.as_fraction(math.nan) is None
    assert t.discrepant(0.97, 0.90, 0.05) and not t.discrepant(0.93, 0.90, 0.05)


def test_gap_is_train_minus_test() -> None:
    train = t.Measurement(1.0, 0.01, (), 100)
    test = t.Measurement(0.8, 0.9, (), 100)
    assert t.gap(train, test) == pytest.approx(0.2)


def test_affine_residual_tells_a_linear_network_from_a_nonlinear_one() -> None:
    torch.manual_seed(0)
    x = torch.rand(30, 1, 8, 8)
    ends = torch.stack([torch.zeros(1, 8, 8), torch.ones(1, 8, 8)])
    linear = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.AvgPool2d(2), nn.Flatten())
    linear = nn.Sequential(*linear, nn.Linear(64, 10))
    pooled = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.MaxPool2d(2), nn.Flatten())
    pooled = nn.Sequential(*pooled, nn.Linear(64, 10))
    with torch.no_grad():
        for model, affine in ((linear, True), (pooled, False)):
            paired = model(torch.cat([x, 1 - x])).numpy()
            residual = t.affine_residual(paired, model(ends).numpy())
            assert residual is not None and (residual < t.AFFINE) == affine
    assert t.affine_residual(None, np.zeros((2, 10))) is None


def test_parametric_activation_is_leaky_relu_for_small_alpha() -> None:
    x = torch.linspace(-3, 3, 25, dtype=torch.float64)
    for alpha in (0.0, 0.1, 0.5, 1.0):
        want = nn.functional.leaky_relu(x, alpha).numpy()
        assert np.allclose(t.parametric_activation(x.numpy(), alpha), want)
    assert np.allclose(t.parametric_activation(x.numpy(), -1.0), np.abs(x.numpy()))


def test_a_linear_model_cannot_learn_images_and_their_inverted_copies() -> None:
    prepared = DataShelf().get("mnist")
    plain = t.linear_accuracy(prepared.train, prepared.heldout)
    inverted = t.linear_accuracy(prepared.train, prepared.heldout, invert=True)
    assert plain > 0.9 and inverted < 0.25  # s(x) + s(1 - x) is constant per class
