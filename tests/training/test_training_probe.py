"""The probes' kernel code, run in this process on torch models, and how the pipeline uses it."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from fakes import run_harvest
from notebook_runner import InProcessRunner
from torch import nn

from graders.checks import training as t
from graders.discover import Submission
from graders.harvest import harvest_source, probe_source, read_answers
from graders.model.answers import Answer, Kind
from graders.model.questions import Homework, Item, Probe
from graders.pipeline import Settings, grade_submission
from graders.runtime.data import DataShelf, scaled
from graders.student.release import release_notebook
from reference import training

NONCE = "@@probe-test@@"


@dataclass
class _Shell:
    user_ns: dict[str, Any]


def run_probe(probe: Probe, objects: dict[str, Any], folder: Path) -> dict[str, Answer]:
    """Run ``probe`` over a namespace holding ``objects``, in ``folder``; read what it left."""
    for name, raw in probe.files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(raw)
    namespace: dict[str, Any] = dict(objects)
    shell = _Shell(namespace)
    namespace["get_ipython"] = lambda: shell
    exec(compile(probe_source([probe]), "<probe>", "exec"), namespace)
    printed = run_harvest(harvest_source(probe.variables, NONCE), namespace)
    return read_answers(printed, NONCE, probe.variables)


def _part(**kw: Any) -> t.ModelPart:
    bars = {"digits": t.Bar(0.5)}
    return t.ModelPart(Item("m", "model", 1.0), "mnist", bars, **kw)


def _mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 12), nn.ReLU(), nn.Linear(12, 10))


def test_model_outputs_and_figures_are_what_torch_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    model = _mlp()
    part = _part()
    answers = run_probe(part.probe({}), {"m": model}, tmp_path)
    measure = t.Measure("model", "m")
    prepared = DataShelf().get("mnist")
    with torch.no_grad():
        want = model(torch.from_numpy(scaled(prepared.heldout.images))).numpy()
        train = model(torch.from_numpy(scaled(prepared.train_sample.images))).numpy()
    got = answers[measure.name("test")].as_array()
    assert got is not None and got.shape == (398, 10)
    assert np.allclose(got, want, rtol=1e-5, atol=1e-6)
    assert np.allclose(answers[measure.name("train")].value, train, rtol=1e-5, atol=1e-6)
    weights = [p for p in model.parameters() if p.dim() > 1]
    assert answers[measure.name("parameters")].value == sum(p.numel() for p in model.parameters())
    norm = torch.sqrt(sum((w.double() ** 2).sum() for w in weights)).item()
    assert answers[measure.name("norm")].value == pytest.approx(norm)
    l1 = sum(w.double().abs().sum() for w in weights).item()
    assert answers[measure.name("l1")].value == pytest.approx(l1)
    assert answers[measure.name("kind")].value == "sequential"
    assert answers[measure.name("flat")].value is False
    assert answers[measure.name("error")].kind is Kind.PLACEHOLDER
    assert model.training  # the probe put the model back in the mode it found it


class _FlatOnly(nn.Module):
    """A model written for flattened input: (N, 64) only."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2:
            raise RuntimeError("expected (N, 64)")
        return self.fc(x)


def test_a_model_for_flat_input_is_fed_flat_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    model = _FlatOnly()
    answers = run_probe(_part().probe({}), {"m": model}, tmp_path)
    measure = t.Measure("model", "m")
    assert answers[measure.name("flat")].value is True
    assert answers[measure.name("kind")].value == "module"
    images = torch.from_numpy(scaled(DataShelf().get("mnist").heldout.images))
    with torch.no_grad():
        want = model(images.reshape(len(images), -1)).numpy()
    assert np.allclose(answers[measure.name("test")].value, want, rtol=1e-5, atol=1e-6)


def test_values_planted_under_a_probes_names_are_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    prepared = DataShelf().get("mnist")
    perfect = np.eye(10)[prepared.heldout.labels]
    broken = nn.Linear(3, 10)  # raises on the grader's images
    planted = {"m": broken, "_grader_m_test": perfect, "_grader_m_train": perfect}
    answers = run_probe(_part().probe({}), planted, tmp_path)
    assert answers["_grader_m_test"].kind is Kind.PLACEHOLDER
    assert "RuntimeError" in answers["_grader_m_error"].value
    verdict = _part().grade({"m": Answer(Kind.UNSUPPORTED), **answers}, {})["m"]
    assert verdict.status == "error" and "raised RuntimeError" in verdict.feedback


