"""CI: a student's own check of one notebook (``grade.py check``) and the workflow that runs it.

In:  a notebook, its assignment (the notebook's ``grader`` metadata, or ``--assignment``), and
     either the reference solutions (where installed, unless ``--public``) or the notebook's
     public manifest (``graders.student.public``), and a ``KernelRunner``.
Out: a ``CheckReport`` — whether the notebook ran, and per answer a public status: missing,
     invalid, error or (a trained model) below the sanity floor with the reason, else answered;
     correctness and points only for questions that opt in — rendered as the terminal summary,
     Markdown (for ``$GITHUB_STEP_SUMMARY``), JUnit XML, Gradescope's ``results.json`` and an
     HTML page; the exit status (0 when the notebook ran without a failing cell and every answer
     is present and readable, every trained model above the sanity floor); and
     ``workflow``, the GitHub Actions file of ``grade.py ci-template``.

Nothing here prints or writes an expected answer: every output is built from the public view
of each verdict (``graders.student.public.public_view``), never from the verdict's ``expected``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from graders import __version__
from graders.discover import discover, released_as, released_to
from graders.execute import CellStatus, KernelRunner, NbclientRunner
from graders.model.questions import Homework
from graders.model.results import SubmissionResult, visibility, write_atomic, write_json
from graders.pipeline import Settings, grade_submission
from graders.report.reporter import environment
from graders.runtime.data import DataShelf
from graders.runtime.sandbox import choose_mode
from graders.student.public import (
    Expect,
    Manifest,
    ManifestError,
    PublicView,
    Shown,
    checking_homework,
    manifest_of,
    notebook_manifest,
    public_homework,
    public_view,
)

OK, FAILED, CANNOT_CHECK = 0, 1, 2
REFERENCE, PUBLIC = "reference", "public"
MAX_NAMES = 4  # answer variables named in the last line per status


_PROBLEM_PHRASES = {
    Shown.MISSING: ("1 answer is missing", "answers are missing"),
    Shown.INVALID: ("1 answer cannot be read (invalid)", "answers cannot be read (invalid)"),
    Shown.ERROR: ("1 answer failed (error)", "answers failed (error)"),
    Shown.BELOW_FLOOR: ("1 model is below the sanity floor", "models are below the sanity floor"),
}


class CheckSetupError(Exception):
    """The check cannot be set up (no manifest, unknown assignment): exit status 2."""


# --------------------------------------------------------------------------------------------
# The report


@dataclass(frozen=True)
class ItemReport:
    variable: str
    label: str
    max_points: float
    expect: Expect
    view: PublicView


@dataclass(frozen=True)
class QuestionReport:
    id: str
    title: str
    shown: bool  # correctness and points may be shown
    items: tuple[ItemReport, ...]

    @property
    def max_points(self) -> float:
        return round(sum(i.max_points for i in self.items), 2)

    @property
    def points(self) -> float | None:
        if not self.shown:
            return None
        return round(sum(i.view.points or 0.0 for i in self.items), 2)

    @property
    def problems(self) -> tuple[ItemReport, ...]:
        return tuple(i for i in self.items if i.view.status.problem)

    @property
    def headline(self) -> str:
        """The question's points, or what is said instead of them."""
        if self.points is None:
            return f"{self.max_points:g} points, correctness graded after the deadline"
        return f"{self.points:g}/{self.max_points:g} points"


@dataclass(frozen=True)
class CellFailure:
    number: int  # 1-based, as the student counts code cells in the report
    status: str
    error: str

    @property
    def summary(self) -> str:
        if self.status == CellStatus.TIMEOUT:
            return f"cell {self.number} was stopped at the time limit"
        first = self.error.strip().splitlines()[-1] if self.error.strip() else "an error"
        return f"cell {self.number} raised {first}"


