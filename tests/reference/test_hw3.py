"""Tests for reference.hw3: counts and shapes against real torch modules, and the grading.

Each network is built here with torch (nn.Conv1d, nn.MaxPool1d, nn.Linear, nn.Conv2d,
nn.MaxPool2d) from the question's words, and its ``sum(p.numel())`` per layer and its output
shapes are compared with the reference module's arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from graders.model.answers import Answer, Kind, Status, Verdict
from graders.model.questions import Homework, Params
from reference import hw3


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def number(value: float, text: str | None = None) -> Answer:
    return Answer(Kind.NUMBER, value, text=repr(value) if text is None else text)


def text(value: str) -> Answer:
    return Answer(Kind.TEXT, value, text=repr(value))


def part_of(book: Homework, variable: str) -> Any:
    for question in book.questions:
        for part in question.parts:
            if variable in {item.variable for item in part.items}:
                return part
    raise KeyError(variable)


def solved(book: Homework, variable: str, params: Params | None = None) -> Any:
    params = book.params if params is None else params
    return part_of(book, variable).solve(params)[variable]


def grade(book: Homework, answers: Mapping[str, Answer]) -> dict[str, Verdict]:
    verdicts: dict[str, Verdict] = {}
    for variable, answer in answers.items():
        verdicts.update(part_of(book, variable).grade({variable: answer}, book.params))
    return {k: v for k, v in verdicts.items() if k in answers}


@pytest.fixture(scope="module")
def book() -> Homework:
    return hw3.homework()


# --- Q3: the 1-D CNN --------------------------------------------------------------------------


def cnn_body(params: Params) -> nn.Sequential:
    """The convolution and pooling stages, as the question describes them."""
    layers: list[nn.Module] = []
    channels = params["in_channels"]
    for kernel, filters in zip(params["kernels"], params["filters"], strict=True):
        layers += [nn.Conv1d(channels, filters, kernel), nn.MaxPool1d(params["pool"])]
        channels = filters
    return nn.Sequential(*layers)


def steps_after(params: Params, length: int) -> int:
    with torch.no_grad():
        out = cnn_body(params)(torch.zeros(1, params["in_channels"], length))
    assert out.shape[1] == params["filters"][-1]
    return int(out.shape[2])


def test_input_length_is_the_shortest_that_leaves_59_steps(book: Homework) -> None:
    params = book.params
    length = params["length"]
    assert steps_after(params, length) == params["steps"] == 59
    assert steps_after(params, length - 1) == params["steps"] - 1
    lengths = [n for n in range(length - 20, length + 20) if steps_after(params, n) == 59]
    assert min(lengths) == length


def test_cnn_counts_match_torch(book: Homework) -> None:
    params = book.params
    body = cnn_body(params)
    flat = steps_after(params, params["length"]) * params["filters"][-1]
    dense1, dense2 = nn.Linear(flat, params["dense"][0]), nn.Linear(*params["dense"])
    convs = [m for m in body if isinstance(m, nn.Conv1d)]
    pools = [m for m in body if isinstance(m, nn.MaxPool1d)]
    assert all(count(p) == 0 for p in pools)
    expected = {
        "q3_conv1": count(convs[0]),
        "q3_conv2": count(convs[1]),
        "q3_conv3": count(convs[2]),
        "q3_dense1": count(dense1),
        "q3_dense2": count(dense2),
    }
    for variable, value in expected.items():
        assert solved(book, variable) == value, variable
    model = nn.Sequential(body, nn.Flatten(), dense1, dense2)
    assert solved(book, "q3_total") == count(model)
    with torch.no_grad():
        assert model(torch.zeros(2, params["in_channels"], params["length"])).shape == (2, 5)


def test_cnn_counts_follow_other_parameters(book: Homework) -> None:
    params = {**book.params, "in_channels": 3, "filters": (8, 8, 4), "kernels": (5, 3, 3)}
    params["length"] = hw3.shortest_input(params["steps"], params["kernels"], params["pool"])
    assert steps_after(params, params["length"]) == params["steps"]
    body = cnn_body(params)
    flat = params["steps"] * params["filters"][-1]
    model = nn.Sequential(body, nn.Flatten(), nn.Linear(flat, 128), nn.Linear(128, 5))
    assert solved(book, "q3_total", params) == count(model)


def test_seed_students_counts_are_right(book: Homework) -> None:
    """The student wrote (3*7+1)*16 = 352, ... and 497349 in all."""
    answers = {
        "q3_conv1": number(352),
        "q3_conv2": number(2592),
        "q3_conv3": number(10304),
        "q3_dense1": number(483456),
        "q3_dense2": number(645),
        "q3_total": number(497349),
    }
    assert {v.status for v in grade(book, answers).values()} == {Status.CORRECT}


def test_count_mistakes_are_named(book: Homework) -> None:
    conv1 = nn.Conv1d(book.params["in_channels"], 16, 3, bias=False)
    answers = {
        "q3_conv1": number(count(conv1)),
        "q3_conv2": number(5 * 32 + 32),  # kernel × filters + biases: input channels left out
        "q3_dense1": number(solved(book, "q3_dense1") + 1),  # off by one: exact counts
    }
    verdicts = grade(book, answers)
    assert verdicts["q3_conv1"].mistake == hw3.NO_BIAS
    assert verdicts["q3_conv2"].mistake == hw3.CHANNELS_IGNORED
    assert verdicts["q3_dense1"].status is Status.INCORRECT
    assert verdicts["q3_dense1"].mistake is None


# --- Q6(f): the 1×1 convolution --------------------------------------------------------------


def test_pointwise_convolution_matches_torch(book: Homework) -> None:
    params = book.params
    conv = nn.Conv2d(params["q6_channels"], params["q6_filters"], kernel_size=1)
    size = params["q6_size"]
    with torch.no_grad():
        out = conv(torch.zeros(1, params["q6_channels"], size, size))
    height, width, channels = out.shape[2], out.shape[3], out.shape[1]  # NCHW -> H, W, C
    assert [solved(book, f"q6f_{k}") for k in ("height", "width", "channels")] == [
        height,
        width,
        channels,
    ]
    assert solved(book, "q6f_params") == count(conv)


def test_seed_students_pointwise_answers_are_right(book: Homework) -> None:
    """From the student's model.summary(): output (None, 4, 4, 3), 12 parameters."""
    answers = {
        "q6f_height": number(4),
        "q6f_width": number(4),
        "q6f_channels": number(3),
        "q6f_params": number(12),
    }
    assert {v.status for v in grade(book, answers).values()} == {Status.CORRECT}
    no_bias = grade(book, {"q6f_params": number(9)})["q6f_params"]
    assert no_bias.mistake == hw3.NO_BIAS


