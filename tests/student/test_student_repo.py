"""The bar: a student's repository made from the released HW4 notebook, checked by running the
commands of the workflow `grade.py ci-template` writes, with real kernels and without the
reference solutions (as in a student's CI, where only the public build is installed)."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
import yaml
from ci_support import (
    HW4_WORK,
    Q1_TEXT,
    Q3_ANSWERS,
    Q3_WORK,
    bar_strings,
    from_history,
    gradescope_text,
    gradescope_validator,
    hidden_strings,
    junit_schema,
    leaks,
    with_work,
)
from fakes import ROOT

from graders.model.questions import Homework
from graders.student.release import fill_answers

pytestmark = pytest.mark.slow

NOTEBOOK = "hw4.ipynb"
STEP_TIMEOUT = 300


def _grade_py(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "grade.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The course's folder: the released notebook and the workflow, as the course makes them."""
    folder = tmp_path_factory.mktemp("course")
    _grade_py("release", "hw4", "--out", "release", cwd=folder)
    workflow = _grade_py("ci-template", "--notebook", NOTEBOOK, cwd=folder)
    (folder / "grade.yml").write_text(workflow, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def no_reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for PYTHONPATH in which ``reference`` cannot be imported (the public build)."""
    folder = tmp_path_factory.mktemp("public-build")
    (folder / "reference").mkdir()
    (folder / "reference" / "__init__.py").write_text(
        'raise ImportError("the reference solutions are not installed")\n', encoding="utf-8"
    )
    return folder


def _correct(released: Any) -> str:
    answers = {**from_history(), "converged": '"no"', "q1_answer": Q1_TEXT, **Q3_ANSWERS}
    return nbformat.writes(with_work(fill_answers(released, answers), HW4_WORK, Q3_WORK))


def _partly(released: Any) -> str:
    answers = {**from_history((1,)), "converged": '"maybe"', "q1_answer": Q1_TEXT}
    return nbformat.writes(with_work(fill_answers(released, answers), HW4_WORK, Q3_WORK))


def _malformed(released: Any) -> str:
    return nbformat.writes(released)[:-200]  # cut short: no longer JSON


@dataclass(frozen=True)
class Run:
    """What running the workflow's commands in a student's repository left behind."""

    repo: Path
    codes: list[int]
    output: str
    summary: str

    def file(self, name: str) -> str:
        return (self.repo / "grader-report" / name).read_text(encoding="utf-8")


def _run_workflow(course: Path, notebook: str, folder: Path, pythonpath: Path) -> Run:
    """Set up the student's repository and run each ``run:`` step of the workflow there."""
    repo = folder / "student-repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "grade.yml").write_bytes((course / "grade.yml").read_bytes())
    (repo / NOTEBOOK).write_text(notebook, encoding="utf-8")
    flow = yaml.safe_load((repo / ".github" / "workflows" / "grade.yml").read_text("utf-8"))
    summary = folder / "step-summary.md"
    summary.write_text("", encoding="utf-8")
    env = {
        **os.environ,
        **{k: str(v) for k, v in flow["env"].items()},
        "GITHUB_STEP_SUMMARY": str(summary),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(pythonpath),
    }
    job = flow["jobs"]["check"]
    assert job["defaults"]["run"]["shell"] == "bash"
    codes, output = [], []
    for step in job["steps"]:
        if "run" not in step:
            continue
        command = step["run"]
        assert "${{" not in command  # what runs here is what runs on GitHub
        if "pip install" in command:
            command = "true"  # the grader is installed already
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", command],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
        )
        codes.append(done.returncode)
        output.append(done.stdout + done.stderr)
        if done.returncode:
            break  # GitHub skips the later run steps (the upload runs: `if: always()`)
    return Run(repo, codes, "\n".join(output), summary.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runs(
    course: Path, no_reference: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Run]:
    released = nbformat.read(str(course / "release" / "hw4.ipynb"), as_version=4)
    makers: dict[str, Callable[[Any], str]] = {
        "correct": _correct,
        "partly": _partly,
        "malformed": _malformed,
    }
    return {
        name: _run_workflow(course, make(released), tmp_path_factory.mktemp(name), no_reference)
        for name, make in makers.items()
    }


def test_the_reference_is_not_importable_in_the_student_repo(no_reference: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(no_reference)}
    probe = (
        "import graders.student.ci\ntry:\n import reference\nexcept ImportError:\n print('hidden')"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=no_reference.parent,  # not the grader's own folder, which holds reference/
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "hidden"


def test_workflow_steps(course: Path) -> None:
    flow = yaml.safe_load((course / "grade.yml").read_text(encoding="utf-8"))
    runs = [s["run"] for s in flow["jobs"]["check"]["steps"] if "run" in s]
    assert len(runs) == 2 and "pip install" in runs[0] and "graders check" in runs[1]


def test_exit_codes(runs: dict[str, Run]) -> None:
    assert runs["correct"].codes == [0, 0]
    assert runs["partly"].codes == [0, 1]
    assert runs["malformed"].codes == [0, 1]


def _unanswered(hw4: Homework) -> set[str]:
    """What the partly filled notebook leaves as placeholders: epoch 2 of Q2, and Q3."""
    return {v for v in hw4.variables if v.startswith(("e2_", "q3_"))}


def test_last_line_gives_the_reason(runs: dict[str, Run], hw4: Homework) -> None:
    last = {name: run.output.strip().splitlines()[-1] for name, run in runs.items()}
    total = len(hw4.variables)
    assert last["correct"] == (
        f"OK: the notebook ran and all {total} answers are present and readable."
    )
    missing = len(_unanswered(hw4))
    assert last["partly"].startswith(f"FAILED: {missing} answers are missing (e2_h1, e2_h2,")
    assert last["partly"].endswith("1 answer cannot be read (invalid) (converged)")
    assert last["malformed"].startswith(
        "FAILED: the notebook cannot be run: the file is not valid JSON"
    )
    assert "Checks: public" in runs["correct"].output


def test_junit_files(runs: dict[str, Run]) -> None:
    schema = junit_schema()
    for name, run in runs.items():
        xml = run.file("junit.xml")
        schema.validate(xml)
        assert '<property name="mode" value="public" />' in xml, name
    assert 'failures="0"' in runs["correct"].file("junit.xml")
    partly = runs["partly"].file("junit.xml")
    assert 'failures="2"' in partly and 'type="missing"' in partly  # Q2 and Q3
    assert "converged (Converged after two epochs?): invalid" in partly
    assert 'type="run"' in runs["malformed"].file("junit.xml")


def test_gradescope_files(runs: dict[str, Run], hw4: Homework) -> None:
    validator = gradescope_validator()
    for run in runs.values():
        validator.validate(json.loads(run.file("results.json")))
    correct = json.loads(runs["correct"].file("results.json"))
    assert len(correct["tests"]) == len(hw4.variables)
    assert {t["status"] for t in correct["tests"]} == {"passed"}
    assert {t["visibility"] for t in correct["tests"]} == {"visible"}
    partly = json.loads(runs["partly"].file("results.json"))
    failed = {t["extra_data"]["variable"] for t in partly["tests"] if t["status"] == "failed"}
    assert failed == _unanswered(hw4) | {"converged"}


def test_step_summary_and_page(runs: dict[str, Run]) -> None:
    assert runs["correct"].summary.startswith("## ✅ hw4: hw4.ipynb")
    assert "| `e2_w6` | w6 after epoch 2 | missing |" in runs["partly"].summary
    assert "not valid JSON" in runs["malformed"].summary
    for run in runs.values():
        page = run.file("html/index.html")
        assert page.startswith("<!DOCTYPE html>")
        assert run.output.strip().splitlines()[-1] in html.unescape(page)


def test_no_hidden_answer_anywhere(runs: dict[str, Run], hw4: Homework) -> None:
    strings = hidden_strings(hw4)
    assert len(strings) > 90  # every step of the derivation, three ways, and the rubric
    assert {"60.0%", "85.0%"} <= set(bar_strings(hw4))  # Q3's bars: CIFAR-10 and the stand-in
    assert "sanity floor" in runs["correct"].output  # Q3's model was run on the kernel's data
    for name, run in runs.items():
        outputs = {
            "terminal": run.output,
            "summary": run.summary,
            "junit": run.file("junit.xml"),
            "gradescope": gradescope_text(json.loads(run.file("results.json"))),
            "html": run.file("html/index.html"),
        }
        for what, text in outputs.items():
            assert leaks(text, strings) == [], (name, what)