@dataclass(frozen=True)
class CheckReport:
    """The public result of checking one notebook."""

    assignment: str
    title: str
    notebook: str
    mode: str  # REFERENCE or PUBLIC
    run_problem: str  # why the notebook did not run to its end, or ''
    failed_cells: tuple[CellFailure, ...]
    questions: tuple[QuestionReport, ...]
    seconds: float = 0.0
    isolation: str = ""
    notes: tuple[str, ...] = ()
    checked_at: str = ""
    graded: tuple[tuple[str, float], ...] = ()  # reference mode: each question's real score
    data: str = ""  # where trained models' data came from, for homeworks that train

    @property
    def items(self) -> tuple[ItemReport, ...]:
        return tuple(i for q in self.questions for i in q.items)

    @property
    def ok(self) -> bool:
        return not self.run_problem and not self.failed_cells and not self.problem_items

    @property
    def problem_items(self) -> tuple[ItemReport, ...]:
        return tuple(i for i in self.items if i.view.status.problem)

    @property
    def reason(self) -> str:
        """The last line: OK, or FAILED with every reason."""
        if self.ok:
            return (
                f"OK: the notebook ran and all {len(self.items)} answers are present and readable."
            )
        reasons = []
        if self.run_problem and not self.isolation:
            reasons.append(f"the notebook cannot be run: {self.run_problem}")
        elif self.run_problem:
            reasons.append(f"the notebook did not run to its end: {self.run_problem}")
        reasons += [cell.summary for cell in self.failed_cells[:3]]
        if len(self.failed_cells) > 3:
            reasons.append(f"{len(self.failed_cells) - 3} more cells failed")
        for status, (one, many) in _PROBLEM_PHRASES.items():
            names = [i.variable for i in self.problem_items if i.view.status is status]
            if names:
                shown = ", ".join(names[:MAX_NAMES]) + (", ..." if len(names) > MAX_NAMES else "")
                phrase = one if len(names) == 1 else f"{len(names)} {many}"
                reasons.append(f"{phrase} ({shown})")
        return "FAILED: " + "; ".join(reasons)

    @property
    def exit_status(self) -> int:
        return OK if self.ok else FAILED

    @property
    def checks_line(self) -> str:
        if self.mode == REFERENCE:
            return (
                "Checks: with the reference solutions; correctness stays hidden except for "
                "questions that show their result."
            )
        return "Checks: public (from the notebook's manifest; no reference solutions used)."


# --------------------------------------------------------------------------------------------
# Choosing what to check against, and checking


@dataclass(frozen=True)
class _Plan:
    homework: Homework  # its parts are ``FormPart``s
    manifest: Manifest
    mode: str


def _reference_catalogue() -> Mapping[str, Homework] | None:
    """The reference solutions, or None where they are not installed (a student's CI)."""
    try:
        from reference import catalogue
    except ImportError:
        return None
    return catalogue()


def _plan(metadata: Mapping[str, Any], assignment: str, public: bool) -> _Plan:
    catalogue = None if public else _reference_catalogue()
    if catalogue is not None and assignment in catalogue:
        homework = catalogue[assignment]
        return _Plan(checking_homework(homework), manifest_of(homework), REFERENCE)
    try:
        manifest = notebook_manifest(metadata)
    except ManifestError as exc:
        if catalogue is not None:
            known = ", ".join(sorted(catalogue))
            raise CheckSetupError(
                f"unknown assignment {assignment or '(none)'}; known: {known}"
            ) from None
        raise CheckSetupError(str(exc)) from None
    if assignment and manifest.assignment != assignment:
        raise CheckSetupError(
            f"the notebook's manifest is for {manifest.assignment}, not {assignment}"
        )
    return _Plan(public_homework(manifest), manifest, PUBLIC)