# --- Q7: the Inception module ------------------------------------------------------------------


class Inception(nn.Module):
    """The module of Q7, written out branch by branch."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.branch1 = nn.Sequential(nn.Conv2d(channels, 16, 1), nn.ReLU())
        self.branch2 = nn.Sequential(
            nn.Conv2d(channels, 16, 1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding="same"), nn.ReLU()
        )
        self.branch3 = nn.Sequential(
            nn.Conv2d(channels, 16, 1), nn.ReLU(), nn.Conv2d(16, 32, 5, padding="same"), nn.ReLU()
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1), nn.Conv2d(channels, 16, 1), nn.ReLU()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = (self.branch1, self.branch2, self.branch3, self.branch4)
        return torch.cat([b(x) for b in branches], dim=1)


def test_inception_matches_torch(book: Homework) -> None:
    params = book.params
    module = Inception(params["inc_channels"])
    size = params["inc_size"]
    with torch.no_grad():
        out = module(torch.zeros(2, params["inc_channels"], size, size))
    assert [solved(book, f"q7_{k}") for k in ("height", "width", "channels")] == [
        out.shape[2],
        out.shape[3],
        out.shape[1],
    ]
    assert solved(book, "q7_params") == count(module)


def test_inception_branches_are_the_questions(book: Homework) -> None:
    prompt = " ".join(book.question("hw3.q7").prompt_for(book.params).split())
    assert "1×1 conv (16 filters) -> 5×5 conv (32 filters)" in prompt
    assert "3×3 max-pool -> 1×1 conv (16 filters)" in prompt
    assert "32×32 input" in prompt and "no batch normalisation" in prompt


def test_inception_count_follows_its_branches(book: Homework) -> None:
    """One more branch (a 1×1 conv of 8 filters) adds exactly its torch count."""
    params = {
        **book.params,
        "inc_branches": (*book.params["inc_branches"], (("conv", 1, 8),)),
    }
    extra = nn.Conv2d(book.params["inc_channels"], 8, 1)
    assert solved(book, "q7_params", params) == solved(book, "q7_params") + count(extra)
    assert solved(book, "q7_channels", params) == solved(book, "q7_channels") + 8


def test_inception_no_bias_mistake(book: Homework) -> None:
    module = Inception(book.params["inc_channels"])
    biases = sum(m.bias.numel() for m in module.modules() if isinstance(m, nn.Conv2d))
    verdict = grade(book, {"q7_params": number(count(module) - biases)})["q7_params"]
    assert verdict.mistake == hw3.NO_BIAS


# --- Q1(d): batch vs mini-batch ----------------------------------------------------------------


def loss_curve(batch: int | None, seed: int = 0) -> np.ndarray:
    """Losses on the whole training set after each step of SGD, full batch or mini-batches."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(256, 5, generator=generator)
    y = x @ torch.tensor([1.0, -2.0, 0.5, 3.0, 1.5]) + 0.5 * torch.randn(256, generator=generator)
    model = nn.Linear(5, 1)
    nn.init.zeros_(model.weight)
    nn.init.zeros_(model.bias)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.05)
    losses = []
    for _ in range(60):
        index = torch.randperm(256, generator=generator)[:batch] if batch else torch.arange(256)
        optimiser.zero_grad()
        nn.functional.mse_loss(model(x[index]).squeeze(1), y[index]).backward()
        optimiser.step()
        with torch.no_grad():
            losses.append(nn.functional.mse_loss(model(x).squeeze(1), y).item())
    return np.array(losses)


