"""Pipeline: discover -> execute -> harvest -> check -> score -> report.

In:  a folder (or notebook) of submissions, the homework catalogue, a ``KernelRunner`` and
     ``Settings``.
Out: ``BatchSummary``; along the way each student's report files are written as soon as that
     student is graded, and the class pages and gradebook at the end.

This is the only module that knows the order of the stages. ``grade_submission`` is the unit of
work: one submission in, one ``SubmissionResult`` out, whatever the notebook does.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from graders import __version__
from graders.answers import Answer, Kind, Status, Verdict
from graders.checks import check_answers
from graders.discover import Submission, discover
from graders.execute import CellStatus, Execution, ExecutionJob, KernelRunner
from graders.harvest import HarvestError, harvest_source, probe_source, read_answers
from graders.overrides import Overrides
from graders.questions import Homework
from graders.report import Reporter
from graders.results import SubmissionResult
from graders.score import QuestionResult, score


@dataclass(frozen=True)
class Settings:
    """What the command line decided for one batch."""

    out: Path
    assignment: str | None = None
    cell_timeout: float | None = None  # overrides the homework's limit when set
    notebook_timeout: float | None = None
    overrides: Overrides = field(default_factory=Overrides)


@dataclass(frozen=True)
class BatchSummary:
    """What a batch did, for the final terminal lines."""

    results: tuple[SubmissionResult, ...] = ()
    skipped: tuple[str, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> tuple[SubmissionResult, ...]:
        return tuple(r for r in self.results if not r.ran)


def grade_submission(
    submission: Submission, homework: Homework, runner: KernelRunner, settings: Settings
) -> SubmissionResult:
    """Run, harvest, check and score one submission; never raises for the student's fault."""
    identity = _Identity(
        submission.assignment,
        submission.student,
        str(submission.path),
        submission.notes,
        datetime.now(UTC).isoformat(timespec="seconds"),
    )
    if submission.problem:
        failed = _all_items(homework, Status.ERROR, submission.problem)
        points = score(homework, failed, submission.student, settings.overrides)
        return identity.result(points, None, submission.problem)
    nonce = f"@@grader-{secrets.token_hex(16)}@@"
    probes = homework.probes()
    names = harvested_names(homework)
    final = probe_source(probes) + "\n" + harvest_source(names, nonce) if probes else ""
    job = ExecutionJob(
        notebook=submission.notebook,
        harvest_source=harvest_source(names, nonce),
        cell_timeout=settings.cell_timeout or homework.limits.cell,
        notebook_timeout=settings.notebook_timeout or homework.limits.notebook,
        files=submission.files,
        final_source=final,
        handed={name: data for probe in probes for name, data in probe.files.items()},
    )
    execution = runner.run(job)
    answers = collect_answers(names, execution, nonce)
    verdicts = check_answers(homework, answers)
    return identity.result(
        score(homework, verdicts, submission.student, settings.overrides), execution
    )


@dataclass(frozen=True)
class _Identity:
    """Who and what a result is about, and when it was graded."""

    assignment: str
    student: str
    source: str
    notes: tuple[str, ...]
    graded_at: str

    def result(
        self, questions: tuple[QuestionResult, ...], execution: Execution | None, problem: str = ""
    ) -> SubmissionResult:
        return SubmissionResult(
            self.assignment,
            self.student,
            self.source,
            questions,
            execution,
            problem,
            self.notes,
            self.graded_at,
            __version__,
        )


def harvested_names(homework: Homework) -> tuple[str, ...]:
    """The answer variables, then what the probes leave: everything the harvest reads."""
    extra = tuple(v for probe in homework.probes() for v in probe.variables)
    return homework.variables + tuple(v for v in extra if v not in homework.variables)


def collect_answers(names: Sequence[str], execution: Execution, nonce: str) -> dict[str, Answer]:
    """The harvested answers, with absent ones blamed on the cell that failed to define them."""
    if execution.harvest_output is None:
        answers = {n: Answer(Kind.ABSENT, note="no answers could be collected") for n in names}
    else:
        try:
            answers = read_answers(execution.harvest_output, nonce, names)
        except HarvestError as exc:
            answers = {n: Answer(Kind.UNSUPPORTED, note=str(exc)) for n in names}
    return {name: _blame(answer, name, execution) for name, answer in answers.items()}


def _blame(answer: Answer, name: str, execution: Execution) -> Answer:
    if answer.kind is not Kind.ABSENT:
        return answer
    assigns = re.compile(rf"^[ \t]*{re.escape(name)}[ \t]*(?::[^=\n]*)?=(?!=)", re.MULTILINE)
    for cell in execution.cells:
        if cell.status is not CellStatus.OK and assigns.search(cell.source):
            first_line = cell.error.splitlines()[0] if cell.error else "an error"
            what = {
                CellStatus.ERROR: f"raised {first_line}",
                CellStatus.TIMEOUT: "was stopped at the time limit",
                CellStatus.SKIPPED: "never ran (" + (execution.message or "stopped") + ")",
            }[cell.status]
            return Answer(
                Kind.ERROR, note=f"The cell that defines {name} (cell {cell.index + 1}) {what}."
            )
    if execution.outcome.value != "completed" and execution.harvest_output is None:
        return Answer(Kind.ERROR, note=f"No answers could be collected: {execution.message}.")
    return answer


def _all_items(homework: Homework, status: Status, reason: str) -> dict[str, Verdict]:
    return {v: Verdict(status, 0.0, feedback=reason) for v in homework.variables}


def run_batch(
    root: Path,
    catalogue: Mapping[str, Homework],
    runner: KernelRunner,
    settings: Settings,
    echo: Callable[[str], None] = print,
) -> BatchSummary:
    """Grade every submission under ``root`` and write the reports under ``settings.out``."""
    submissions = discover(root, catalogue.keys())
    if settings.assignment:
        submissions = [s for s in submissions if s.assignment == settings.assignment]
    reporter = Reporter(settings.out, catalogue)
    for problem in settings.overrides.problems:
        echo(f"overrides: {problem} (line skipped)")
    results: list[SubmissionResult] = []
    for n, submission in enumerate(submissions, 1):
        homework = catalogue.get(submission.assignment)
        if homework is None:
            echo(f"[{n}/{len(submissions)}] {submission.path}: skipped — {submission.problem}")
            continue
        result = grade_submission(submission, homework, runner, settings)
        reporter.write_student(result, homework)
        results.append(result)
        echo(_line(n, len(submissions), result))
    reporter.write_class_pages(_assignments(results))
    return BatchSummary(tuple(results))


def _assignments(results: Sequence[SubmissionResult]) -> tuple[str, ...]:
    return tuple(sorted({r.assignment for r in results}))


def _line(n: int, total: int, result: SubmissionResult) -> str:
    state = "ran" if result.ran else f"DID NOT RUN TO ITS END: {result.run_problem}"
    failed = len(result.execution.failed_cells) if result.execution else 0
    if result.ran and failed:
        state += f"; {failed} cell{'s' if failed > 1 else ''} failed"
    return (
        f"[{n}/{total}] {result.assignment}/{result.student}: "
        f"{result.score:g}/{result.max_score:g} ({state})"
    )
