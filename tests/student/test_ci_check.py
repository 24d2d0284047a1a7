"""``grade.py check`` on HW4 notebooks (cells run in-process): statuses, outputs, schemas and
that nothing of the hidden answers shows."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import nbformat
import pytest
import yaml
from ci_support import (
    Q1_TEXT,
    core,
    correct,
    exec_runner,
    gradescope_text,
    gradescope_validator,
    junit_schema,
    leaks,
    partly,
    reference_strings,
    with_work,
)

from graders.cli import main
from graders.model.questions import Homework
from graders.model.variants import for_student
from graders.student import ci
from graders.student.ci import CheckReport, CheckSetupError, check_notebook
from graders.student.public import Shown, release_with_manifest
from graders.student.release import fill_answers


@pytest.fixture
def hw4(hw4: Homework, monkeypatch: pytest.MonkeyPatch) -> Homework:
    """HW4's Q1 and Q2, which these tests check with the reference too (see ``core``)."""
    checked = core(hw4)
    monkeypatch.setattr(ci, "_reference_catalogue", lambda: {"hw4": checked})
    return checked


def _write(nb: Any, folder: Path, name: str = "hw4.ipynb") -> Path:
    path = folder / name
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


def _statuses(report: CheckReport) -> dict[str, tuple[Shown, str]]:
    return {i.variable: (i.view.status, i.view.message) for i in report.items}


def _outputs(report: CheckReport) -> dict[str, str]:
    return {
        "terminal": ci.terminal(report),
        "markdown": ci.markdown(report),
        "junit": ci.junit_xml(report),
        "gradescope": gradescope_text(ci.gradescope(report)),
        "html": ci.html(report),
    }


@pytest.mark.parametrize("fill", ["blank", "partly", "correct"])
def test_both_modes_show_the_same(fill: str, tmp_path: Path, hw4: Homework) -> None:
    nb = {"blank": release_with_manifest(hw4), "partly": partly(hw4), "correct": correct(hw4)}
    path = _write(nb[fill], tmp_path)
    with_reference = check_notebook(path, exec_runner())
    public = check_notebook(path, exec_runner(), public=True)
    assert (with_reference.mode, public.mode) == (ci.REFERENCE, ci.PUBLIC)
    assert _statuses(with_reference) == _statuses(public)
    assert with_reference.reason == public.reason


def test_partly_filled_fails_naming_each_problem(tmp_path: Path, hw4: Homework) -> None:
    report = check_notebook(_write(partly(hw4), tmp_path), exec_runner(), public=True)
    statuses = _statuses(report)
    assert statuses["q1_answer"][0] is Shown.BY_A_PERSON
    assert all(statuses[f"e1_dw{k}"] == (Shown.ANSWERED, "") for k in range(1, 7))
    assert statuses["e2_h1"] == (Shown.INVALID, "Expected a number, got text.")
    status, message = statuses["converged"]
    assert status is Shown.INVALID and "'no', 'yes'" in message and "maybe" in message
    assert statuses["e2_w6"] == (Shown.MISSING, "No answer (left as a placeholder).")
    assert report.exit_status == ci.FAILED
    last = ci.terminal(report).splitlines()[-1]
    assert last == report.reason
    assert last.startswith("FAILED: 15 answers are missing (e2_h2, e2_y_hat, e2_loss, e2_dw1, ...)")
    assert "2 answers cannot be read (invalid) (e2_h1, converged)" in last


def test_correct_notebook_passes_with_points_hidden(tmp_path: Path, hw4: Homework) -> None:
    report = check_notebook(_write(correct(hw4), tmp_path), exec_runner())
    assert report.ok and report.exit_status == ci.OK
    assert report.reason == "OK: the notebook ran and all 34 answers are present and readable."
    assert {i.view.status for i in report.items} == {Shown.ANSWERED, Shown.BY_A_PERSON}
    assert all(i.view.points is None for i in report.items)
    assert dict(report.graded)["hw4.q2"] == hw4.questions[1].points  # graded, but not shown


