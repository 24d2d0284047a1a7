"""Training questions in real sandboxed kernels: time limits, a --data folder, planted values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest

from graders.discover import Submission
from graders.execute import CellStatus, NbclientRunner
from graders.model.questions import Homework, Limits, Question
from graders.model.results import SubmissionResult
from graders.pipeline import Settings, grade_submission
from graders.runtime.data import DataShelf, Images, cifar_files, digits_images
from graders.runtime.sandbox import choose_mode
from graders.student.release import fill_answers, release_notebook
from reference import training

pytestmark = pytest.mark.slow

MLP = """\
import torch
from torch import nn

x_train, y_train, x_test, y_test = load_dataset(DATASET)
X, Y = torch.from_numpy(x_train), torch.from_numpy(y_train)


def mlp(hidden):
    return nn.Sequential(nn.Flatten(), nn.Linear(x_train[0].size, hidden), nn.ReLU(),
                         nn.Linear(hidden, 10))


def fit(model, epochs):
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(epochs):
        for idx in torch.randperm(len(X)).split(64):
            loss = nn.functional.cross_entropy(model(X[idx]), Y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model
"""


def _notebook(homework: Homework, answers: dict[str, str], cells: dict[str, list[str]]) -> Any:
    """The released notebook with ``answers`` and the student's ``cells`` before the answer
    cells of the questions they are keyed by."""
    nb = fill_answers(release_notebook(homework), answers)
    for question, sources in cells.items():
        index = next(
            i
            for i, c in enumerate(nb.cells)
            if c.metadata.get("grader", {}).get("answer") == question
        )
        nb.cells[index:index] = [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


def _grade(homework: Homework, nb: Any, folder: Path, shelf: DataShelf) -> SubmissionResult:
    submission = Submission(homework.id, "ada", folder / "ada.ipynb", nb)
    settings = Settings(out=folder / "out", rerun=True, data=shelf)
    return grade_submission(
        submission, homework, NbclientRunner(choose_mode("auto", fallback=True)), settings
    )


def _items(result: SubmissionResult) -> dict[str, Any]:
    return {i.variable: i for q in result.questions for i in q.items}


def test_training_past_the_time_limit_is_cut_and_finished_answers_count(tmp_path: Path) -> None:
    questions: tuple[Question, ...] = (training.hw2_q5a(), training.hw2_q5e())
    homework = Homework(
        "hw2", "t", questions, {}, Limits(cell=120, notebook=45), setup=training.setup_source()
    )
    answers = {
        "a_model": "model_a",
        "a_accuracy": "0.9",
        "e_model": "model_e",
        "e_accuracy": "0.95",
    }
    forever = "model_e = mlp(64)\nwhile True:  # train until it is perfect\n    fit(model_e, 1)"
    cells = {
        "hw2.q5a": [MLP.replace("DATASET", '"fashion-mnist"'), "model_a = fit(mlp(32), 5)"],
        "hw2.q5e": [forever],
    }
    result = _grade(homework, _notebook(homework, answers, cells), tmp_path, DataShelf())
    execution = result.execution
    assert execution is not None
    statuses = [c.status for c in execution.cells]
    assert CellStatus.TIMEOUT in statuses  # the endless training was cut at the time limit
    items = _items(result)
    first = items["a_model"].verdict
    assert first.status == "correct", first.feedback  # measured after the cut
    assert first.details["measured"]["n_test"] == 398
    assert items["a_accuracy"].verdict.status == "correct"
    cut = items["e_model"].verdict
    if statuses[-1] is CellStatus.SKIPPED:  # the time was up: the last answer cell never ran
        assert execution.outcome == "timed-out"
        assert cut.status == "error" and "never ran" in cut.feedback
    else:  # a moment was left: the model as far as it got is measured
        assert "measured" in cut.details


def _cifar_folder(root: Path) -> None:
    """A CIFAR-10 binary folder made of the digits, upscaled to 3x32x32."""
    train, test = digits_images()

    def big(images: Images) -> Images:
        pixels = images.images.repeat(4, axis=2).repeat(4, axis=3).repeat(3, axis=1)
        return Images(pixels, images.labels)

    folder = root / "cifar-10"
    folder.mkdir(parents=True)
    for name, raw in cifar_files(big(train), big(test)).items():
        (folder / name).write_bytes(raw)


def test_a_data_folder_reaches_the_kernel_through_the_loader(tmp_path: Path) -> None:
    _cifar_folder(tmp_path / "data")
    shelf = DataShelf(tmp_path / "data")
    homework = Homework("hw4", "t", (training.hw4_q3(),), {}, setup=training.setup_source())
    work = MLP.replace("DATASET", '"cifar-10"') + (
        "\nassert x_train.shape[1:] == (3, 32, 32) and len(x_train) == 1000\n"
        "small = nn.Sequential(nn.AvgPool2d(4), nn.Flatten(), nn.Linear(192, 32), nn.ReLU())\n"
        "model = fit(nn.Sequential(*small, nn.Linear(32, 10)), 8)\n"
    )
    answers = {"q3_model": "model", "q3_transforms": "[lambda b: b.flip(3)]"}
    result = _grade(homework, _notebook(homework, answers, {"hw4.q3": [work]}), tmp_path, shelf)
    assert result.execution is not None and not result.execution.failed_cells
    verdict = _items(result)["q3_model"].verdict
    assert verdict.details["dataset"] == "cifar-10"
    assert verdict.status == "correct", verdict.feedback
    assert _items(result)["q3_transforms"].verdict.status == "correct"


def test_values_planted_for_the_probe_are_not_read_when_the_kernel_dies(tmp_path: Path) -> None:
    homework = Homework("hw4", "t", (training.hw4_q3(),), {}, setup=training.setup_source())
    labels = DataShelf().get("cifar-10").heldout.labels
    perfect = np.eye(10)[labels].tolist()
    plant = (
        MLP.replace("DATASET", '"cifar-10"')
        + f"model = mlp(4)\n_grader_q3_model_test = {perfect!r}\n"
        + f"_grader_q3_model_train = {np.eye(10)[:100].tolist()!r}\n"
    )
    answers = {"q3_model": "model", "q3_accuracy": "1.0"}
    cells = {"hw4.q3": [plant]}
    nb = _notebook(homework, answers, cells)
    nb.cells.append(nbformat.v4.new_code_cell("import os\nos._exit(0)  # no probe after this"))
    result = _grade(homework, nb, tmp_path, DataShelf())
    assert result.execution is not None and result.execution.outcome == "kernel-died"
    verdict = _items(result)["q3_model"].verdict
    assert verdict.status == "error" and "Not measured" in verdict.feedback
    assert _items(result)["q3_accuracy"].verdict.status == "error"
