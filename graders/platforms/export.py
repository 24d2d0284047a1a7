"""Export: the grade import file each platform documents, from a batch's results folder.

In:  one assignment's report folder (the students' JSON records, which hold every score with
     the person's grades of the overrides file already applied and the late penalty taken, and
     the ``intake.json`` ledger naming each student's platform id, name and email), and the
     ``Roster`` for the ids a platform needs that the hand-ins did not carry (Canvas's).
Out: CSV text, every cell passed through ``graders.report.spreadsheet.cell`` (no formula):

- ``moodle``: the assignment's offline grading worksheet ("Upload grading worksheet", with
  the "Offline grading worksheet" feedback type on): ``Identifier`` (``Participant 12345``),
  ``Full name``, ``Email address``, ``Status``, ``Grade``, ``Maximum Grade``,
  ``Grade can be changed``, ``Last modified (submission)``, ``Last modified (grade)``,
  ``Feedback comments``.
- ``canvas``: the gradebook import: ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``,
  ``Section`` and the assignment's column (``Name (id)`` as Canvas's export names it), after a
  ``Points Possible`` row. Canvas imports no comments from this file; the page's file name is
  not in it either.
- ``gradescope-csv``: the columns of Gradescope's assignment score export: ``First Name``,
  ``Last Name``, ``SID``, ``Email``, ``Total Score``, ``Max Points``, ``Status``,
  ``Submission Time``, ``Lateness (H:M:S)``, and the feedback in ``Comments``.

The feedback comment says the score, what the notebook did, each item that lost points with
its feedback's first line, and the file name of the student's page.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from graders.model.results import file_stem
from graders.platforms.intake import LEDGER
from graders.platforms.roster import Member, Roster
from graders.report.spreadsheet import row as spreadsheet_row

MOODLE_COLUMNS = (
    "Identifier",
    "Full name",
    "Email address",
    "Status",
    "Grade",
    "Maximum Grade",
    "Grade can be changed",
    "Last modified (submission)",
    "Last modified (grade)",
    "Feedback comments",
)
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
GRADESCOPE_COLUMNS = (
    "First Name",
    "Last Name",
    "SID",
    "Email",
    "Total Score",
    "Max Points",
    "Status",
    "Submission Time",
    "Lateness (H:M:S)",
    "Comments",
)
MAX_COMMENT = 2_000  # characters of one feedback comment


def records(folder: Path, assignment: str) -> list[dict[str, Any]]:
    """The students' records of ``assignment`` in ``folder``, by student."""
    found = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("assignment") == assignment and "tests" in data:
            found.append(data)
    return sorted(found, key=lambda r: str(r.get("student")))


