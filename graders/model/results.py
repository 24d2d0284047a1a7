"""Results: one graded submission, and its machine-readable form.

In:  the outcome of grading one submission (its questions' results and its execution record).
Out: ``SubmissionResult`` and ``to_json`` — a superset of Gradescope's ``results.json``
     (``score``, ``max_score``, ``tests[]`` with ``name``, ``score``, ``max_score``, ``status``,
     ``output``, ``visibility``), each test also carrying ``verdict``, ``question``,
     ``variable``, ``label``, ``given``, ``expected``, ``mistake``, ``mistake_text`` and
     ``mistake_persian`` (the declaration's Persian explanation, or null) where
     one applies, ``pending`` (waiting for a person; the record's ``pending`` is those items'
     points) and the verdict's ``extra`` (JSON-safe, bounded in size; see ``bounded_extra``);
     the record's ``submitted`` is the platform's hand-in time and ``late_penalty`` the points
     the late policy took from ``score`` (``graders.platforms.late``).

The JSON files are the record the class pages and CSV are built from, so a resumed batch can
rebuild them without grading anything again.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graders.execute import Execution
from graders.model.answers import Status
from graders.model.overrides import Override
from graders.score import QuestionResult

SCHEMA = 1

CLASS_FILE_STEMS = frozenset({"index", "grades", "variant_matches", "intake", "similarity"})
"""Names of the class's own files in an assignment's folder (``index.html``, ``grades.csv``,
``variant_matches.json``, ``intake.json``, ``similarity.json``), which no student's files may
take."""


def file_stem(student: str) -> str:
    """The name (without suffix) of ``student``'s files in the assignment's folder.

    It is the student id, except that an id naming one of the class's files, whatever its case
    and however many underscores end it, gets one underscore more (``index`` -> ``index_``,
    ``index_`` -> ``index__``): no student's page or record is overwritten by the class's, and
    no two students share a name. Every writer and reader of a student's files uses this.
    """
    if student.rstrip("_").lower() in CLASS_FILE_STEMS:
        return student + "_"
    return student


@dataclass(frozen=True)
class SubmissionResult:
    """Everything the reports need about one student's submission."""

    assignment: str
    student: str
    source: str  # the submission's path, relative to the graded folder
    questions: tuple[QuestionResult, ...]
    execution: Execution | None
    problem: str = ""  # why the notebook could not be run at all
    notes: tuple[str, ...] = ()
    graded_at: str = ""
    grader_version: str = ""
    cached: bool = False  # the execution was reused from the cache, not run again
    retried: str = ""  # why it was graded a second time, alone, at the end of the batch
    submitted: str = ""  # when the course's platform recorded the hand-in (ISO), or ""
    late_penalty: float = 0.0  # points the late policy takes (graders.platforms.late)

    @property
    def score(self) -> float:
        return round(max(0.0, sum(q.score for q in self.questions) - self.late_penalty), 2)

    @property
    def max_score(self) -> float:
        return round(sum(q.max_score for q in self.questions), 2)

    @property
    def pending(self) -> float:
        """Points still waiting for a person: the score is provisional while this is above 0."""
        return round(sum(q.pending for q in self.questions), 2)

    @property
    def ran(self) -> bool:
        """Whether the notebook ran to its end (errors in cells allowed)."""
        return (
            not self.problem
            and self.execution is not None
            and (self.execution.outcome.value == "completed")
        )

    @property
    def run_problem(self) -> str:
        """Why the submission did not run to its end, or ''."""
        if self.problem:
            return self.problem
        if self.execution is not None and not self.ran:
            return self.execution.message or self.execution.outcome.value
        return ""

    @property
    def story(self) -> str:
        """What happened to the notebook, in one sentence, the same on every surface (terminal,
        JSON, pages): why it did not run to its end, or that it did and which cells failed."""
        if self.run_problem:
            return self.run_problem
        failed = self.execution.failed_cells if self.execution is not None else ()
        if not failed:
            return "The notebook ran to its end."
        cells = "; ".join(f"cell {c.index + 1}: {_first_line(c.error)}" for c in failed)
        return (
            f"The notebook ran to its end; {len(failed)} cell{'s' if len(failed) > 1 else ''} "
            f"failed ({cells})."
        )