def test_transforms_that_do_nothing_change_the_shape_or_raise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    def crop(batch: torch.Tensor) -> torch.Tensor:
        return batch[:, :, 1:, 1:]

    def fails(batch: torch.Tensor) -> torch.Tensor:
        raise ValueError("no")

    def flip(batch: torch.Tensor) -> torch.Tensor:
        return torch.flip(batch, dims=(3,))

    def per_image(image: torch.Tensor) -> torch.Tensor:  # works on (C, H, W) only
        if image.dim() != 3:
            raise ValueError("one image at a time")
        return image * 0.5

    class Compose:  # torchvision's Compose keeps its transforms in .transforms
        transforms = (flip, per_image)

    part = _part(transforms=Item("tf", "transforms", 1.0))
    answers = run_probe(
        part.probe({}), {"tf": [lambda b: b, crop, fails, flip, per_image]}, tmp_path
    )
    changes = answers["_grader_tf_changes"].value
    assert changes[0] == 0.0 and changes[1] == -1.0 and changes[2] == -2.0
    assert changes[3] > 0 and changes[4] > 0
    answers = run_probe(part.probe({}), {"tf": Compose()}, tmp_path)
    assert len(answers["_grader_tf_changes"].value) == 2


def test_an_activation_as_function_or_module_class(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    class Act(nn.Module):
        def __init__(self, alpha: float) -> None:
            super().__init__()
            self.alpha = alpha

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.clamp(x, min=0) + self.alpha * torch.clamp(x, max=0)

    measure = t.Measure("activation", "f", alphas=(-1.0, 0.5), points=(-2.0, 0.0, 3.0))
    probe = t.build_probe([measure], {})
    for f in (Act, lambda x, a: torch.clamp(x, min=0) + a * torch.clamp(x, max=0)):
        answers = run_probe(probe, {"f": f}, tmp_path)
        assert answers["_grader_f_values"].value.tolist() == [[2.0, 0.0, 3.0], [-1.0, 0.0, 3.0]]


def test_probe_results_come_only_from_the_final_harvest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    homework = Homework("hw4", "t", (training.hw4_q3(),), {}, setup=training.setup_source())
    runner = InProcessRunner()
    submission = Submission("hw4", "ada", tmp_path / "ada.ipynb", release_notebook(homework))
    result = grade_submission(submission, homework, runner, Settings(out=tmp_path / "out"))
    job = runner.jobs[0]
    assert "_grader_q3_model_test" not in job.harvest_source  # the checkpoint after each cell
    assert "_grader_q3_model_test" in job.final_source
    handed = set(job.handed)
    assert (
        ".grader/cifar-10-heldout.npy" in handed
        and "data/cifar-10/t10k-labels-idx1-ubyte" in handed
    )
    heldout = np.load(tmp_path / ".grader" / "cifar-10-heldout.npy", allow_pickle=False)
    assert heldout.dtype == np.uint8 and heldout.ndim == 4  # images only, never labels
    assert result.score == 0
    verdicts = {i.variable: i.verdict.status for q in result.questions for i in q.items}
    assert set(verdicts.values()) == {"missing"}


def test_a_plain_function_is_measured_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    def model(x: torch.Tensor) -> torch.Tensor:  # class scores straight from ten pixels
        return x.reshape(len(x), -1)[:, :10]

    answers = run_probe(_part().probe({}), {"m": model}, tmp_path)
    measure = t.Measure("model", "m")
    assert answers[measure.name("error")].kind is Kind.PLACEHOLDER
    assert answers[measure.name("parameters")].value == 0
    assert answers[measure.name("kind")].value == "function"
    assert answers[measure.name("test")].as_array().shape == (398, 10)


def test_a_released_placeholder_is_not_run_and_loads_no_torch(tmp_path: Path) -> None:
    """`q3_model = ...` left as released: the probe says so and imports neither torch nor
    numpy, which would cost every unanswered notebook a second or more of the kernel's time."""
    probe = _part().probe({})
    measure = t.Measure("model", "m")
    answers = run_probe(probe, {"m": ...}, tmp_path)
    assert answers[measure.name("error")].value == "left as released"
    script = (
        "import sys\n"
        "class Shell:\n    user_ns = {'m': ...}\n"
        "get_ipython = lambda: Shell\n"
        f"exec(compile({probe_source([probe])!r}, '<probe>', 'exec'))\n"
        f"print(Shell.user_ns[{measure.name('error')!r}], 'torch' in sys.modules, "
        "'numpy' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["left", "as", "released", "False", "False"]
