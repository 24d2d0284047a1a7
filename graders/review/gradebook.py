"""Gradebook: every grade a person gave, in an SQLite file in the results folder.

In:  the results folder of a batch (``<out>/gradebook.sqlite``), the grades a TA saves in the
     review app, the overrides CSV (imported once, on the review app's first start).
Out: ``Grade`` and ``RubricItem`` records; ``Gradebook.overrides`` — the grades as
     ``Overrides``, which the pipeline merges over the CSV's (``with_person_grades``), so a
     later ``grade.py submissions/`` keeps every person's grade; ``export_rows`` for
     ``grade.py overrides export``.

Every change is also a row of ``changes`` (time, grader, what, and the grade's new content):
nothing a person entered is lost, and the history says who changed what. A grade carries a
``version``: a save names the version it was made from, and a save from a stale version is a
``Conflict`` returned to the person, never a silent overwrite. A grade also keeps the hash of
the notebook it was given to; when a later batch notes a different notebook for that student
(``note_batch``), the grade is ``stale``: kept, and marked for re-review.

Writes use ``BEGIN IMMEDIATE`` transactions in WAL mode with ``synchronous=FULL``: a save that
returned is on disk, whatever happens to the process after it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graders.model.overrides import Override, Overrides

FILE_NAME = "gradebook.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    assignment TEXT NOT NULL, student TEXT NOT NULL, path TEXT NOT NULL,
    notebook_hash TEXT NOT NULL, noted_at TEXT NOT NULL,
    PRIMARY KEY (assignment, student));
CREATE TABLE IF NOT EXISTS rubric_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT, assignment TEXT NOT NULL, item TEXT NOT NULL,
    position INTEGER NOT NULL, points REAL NOT NULL, text TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS grades (
    assignment TEXT NOT NULL, student TEXT NOT NULL, item TEXT NOT NULL,
    points REAL NOT NULL, max_points REAL NOT NULL, rubric TEXT NOT NULL,
    adjustment REAL NOT NULL, comment TEXT NOT NULL, version INTEGER NOT NULL,
    notebook_hash TEXT NOT NULL, grader TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (assignment, student, item));
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, grader TEXT NOT NULL,
    action TEXT NOT NULL, assignment TEXT NOT NULL, student TEXT NOT NULL,
    item TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS splits (
    assignment TEXT NOT NULL, item TEXT NOT NULL, student TEXT NOT NULL,
    PRIMARY KEY (assignment, item, student));
CREATE TABLE IF NOT EXISTS rechecks (
    assignment TEXT NOT NULL, item TEXT NOT NULL, PRIMARY KEY (assignment, item));
"""