def notebook_metadata(path: Path) -> Mapping[str, Any]:
    """The notebook's metadata, or {} when the file cannot be read as JSON."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return {}
    metadata = data.get("metadata") if isinstance(data, dict) else None
    return metadata if isinstance(metadata, dict) else {}


def _assignment(metadata: Mapping[str, Any], given: str | None) -> str:
    return given or released_as(metadata)


def check_notebook(
    path: Path,
    runner: KernelRunner,
    assignment: str | None = None,
    public: bool = False,
    secret: str = "",
    data: DataShelf | None = None,
) -> CheckReport:
    """Run and check one notebook; raises ``CheckSetupError`` when it cannot be checked.

    ``secret`` (the course's) checks a homework that varies its numbers against the student's
    own: the student named in the notebook's metadata by its per-student release (a student's
    repository names the file after the homework, not the student), else the file's name;
    ``data`` holds the datasets
    trained models are checked on (default: the digits stand-in).
    """
    data = DataShelf() if data is None else data
    metadata = notebook_metadata(path)
    wanted = _assignment(metadata, assignment)
    try:
        plan: _Plan | None = _plan(metadata, wanted, public)
    except CheckSetupError:
        if metadata:  # a readable notebook: the setup is at fault
            raise
        plan = None  # an unreadable file: report why it cannot run
    homework_id = plan.homework.id if plan else wanted or "unknown"
    submission = discover(path, {homework_id})[0]
    claimed = released_to(metadata) if secret else ""
    if claimed:  # a notebook released to one student
        submission = replace(submission, student=claimed)
    if submission.assignment != homework_id:
        unreadable = submission.notebook is None
        submission = replace(
            submission, assignment=homework_id, problem=submission.problem if unreadable else ""
        )
    if plan is None:
        return CheckReport(
            homework_id, "", str(path), PUBLIC, submission.problem or "unreadable", (), ()
        )
    missing = data.missing(plan.manifest.datasets)
    if missing:
        raise CheckSetupError("--data: some datasets are missing: " + "; ".join(missing))
    with tempfile.TemporaryDirectory(prefix="grader-check-") as tmp:
        settings = Settings(out=Path(tmp), secret=secret, data=data)
        result = grade_submission(submission, plan.homework, runner, settings)
    report = _report(result, plan, str(path))
    return replace(report, data=data.described) if plan.manifest.datasets else report


def _report(result: SubmissionResult, plan: _Plan, notebook: str) -> CheckReport:
    questions = []
    for public_q, graded in zip(plan.manifest.questions, result.questions, strict=True):
        items = []
        for public_i, item in zip(public_q.items, graded.items, strict=True):
            view = public_view(item.verdict, public_i.expect, public_q.show_result, item.score)
            if result.problem and view.message == result.problem:
                view = replace(view, message="")  # said once, as the run problem
            items.append(
                ItemReport(item.variable, item.label, item.max_score, public_i.expect, view)
            )
        questions.append(
            QuestionReport(public_q.id, public_q.title, public_q.show_result, tuple(items))
        )
    execution = result.execution
    failed = tuple(
        CellFailure(c.index + 1, c.status.value, c.error)
        for c in (execution.failed_cells if execution else ())
    )
    return CheckReport(
        assignment=result.assignment,
        title=plan.manifest.title,
        notebook=notebook,
        mode=plan.mode,
        run_problem=result.run_problem,
        failed_cells=failed,
        questions=tuple(questions),
        seconds=execution.seconds if execution else 0.0,
        isolation=execution.isolation if execution else "",
        notes=result.notes,
        checked_at=result.graded_at,
        graded=tuple((q.id, q.score) for q in result.questions) if plan.mode == REFERENCE else (),
    )


# --------------------------------------------------------------------------------------------
# The terminal and Markdown summaries


def _points(points: float | None, max_points: float) -> str:
    return f"{'—' if points is None else f'{points:g}'}/{max_points:g}"


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _header(report: CheckReport) -> list[str]:
    title = f" — {report.title}" if report.title else ""
    lines = [f"Checking {report.notebook}: {report.assignment}{title}", report.checks_line]
    if report.isolation:
        lines.append(f"Isolation: {report.isolation}; ran in {report.seconds:.0f} s.")
    if report.data:
        lines.append(f"Data: {report.data}")
    lines += [f"Note: {note}" for note in report.notes]
    return lines


def terminal(report: CheckReport) -> str:
    """The terminal summary: a table per question; its last line is ``report.reason``."""
    lines = _header(report)
    for cell in report.failed_cells:
        lines.append(f"Cell {cell.number} failed: {_clip(cell.summary, 160)}")
    for q in report.questions:
        lines += ["", f"{q.id} — {q.title}: {q.headline}"]
        var_w = max(len("answer"), *(len(i.variable) for i in q.items))
        label_w = min(40, max(len("question"), *(len(i.label) for i in q.items)))
        status_w = max(len("status"), *(len(i.view.status.value) for i in q.items))
        lines.append(
            f"  {'answer'.ljust(var_w)}  {'question'.ljust(label_w)}  "
            f"{'status'.ljust(status_w)}  points"
        )
        for i in q.items:
            lines.append(
                f"  {i.variable.ljust(var_w)}  {_clip(i.label, label_w).ljust(label_w)}  "
                f"{i.view.status.value.ljust(status_w)}  {_points(i.view.points, i.max_points)}"
            )
            if i.view.message:
                lines.append(f"  {' ' * var_w}  ↳ {_clip(i.view.message, 200)}")
    lines += ["", report.reason]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|").replace("`", "'")


def markdown(report: CheckReport) -> str:
    """The summary as Markdown, for ``$GITHUB_STEP_SUMMARY``."""
    mark = "✅" if report.ok else "❌"
    lines = [
        f"## {mark} {_md(report.assignment)}: {_md(report.notebook)}",
        "",
        f"**{_md(report.reason)}**",
        "",
        _md(report.checks_line),
    ]
    for cell in report.failed_cells:
        lines += ["", f"- {_md(_clip(cell.summary, 300))}"]
    for q in report.questions:
        lines += [
            "",
            f"### {_md(q.id)} — {_md(q.title)}: {q.headline}",
            "",
            "| answer | question | status | points | message |",
            "| --- | --- | --- | --- | --- |",
        ]
        for i in q.items:
            lines.append(
                f"| `{i.variable}` | {_md(i.label)} | {_md(i.view.status.value)} | "
                f"{_points(i.view.points, i.max_points)} | {_md(_clip(i.view.message, 300))} |"
            )
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# JUnit XML and Gradescope


def junit_xml(report: CheckReport) -> str:
    """JUnit XML: a testcase for the run, then one per question (failures with messages)."""
    suite_name = report.assignment
    cases: list[ET.Element] = []
    run = ET.Element("testcase", classname=suite_name, name="the notebook runs")
    run.set("time", f"{report.seconds:.3f}")
    run_reasons = ([report.run_problem] if report.run_problem else []) + [
        c.summary for c in report.failed_cells
    ]
    if run_reasons:
        failure = ET.SubElement(run, "failure", message=_clip(run_reasons[0], 500), type="run")
        failure.text = "\n\n".join(
            [report.run_problem] * bool(report.run_problem)
            + [f"Cell {c.number}:\n{c.error}" for c in report.failed_cells]
        )
    cases.append(run)
    for q in report.questions:
        case = ET.Element("testcase", classname=suite_name, name=f"{q.id} {q.title}")
        case.set("time", "0")
        if q.problems:
            first = q.problems[0]
            failure = ET.SubElement(
                case,
                "failure",
                message=_clip(
                    f"{len(q.problems)} of {len(q.items)} answers: "
                    f"{first.variable} {first.view.status.value}",
                    500,
                ),
                type=first.view.status.value,
            )
            failure.text = "\n".join(_item_line(i) for i in q.problems)
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join(_item_line(i) for i in q.items)
        cases.append(case)
    failures = sum(1 for c in cases if c.find("failure") is not None)
    root = ET.Element("testsuites", name="grade.py check", tests=str(len(cases)))
    root.set("failures", str(failures))
    root.set("errors", "0")
    root.set("time", f"{report.seconds:.3f}")
    suite = ET.SubElement(root, "testsuite", name=suite_name, tests=str(len(cases)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    suite.set("time", f"{report.seconds:.3f}")
    if report.checked_at:
        suite.set("timestamp", report.checked_at[:19])
    properties = ET.SubElement(suite, "properties")
    for name, value in (("mode", report.mode), ("grader_version", __version__)):
        ET.SubElement(properties, "property", name=name, value=value)
    suite.extend(cases)
    out = ET.SubElement(suite, "system-out")
    out.text = report.reason
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _item_line(item: ItemReport) -> str:
    line = f"{item.variable} ({item.label}): {item.view.status.value}"
    line += f", {_points(item.view.points, item.max_points)} points"
    return line + (f" — {item.view.message}" if item.view.message else "")


def gradescope(report: CheckReport) -> dict[str, Any]:
    """Gradescope's ``results.json``: a visible test per answer (its public status, and its
    points where the question shows them), and in reference mode one test per hidden question
    carrying its real score, visible once grades are published. The total is left to
    Gradescope, which adds the tests' scores."""
    tests: list[dict[str, Any]] = []
    for qn, q in enumerate(report.questions, 1):
        for n, i in enumerate(q.items, 1):
            failed = i.view.status.problem or i.view.status is Shown.INCORRECT
            output = i.view.status.value + (f": {i.view.message}" if i.view.message else "")
            if not q.shown:
                output += f" (correctness and its {i.max_points:g} points are graded later)"
            tests.append(
                {
                    "name": f"{q.id} {i.variable}: {i.label}",
                    "number": f"{qn}.{n}",
                    "score": i.view.points if q.shown and i.view.points is not None else 0.0,
                    "max_score": i.max_points if q.shown else 0.0,
                    "status": "failed" if failed else "passed",
                    "output": output,
                    "tags": [q.id, i.expect.value],
                    "visibility": visibility(True),
                    "extra_data": {"question": q.id, "variable": i.variable, "public": True},
                }
            )
    tests += _graded_tests(report)
    return {
        "execution_time": round(report.seconds),
        "output": report.reason,
        "visibility": visibility(True),
        "stdout_visibility": visibility(True),
        "extra_data": {
            "assignment": report.assignment,
            "mode": report.mode,
            "grader_version": __version__,
        },
        "tests": tests,
    }


