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
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from graders.report.spreadsheet import uncell

HEADER = ("assignment", "student", "item", "points", "comment")


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
