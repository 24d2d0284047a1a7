"""The demo students of every training question, graded in this process (no kernel).

tools/build_demos.py writes each training question's work four ways: good (passes), weak
(fails its bar, with the measured figures), overclaims (reports an accuracy it does not have:
flagged) and crashes (training raises half way: reported, the other answers still graded).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import build_demos
from notebook_runner import InProcessRunner

from graders.discover import Submission
from graders.model.questions import Homework, Question
from graders.pipeline import Settings, grade_submission
from graders.score import ItemResult
from graders.student.release import release_notebook
from reference import training

pytestmark = pytest.mark.slow

GROUPS: dict[str, tuple[Question, ...]] = {
    "hw2.q5": training.hw2_q5(),
    "hw3.q4": (training.hw3_q4(),),
    "hw3.q7-train": (training.hw3_q7(),),
    "hw4.q3": (training.hw4_q3(),),
    "hw6.q3": (training.hw6_q3(),),
}
MODELS = {
    "a_model",
    "b_model",
    "c_model",
    "d_model",
    "e_model",
    "q4_sequential",
    "q4_module",
    "inception_block",
    "inception_model",
    "q3_model",
    "q3_models",
}
REPORTED = {"a_accuracy", "b_accuracy", "c_accuracy", "d_accuracy", "e_accuracy"} | {
    "q4_accuracy",
    "inception_accuracy",
    "q3_accuracy",
    "q3_per_class",
    "q3_accuracies",
}
CRASHED = {
    "hw2.q5": {"c_model", "c_accuracy", "c_transforms"},
    "hw3.q4": {"q4_module", "q4_accuracy"},
    "hw3.q7-train": {"inception_model", "inception_accuracy"},
    "hw4.q3": {"q3_model", "q3_accuracy", "q3_per_class", "q3_transforms"},
    "hw6.q3": {"q3_models", "q3_accuracies", "q3_best_alpha"},
}


def _grade(group: str, kind: str, folder: Path) -> dict[str, ItemResult]:
    homework = Homework("hwx", "t", GROUPS[group], {}, setup=training.setup_source())
    nb = build_demos().with_training(release_notebook(homework), group, kind)
    submission = Submission("hwx", kind, folder / f"{kind}.ipynb", nb)
    result = grade_submission(
        submission, homework, InProcessRunner(), Settings(out=folder / "out", rerun=True)
    )
    return {i.variable: i for q in result.questions for i in q.items}


@pytest.fixture(autouse=True)
def _in_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("group", GROUPS)
def test_good_work_earns_every_point(group: str, tmp_path: Path) -> None:
    items = _grade(group, "good", tmp_path)
    wrong = {
        v: (i.verdict.status, i.verdict.feedback)
        for v, i in items.items()
        if i.score != i.max_score
    }
    assert not wrong


@pytest.mark.parametrize("group", GROUPS)
def test_weak_work_fails_its_bar_with_the_figures_shown(group: str, tmp_path: Path) -> None:
    items = _grade(group, "weak", tmp_path)
    models = [items[v] for v in MODELS if v in items]
    assert models and all(i.verdict.status == "incorrect" for i in models)
    for item in models:
        extra = item.verdict.details
        assert "measured" in extra or "per_alpha" in extra, item.variable
    honest = [items[v] for v in REPORTED if v in items]
    assert all(i.verdict.status == "correct" for i in honest)  # weak, but honest about it


@pytest.mark.parametrize("group", GROUPS)
def test_an_accuracy_it_does_not_have_is_flagged(group: str, tmp_path: Path) -> None:
    items = _grade(group, "overclaims", tmp_path)
    claims = [items[v] for v in build_demos().CLAIMS[group]]
    assert claims and all(i.verdict.mistake is not None for i in claims)
    assert all(i.verdict.mistake.id == "reported-not-measured" for i in claims if i.verdict.mistake)
    assert all(i.verdict.details["flagged"] for i in claims)
    measured = [i.verdict.details["measured"] for i in claims]
    assert all(m for m in measured)  # the measured figure is shown beside the claim
    flagged = [items[v].verdict.details.get("flagged") for v in MODELS if v in items]
    assert True in flagged or group == "hw6.q3"  # HW6 flags the list of accuracies itself


@pytest.mark.parametrize("group", GROUPS)
def test_training_that_crashes_is_reported_and_the_rest_graded(group: str, tmp_path: Path) -> None:
    items = _grade(group, "crashes", tmp_path)
    for variable, item in items.items():
        if variable in CRASHED[group]:
            assert item.verdict.status == "error", variable
            assert "raised NameError" in item.verdict.feedback
        else:
            assert item.score == item.max_score, (variable, item.verdict.feedback)