def gradescope_failure(reason: str) -> dict[str, Any]:
    """Gradescope's ``results.json`` for a notebook that could not be checked: no tests, a
    score of 0 and the reason, shown to the student."""
    return {"score": 0.0, "output": reason, "visibility": visibility(True), "tests": []}


def _graded_tests(report: CheckReport) -> list[dict[str, Any]]:
    """Reference mode: a test per hidden question with its real score, shown once the grades
    are published (the shown questions' points are in their answers' tests already)."""
    scores = dict(report.graded)
    tests = []
    for qn, q in enumerate(report.questions, 1):
        if q.shown or q.id not in scores:
            continue
        tests.append(
            {
                "name": f"{q.id}: {q.title} (graded)",
                "number": f"{qn}",
                "score": scores[q.id],
                "max_score": q.max_points,
                "status": "passed" if scores[q.id] >= q.max_points else "failed",
                "output": "The per-answer results are in the graded report.",
                "tags": [q.id, "graded"],
                "visibility": visibility(False),
                "extra_data": {"question": q.id, "public": False},
            }
        )
    return tests


# --------------------------------------------------------------------------------------------
# The HTML page


def html(report: CheckReport) -> str:
    """A self-contained page of the report (the workflow's artefact)."""
    template = environment().get_template("check.html.j2")
    return template.render(r=report, points=_points)


