"""The public check of a trained model: it runs on the kernel's own test images, gives outputs
of the right shape and does clearly better than chance (the sanity floor), in both modes,
without showing the question's bar or anything of the grader's held-out data."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
import numpy as np
import pytest
from ci_support import Q3_ANSWERS, Q3_WORK, UNTRAINED, bar_strings, hidden_strings, leaks
from fakes import ROOT

from graders.cli import main
from graders.model.answers import Answer, Kind, Status
from graders.model.questions import Homework
from graders.runtime.data import DataShelf, Images, cifar_files, to_npy
from graders.student import ci
from graders.student.ci import CheckReport, CheckSetupError, check_notebook
from graders.student.public import (
    SANITY_SAMPLE,
    Expect,
    PublicItem,
    Sanity,
    Shown,
    check_sanity,
    manifest_of,
    read_manifest,
    release_with_manifest,
    sanity_floor,
    sanity_of,
    sanity_probe,
)
from graders.student.release import fill_answers

TRAINED_MODELS = {
    "a_model",
    "b_model",
    "c_model",
    "d_model",
    "e_model",
    "q4_sequential",
    "q4_module",
    "inception_model",
    "q3_model",
    "q3_models",
}


def _notebook_runner() -> ModuleType:
    """tests/training/notebook_runner.py: runs a notebook's cells, probes included, in-process."""
    path = ROOT / "tests" / "training" / "notebook_runner.py"
    spec = importlib.util.spec_from_file_location("notebook_runner", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("notebook_runner", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def runner() -> Any:
    return _notebook_runner().InProcessRunner()


@pytest.fixture
def hw(hw4: Homework, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Homework:
    """HW4's training question alone (with its set-up cell); the working folder is a temporary
    one, where the in-process runner writes what the grader hands the kernel."""
    q3 = replace(hw4, questions=(hw4.question("hw4.q3"),))
    monkeypatch.setattr(ci, "_reference_catalogue", lambda: {"hw4": q3})
    monkeypatch.chdir(tmp_path)
    return q3


BROKEN = """\
import torch


class Broken(torch.nn.Module):
    def forward(self, x):
        raise RuntimeError("boom")


q3_net = Broken()
"""

WORK = {
    "trained": Q3_WORK,
    "untrained": UNTRAINED,
    "five outputs": "import torch\nq3_net = torch.nn.Sequential(torch.nn.Flatten(), "
    "torch.nn.Linear(64, 5))\n",
    "raises": BROKEN,
}


def _notebook(hw: Homework, work: str, folder: Path) -> Path:
    nb = fill_answers(release_with_manifest(hw), Q3_ANSWERS)
    first = next(i for i, c in enumerate(nb.cells) if "grader" in c.metadata)
    nb.cells.insert(first, nbformat.v4.new_code_cell(work))
    path = folder / "hw4.ipynb"
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


def _outputs(report: CheckReport) -> dict[str, str]:
    return {
        "terminal": ci.terminal(report),
        "markdown": ci.markdown(report),
        "junit": ci.junit_xml(report),
        "gradescope": str(ci.gradescope(report)),
        "html": ci.html(report),
    }


def _model(report: CheckReport) -> tuple[Shown, str]:
    item = next(i for i in report.items if i.variable == "q3_model")
    return item.view.status, item.view.message


@pytest.mark.parametrize(
    ("case", "status", "words"),
    [
        ("trained", Shown.ANSWERED, "better than chance (the sanity floor)"),
        ("untrained", Shown.BELOW_FLOOR, "Below the sanity floor: it gets"),
        ("five outputs", Shown.INVALID, "5 outputs per input; 10 classes were expected"),
        ("raises", Shown.ERROR, "RuntimeError: boom"),
    ],
)
def test_each_model_is_run_and_judged_alike_in_both_modes(
    case: str, status: Shown, words: str, hw: Homework, runner: Any, tmp_path: Path
) -> None:
    path = _notebook(hw, WORK[case], tmp_path)
    reference = check_notebook(path, runner, data=DataShelf())
    public = check_notebook(path, runner, public=True)
    assert (reference.mode, public.mode) == (ci.REFERENCE, ci.PUBLIC)
    assert _model(reference) == _model(public)
    shown, message = _model(public)
    assert shown is status and words in message, message
    last = ci.terminal(public).splitlines()[-1]
    if case == "trained":
        assert public.exit_status == ci.OK and last.startswith("OK:")
        assert "399 images of your test split (x_test of cifar-10)" in message
    else:
        assert public.exit_status == ci.FAILED
    if case == "untrained":
        assert last == "FAILED: 1 model is below the sanity floor (q3_model)"
    for text in _outputs(public).values():
        assert leaks(text, hidden_strings(hw)) == []


def test_no_bar_and_no_held_out_data_reach_the_student(
    hw: Homework, runner: Any, tmp_path: Path
) -> None:
    strings = bar_strings(hw)
    assert {"60.0%", "85.0%", "0.85"} <= set(strings)  # the leak search knows HW4 Q3's bars
    for case in ("trained", "untrained"):
        path = _notebook(hw, WORK[case], tmp_path)
        for public in (False, True):
            report = check_notebook(path, runner, public=public)
            for name, text in _outputs(report).items():
                assert leaks(text, strings) == [], (case, public, name)
    handed = runner.jobs[-1].handed  # the last public run: what the kernel was given
    data = DataShelf().get("cifar-10")
    assert not any("heldout" in name for name in handed)
    assert to_npy(data.heldout.images) not in handed.values()
    sample = np.load(tmp_path / ".grader" / "cifar-10-public.npy", allow_pickle=False)
    assert np.array_equal(sample, data.public.images[:SANITY_SAMPLE])


def test_every_trained_model_has_a_floor_below_its_bars(books: Mapping[str, Homework]) -> None:
    found = set()
    digits = DataShelf().get("mnist").public.labels  # the stand-in every dataset gets
    for homework in books.values():
        data = manifest_of(homework).to_json()
        sanity = [i["sanity"] for q in data["questions"] for i in q["items"] if "sanity" in i]
        assert leaks(json.dumps(sanity), bar_strings(homework)) == []
        assert all(set(one) == {"dataset", "classes", "invert", "keys"} for one in sanity)
        manifest = read_manifest(data)  # as the notebook carries it
        for question in manifest.questions:
            found |= {i.variable for i in question.items if i.sanity is not None}
            assert all(i.expect is Expect.ANY for i in question.items if i.sanity is not None)
        for part in (p for q in homework.questions for p in q.parts):
            for variable, sanity in sanity_of(part, homework.params).items():
                binary = len(sanity.classes) == 2
                worst = max(0.5 if binary else 0.1, np.bincount(digits).max() / len(digits))
                lowest = min(bar.accuracy for bar in part.bars.values())  # type: ignore[attr-defined]
                assert sanity_floor(worst) < lowest - 0.1, variable
    assert found == TRAINED_MODELS


def _answers(outputs: list[np.ndarray], variable: str) -> dict[str, Answer]:
    return {
        f"_grader_sanity_{variable}_{k}_test": Answer(Kind.ARRAY, values)
        for k, values in enumerate(outputs)
    }


def test_the_best_of_several_models_counts() -> None:
    item = PublicItem(
        "q3_models", "models", 8.0, Expect.ANY, sanity=Sanity("mnist", invert=True, keys=(0, 1))
    )
    labels = DataShelf().get("mnist").public.labels[:SANITY_SAMPLE]
    labels = np.concatenate([labels, labels])  # the images, then their inverted copies
    right, constant = np.eye(10)[labels], np.eye(10)[np.zeros_like(labels)]
    params: dict[str, Any] = {}
    assert check_sanity(_answers([constant, right], "q3_models"), item, params)[0] is None
    verdict, note = check_sanity(_answers([constant, constant], "q3_models"), item, params)
    assert verdict is not None and verdict.status is Status.INCORRECT and not note
    assert "the best model gets" in verdict.feedback and "inverted copies" in verdict.feedback
    broken = _answers([right], "q3_models")  # the second model gave nothing
    verdict, _ = check_sanity(broken, item, params)
    assert verdict is not None and verdict.status is Status.ERROR
    assert "model for 1" in verdict.feedback


def test_a_binary_model_is_run_on_its_two_classes() -> None:
    item = PublicItem("q4_module", "m", 5.0, Expect.ANY, sanity=Sanity("cifar-10", (3, 5)))
    probe = sanity_probe([item], {})
    assert probe is not None
    public = DataShelf().get("cifar-10").public
    chosen = public.of_classes((3, 5)).take(slice(0, SANITY_SAMPLE))
    assert probe.files[".grader/cifar-10-public-3-5.npy"] == to_npy(chosen.images)
    probability = (chosen.labels == 5).astype(float)[:, None]  # P(class 5), one per image
    answers = {"_grader_sanity_q4_module_test": Answer(Kind.ARRAY, probability)}
    assert check_sanity(answers, item, {})[0] is None
    flipped = {"_grader_sanity_q4_module_test": Answer(Kind.ARRAY, 1 - probability)}
    verdict, _ = check_sanity(flipped, item, {})
    assert verdict is not None and "classes 3 and 5" in verdict.feedback


def _cifar_like(folder: Path) -> int:
    """A small CIFAR-10 folder, each class a bright band of rows on noise; returns its test
    size."""
    rng = np.random.default_rng(1)

    def split(n: int) -> Images:
        labels = rng.integers(0, 10, n)
        images = rng.integers(0, 40, (n, 3, 32, 32)).astype(np.uint8)
        for image, label in zip(images, labels, strict=True):
            image[:, 3 * label : 3 * label + 3, :] = 200
        return Images(images, labels.astype(np.int64))

    (folder / "cifar-10").mkdir(parents=True)
    test = split(200)
    for name, content in cifar_files(split(300), test).items():
        (folder / "cifar-10" / name).write_bytes(content)
    return len(test)


def test_data_and_secret_options(
    hw: Homework,
    runner: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(ci, "NbclientRunner", lambda plan: runner)
    path = _notebook(hw, WORK["trained"], tmp_path)
    assert main(["check", str(path), "--public", "--data", str(tmp_path / "none")]) == 2
    out = capsys.readouterr().out
    assert "cannot check" in out and "--data" in out and "cifar-10" in out
    size = _cifar_like(tmp_path / "course-data")
    assert main(["check", str(path), "--public", "--data", str(tmp_path / "course-data")]) == 0
    out = capsys.readouterr().out
    assert f"Data: datasets from {tmp_path / 'course-data'}" in out
    assert f"Runs on {size - size // 2} images of your test split" in out  # not digits' 399
    with pytest.raises(CheckSetupError, match="--data"):
        check_notebook(path, runner, data=DataShelf(tmp_path / "none"))
    secret = tmp_path / "secret.txt"
    secret.write_text("a phrase\n", encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        main(["check", str(path), "--public", "--secret", str(secret)])
    assert stop.value.code == 2
    assert "--secret needs the reference solutions" in capsys.readouterr().err