def _wrong(hw4: Homework) -> Any:
    """Epoch 2 updated with the wrong sign and the wrong convergence answer."""
    nb = correct(hw4, converged='"yes"')
    work = next(c for c in nb.cells if c.cell_type == "code" and "history = []" in c.source)
    work.source = work.source.replace(
        "w = [wk - eta * gk for wk, gk in zip(w, grads)]",
        "w = [wk - eta * gk if epoch == 0 else wk + eta * gk for wk, gk in zip(w, grads)]",
    )
    return nb


def _normalised(text: str) -> str:
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\+00:00)?", "<time>", text)
    return re.sub(r'time="[0-9.]+"', 'time="0"', text)


def test_right_and_wrong_answers_look_the_same(tmp_path: Path, hw4: Homework) -> None:
    right = check_notebook(_write(correct(hw4), tmp_path, "right.ipynb"), exec_runner())
    wrong = check_notebook(_write(_wrong(hw4), tmp_path, "wrong.ipynb"), exec_runner())
    assert dict(right.graded)["hw4.q2"] > dict(wrong.graded)["hw4.q2"]  # the grading differs
    wrong = replace(wrong, notebook=right.notebook)
    right_out, wrong_out = _outputs(right), _outputs(wrong)
    for name in ("terminal", "markdown", "junit", "html"):
        assert _normalised(right_out[name]) == _normalised(wrong_out[name]), name
    right_gs, wrong_gs = ci.gradescope(right), ci.gradescope(wrong)
    visible = [t for t in right_gs["tests"] if t["visibility"] == "visible"]
    assert visible == [t for t in wrong_gs["tests"] if t["visibility"] == "visible"]
    hidden = [t for t in wrong_gs["tests"] if t["visibility"] != "visible"]
    assert [t["name"] for t in hidden] == [
        "hw4.q1: Adaptive optimisers and SGD (graded)",
        "hw4.q2: Two epochs of backpropagation by hand (graded)",
    ]
    assert {t["visibility"] for t in hidden} == {"after_published"}


@pytest.mark.parametrize("public", [False, True])
def test_no_output_holds_a_reference_answer(public: bool, tmp_path: Path, hw4: Homework) -> None:
    strings = reference_strings(hw4)
    for nb in (correct(hw4), _wrong(hw4), partly(hw4)):
        report = check_notebook(_write(nb, tmp_path), exec_runner(), public=public)
        for name, text in _outputs(report).items():
            assert leaks(text, strings) == [], name