def _first_line(error: str) -> str:
    return error.strip().splitlines()[0] if error.strip() else "failed"


def _gradescope_status(status: Status) -> str:
    return "passed" if status in (Status.CORRECT, Status.FOLLOW_THROUGH) else "failed"


def _override(override: Override | None) -> dict[str, Any] | None:
    if override is None:
        return None
    return {"points": override.points, "comment": override.comment}


MAX_EXTRA_CHARS = 20_000
"""Largest JSON text of one verdict's ``extra`` kept in the record; larger values are dropped."""


def _plain(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON-ready data: non-finite numbers as text, unknown objects as text."""
    if depth > 8:
        return None
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else str(number)
    if isinstance(value, Mapping):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, depth + 1) for v in value]
    return str(value)


def bounded_extra(extra: Mapping[str, Any]) -> dict[str, Any]:
    """A verdict's ``extra`` for the JSON record: JSON-safe, and each key's value dropped (and
    named in ``"dropped"``) when the whole would exceed ``MAX_EXTRA_CHARS``."""
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    size = 0
    for key, value in _plain(dict(extra)).items():
        cost = len(json.dumps(value, ensure_ascii=False)) + len(key) + 6
        if size + cost > MAX_EXTRA_CHARS:
            dropped.append(key)
            continue
        kept[key] = value
        size += cost
    if dropped:
        kept["dropped"] = dropped
    return kept


def visibility(shown: bool) -> str:
    """Gradescope's ``visibility`` of a question's result: at once when the question opts in
    (``Question.show_result``), else once the grades are published."""
    return "visible" if shown else "after_published"


def to_json(result: SubmissionResult, shown: Collection[str] = frozenset()) -> dict[str, Any]:
    """The results.json superset for one submission; ``shown`` are the ids of the questions
    whose results students may see before grades are published."""
    tests = []
    for q in result.questions:
        for item in q.items:
            v = item.verdict
            output = v.feedback or v.status.value
            if item.override is not None:
                output = f"Graded by a person: {item.override.comment or 'no comment'}"
            tests.append(
                {
                    "name": f"{q.id} {item.label}",
                    "question": q.id,
                    "variable": item.variable,
                    "score": item.score,
                    "max_score": item.max_score,
                    "status": _gradescope_status(v.status),
                    "verdict": v.status.value,
                    "mistake": v.mistake.id if v.mistake else None,
                    "given": v.given,
                    "expected": v.expected,
                    "output": output,
                    "visibility": visibility(q.id in shown),
                    "override": _override(item.override),
                    "label": item.label,
                    "mistake_text": v.mistake.explanation if v.mistake else None,
                    "mistake_persian": v.mistake.persian or None if v.mistake else None,
                    "extra": bounded_extra(v.details),
                    "pending": item.pending,
                }
            )
    execution = result.execution
    return {
        "schema": SCHEMA,
        "assignment": result.assignment,
        "student": result.student,
        "source": result.source,
        "score": result.score,
        "max_score": result.max_score,
        "pending": result.pending,
        "output": result.story,
        "ran": result.ran,
        "problem": result.run_problem,
        "failed_cells": [
            {"cell": c.index + 1, "status": c.status.value, "error": _first_line(c.error)}
            for c in (execution.failed_cells if execution else ())
        ],
        "retried": result.retried or None,
        "submitted": result.submitted or None,
        "late_penalty": result.late_penalty,
        "isolation": execution.isolation if execution else None,
        "kernel": execution.kernel if execution else None,
        "seconds": round(execution.seconds, 2) if execution else None,
        "notes": list(result.notes),
        "graded_at": result.graded_at,
        "grader_version": result.grader_version,
        "tests": tests,
    }


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; reports are meant to be read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
