"""Report: HTML pages, results JSON and the gradebook CSV.

In:  ``SubmissionResult`` records (one at a time, as they are graded) and the output folder.
Out: ``<out>/<assignment>/<student>.html`` and ``.json`` for each student, written atomically
     as soon as that student is graded; then ``<out>/<assignment>/index.html`` (the class),
     ``<out>/<assignment>/grades.csv`` and ``<out>/index.html`` (every assignment), built from
     the JSON records on disk so a resumed batch gets complete class pages.

Templates are Jinja files in ``graders/templates``, compiled once per ``Reporter``; pages are
self-contained (inline CSS, no scripts or external requests).
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from graders.questions import Homework
from graders.results import SubmissionResult, to_json, write_atomic, write_json


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("graders", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


@dataclass(frozen=True)
class QuestionStats:
    """One question across the class."""

    id: str
    mean: float
    max_score: float
    verdicts: Mapping[str, int]


class Reporter:
    """Writes every report file under ``out``."""

    def __init__(self, out: Path, catalogue: Mapping[str, Homework]) -> None:
        self.out = out
        self.catalogue = catalogue
        self.env = _environment()

    def student_dir(self, assignment: str) -> Path:
        return self.out / assignment

    def write_student(self, result: SubmissionResult, homework: Homework) -> None:
        folder = self.student_dir(result.assignment)
        write_json(folder / f"{result.student}.json", to_json(result))
        html = self.env.get_template("student.html.j2").render(
            r=result, homework=homework, prompts=_prompts(homework)
        )
        write_atomic(folder / f"{result.student}.html", html)

    def records(self, assignment: str) -> list[dict[str, Any]]:
        """Every student's results JSON for ``assignment`` found on disk."""
        records = []
        for path in sorted(self.student_dir(assignment).glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and data.get("assignment") == assignment:
                records.append(data)
        return records

    def write_class_pages(self, assignments: Sequence[str]) -> None:
        for assignment in assignments:
            records = self.records(assignment)
            homework = self.catalogue.get(assignment)
            folder = self.student_dir(assignment)
            write_atomic(folder / "grades.csv", gradebook(records, homework))
            html = self.env.get_template("assignment.html.j2").render(
                assignment=assignment,
                homework=homework,
                records=records,
                questions=question_stats(records),
                failed=[r for r in records if not r.get("ran")],
                mean=_mean([r["score"] for r in records]),
            )
            write_atomic(folder / "index.html", html)
        self.write_index()

    def write_index(self) -> None:
        rows = []
        for folder in sorted(p for p in self.out.glob("*") if p.is_dir()):
            records = self.records(folder.name)
            if records:
                rows.append(
                    {
                        "id": folder.name,
                        "title": getattr(self.catalogue.get(folder.name), "title", ""),
                        "count": len(records),
                        "mean": _mean([r["score"] for r in records]),
                        "max_score": records[0]["max_score"],
                        "failed": sum(1 for r in records if not r.get("ran")),
                    }
                )
        html = self.env.get_template("index.html.j2").render(assignments=rows)
        write_atomic(self.out / "index.html", html)


def _mean(values: Sequence[float]) -> float:
    return round(statistics.fmean(values), 2) if values else 0.0


def _prompts(homework: Homework) -> dict[str, str]:
    return {q.id: q.prompt.format(**homework.params) for q in homework.questions}


def question_stats(records: Sequence[Mapping[str, Any]]) -> list[QuestionStats]:
    """Per question: mean score and how many items got each verdict."""
    by_question: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        for test in record["tests"]:
            by_question.setdefault(test["question"], []).append(test)
    stats = []
    for qid, tests in by_question.items():
        verdicts: dict[str, int] = {}
        for t in tests:
            verdicts[t["verdict"]] = verdicts.get(t["verdict"], 0) + 1
        total = sum(t["score"] for t in tests)
        max_one = sum(t["max_score"] for t in tests) / max(len(records), 1)
        stats.append(
            QuestionStats(qid, round(total / max(len(records), 1), 2), round(max_one, 2), verdicts)
        )
    return stats


def gradebook(records: Sequence[Mapping[str, Any]], homework: Homework | None) -> str:
    """One row per student, one column per question, and the total."""
    questions = (
        [q.id for q in homework.questions]
        if homework
        else sorted({t["question"] for r in records for t in r["tests"]})
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *questions, "total", "max_score", "ran"])
    for record in sorted(records, key=lambda r: r["student"]):
        per_q = {q: 0.0 for q in questions}
        for test in record["tests"]:
            per_q[test["question"]] = per_q.get(test["question"], 0.0) + test["score"]
        writer.writerow(
            [
                record["student"],
                *(f"{round(per_q[q], 2):g}" for q in questions),
                f"{record['score']:g}",
                f"{record['max_score']:g}",
                "yes" if record.get("ran") else "no",
            ]
        )
    return buffer.getvalue()