def test_opted_in_question_shows_correctness_in_both_modes(
    tmp_path: Path, hw4: Homework, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = replace(hw4, questions=(hw4.questions[0], replace(hw4.questions[1], show_result=True)))
    monkeypatch.setattr(ci, "_reference_catalogue", lambda: {"hw4": shown})
    path = _write(
        with_work(
            fill_answers(
                release_with_manifest(shown),
                {
                    **{f"e1_w{k}": f"history[0][5][{k - 1}]" for k in range(1, 7)},
                    "e1_h1": "history[0][0] + 1",
                    "converged": '"yes"',
                },
            )
        ),
        tmp_path,
    )
    for public in (False, True):
        report = check_notebook(path, exec_runner(), public=public)
        statuses = {i.variable: i.view for i in report.items}
        assert statuses["e1_w3"].status is Shown.CORRECT and statuses["e1_w3"].points == 0.5
        assert statuses["e1_h1"].status is Shown.INCORRECT and statuses["e1_h1"].points == 0
        assert statuses["converged"].status is Shown.INCORRECT
        assert statuses["q1_answer"].points is None  # q1 keeps its result hidden
        q2 = report.questions[1]
        assert q2.shown and q2.points == 3.0 and "3/17 points" in ci.terminal(report)
        assert report.exit_status == ci.FAILED  # answers are missing; wrong ones are not a failure


def test_junit_and_gradescope_are_schema_valid(tmp_path: Path, hw4: Homework) -> None:
    schema, validator = junit_schema(), gradescope_validator()
    for nb in (correct(hw4), partly(hw4)):
        for public in (False, True):
            report = check_notebook(_write(nb, tmp_path), exec_runner(), public=public)
            schema.validate(ci.junit_xml(report))
            validator.validate(ci.gradescope(report))
    report = check_notebook(_write(partly(hw4), tmp_path), exec_runner())
    xml = ci.junit_xml(report)
    cases = re.findall(r'<testcase classname="hw4" name="([^"]+)"', xml)
    assert cases == [
        "the notebook runs",
        "hw4.q1 Adaptive optimisers and SGD",
        "hw4.q2 Two epochs of backpropagation by hand",
    ]
    assert 'failures="1"' in xml and "converged (Converged after two epochs?): invalid" in xml
    assert not schema.is_valid(xml.replace(' name="the notebook runs"', ""))
    data = ci.gradescope(report)
    assert len([t for t in data["tests"] if t["visibility"] == "visible"]) == 34
    assert not validator.is_valid(data | {"tests": [{"score": 1, "status": "unknown"}]})


def test_unreadable_file_fails_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "hw4.ipynb"
    path.write_text("{ this is not json", encoding="utf-8")
    report = check_notebook(path, exec_runner(), public=True)
    assert report.exit_status == ci.FAILED and not report.questions
    assert report.reason.startswith(
        "FAILED: the notebook cannot be run: the file is not valid JSON"
    )
    junit_schema().validate(ci.junit_xml(report))
    gradescope_validator().validate(ci.gradescope(report))
    with_reference = check_notebook(path, exec_runner(), assignment="hw4")
    assert {i.view.status for i in with_reference.items} == {Shown.ERROR}
    assert with_reference.reason.startswith("FAILED: the notebook cannot be run")


def test_notebook_without_manifest_cannot_be_checked_publicly(
    tmp_path: Path, hw4: Homework
) -> None:
    nb = release_with_manifest(hw4)
    del nb.metadata["grader"]["public"]
    path = _write(nb, tmp_path)
    with pytest.raises(CheckSetupError, match="no public manifest"):
        check_notebook(path, exec_runner(), public=True)
    assert check_notebook(path, exec_runner()).mode == ci.REFERENCE
    with pytest.raises(CheckSetupError, match="manifest is for hw4, not hw9"):
        check_notebook(_write(release_with_manifest(hw4), tmp_path), exec_runner(), "hw9", True)


def test_command_line_exit_statuses_and_files(
    tmp_path: Path,
    hw4: Homework,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(ci, "NbclientRunner", lambda plan: exec_runner())
    path = _write(partly(hw4), tmp_path)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    args = [
        "check",
        str(path),
        "--public",
        "--sandbox",
        "none",
        "--junit",
        str(tmp_path / "j.xml"),
        "--gradescope",
        str(tmp_path / "g.json"),
        "--html",
        str(tmp_path / "html"),
        "--markdown",
        str(summary),
    ]
    assert main(args) == ci.FAILED
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("FAILED: 15 answers are missing")
    markdown = summary.read_text(encoding="utf-8")
    assert markdown.startswith("earlier step\n## ❌ hw4")  # appended, as GitHub expects
    assert "| `converged` | Converged after two epochs? | invalid |" in markdown
    page = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    assert 'data-variable="e2_h1" data-status="invalid"' in page
    assert json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))["tests"]
    assert main(["check", str(_write(correct(hw4), tmp_path)), "--sandbox", "none"]) == ci.OK
    capsys.readouterr()
    nb = release_with_manifest(hw4)
    del nb.metadata["grader"]["public"]
    assert main(["check", str(_write(nb, tmp_path)), "--public"]) == ci.CANNOT_CHECK
    assert "cannot check" in capsys.readouterr().out


