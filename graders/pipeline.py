"""Pipeline: discover -> execute -> harvest -> check -> score -> report.

In:  a folder (or notebook) of submissions, the homework catalogue, a ``KernelRunner`` and
     ``Settings``.
Out: ``BatchSummary``; along the way each student's report files are written as soon as that
     student is graded, and the class pages and gradebook at the end.

This is the only module that knows the order of the stages. ``grade_submission`` is the unit of
work: one submission in, one ``SubmissionResult`` out, whatever the notebook does.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graders import __version__
from graders.checks import check_answers
from graders.discover import Submission, discover, released_to
from graders.execute import (
    WALL_FACTOR,
    CellStatus,
    Execution,
    ExecutionJob,
    KernelRunner,
    Outcome,
    Slots,
    imported,
)
from graders.harvest import HarvestError, harvest_source, probe_source, read_answers
from graders.model.answers import Answer, Kind, Status, Verdict
from graders.model.context import CheckContext
from graders.model.overrides import Overrides, unmatched
from graders.model.questions import Homework, Probe
from graders.model.results import SubmissionResult, write_json
from graders.model.variants import AnswerSheet, for_student, variant_matches
from graders.platforms.late import LatePolicy, apply_late
from graders.platforms.similarity_cache import write_similarity_once
from graders.report.reporter import VARIANT_MATCHES, Reporter
from graders.report.writer import page_writer
from graders.review.gradebook import note_batch, with_person_grades
from graders.runtime.cache import job_key, load, store
from graders.runtime.data import DataShelf
from graders.runtime.progress import Progress
from graders.score import QuestionResult, override_names, score


@dataclass(frozen=True)
class Settings:
    """What the command line decided for one batch."""

    out: Path
    assignment: str | None = None
    cell_timeout: float | None = None  # overrides the homework's limit when set
    notebook_timeout: float | None = None
    wall_factor: float = WALL_FACTOR  # the clock's ceiling, a multiple of the processor limits
    overrides: Overrides = field(default_factory=Overrides)
    secret: str = ""  # the course's secret: each student is graded against their own variant
    workers: int = 1  # submissions graded at once, each in its own kernel
    rerun: bool = False  # execute every notebook again instead of using the cache
    alone: bool = False  # a second chance: nothing else runs (its execution is cached even if cut)
    lang: str = "en"  # language of the HTML reports: en or fa (graders.report.i18n)
    data: DataShelf = field(default_factory=DataShelf)  # training questions' datasets (--data)
    late: LatePolicy | None = None  # --deadline and --late-policy (graders.platforms.late)
    references: tuple[Path, ...] = ()  # --reference: the course's own homework files

    @property
    def cache_dir(self) -> Path:
        return self.out / ".cache" / "executions"


@dataclass(frozen=True)
class BatchSummary:
    """What a batch did, for the final terminal lines."""

    results: tuple[SubmissionResult, ...] = ()
    skipped: tuple[str, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> tuple[SubmissionResult, ...]:
        return tuple(r for r in self.results if not r.ran)

    @property
    def retried(self) -> tuple[SubmissionResult, ...]:
        """The results graded a second time, alone, at the end of the batch."""
        return tuple(r for r in self.results if r.retried)

    @property
    def cached(self) -> int:
        """How many results reused an earlier execution instead of running the notebook."""
        return sum(1 for r in self.results if r.cached)

    @property
    def executed(self) -> int:
        """How many notebooks were run in a kernel by this batch."""
        return sum(1 for r in self.results if r.execution is not None and not r.cached)


def grade_submission(
    submission: Submission, homework: Homework, runner: KernelRunner, settings: Settings
) -> SubmissionResult:
    """Run, harvest, check and score one submission; never raises for the student's fault."""
    homework = for_student(homework, settings.secret, submission.student)
    notes = submission.notes
    if homework.variation is not None and settings.secret:
        notes = (*notes, f"graded against the numbers of {submission.student}'s own variant")
        if submission.notebook is not None and not released_to(submission.notebook.metadata):
            notes = (
                *notes,
                "the notebook names no student (it was not released to one): "
                f"the id {submission.student!r} comes from its path",
            )
    identity = _Identity(
        submission.assignment,
        submission.student,
        str(submission.path),
        notes,
        datetime.now(UTC).isoformat(timespec="seconds"),
    )
    if submission.problem:
        failed = _all_items(homework, Status.ERROR, submission.problem)
        points = score(homework, failed, submission.student, settings.overrides)
        return identity.result(points, None, submission.problem)
    nonce = f"@@grader-{secrets.token_hex(16)}@@"
    params = homework.params
    context = CheckContext(settings.data)
    probes = homework.probes(params, context)
    names = harvested_names(homework, probes)
    final = probe_source(probes) + "\n" + harvest_source(names, nonce) if probes else ""
    job = ExecutionJob(
        notebook=submission.notebook,
        # after each cell, the answers only: what probes measure is read from the final harvest
        harvest_source=harvest_source(homework.variables, nonce),
        cell_timeout=settings.cell_timeout or homework.limits.cell,
        notebook_timeout=settings.notebook_timeout or homework.limits.notebook,
        files=submission.files,
        final_source=final,
        handed={
            **homework.handed(params),
            **{name: data for probe in probes for name, data in probe.files.items()},
        },
        warm=imported(submission.notebook, homework.warm),
        threads=homework.limits.threads,
        wall_factor=settings.wall_factor,
    )
    key = job_key(job, nonce, runner.isolation)
    cached = None if settings.rerun else load(settings.cache_dir, key)
    if cached is not None:
        execution, nonce = cached
    else:
        execution = runner.run(job)
        # a run that gets a second chance is cached only once it ran alone
        if execution.outcome is not Outcome.NOT_STARTED and (
            settings.alone or not execution.second_chance
        ):
            store(settings.cache_dir, key, execution, nonce)
    answers = collect_answers(names, execution, nonce)
    verdicts = check_answers(homework, answers, params, context)
    result = identity.result(
        score(homework, verdicts, submission.student, settings.overrides), execution
    )
    return replace(result, cached=cached is not None)


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