IMPORTED = "overrides_imported"  # meta: the overrides file imported on first start
OVERRIDES_SOURCE = "overrides_source"  # meta: the overrides file the last batch read
BATCH_SETTINGS = "batch_settings"  # meta: the last batch's report language and time limits


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def notebook_hash(notebook: Any) -> str:
    """A digest of a notebook's content (its JSON, keys sorted); "" for none."""
    if notebook is None:
        return ""
    text = json.dumps(notebook, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class RubricItem:
    """One rubric item of one answer item: points added (or, below 0, deducted) and the text
    the student sees."""

    id: int
    assignment: str
    item: str
    position: int
    points: float
    text: str


@dataclass(frozen=True)
class Grade:
    """A person's grade of one item of one student: rubric items plus an adjustment, the
    points they make (clamped to 0..``max_points``), and a comment."""

    assignment: str
    student: str
    item: str
    points: float
    max_points: float
    rubric: tuple[int, ...]
    adjustment: float
    comment: str
    version: int
    notebook_hash: str
    grader: str
    at: str

    def student_comment(self, items: Mapping[int, RubricItem]) -> str:
        """What the student reads: each chosen rubric item with its points, then the comment."""
        parts = [
            f"{'+' if items[i].points >= 0 else '−'}{abs(items[i].points):g} {items[i].text}"
            for i in self.rubric
            if i in items
        ]
        if self.adjustment and parts:  # with no rubric item, the adjustment is the points
            parts.append(f"{'+' if self.adjustment > 0 else '−'}{abs(self.adjustment):g}")
        if self.comment:
            parts.append(self.comment)
        return "; ".join(parts)


@dataclass(frozen=True)
class Conflict:
    """A save made from ``expected`` while the grade had moved on to ``current``."""

    student: str
    item: str
    expected: int
    current: Grade | None


@dataclass(frozen=True)
class Saved:
    """What one save did: the grades written, and the conflicts left for the person."""

    grades: tuple[Grade, ...]
    conflicts: tuple[Conflict, ...]


@dataclass(frozen=True)
class Mark:
    """What a person chose for one item: rubric item ids, an adjustment, a comment."""

    rubric: tuple[int, ...] = ()
    adjustment: float = 0.0
    comment: str = ""


def points_of(mark: Mark, items: Mapping[int, RubricItem], max_points: float) -> float:
    """The points of ``mark``: its rubric items' points plus the adjustment, in 0..max."""
    total = sum(items[i].points for i in mark.rubric if i in items) + mark.adjustment
    return round(min(max(total, 0.0), max_points), 2)


def _grade(row: sqlite3.Row) -> Grade:
    return Grade(
        row["assignment"],
        row["student"],
        row["item"],
        float(row["points"]),
        float(row["max_points"]),
        tuple(int(i) for i in json.loads(row["rubric"])),
        float(row["adjustment"]),
        row["comment"],
        int(row["version"]),
        row["notebook_hash"],
        row["grader"],
        row["at"],
    )


def _rubric_item(row: sqlite3.Row) -> RubricItem:
    return RubricItem(
        int(row["id"]),
        row["assignment"],
        row["item"],
        int(row["position"]),
        float(row["points"]),
        row["text"],
    )


class Gradebook:
    """The gradebook file of one results folder. Each call opens its own connection, so one
    ``Gradebook`` serves every thread of the app."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def of(cls, out: Path) -> Gradebook:
        """The gradebook of the results folder ``out``, made (empty) if it is absent."""
        book = cls(out / FILE_NAME)
        out.mkdir(parents=True, exist_ok=True)
        with book._connect() as db:
            db.executescript(SCHEMA)
        return book

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30.0, isolation_level=None)) as db:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            yield db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # --- meta ---------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # --- submissions --------------------------------------------------------------------

    def note_submissions(self, rows: Iterable[tuple[str, str, str, str]]) -> None:
        """Record (assignment, student, path, notebook hash) of each submission graded."""
        at = now()
        with self._write() as db:
            db.executemany(
                "INSERT OR REPLACE INTO submissions VALUES (?, ?, ?, ?, ?)",
                [(*row, at) for row in rows],
            )

    def submission(self, assignment: str, student: str) -> tuple[str, str] | None:
        """(path, notebook hash) of the student's last graded submission, or None."""
        with self._connect() as db:
            row = db.execute(
                "SELECT path, notebook_hash FROM submissions WHERE assignment = ? AND student = ?",
                (assignment, student),
            ).fetchone()
        return None if row is None else (row["path"], row["notebook_hash"])

    def stale(self, assignment: str | None = None) -> list[Grade]:
        """Grades given to a notebook that has changed since: kept, and to be re-reviewed."""
        query = (
            "SELECT g.* FROM grades g JOIN submissions s USING (assignment, student) "
            "WHERE g.notebook_hash != '' AND s.notebook_hash != g.notebook_hash"
        )
        args: tuple[str, ...] = ()
        if assignment is not None:
            query += " AND g.assignment = ?"
            args = (assignment,)
        with self._connect() as db:
            return [_grade(r) for r in db.execute(query, args)]

    # --- rubric -------------------------------------------------------------------------

    def rubric(self, assignment: str, item: str) -> list[RubricItem]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM rubric_items WHERE assignment = ? AND item = ? AND active = 1 "
                "ORDER BY position, id",
                (assignment, item),
            ).fetchall()
        return [_rubric_item(r) for r in rows]

    def rubric_by_id(self, assignment: str) -> dict[int, RubricItem]:
        """Every rubric item of ``assignment`` ever made (a grade keeps naming removed ones)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM rubric_items WHERE assignment = ?", (assignment,)
            ).fetchall()
        return {int(r["id"]): _rubric_item(r) for r in rows}

    def seed_rubric(
        self, assignment: str, item: str, seeds: Sequence[tuple[float, str]], grader: str
    ) -> None:
        """Give ``item`` the rubric items ``seeds`` (points, text) unless it has had some."""
        with self._write() as db:
            known = db.execute(
                "SELECT 1 FROM rubric_items WHERE assignment = ? AND item = ? LIMIT 1",
                (assignment, item),
            ).fetchone()
            if known is not None:
                return
            for position, (points, text) in enumerate(seeds):
                db.execute(
                    "INSERT INTO rubric_items (assignment, item, position, points, text) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (assignment, item, position, points, text),
                )
            _change(db, grader, "seed rubric", assignment, "", item, {"items": list(seeds)})

    def add_rubric_item(
        self, assignment: str, item: str, points: float, text: str, grader: str
    ) -> RubricItem:
        with self._write() as db:
            position = db.execute(
                "SELECT COALESCE(MAX(position), -1) + 1 FROM rubric_items "
                "WHERE assignment = ? AND item = ?",
                (assignment, item),
            ).fetchone()[0]
            cursor = db.execute(
                "INSERT INTO rubric_items (assignment, item, position, points, text) "
                "VALUES (?, ?, ?, ?, ?)",
                (assignment, item, position, points, text),
            )
            new_id = int(cursor.lastrowid or 0)
            _change(db, grader, "add rubric item", assignment, "", item, {"id": new_id})
        return RubricItem(new_id, assignment, item, int(position), points, text)

    def edit_rubric_item(
        self, assignment: str, item_id: int, points: float, text: str, grader: str
    ) -> list[Grade]:
        """Change a rubric item; every grade that has it is scored again (and returned)."""
        with self._write() as db:
            row = db.execute(
                "SELECT * FROM rubric_items WHERE id = ? AND assignment = ?", (item_id, assignment)
            ).fetchone()
            if row is None:
                raise KeyError(item_id)
            db.execute(
                "UPDATE rubric_items SET points = ?, text = ? WHERE id = ?",
                (points, text, item_id),
            )
            detail = {"id": item_id, "points": points, "text": text, "was": float(row["points"])}
            _change(db, grader, "edit rubric item", assignment, "", row["item"], detail)
            return _rescore(db, assignment, row["item"], item_id, grader)

    def remove_rubric_item(self, assignment: str, item_id: int, grader: str) -> list[Grade]:
        """Retire a rubric item: no longer offered, and no longer counted in any grade."""
        with self._write() as db:
            row = db.execute(
                "SELECT * FROM rubric_items WHERE id = ? AND assignment = ?", (item_id, assignment)
            ).fetchone()
            if row is None:
                raise KeyError(item_id)
            db.execute("UPDATE rubric_items SET active = 0 WHERE id = ?", (item_id,))
            _change(db, grader, "remove rubric item", assignment, "", row["item"], {"id": item_id})
            return _rescore(db, assignment, row["item"], item_id, grader)

    # --- grades -------------------------------------------------------------------------

    def grades(self, assignment: str, item: str | None = None) -> dict[tuple[str, str], Grade]:
        """The grades of ``assignment`` (of one item when given), by (student, item)."""
        query = "SELECT * FROM grades WHERE assignment = ?"
        args: tuple[str, ...] = (assignment,)
        if item is not None:
            query, args = query + " AND item = ?", (assignment, item)
        with self._connect() as db:
            return {(r["student"], r["item"]): _grade(r) for r in db.execute(query, args)}

    def save(
        self,
        assignment: str,
        item: str,
        students: Mapping[str, int],
        mark: Mark,
        max_points: float,
        grader: str,
    ) -> Saved:
        """Give ``mark`` to ``item`` of each of ``students`` (student -> the version the person
        saw, 0 for ungraded). A student whose grade is at another version is left as it is and
        returned as a ``Conflict``."""
        saved: list[Grade] = []
        conflicts: list[Conflict] = []
        with self._write() as db:
            items = {
                int(r["id"]): _rubric_item(r)
                for r in db.execute(
                    "SELECT * FROM rubric_items WHERE assignment = ? AND item = ?",
                    (assignment, item),
                )
            }
            points = points_of(mark, items, max_points)
            for student, expected in students.items():
                row = db.execute(
                    "SELECT * FROM grades WHERE assignment = ? AND student = ? AND item = ?",
                    (assignment, student, item),
                ).fetchone()
                current = None if row is None else _grade(row)
                if (current.version if current else 0) != expected:
                    conflicts.append(Conflict(student, item, expected, current))
                    continue
                grade = Grade(
                    assignment,
                    student,
                    item,
                    points,
                    max_points,
                    tuple(mark.rubric),
                    mark.adjustment,
                    mark.comment,
                    expected + 1,
                    _hash_of(db, assignment, student),
                    grader,
                    now(),
                )
                _put(db, grade)
                saved.append(grade)
        return Saved(tuple(saved), tuple(conflicts))

    def clear(self, assignment: str, item: str, student: str, expected: int, grader: str) -> bool:
        """Remove a grade (the answer waits for a person again); False on a stale version."""
        with self._write() as db:
            row = db.execute(
                "SELECT version FROM grades WHERE assignment = ? AND student = ? AND item = ?",
                (assignment, student, item),
            ).fetchone()
            if row is None or int(row["version"]) != expected:
                return False
            db.execute(
                "DELETE FROM grades WHERE assignment = ? AND student = ? AND item = ?",
                (assignment, student, item),
            )
            _change(db, grader, "clear", assignment, student, item, {"version": expected})
        return True

    def history(self, assignment: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT * FROM changes"
        args: tuple[str, ...] = ()
        if assignment is not None:
            query, args = query + " WHERE assignment = ?", (assignment,)
        with self._connect() as db:
            return [dict(r) for r in db.execute(query + " ORDER BY id", args)]

    # --- splits and re-checks -----------------------------------------------------------

    def split(self, assignment: str, item: str, student: str, grader: str) -> None:
        """Take ``student`` out of their answer group for ``item``: graded on their own."""
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO splits VALUES (?, ?, ?)", (assignment, item, student))
            _change(db, grader, "split", assignment, student, item, {})

    def splits(self, assignment: str, item: str) -> set[str]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT student FROM splits WHERE assignment = ? AND item = ?", (assignment, item)
            ).fetchall()
        return {r["student"] for r in rows}

    def set_recheck(self, assignment: str, item: str, on: bool, grader: str) -> None:
        """Whether the automatic verdicts of ``item`` wait for a person to re-check them."""
        with self._write() as db:
            if on:
                db.execute("INSERT OR IGNORE INTO rechecks VALUES (?, ?)", (assignment, item))
            else:
                db.execute(
                    "DELETE FROM rechecks WHERE assignment = ? AND item = ?", (assignment, item)
                )
            _change(db, grader, "recheck" if on else "no recheck", assignment, "", item, {})

    def rechecks(self, assignment: str) -> set[str]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT item FROM rechecks WHERE assignment = ?", (assignment,)
            ).fetchall()
        return {r["item"] for r in rows}

    # --- overrides ----------------------------------------------------------------------

    def import_overrides(self, overrides: Overrides, names: Mapping[str, str], grader: str) -> int:
        """Import the rows of an overrides file once (the first start); ``names`` turns a
        question id that names a single-item question into its variable. Returns how many
        rows became grades (0 when a file was imported before)."""
        count = 0
        with self._write() as db:
            if db.execute("SELECT 1 FROM meta WHERE key = ?", (IMPORTED,)).fetchone():
                return 0
            for (assignment, student, item), row in sorted(
                overrides.by_key.items(), key=lambda kv: kv[1].line
            ):
                variable = names.get(f"{assignment}/{item}", item)
                grade = Grade(
                    assignment,
                    student,
                    variable,
                    row.points,
                    row.points,  # clamped to the item's maximum when it is scored
                    (),
                    row.points,
                    row.comment,
                    1,
                    _hash_of(db, assignment, student),
                    f"{grader} (imported from {overrides.source or 'the overrides file'})",
                    now(),
                )
                if db.execute(
                    "SELECT 1 FROM grades WHERE assignment = ? AND student = ? AND item = ?",
                    (assignment, student, variable),
                ).fetchone():
                    continue
                _put(db, grade, action="import")
                count += 1
            db.execute(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)", (IMPORTED, overrides.source or "-")
            )
        return count

    def overrides(self, source: str = "") -> Overrides:
        """Every grade as an ``Override`` of its item (the comment names the rubric items)."""
        with self._connect() as db:
            rows = [_grade(r) for r in db.execute("SELECT * FROM grades")]
            items = {
                int(r["id"]): _rubric_item(r) for r in db.execute("SELECT * FROM rubric_items")
            }
        found = {
            (g.assignment, g.student, g.item): Override(
                g.assignment, g.student, g.item, g.points, g.student_comment(items)
            )
            for g in rows
        }
        return Overrides(found, (), source or str(self.path))

    def export_rows(self) -> list[tuple[str, str, str, str, str]]:
        """The grades as rows of an overrides file (``graders.model.overrides.HEADER``)."""
        overrides = self.overrides()
        return [
            (o.assignment, o.student, o.item, f"{o.points:g}", o.comment)
            for _, o in sorted(overrides.by_key.items())
        ]


def _hash_of(db: sqlite3.Connection, assignment: str, student: str) -> str:
    row = db.execute(
        "SELECT notebook_hash FROM submissions WHERE assignment = ? AND student = ?",
        (assignment, student),
    ).fetchone()
    return "" if row is None else str(row["notebook_hash"])


def _put(db: sqlite3.Connection, grade: Grade, action: str = "grade") -> None:
    db.execute(
        "INSERT OR REPLACE INTO grades VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            grade.assignment,
            grade.student,
            grade.item,
            grade.points,
            grade.max_points,
            json.dumps(list(grade.rubric)),
            grade.adjustment,
            grade.comment,
            grade.version,
            grade.notebook_hash,
            grade.grader,
            grade.at,
        ),
    )
    detail = {
        "points": grade.points,
        "rubric": list(grade.rubric),
        "adjustment": grade.adjustment,
        "comment": grade.comment,
        "version": grade.version,
    }
    _change(db, grade.grader, action, grade.assignment, grade.student, grade.item, detail)


def _change(
    db: sqlite3.Connection,
    grader: str,
    action: str,
    assignment: str,
    student: str,
    item: str,
    detail: Mapping[str, Any],
) -> None:
    db.execute(
        "INSERT INTO changes (at, grader, action, assignment, student, item, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (now(), grader, action, assignment, student, item, json.dumps(detail, ensure_ascii=False)),
    )


def _rescore(
    db: sqlite3.Connection, assignment: str, item: str, item_id: int, grader: str
) -> list[Grade]:
    """Score again every grade of ``item`` that has rubric item ``item_id``."""
    items = {
        int(r["id"]): _rubric_item(r)
        for r in db.execute(
            "SELECT * FROM rubric_items WHERE assignment = ? AND item = ? AND active = 1",
            (assignment, item),
        )
    }
    changed = []
    for row in db.execute(
        "SELECT * FROM grades WHERE assignment = ? AND item = ?", (assignment, item)
    ).fetchall():
        grade = _grade(row)
        if item_id not in grade.rubric:
            continue
        mark = Mark(tuple(i for i in grade.rubric if i in items), grade.adjustment, grade.comment)
        points = points_of(mark, items, grade.max_points)
        new = Grade(
            grade.assignment,
            grade.student,
            grade.item,
            points,
            grade.max_points,
            mark.rubric,
            grade.adjustment,
            grade.comment,
            grade.version + 1,
            grade.notebook_hash,
            grade.grader,
            now(),
        )
        _put(db, new, action=f"rescore ({grader})")
        changed.append(new)
    return changed


def person_grades(out: Path) -> Overrides:
    """The grades of ``out``'s gradebook as overrides; none when it has no gradebook."""
    path = out / FILE_NAME
    if not path.is_file():
        return Overrides()
    return Gradebook(path).overrides()


def with_person_grades(overrides: Overrides, out: Path) -> Overrides:
    """``overrides`` (the CSV's) with the gradebook's grades over them: a person's grade in
    the review app wins over an older row of the file."""
    grades = person_grades(out)
    if not grades.by_key:
        return overrides
    merged = {**overrides.by_key, **grades.by_key}
    return Overrides(merged, overrides.problems, overrides.source)


def note_batch(
    out: Path, noted: Sequence[tuple[str, str, str, Any]], settings: Mapping[str, Any]
) -> int:
    """Record each graded submission (assignment, student, path, notebook) and the batch's
    settings in ``out``'s gradebook; returns how many grades are now stale."""
    book = Gradebook.of(out)
    book.note_submissions((a, s, p, notebook_hash(nb)) for a, s, p, nb in noted)
    book.set_meta(BATCH_SETTINGS, json.dumps(dict(settings), ensure_ascii=False))
    return len(book.stale())