def test_ci_template_is_a_workflow(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ci-template", "--notebook", "hw4.ipynb"]) == 0
    text = capsys.readouterr().out
    flow = yaml.safe_load(text)
    assert flow["env"]["NOTEBOOK"] == "hw4.ipynb"
    assert "FILLS-IN" in flow["env"]["GRADER_PACKAGE"]
    steps = flow["jobs"]["check"]["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    assert uses[:2] == ["actions/checkout", "actions/setup-python"]
    assert steps[1]["with"]["python-version"] == "3.11"
    assert "actions/upload-artifact" in uses
    upload = steps[uses.index("actions/upload-artifact")]
    assert upload["if"] == "always()"
    check = next(s["run"] for s in steps if "graders check" in s.get("run", ""))
    for flag in (
        "--public",
        "--junit",
        "--gradescope",
        "--html",
        '--markdown "$GITHUB_STEP_SUMMARY"',
    ):
        assert flag in check
    install = next(s["run"] for s in steps if "pip install" in s.get("run", ""))
    assert '-c "$GRADER_CONSTRAINTS"' in install
    assert "add `--data DIR`" in text  # the course's own datasets, where it wants them
    assert "Never add --secret here" in text
    assert all("--secret" not in s.get("run", "") for s in steps)
    with pytest.raises(ValueError):
        ci.workflow('x"; rm -rf ~; ".ipynb')


def test_secret_checks_a_students_own_numbers(
    tmp_path: Path,
    hw4: Homework,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = "a long random phrase only the staff know"
    variant = for_student(hw4, secret, "s1")
    assert variant.params != hw4.params
    q2 = variant.question("hw4.q2")
    values = {k: v for part in q2.parts for k, v in part.solve(variant.params).items()}
    answers = {k: repr(v) for k, v in values.items()} | {"q1_answer": Q1_TEXT}
    path = _write(fill_answers(release_with_manifest(variant), answers), tmp_path, "s1.ipynb")
    own = check_notebook(path, exec_runner(), secret=secret)
    base = check_notebook(path, exec_runner())
    assert dict(own.graded)["hw4.q2"] == q2.points > dict(base.graded)["hw4.q2"]
    assert _statuses(own) == _statuses(base)  # what the student sees does not change
    monkeypatch.setattr(ci, "NbclientRunner", lambda plan: exec_runner())
    secret_file = tmp_path / "course-secret.txt"
    secret_file.write_text(secret + "\n", encoding="utf-8")
    results = tmp_path / "results.json"
    args = ["check", str(path), "--secret", str(secret_file), "--gradescope", str(results)]
    assert main(args) == ci.OK
    out = capsys.readouterr().out
    assert "graded against the numbers of s1's own variant" in out and secret not in out
    tests = json.loads(results.read_text(encoding="utf-8"))["tests"]
    graded = next(t for t in tests if t["name"].startswith("hw4.q2:"))
    assert graded["score"] == q2.points and graded["visibility"] == "after_published"
    assert main(["check", str(path), "--gradescope", str(results)]) == ci.OK
    tests = json.loads(results.read_text(encoding="utf-8"))["tests"]
    assert next(t for t in tests if t["name"].startswith("hw4.q2:"))["score"] < q2.points


def test_secret_finds_the_student_in_the_metadata_of_a_repository_notebook(
    tmp_path: Path, hw4: Homework
) -> None:
    """In a student's repository the notebook is named after the homework, not the student:
    the id its per-student release wrote into the metadata says whose numbers to use."""
    secret = "a long random phrase only the staff know"
    variant = for_student(hw4, secret, "s7")
    q2 = variant.question("hw4.q2")
    values = {k: v for part in q2.parts for k, v in part.solve(variant.params).items()}
    notebook = fill_answers(release_with_manifest(variant), {k: repr(v) for k, v in values.items()})
    notebook.metadata["grader"]["student"] = "s7"
    path = _write(notebook, tmp_path, "hw4.ipynb")
    assert dict(check_notebook(path, exec_runner(), secret=secret).graded)["hw4.q2"] == q2.points
    notebook.metadata["grader"].pop("student")
    (tmp_path / "unnamed").mkdir()
    path = _write(notebook, tmp_path / "unnamed", "hw4.ipynb")
    assert dict(check_notebook(path, exec_runner(), secret=secret).graded)["hw4.q2"] < q2.points
