"""Report: HTML pages, results JSON and the gradebook CSV.

In:  ``SubmissionResult`` records (one at a time, as they are graded), the output folder and
     the report language (``en`` or ``fa``, see ``graders.report.i18n``).
Out: ``<out>/<assignment>/<student>.html`` and ``.json`` for each student, written atomically
     as soon as that student is graded; then ``<out>/<assignment>/index.html`` (the class),
     ``<out>/<assignment>/grades.csv`` and ``<out>/index.html`` (every assignment), built from
     the JSON records on disk so a resumed batch gets complete class pages.

Templates are Jinja files in ``graders/report/templates``, compiled once per ``Reporter``;
every word they show comes from the language's message catalogue. Pages are self-contained:
inline CSS, formulas as MathML (``graders.report.mathml``) and charts as inline SVG
(``graders.report.charts``), no external requests. The class page carries one small inline
script that makes its tables sortable; without it they read the same, sorted by student.

What the student's page shows per question comes from ``graders.report.feedback``; what the class
page shows (means, verdict shares, common mistakes, answers waiting for a person, identical
rare wrong answers, answers that match a classmate's variant) from ``graders.report.classroom``.
Question titles and item labels are the homework's in the page's language
(``Homework.names``), English where it has none.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from graders.model.questions import Homework
from graders.model.results import SubmissionResult, file_stem, to_json, write_atomic, write_json
from graders.platforms.review import platform_view
from graders.report.charts import histogram_svg
from graders.report.classroom import (
    VERDICT_ORDER,
    common_mistakes,
    graded_by_person,
    mean_of,
    median_of,
    question_ids,
    question_stats,
    score_bins,
    shared_limit,
    shared_wrong_answers,
    step_losses,
    student_rows,
    variant_reviews,
    waiting_answers,
)
from graders.report.feedback import question_views
from graders.report.i18n import DEFAULT_LANGUAGE, messages, text_direction
from graders.report.prose import markdown_html
from graders.report.spreadsheet import row as spreadsheet_row
from graders.runtime.isolation import unisolated

DEFAULT_OVERRIDES = "submissions/overrides.csv"
"""The overrides file named on the class page when the batch was given none."""

VARIANT_MATCHES = "variant_matches.json"
"""Per assignment, the students whose answers match a classmate's variant
(``graders.model.variants``), written by the pipeline before the class page, which lists them
for a person to review."""

_CELL_REFERENCE = re.compile(r"\bcell (\d+)\b")


def number(value: float) -> str:
    """A score as the pages show it: ``%g`` (4.5, 12, 0.25)."""
    return f"{value:g}"


def moment(iso: str, utc: str = "UTC") -> str:
    """An ISO timestamp as ``2026-11-23 12:43 UTC`` (or with its offset; ``utc`` is the zone's
    name in the page's language); as given if unreadable."""
    try:
        stamp = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    offset = stamp.utcoffset()
    zone = ""
    if offset is not None:
        minutes = round(offset.total_seconds() / 60)
        sign = "+" if minutes >= 0 else "-"
        hours = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        zone = f" {utc}{hours}" if minutes else f" {utc}"
    return stamp.strftime("%Y-%m-%d %H:%M") + zone


def link_cells(text: str) -> Markup:
    """``text`` escaped, with each "cell N" linked to that cell of the student's notebook."""
    parts: list[str] = []
    last = 0
    for match in _CELL_REFERENCE.finditer(text):
        parts.append(str(escape(text[last : match.start()])))
        parts.append(f'<a href="#cell-{match.group(1)}">{escape(match.group(0))}</a>')
        last = match.end()
    parts.append(str(escape(text[last:])))
    return Markup("".join(parts))


def css_string(text: object) -> Markup:
    """``text`` as a quoted CSS string, every character but letters, digits and spaces written
    as a hex escape: safe inside ``<style>`` and a ``style`` attribute, whatever it holds (a
    student id is a file name)."""
    body = "".join(
        char if char.isascii() and (char.isalnum() or char == " ") else f"\\{ord(char):x} "
        for char in str(text)
    )
    return Markup(f'"{body}"')


def student_page_name(student: str) -> str:
    """The file name of ``student``'s page, as the class page links to it."""
    return "".join(_URL_ESCAPES.get(c, c) for c in f"{file_stem(student)}.html")


_URL_ESCAPES = {c: f"%{ord(c):02X}" for c in ":#?%\\/\"'<> \t\n\r"}
"""Characters escaped in a page's link: with no ``:`` no id reads as a scheme (``javascript:``),
and none ends the path early (``#``, ``?``) or leaves the folder (``/``)."""


def environment() -> jinja2.Environment:
    """The templates' environment, with the reports' filters (the check page uses it too)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("graders.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["num"] = number
    env.filters["link_cells"] = link_cells
    env.filters["when"] = moment
    env.filters["direction"] = text_direction
    env.filters["page"] = student_page_name
    env.filters["css_string"] = css_string
    env.filters["markdown"] = markdown_html
    return env


class Reporter:
    """Writes every report file under ``out``, in the language ``lang``."""

    def __init__(
        self,
        out: Path,
        catalogue: Mapping[str, Homework],
        lang: str = DEFAULT_LANGUAGE,
        overrides_file: str = "",
    ) -> None:
        self.out = out
        self.catalogue = catalogue
        self.messages = messages(lang)
        self.overrides_file = overrides_file or DEFAULT_OVERRIDES
        self.env = environment()

    def student_dir(self, assignment: str) -> Path:
        return self.out / assignment

    def write_student(self, result: SubmissionResult, homework: Homework) -> None:
        folder = self.student_dir(result.assignment)
        shown = {q.id for q in homework.questions if q.show_result}
        stem = file_stem(result.student)
        write_json(folder / f"{stem}.json", to_json(result, shown))
        write_atomic(folder / f"{stem}.html", self.student_page(result, homework))

    def student_page(self, result: SubmissionResult, homework: Homework) -> str:
        """The student's feedback page as HTML."""
        return self.env.get_template("student.html.j2").render(
            r=result,
            homework=homework,
            t=self.messages,
            names=homework.names(self.messages.lang),
            questions=question_views(result, homework, self.messages),
            verdicts=VERDICT_ORDER,
        )

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

    def class_page(
        self, assignment: str, records: Sequence[Mapping[str, Any]], matches: Any = None
    ) -> str:
        """The class page of ``assignment`` as HTML, from the students' records and the
        variant matches (``VARIANT_MATCHES``'s content; None when there is none)."""
        homework = self.catalogue.get(assignment)
        lang = self.messages.lang
        names = homework.names(lang) if homework else None
        labels = names.items if names else {}
        variants = variant_reviews(matches, records, labels)
        shared = shared_wrong_answers(records, labels)
        questions = question_ids(records, homework)
        scores = [float(r["score"]) for r in records]
        max_score = max((float(r["max_score"]) for r in records), default=0.0)
        t = self.messages
        return self.env.get_template("assignment.html.j2").render(
            t=t,
            assignment=assignment,
            homework=homework,
            title=names.title if names else assignment,
            records=records,
            questions=questions,
            rows=student_rows(records, questions),
            stats=question_stats(records, homework, lang),
            losses=step_losses(records, labels),
            histogram=histogram_svg(
                score_bins(records), t("class.histogram", max=number(max_score))
            ),
            failed=[r for r in records if not r.get("ran")],
            mean=mean_of(scores),
            median=median_of(scores),
            max_score=max_score,
            mistakes=common_mistakes(records, t),
            waiting=waiting_answers(records, labels),
            graded=graded_by_person(records),
            overrides_file=self.overrides_file,
            shared=shared,
            shared_limit=shared_limit(len(records)),
            variants=variants,
            varies=bool(variants) or bool(homework and homework.variation),
            unisolated=sum(1 for r in records if unisolated(r.get("isolation"))),
            platform=platform_view(
                self.student_dir(assignment), records, shared, variants, self.messages.lang
            ),
        )

    def write_class_pages(self, assignments: Sequence[str]) -> None:
        read: dict[str, list[dict[str, Any]]] = {}
        for assignment in assignments:
            records = read[assignment] = self.records(assignment)
            folder = self.student_dir(assignment)
            write_atomic(folder / "grades.csv", gradebook(records, self.catalogue.get(assignment)))
            page = self.class_page(assignment, records, read_json(folder / VARIANT_MATCHES))
            write_atomic(folder / "index.html", page)
        self.write_index(read)

    def _title(self, assignment: str) -> str:
        homework = self.catalogue.get(assignment)
        return homework.names(self.messages.lang).title if homework else ""

    def write_index(self, read: Mapping[str, list[dict[str, Any]]] | None = None) -> None:
        """``<out>/index.html``; ``read``: the records of assignments already read from disk
        (by ``write_class_pages``), not read again."""
        rows = []
        read = read or {}
        for folder in sorted(p for p in self.out.glob("*") if p.is_dir()):
            records = read[folder.name] if folder.name in read else self.records(folder.name)
            if records:
                rows.append(
                    {
                        "id": folder.name,
                        "title": self._title(folder.name),
                        "count": len(records),
                        "mean": mean_of([r["score"] for r in records]),
                        "max_score": records[0]["max_score"],
                        "failed": sum(1 for r in records if not r.get("ran")),
                        "pending_students": sum(1 for r in records if r.get("pending")),
                        "pending_points": round(sum(r.get("pending") or 0 for r in records), 2),
                    }
                )
        html = self.env.get_template("index.html.j2").render(assignments=rows, t=self.messages)
        write_atomic(self.out / "index.html", html)


def read_json(path: Path) -> Any:
    """The JSON in ``path``, or None when it is absent or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def gradebook(records: Sequence[Mapping[str, Any]], homework: Homework | None) -> str:
    """One row per student, one column per question, the total, and the points of the total
    still waiting for a person (``pending``: the total is provisional while it is above 0)."""
    questions = (
        [q.id for q in homework.questions]
        if homework
        else sorted({t["question"] for r in records for t in r["tests"]})
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        spreadsheet_row(["student", *questions, "total", "pending", "max_score", "ran"])
    )
    for record in sorted(records, key=lambda r: r["student"]):
        per_q = {q: 0.0 for q in questions}
        for test in record["tests"]:
            per_q[test["question"]] = per_q.get(test["question"], 0.0) + test["score"]
        writer.writerow(
            spreadsheet_row(
                [
                    record["student"],
                    *(f"{round(per_q[q], 2):g}" for q in questions),
                    f"{record['score']:g}",
                    f"{record.get('pending') or 0:g}",
                    f"{record['max_score']:g}",
                    "yes" if record.get("ran") else "no",
                ]
            )
        )
    return buffer.getvalue()