# --------------------------------------------------------------------------------------------
# The GitHub Actions workflow


WORKFLOW = """\
# A student's own check of their homework notebook, on every push: does the notebook run, and is
# every answer present and readable? Correctness stays hidden until the TA grades (except for
# questions the course lets students see). Written by `grade.py ci-template`; the course copies
# it to .github/workflows/grade.yml in the students' template repository.
name: check homework

on:
  push:
  pull_request:
  workflow_dispatch:

permissions:
  contents: read

env:
  NOTEBOOK: "{notebook}"  # the notebook students hand in, as released
  REPORT: grader-report
  # >>> COURSE: FILL IN BEFORE HANDING THIS FILE OUT <<<
  # GRADER_PACKAGE is the PUBLIC build of the grader, pinned to a commit or version: a copy of
  # the grader's repository WITHOUT the reference/ folder (see the README), or that build on
  # the course's package index. Never install the copy that holds reference/: a student's
  # notebook could import the answers from it.
  GRADER_PACKAGE: "dl-autograder @ git+https://COURSE-FILLS-IN/grader-public.git@COMMIT-FILLS-IN"
  # GRADER_CONSTRAINTS is the constraints.txt of that same commit (a URL, or a file committed
  # to the students' repository).
  GRADER_CONSTRAINTS: "https://COURSE-FILLS-IN/grader-public/raw/COMMIT-FILLS-IN/constraints.txt"
  # >>> END OF WHAT THE COURSE FILLS IN <<<

jobs:
  check:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    defaults:
      run:
        shell: bash
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install the grader (public build, without the reference solutions)
        run: python -m pip install -c "$GRADER_CONSTRAINTS" "$GRADER_PACKAGE"
      - name: Check the notebook
        # A non-zero exit (the notebook did not run, an answer is missing or unreadable, or a
        # trained model does no better than chance) fails the job; the summary goes to the
        # job's summary page either way.
        # Training questions: the grader hands the notebook data/<name>/ itself. Without
        # --data, scikit-learn's digits stands in for every dataset (quick, offline); to check
        # on the course's own datasets, add `--data DIR` with DIR holding mnist/,
        # fashion-mnist/ or cifar-10/ in their standard files (e.g. restored from a cache).
        # Never add --secret here: the course's secret must not reach students' repositories
        # (per-student numbers are checked by the TA: `grade.py check NOTEBOOK --secret FILE`).
        run: >-
          python -m graders check "$NOTEBOOK" --public
          --junit "$REPORT/junit.xml" --gradescope "$REPORT/results.json"
          --html "$REPORT/html" --markdown "$GITHUB_STEP_SUMMARY"
      - name: Upload the report page
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: grader-report
          path: ${{{{ env.REPORT }}}}
          if-no-files-found: warn
"""


