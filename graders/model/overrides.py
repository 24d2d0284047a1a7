"""Overrides: points a person gave, merged into every run.

In:  an overrides CSV file written by a TA (the grader only ever reads it).
Out: ``Overrides`` — a lookup by (assignment, student, item) — and the problems found in the
     file (a bad line is reported and skipped, never a crash).

The file format (UTF-8 CSV with a header row)::

    assignment,student,item,points,comment
    hw4,seed-97521252,hw4.q1,4,"Good comparison of Adam and SGD; no mention of schedules."
    hw4,ada,e2_w5,0.5,"Arithmetic checked by hand: right."

``item`` is an answer variable, or a question id when that question has a single answer.
``points`` replaces what the checks gave that item (it is clamped to the item's maximum), and
``comment`` is shown in the student's page. The last line for the same item wins.

Which file a batch reads (``locate``): ``--overrides``, else ``overrides`` under
``[tool.grader]``, else the nearest ``overrides.csv`` in the graded folder or the folders above
it up to the submissions root (two levels: a student's folder, then its assignment's, then the
root), never past a folder that holds the course's ``pyproject.toml`` or ``.git``. So
``grade.py submissions/hw4`` applies ``submissions/overrides.csv`` as ``grade.py submissions/``
does. ``unmatched`` names the rows of a batch's assignments that match none of its students or
none of the homework's items.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from graders.report.spreadsheet import uncell

HEADER = ("assignment", "student", "item", "points", "comment")

FILE_NAME = "overrides.csv"
LEVELS_UP = 2  # student folder -> assignment folder -> submissions root
PROJECT_MARKERS = ("pyproject.toml", ".git")  # a folder above the submissions, not one of them


@dataclass(frozen=True)
class Override:
    """Points a person gave one item of one student's submission, and why."""

    assignment: str
    student: str
    item: str
    points: float
    comment: str = ""
    line: int = 0


@dataclass(frozen=True)
class Overrides:
    """Every override of a file, and the lines that could not be used."""

    by_key: Mapping[tuple[str, str, str], Override] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    source: str = ""

    def find(self, assignment: str, student: str, *items: str) -> Override | None:
        """The override of the first of ``items`` (variable, then question id) that has one."""
        for item in items:
            found = self.by_key.get((assignment, student, item))
            if found is not None:
                return found
        return None

    def for_assignment(self, assignment: str) -> list[Override]:
        return [o for (a, _, _), o in self.by_key.items() if a == assignment]


def read_overrides(path: Path) -> Overrides:
    """Read ``path``; a missing file means no overrides."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return Overrides(source=str(path))
    except (OSError, UnicodeDecodeError) as exc:
        return Overrides(problems=(f"{path}: cannot be read ({exc})",), source=str(path))
    return parse_overrides(text, str(path))


def parse_overrides(text: str, source: str = "overrides") -> Overrides:
    """Parse the CSV text of an overrides file."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return Overrides(source=source)
    header = tuple(cell.strip().lower() for cell in rows[0])
    if header[:4] != HEADER[:4]:
        return Overrides(
            problems=(f"{source}: the first line must be {','.join(HEADER)}",), source=source
        )
    found: dict[tuple[str, str, str], Override] = {}
    problems: list[str] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        override = _row(row, number)
        if isinstance(override, str):
            problems.append(f"{source} line {number}: {override}")
            continue
        found[(override.assignment, override.student, override.item)] = override
    return Overrides(found, tuple(problems), source)


def _row(row: list[str], number: int) -> Override | str:
    cells = [uncell(cell.strip()) for cell in row] + [""] * (len(HEADER) - len(row))
    assignment, student, item, points_text, comment = cells[:5]
    if not (assignment and student and item):
        return "assignment, student and item are all needed"
    try:
        points = float(points_text)
    except ValueError:
        return f"points {points_text!r} is not a number"
    if not math.isfinite(points) or points < 0:
        return f"points {points_text!r} must be a number of at least 0"
    return Override(assignment, student, item, points, comment, number)


def candidates(graded: Path) -> list[Path]:
    """Where a batch of ``graded`` (a folder or a notebook) looks for ``overrides.csv``,
    nearest first: its folder and up to ``LEVELS_UP`` folders above, stopping before a folder
    that holds the course's project (``PROJECT_MARKERS``)."""
    folder = graded if graded.is_dir() else graded.parent
    folder = Path(folder.resolve())
    found = [folder / FILE_NAME]
    for parent in list(folder.parents)[:LEVELS_UP]:
        if any((parent / marker).exists() for marker in PROJECT_MARKERS):
            break
        found.append(parent / FILE_NAME)
    return found


def locate(graded: Path, given: Path | None = None) -> Path | None:
    """The overrides file of a batch of ``graded``: ``given`` (the flag or the configuration)
    when set, else the nearest of ``candidates``, else None."""
    if given is not None:
        return given
    return next((path for path in candidates(graded) if path.is_file()), None)


def shown_path(path: Path) -> str:
    """``path`` relative to the current folder where it lies under it, else as it is."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def unmatched(
    overrides: Overrides,
    students: Mapping[str, Collection[str]],
    items: Mapping[str, Collection[str]],
) -> list[str]:
    """The rows of the batch's assignments (the keys of ``students``, each with the students
    graded) that match no graded student, or no item of that homework (``items``: answer
    variables and the ids of single-answer questions), each with what it names."""
    problems = []
    for (assignment, student, item), row in sorted(
        overrides.by_key.items(), key=lambda kv: kv[1].line
    ):
        if assignment not in students:
            continue
        where = f"{overrides.source} line {row.line}"
        if student not in students[assignment]:
            problems.append(f"{where}: no student {student!r} was graded in {assignment}")
        elif item not in items.get(assignment, ()):
            problems.append(f"{where}: {assignment} has no item {item!r}")
    return problems
