"""Render again: a student's page, the class page and ``grades.csv`` after a person's grade,
without executing any notebook.

In:  the results folder, the homework catalogue, the gradebook, and the batch's settings (as
     the last batch noted them in the gradebook).
Out: the student's ``.html`` and ``.json`` written again with the gradebook's grades, then the
     class pages (``Reporter.write_class_pages``, which builds them from the JSON records).

A student's execution comes from the execution cache (``graders.runtime.cache``) through a
runner that refuses to run anything (``CacheOnly``): the checks run again on the cached
answers (once per student; the verdicts are kept for the app's life), and ``score`` applies
the grades. When the cache has no entry (it was cleared, or the batch used other limits), the
student's JSON record is updated from the grades instead and the page is left as it was;
``Renderer.render`` says so.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from graders.discover import Submission, discover
from graders.execute import Execution, ExecutionJob
from graders.model.answers import Verdict
from graders.model.overrides import Overrides
from graders.model.questions import Homework
from graders.model.results import SubmissionResult, file_stem, write_json
from graders.model.variants import for_student
from graders.pipeline import Settings, grade_submission
from graders.report.reporter import Reporter
from graders.review.gradebook import Gradebook, with_person_grades
from graders.score import override_names, score


class NotCached(RuntimeError):
    """The execution cache has no run of this notebook with these settings."""


@dataclass(frozen=True)
class CacheOnly:
    """A kernel runner that never runs a notebook: only cached executions are used."""

    isolation: str

    def run(self, job: ExecutionJob) -> Execution:
        raise NotCached("no cached execution")


@dataclass(frozen=True)
class Checked:
    """One student's result as graded, with no person's grade, and its verdicts."""

    result: SubmissionResult
    verdicts: Mapping[str, Verdict]


class Renderer:
    """Writes the pages of a results folder again from the gradebook's grades."""

    def __init__(
        self,
        out: Path,
        catalogue: Mapping[str, Homework],
        book: Gradebook,
        settings: Settings,
        overrides: Overrides | None = None,
    ) -> None:
        self.out = out
        self.catalogue = catalogue
        self.book = book
        self.settings = settings
        self.overrides = overrides or Overrides()
        self.reporter = Reporter(out, catalogue, settings.lang, self.overrides.source)
        self._checked: dict[tuple[str, str], Checked] = {}
        self._found: dict[Path, list[Submission]] = {}
        self._lock = threading.Lock()  # one render at a time
        self._checking = threading.Lock()  # ``checked``'s cache, from the warm-up thread too

    def _submission(self, assignment: str, student: str) -> Submission | None:
        noted = self.book.submission(assignment, student)
        record = self.record(assignment, student) or {}
        if noted is None and not record.get("source"):
            return None
        # a batch run before the gradebook existed noted nothing: its record names the path
        path = Path(noted[0] if noted else str(record["source"])).resolve()
        for root in (path.parent, path.parent.parent):
            if root not in self._found:
                self._found[root] = discover(root, self.catalogue.keys()) if root.is_dir() else []
            for submission in self._found[root]:
                if submission.key == (assignment, student):
                    return submission
        return None

    def checked(self, assignment: str, student: str) -> Checked | None:
        """The student's result from the cached execution (None when it is not cached)."""
        found = self.check(assignment, student)
        return found if isinstance(found, Checked) else None

    def check(self, assignment: str, student: str) -> Checked | str:
        """``checked``, or why there is none (asked again next time: a miss is not kept)."""
        key = (assignment, student)
        with self._checking:
            if key not in self._checked:
                found = self._check(assignment, student)
                if isinstance(found, str):
                    return found
                self._checked[key] = found
            return self._checked[key]

    def warm(self, assignments: Sequence[str]) -> None:
        """Check every student of ``assignments`` ahead of their first save (the app starts
        this in a background thread, so the first saves wait for nothing)."""
        for assignment in assignments:
            for record in self.reporter.records(assignment):
                self.checked(assignment, str(record["student"]))

    def _check(self, assignment: str, student: str) -> Checked | str:
        submission = self._submission(assignment, student)
        record = self.record(assignment, student)
        if submission is None or record is None:
            return "its notebook or its results record is not where the batch left it"
        runner = CacheOnly(str(record.get("isolation") or "none"))
        settings = replace(self.settings, overrides=Overrides(), rerun=False)
        try:
            result = grade_submission(submission, self.catalogue[assignment], runner, settings)
        except NotCached:
            return "no cached execution"
        if result.execution is None:
            return f"its notebook could not be read ({result.problem})"
        verdicts = {i.variable: i.verdict for q in result.questions for i in q.items}
        return Checked(replace(result, graded_at=str(record.get("graded_at", ""))), verdicts)

    def record(self, assignment: str, student: str) -> dict[str, Any] | None:
        path = self.out / assignment / f"{file_stem(student)}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def render(self, assignment: str, students: Sequence[str]) -> list[str]:
        """Write ``students``' files and the class pages again; the students whose page could
        not be (their execution is not cached), with why."""
        problems = []
        with self._lock:
            overrides = with_person_grades(self.overrides, self.out)
            for student in students:
                why = self._render_student(assignment, student, overrides)
                if why:
                    problems.append(
                        f"{student}: {why}; the record and class page have the grade, the "
                        "student's page will once the class is graded again"
                    )
            self.reporter.write_class_pages([assignment])
        return problems

    def _render_student(self, assignment: str, student: str, overrides: Overrides) -> str:
        """Write the student's files again; why the page could not be, or ""."""
        homework = for_student(self.catalogue[assignment], self.settings.secret, student)
        checked = self.check(assignment, student)
        if isinstance(checked, str):
            self._patch_record(assignment, student, homework, overrides)
            return checked
        questions = score(homework, checked.verdicts, student, overrides)
        self.reporter.write_student(replace(checked.result, questions=questions), homework)
        return ""

    def _patch_record(
        self, assignment: str, student: str, homework: Homework, overrides: Overrides
    ) -> None:
        record = self.record(assignment, student)
        if record is None:
            return
        names = {i.variable: override_names(q, i) for q in homework.questions for i in q.items}
        for test in record.get("tests", []):
            found = overrides.find(assignment, student, *names.get(test["variable"], ()))
            if found is None:
                continue
            test["score"] = round(min(found.points, float(test["max_score"])), 2)
            test["override"] = {"points": found.points, "comment": found.comment}
            test["output"] = f"Graded by a person: {found.comment or 'no comment'}"
            test["pending"] = False
        tests = record.get("tests", [])
        record["score"] = round(sum(float(t["score"]) for t in tests), 2)
        record["pending"] = round(sum(float(t["max_score"]) for t in tests if t["pending"]), 2)
        write_json(self.out / assignment / f"{file_stem(student)}.json", record)