def workflow(notebook: str) -> str:
    """The GitHub Actions workflow that checks ``notebook`` on every push."""
    if any(c in notebook for c in "\"'\n$`\\"):
        raise ValueError(f"notebook name {notebook!r} must not contain quotes, $, ` or \\")
    return WORKFLOW.format(notebook=notebook)


# --------------------------------------------------------------------------------------------
# The command line


def add_commands(sub: Any) -> argparse.ArgumentParser:
    """Add ``check`` and ``ci-template`` to the ``grade.py`` subcommands; returns ``check``'s
    parser, to which ``graders.cli`` adds ``--secret`` and ``--data`` as ``grade`` has them."""
    check = sub.add_parser(
        "check",
        help="check one notebook as a student's CI does",
        description=(
            "Run one notebook and check that every answer is present and readable (the right "
            "kind and shape, parses, one of the options). Correctness and points are shown "
            "only for questions that opt in; expected answers never are. Uses the reference "
            "solutions where installed, else (or with --public) the public manifest that "
            "`grade.py release` wrote into the notebook. A trained model must run on the "
            "notebook's own test images and do clearly better than chance (the sanity floor). "
            "Exits 0 when the notebook ran without a failing cell, every answer is present "
            "and readable and every trained model above the floor, 1 otherwise (the reason "
            "is the last line), 2 when the notebook cannot be checked at all."
        ),
    )
    check.add_argument("notebook", type=Path, help="the notebook to check")
    check.add_argument(
        "--assignment", metavar="HW", help="the assignment (default: the notebook's metadata)"
    )
    check.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML to FILE")
    check.add_argument(
        "--gradescope", type=Path, metavar="FILE", help="write Gradescope's results.json to FILE"
    )
    check.add_argument("--html", type=Path, metavar="DIR", help="write DIR/index.html")
    check.add_argument(
        "--markdown",
        type=Path,
        metavar="FILE",
        help="append the summary as Markdown to FILE (e.g. $GITHUB_STEP_SUMMARY)",
    )
    check.add_argument(
        "--public",
        action="store_true",
        help="never use the reference solutions, even where installed (a student's CI)",
    )
    check.add_argument(
        "--sandbox",
        choices=("auto", "bwrap", "none"),
        default="auto",
        help="isolation of the kernel, as for `grade`, except that auto runs the notebook "
        "unisolated where bwrap cannot start (it is the student's own); default: %(default)s",
    )
    template = sub.add_parser(
        "ci-template",
        help="print a GitHub Actions workflow that runs `check` on every push",
        description=(
            "Print the workflow students' repositories use: install the public build of the "
            "grader, run `check`, upload the HTML page and write the summary to the job's "
            "summary page. The course fills in where the grader is installed from."
        ),
    )
    template.add_argument(
        "--notebook",
        default="homework.ipynb",
        help="the notebook the workflow checks (default: %(default)s)",
    )
    return check