def harvested_names(homework: Homework, probes: Sequence[Probe]) -> tuple[str, ...]:
    """The answer variables, then what ``probes`` (the homework's) leave: everything the
    harvest reads."""
    extra = tuple(v for probe in probes for v in probe.variables)
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


Work = Sequence[tuple[Submission, Homework]]
GradeAll = Callable[[Work, Settings], Iterator[SubmissionResult]]


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during a batch: ``graded`` of ``total`` submissions had their files written."""

    def __init__(self, graded: int, total: int) -> None:
        super().__init__(f"{graded} of {total} submissions graded")
        self.graded = graded
        self.total = total


def _stop(runner: KernelRunner) -> None:
    """End the kernels ``runner`` has under way, where it can (``NbclientRunner.stop``)."""
    stop = getattr(runner, "stop", None)
    if callable(stop):
        stop()


def in_threads(runner: KernelRunner) -> GradeAll:
    """Grade ``settings.workers`` submissions at once on this machine, yielding as they finish.

    Threads suffice: each drives its own kernel process, where the student's code runs. With
    a runner that has ``Slots`` (``NbclientRunner``), as many threads again start the next
    kernels while ``settings.workers`` kernels run students' cells.
    """

    def grade_all(work: Work, settings: Settings) -> Iterator[SubmissionResult]:
        workers = threads = max(1, settings.workers)
        slots = getattr(runner, "slots", None)
        if isinstance(slots, Slots):  # twice the threads: the next kernels start meanwhile
            slots.set_limit(workers)
            threads = 2 * workers
        homeworks = list({hw.id: hw for _, hw in work}.values())
        threading.Thread(target=prepare_checks, args=(homeworks,), daemon=True).start()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            futures = [pool.submit(grade_safely, s, hw, runner, settings) for s, hw in work]
            try:
                for future in as_completed(futures):
                    yield future.result()
            except BaseException:  # Ctrl-C, or the batch stopped reading: end the kernels now
                _stop(runner)
                raise
            finally:
                pool.shutdown(wait=True, cancel_futures=True)

    return grade_all


def prepare_checks(homeworks: Sequence[Homework]) -> None:
    """Check an empty answer sheet of each homework, for what a first check computes once and
    keeps (each derivation's compiled steps, a fifth of a second for HW1 or HW4): done while
    the first kernels start, instead of by the first student's check while every other
    worker waits for it."""
    for homework in homeworks:
        with contextlib.suppress(Exception):  # a student's check meets it again and reports it
            check_answers(homework, {})


def run_batch(
    root: Path,
    catalogue: Mapping[str, Homework],
    runner: KernelRunner,
    settings: Settings,
    echo: Callable[[str], None] = print,
    progress: Progress | None = None,
    grade_all: GradeAll | None = None,
) -> BatchSummary:
    """Grade every submission under ``root`` and write the reports under ``settings.out``."""
    submissions = submissions_under(root, catalogue, settings)
    return grade_batch(submissions, catalogue, runner, settings, echo, progress, grade_all)


def submissions_under(
    root: Path, catalogue: Mapping[str, Homework], settings: Settings
) -> list[Submission]:
    """The submissions under ``root`` that a batch grades (only ``settings.assignment``'s)."""
    submissions = discover(root, catalogue.keys())
    if settings.assignment:
        submissions = [s for s in submissions if s.assignment == settings.assignment]
    return submissions


def grade_batch(
    submissions: Sequence[Submission],
    catalogue: Mapping[str, Homework],
    runner: KernelRunner,
    settings: Settings,
    echo: Callable[[str], None] = print,
    progress: Progress | None = None,
    grade_all: GradeAll | None = None,
) -> BatchSummary:
    """Grade ``submissions`` and write the reports under ``settings.out``.

    ``grade_all`` decides where submissions are graded (default: ``in_threads(runner)``);
    each student's files are written as soon as that student's result arrives, so an
    interrupted batch keeps them (and the execution cache makes the next run re-execute only
    what had not finished).
    """
    # a person's grades in the review app's gradebook count as overrides, over the CSV's
    from_file = settings.overrides  # its rows are the ones checked against the batch below
    settings = replace(settings, overrides=with_person_grades(from_file, settings.out))
    reporter = Reporter(settings.out, catalogue, settings.lang, settings.overrides.source)
    for problem in settings.overrides.problems:
        echo(f"overrides: {problem} (line skipped)")
    work = []
    for submission in submissions:
        homework = catalogue.get(submission.assignment)
        if homework is None:
            echo(f"{submission.path}: skipped — {submission.problem}")
        else:
            work.append((submission, homework))
    progress = progress or Progress(len(work), settings.workers, echo)
    results: list[SubmissionResult] = []
    grade = grade_all or in_threads(runner)
    by_id = {(s.assignment, s.student): (s, hw) for s, hw in work}
    again: list[tuple[Submission, Homework, str]] = []

    def write_student(result: SubmissionResult) -> None:
        homework = for_student(catalogue[result.assignment], settings.secret, result.student)
        reporter.write_student(result, homework)

    # before any grading thread starts: the writer may be a forked child (graders.report.writer)
    writer = page_writer(write_student, len(work))

    def keep(result: SubmissionResult) -> None:
        writer.write(result)
        results.append(result)
        progress.finished(_line(len(results), len(work), result), not result.ran)

    try:
        for result in grade(work, settings):
            reason = second_chance(result)
            if reason:  # counted only after a run alone, at the end of the batch
                again.append((*by_id[(result.assignment, result.student)], reason))
                continue
            keep(result)
        for submission, homework, reason in again:
            keep(_graded_again(grade, submission, homework, settings, reason))
    except KeyboardInterrupt:
        _stop(runner)
        raise BatchInterrupted(len(results), len(work)) from None
    finally:
        progress.close()
        writer.close()  # every student's files are on disk before the class pages read them
    for assignment in _assignments(results):  # before the class pages, which list them
        matches = copy_signals(catalogue[assignment], settings, results)
        write_json(settings.out / assignment / VARIANT_MATCHES, {"matches": matches})
        handed = [s for s in submissions if s.assignment == assignment]
        cache = settings.cache_dir.parent  # the same file as before when nothing changed
        write_similarity_once(settings.out / assignment, handed, catalogue[assignment], cache)
        for match in matches:
            echo(
                f"{assignment}/{match['student']}: {len(match['variables'])} answers match "
                f"{match['other']}'s variant, not their own (for a person to review)"
            )
    for line in override_lines(from_file, catalogue, results, submissions):
        echo(line)
    for line in noted_lines(settings, results, by_id):
        echo(line)
    reporter.write_class_pages(_assignments(results))
    return BatchSummary(tuple(sorted(results, key=lambda r: (r.assignment, r.student))))


def override_lines(
    overrides: Overrides,
    catalogue: Mapping[str, Homework],
    results: Sequence[SubmissionResult],
    submissions: Sequence[Submission] = (),
) -> list[str]:
    """What the overrides file did in this batch: how many items it set, and every row of the
    batch's assignments that matches no student of the assignment's folder (graded now or a
    notebook beside one graded: grading one notebook warns of no other student's row) or no
    item of the homework."""
    if not overrides.source:
        return []
    applied = sum(1 for r in results for q in r.questions for i in q.items if i.override)
    students: dict[str, set[str]] = {}
    for result in results:
        students.setdefault(result.assignment, set()).add(result.student)
    folders = {(s.assignment, s.path.parent) for s in submissions if s.assignment in students}
    for assignment, folder in folders:  # each folder listed once, however many it holds
        students[assignment] |= {path.stem for path in folder.glob("*.ipynb")}
    items = {
        name: {n for q in hw.questions for i in q.items for n in override_names(q, i)}
        for name, hw in ((a, catalogue[a]) for a in students if a in catalogue)
    }
    lines = [f"overrides: {overrides.source} set the points of {applied} items in this batch"]
    return lines + [
        f"overrides: {problem} (row not applied)"
        for problem in unmatched(overrides, students, items)
    ]


def noted_lines(
    settings: Settings,
    results: Sequence[SubmissionResult],
    by_id: Mapping[tuple[str, str], tuple[Submission, Homework]],
) -> list[str]:
    """Note each graded notebook in the gradebook (``graders.review.gradebook``), and say
    how many grades a person gave to a notebook that has changed since."""
    noted = [
        (r.assignment, r.student, str(s.path.resolve()), s.notebook)
        for r in results
        for s, _ in [by_id[(r.assignment, r.student)]]
    ]
    batch = {
        "lang": settings.lang,
        "cell_timeout": settings.cell_timeout,
        "notebook_timeout": settings.notebook_timeout,
        "wall_factor": settings.wall_factor,
        "data": str(settings.data.root.resolve()) if settings.data.root else None,
        "references": [str(path.resolve()) for path in settings.references],
        "overrides": str(Path(settings.overrides.source).resolve())
        if settings.overrides.source
        else "",
    }
    stale = note_batch(settings.out, noted, batch)
    if not stale:
        return []
    return [
        f"review: {stale} grades given by a person are for notebooks that changed since; they "
        "still count, and `grade.py review` marks them for re-review"
    ]


def copy_signals(
    homework: Homework, settings: Settings, results: Sequence[SubmissionResult]
) -> list[dict[str, Any]]:
    """Students whose numbers match another student's variant instead of their own."""
    sheets = [
        AnswerSheet(r.student, _numbers_given(r)) for r in results if r.assignment == homework.id
    ]
    matches = variant_matches(homework, settings.secret, sheets, _same_number)
    return [
        {"student": m.student, "other": m.other, "variables": list(m.variables)} for m in matches
    ]


def _numbers_given(result: SubmissionResult) -> dict[str, float]:
    numbers = {}
    for question in result.questions:
        for item in question.items:
            try:
                numbers[item.variable] = float(item.verdict.given)
            except ValueError:
                continue
    return numbers


def _same_number(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 + 1e-4 * max(abs(a), abs(b))


LOST_WORKER = "the worker grading it was lost"
_GRADER_FAILED = "the grader failed on this submission"


def second_chance(result: SubmissionResult) -> str:
    """Why ``result`` may say more about the machine than about the notebook (cut by the
    clock's ceiling, its kernel died, its worker was lost, the grader failed), or ""."""
    if result.problem.startswith((LOST_WORKER, _GRADER_FAILED)):
        return result.problem.split(" (", 1)[0]
    if result.execution is None or result.cached:
        return ""
    return result.execution.second_chance


def _graded_again(
    grade: GradeAll, submission: Submission, homework: Homework, settings: Settings, reason: str
) -> SubmissionResult:
    """Grade ``submission`` once more with nothing else running (the batch's other work is
    done), running its notebook again; the result says that it was, and why."""
    alone = replace(settings, rerun=True, workers=1, alone=True)
    (result,) = list(grade([(submission, homework)], alone))
    note = (
        f"graded a second time, alone, at the end of the batch: the first run: {reason}; "
        "this is the second run's result"
    )
    return replace(result, retried=reason, notes=(*result.notes, note))


def grade_safely(
    submission: Submission, homework: Homework, runner: KernelRunner, settings: Settings
) -> SubmissionResult:
    """``grade_submission``, with a failure of the grader itself turned into that one result."""
    try:
        result = grade_submission(submission, homework, runner, settings)
    except Exception as exc:
        reason = f"{_GRADER_FAILED} ({type(exc).__name__}: {exc})"
        result = grade_submission(replace(submission, problem=reason), homework, runner, settings)
    return apply_late(result, submission.submitted, settings.late)


def _assignments(results: Sequence[SubmissionResult]) -> tuple[str, ...]:
    return tuple(sorted({r.assignment for r in results}))


def _line(n: int, total: int, result: SubmissionResult) -> str:
    state = "ran" if result.ran else f"DID NOT RUN TO ITS END: {result.run_problem}"
    failed = len(result.execution.failed_cells) if result.execution else 0
    if result.ran and failed:
        state += f"; {failed} cell{'s' if failed > 1 else ''} failed"
    if result.retried:
        state += f"; graded again, alone: the first run: {result.retried}"
    return (
        f"[{n}/{total}] {result.assignment}/{result.student}: "
        f"{result.score:g}/{result.max_score:g}{_pending(result.pending)} ({state})"
    )


def _pending(points: float) -> str:
    return f" ({points:g} pending)" if points else ""
