"""reference/training.py: the training questions, their bars, and the Inception reference."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from graders.checks.training import AlphaPart, BlockPart, ModelPart, TwinPart
from graders.model.questions import Homework, Question
from graders.runtime.data import SOURCES, STAND_IN, datasets_of
from graders.student.release import release_notebook
from reference import training


def _all() -> tuple[Question, ...]:
    return (
        *training.hw2_q5(),
        training.hw3_q4(),
        training.hw3_q7(),
        training.hw4_q3(),
        training.hw6_q3(),
    )


class _Inception(nn.Module):
    """The question's module written out in torch: four branches, 'same' padding, stride 1."""

    def __init__(self, channels: int) -> None:
        super().__init__()

        def conv(i: int, o: int, k: int) -> list[nn.Module]:
            return [nn.Conv2d(i, o, k, padding=k // 2), nn.ReLU()]

        self.branches = nn.ModuleList(
            [
                nn.Sequential(*conv(channels, 16, 1)),
                nn.Sequential(*conv(channels, 16, 1), *conv(16, 32, 3)),
                nn.Sequential(*conv(channels, 16, 1), *conv(16, 32, 5)),
                nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), *conv(channels, 16, 1)),
            ]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([b(x) for b in self.branches], dim=1)


def test_inception_reference_matches_a_torch_module() -> None:
    for channels in (1, 3, 7):
        module = _Inception(channels)
        count = sum(p.numel() for p in module.parameters() if p.requires_grad)
        assert training.inception_parameters(channels, training.INCEPTION_BRANCHES) == count
    output = _Inception(3)(torch.zeros(training.INCEPTION_INPUT))
    assert training.inception_channels(training.INCEPTION_BRANCHES) == output.shape[1] == 96
    assert tuple(output.shape[2:]) == training.INCEPTION_INPUT[2:]
    block = next(p for p in training.hw3_q7().parts if isinstance(p, BlockPart))
    assert block.parameters({}) == 17728 and block.channels == 96


def test_every_question_names_its_dataset_and_has_bars_for_it_and_the_stand_in() -> None:
    ids = [q.id for q in _all()]
    assert len(ids) == len(set(ids)) == 9
    variables = [i.variable for q in _all() for i in q.items]
    assert len(variables) == len(set(variables))
    for question in _all():
        for part in question.parts:
            if isinstance(part, ModelPart | TwinPart | AlphaPart):
                assert part.dataset in SOURCES, question.id
                assert {part.dataset, STAND_IN} <= set(part.bars), question.id
    by_id = {q.id: q for q in _all()}
    assert datasets_of([Homework("x", "x", (by_id["hw6.q3"],), {})]) == ("mnist",)
    assert by_id["hw2.q5e"].points == 15  # (e) is the bonus: 15 points beside (a)-(d)'s 40
    assert sum(by_id[f"hw2.q5{p}"].points for p in "abcd") == 40


def test_the_release_writes_every_prompt_and_the_setup_cell() -> None:
    homework = Homework("hwt", "t", _all(), {}, setup=training.setup_source())
    nb = release_notebook(homework)
    text = "\n".join(c.source for c in nb.cells)
    assert "def load_dataset(" in text and "torch.manual_seed(0)" in text
    assert "{" not in "".join(q.prompt for q in _all())  # nothing left for str.format
    for question in _all():
        assert question.id in text


def test_setup_cell_seeds_and_defines_the_loader() -> None:
    namespace: dict[str, object] = {}
    exec(compile(training.setup_source(), "<setup>", "exec"), namespace)
    assert callable(namespace["load_dataset"])
    first = torch.rand(3)
    exec(compile(training.setup_source(), "<setup>", "exec"), namespace)
    assert torch.equal(first, torch.rand(3))  # the same seed, the same numbers


def test_hw4_holds_the_trained_cnn(books: Mapping[str, Homework]) -> None:
    hw4 = books["hw4"]
    assert hw4.question("hw4.q3").id == "hw4.q3"
    assert "def load_dataset(" in hw4.setup