def run_command(args: argparse.Namespace, parser: argparse.ArgumentParser, secret: str = "") -> int:
    """Carry out ``check`` or ``ci-template`` (``secret``: the text of ``--secret``); returns
    the exit status."""
    if args.command == "ci-template":
        try:
            print(workflow(args.notebook), end="")
        except ValueError as exc:
            parser.error(str(exc))
        return OK
    if not args.notebook.is_file():
        parser.error(f"{args.notebook} is not a file")
    if secret and args.public:
        parser.error("--secret needs the reference solutions, which --public never uses")
    data = DataShelf(getattr(args, "data", None))
    try:
        # a student's own code: where bwrap cannot start, `auto` checks it unisolated
        runner = NbclientRunner(choose_mode(args.sandbox, fallback=True))
        report = check_notebook(
            args.notebook, runner, args.assignment, args.public, secret=secret, data=data
        )
    except (CheckSetupError, RuntimeError) as exc:
        print(f"grade.py check: cannot check {args.notebook}: {exc}")
        return CANNOT_CHECK
    except Exception as exc:  # the grader's own failure: say so, not a student's fault
        print(f"grade.py check: the grader failed on {args.notebook} ({type(exc).__name__}: {exc})")
        return CANNOT_CHECK
    write_outputs(report, args.junit, args.gradescope, args.html, args.markdown)
    print(terminal(report), end="")
    return report.exit_status


def write_outputs(
    report: CheckReport,
    junit: Path | None = None,
    gradescope_file: Path | None = None,
    html_dir: Path | None = None,
    markdown_file: Path | None = None,
) -> None:
    """Write the files asked for."""
    if junit is not None:
        write_atomic(junit, junit_xml(report))
    if gradescope_file is not None:
        write_json(gradescope_file, gradescope(report))
    if html_dir is not None:
        write_atomic(html_dir / "index.html", html(report))
    if markdown_file is not None:
        markdown_file.parent.mkdir(parents=True, exist_ok=True)
        with markdown_file.open("a", encoding="utf-8") as handle:
            handle.write(markdown(report))