def test_smooth_curve_is_batch_gradient_descent(book: Homework) -> None:
    full, mini = loss_curve(None), loss_curve(8)
    rises = {"batch": int(np.sum(np.diff(full) > 0)), "mini-batch": int(np.sum(np.diff(mini) > 0))}
    assert rises["batch"] == 0 and rises["mini-batch"] > 5
    smooth = min(rises, key=rises.__getitem__)
    noisy = max(rises, key=rises.__getitem__)
    assert solved(book, "q1d_smooth") == smooth
    assert solved(book, "q1d_noisy") == noisy


def test_curve_spellings(book: Homework) -> None:
    answers = {
        "q1d_smooth": text("Batch Gradient Descent"),
        "q1d_noisy": text("مینی بچ"),
    }
    assert {v.status for v in grade(book, answers).values()} == {Status.CORRECT}
    swapped = grade(book, {"q1d_smooth": text("mini batch"), "q1d_noisy": text("BGD")})
    assert {v.status for v in swapped.values()} == {Status.INCORRECT}
    assert grade(book, {"q1d_noisy": text("stochastic")})["q1d_noisy"].status is Status.INVALID


# --- the homework as released ------------------------------------------------------------------


def test_every_item_is_solved_and_named_once(book: Homework) -> None:
    names = book.variables
    assert len(names) == len(set(names))
    values: dict[str, Any] = {}
    for question in book.questions:
        for part in question.parts:
            values.update(part.solve(book.params))
    assert set(values) == set(names)
    counts = [v for k, v in values.items() if k.startswith(("q3_", "q6f_", "q7_"))]
    assert all(float(v).is_integer() for v in counts)


def test_prompts_state_the_parameters(book: Homework) -> None:
    q3 = book.question("hw3.q3").prompt_for(book.params)
    assert f"L = {book.params['length']}" in q3 and "59 steps of 64 channels" in q3
    assert "Conv1D(32 filters, kernel 5) -> MaxPool1D(2)" in q3 and "Dense(128) -> Dense(5)" in q3
    q6 = book.question("hw3.q6").prompt_for(book.params)
    assert "3 filters of size 1×1" in q6 and "4×4 pixels with 3 channels" in q6
    assert not any(q.prompt_fa for q in book.questions)  # the seed has no question text