def ledger(folder: Path) -> Mapping[str, Any]:
    try:
        data = json.loads((folder / LEDGER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def comment(record: Mapping[str, Any]) -> str:
    """The student's feedback comment (module docstring). Past ``MAX_COMMENT`` characters the
    list of items is cut, never the score, the late note or the page's file name."""
    head = [f"Score {_num(record.get('score'))} / {_num(record.get('max_score'))}."]
    if record.get("pending"):
        head.append(f"{_num(record['pending'])} points are waiting for a person.")
    head.append(str(record.get("output") or ""))
    items = []
    for test in record.get("tests") or []:
        if not isinstance(test, Mapping) or test.get("score") == test.get("max_score"):
            continue
        first = str(test.get("output") or "").strip().splitlines()
        items.append(
            f"- {test.get('name')}: {_num(test.get('score'))}/{_num(test.get('max_score'))}"
            + (f": {first[0]}" if first else "")
        )
    tail = [str(note) for note in record.get("notes") or [] if str(note).startswith("Late: ")]
    tail.append(f"Full report: {file_stem(str(record.get('student')))}.html")
    return _fit([line for line in head if line], items, tail)


def _fit(head: Sequence[str], items: Sequence[str], tail: Sequence[str]) -> str:
    """``head``, as many of ``items`` as fit in ``MAX_COMMENT`` with a line saying how many
    more the page has, then ``tail``."""
    text = "\n".join([*head, *items, *tail])
    if len(text) <= MAX_COMMENT:
        return text
    kept = list(items)
    while kept:
        kept.pop()
        more = f"- … {len(items) - len(kept)} more on the full report"
        text = "\n".join([*head, *kept, more, *tail])
        if len(text) <= MAX_COMMENT:
            return text
    ending = "\n".join(tail)
    room = max(MAX_COMMENT - len(ending) - 1, 1)
    start = "\n".join(head)
    return (start if len(start) <= room else start[: room - 1] + "…") + "\n" + ending


def _num(value: Any) -> str:
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return ""


def _who(student: str, book: Mapping[str, Any], roster: Roster) -> dict[str, str]:
    """What is known of ``student``: the ledger's entry, filled in from the roster."""
    entry = dict((book.get("students") or {}).get(student) or {})
    member = roster.by_id(student) or Member(student)
    return {
        "platform_id": str(entry.get("platform_id") or member.alias("moodle") or ""),
        "name": str(entry.get("name") or member.name or student),
        "email": str(entry.get("email") or member.email or ""),
        "submitted": str(entry.get("submitted") or ""),
        "layout": str(book.get("layout") or ""),
    }


def _missing(book: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [m for m in book.get("missing") or [] if isinstance(m, Mapping)]


def _moodle_time(iso: str) -> str:
    """Moodle's worksheet time format ("Monday, 30 November 2026, 12:00 PM"), or ""."""
    try:
        return datetime.fromisoformat(iso).strftime("%A, %d %B %Y, %I:%M %p")
    except ValueError:
        return ""


def moodle(rows: Sequence[Mapping[str, Any]], book: Mapping[str, Any], roster: Roster) -> str:
    out = _Sheet(MOODLE_COLUMNS)
    for record in rows:
        who = _who(str(record["student"]), book, roster)
        pid = who["platform_id"] if who["platform_id"].isdigit() else ""
        member = roster.by_id(str(record["student"]))
        pid = pid or (member.alias("moodle") if member else "")
        out.row(
            f"Participant {pid}" if pid else str(record["student"]),
            who["name"],
            who["email"],
            "Submitted for grading",
            _num(record.get("score")),
            _num(record.get("max_score")),
            "Yes",
            _moodle_time(who["submitted"]),
            _moodle_time(str(record.get("graded_at") or "")),
            comment(record),
        )
    for absent in _missing(book):
        member = roster.by_id(str(absent.get("student")))
        pid = member.alias("moodle") if member else ""
        out.row(
            f"Participant {pid}" if pid else str(absent.get("student")),
            str(absent.get("name") or ""),
            member.email if member else "",
            "No submission",
            "",
            "",
            "Yes",
            "",
            "",
            "",
        )
    return out.text


def canvas(
    rows: Sequence[Mapping[str, Any]],
    book: Mapping[str, Any],
    roster: Roster,
    column: str,
) -> str:
    out = _Sheet((*CANVAS_COLUMNS, column))
    max_score = max((float(r.get("max_score") or 0) for r in rows), default=0.0)
    out.row("Points Possible", "", "", "", "", f"{max_score:g}")
    students = [(str(r["student"]), _num(r.get("score"))) for r in rows]
    students += [(str(m.get("student")), "") for m in _missing(book)]
    for student, score in students:
        member = roster.by_id(student) or Member(student)
        name = member.name or _who(student, book, roster)["name"]
        out.row(
            name,
            member.alias("canvas_id", "canvas"),
            member.alias("sis_user_id", "sis_id") or member.id,
            member.alias("sis_login_id", "sis_login", "login") or member.email,
            member.alias("section"),
            score,
        )
    return out.text


def _split(name: str) -> tuple[str, str]:
    parts = name.split()
    return (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else (name, "")


def _lateness(record: Mapping[str, Any], book: Mapping[str, Any]) -> str:
    policy = book.get("late_policy") or {}
    try:
        deadline = datetime.fromisoformat(str(policy.get("deadline")))
        submitted = datetime.fromisoformat(str(record.get("submitted")))
    except (TypeError, ValueError):
        return "0:00:00"
    seconds = max(0, int((submitted - deadline).total_seconds()))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def gradescope(rows: Sequence[Mapping[str, Any]], book: Mapping[str, Any], roster: Roster) -> str:
    out = _Sheet(GRADESCOPE_COLUMNS)
    for record in rows:
        student = str(record["student"])
        who = _who(student, book, roster)
        member = roster.by_id(student)
        first, last = _split(who["name"])
        sid = (member.alias("gradescope", "sid") if member else "") or (
            who["platform_id"] if who["layout"] == "gradescope" else student
        )
        out.row(
            first,
            last,
            sid,
            who["email"],
            _num(record.get("score")),
            _num(record.get("max_score")),
            "Graded",
            who["submitted"],
            _lateness(record, book),
            comment(record),
        )
    for absent in _missing(book):
        member = roster.by_id(str(absent.get("student"))) or Member(str(absent.get("student")))
        first, last = _split(member.name)
        sid = member.alias("gradescope", "sid") or member.id
        out.row(first, last, sid, member.email, "", "", "Missing", "", "", "")
    return out.text


class _Sheet:
    """A CSV file being written, each cell neutralised against formulas."""

    def __init__(self, header: Sequence[str]) -> None:
        self.buffer = io.StringIO()
        self.csv = csv.writer(self.buffer, lineterminator="\r\n")
        self.csv.writerow(spreadsheet_row(header))

    def row(self, *values: object) -> None:
        self.csv.writerow(spreadsheet_row(values))

    @property
    def text(self) -> str:
        return self.buffer.getvalue()


def export(
    platform: str, folder: Path, assignment: str, roster: Roster, column: str | None = None
) -> str:
    """The import file of ``platform`` (``moodle``, ``canvas``, ``gradescope-csv``)."""
    rows = records(folder, assignment)
    book = ledger(folder)
    if platform == "moodle":
        return moodle(rows, book, roster)
    if platform == "canvas":
        return canvas(rows, book, roster, column or assignment)
    if platform == "gradescope-csv":
        return gradescope(rows, book, roster)
    raise ValueError(f"unknown platform {platform!r}")
