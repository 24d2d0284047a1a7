"""Classroom: what the class page says about one assignment, from the students' JSON records.

In:  the results records of one assignment (``graders.model.results.to_json``, read back from disk)
     and, where the grader knows it, the ``Homework``.
Out: plain records for the class template: each student's row, per-question means and verdict
     shares, the score histogram's bins, the most common named mistakes with who made them,
     the answers waiting for a person (with the rubric and a ready row for the overrides file),
     identical rare wrong answers shared by several students and the students whose answers
     match a classmate's variant instead of their own (``variant_matches.json``, written by the
     pipeline; both for a person to review).

Question titles and item labels are given in the page's language where the homework has them
(``Homework.names``); the records' own labels are English. Only the class page shows the
shared answers and the variant matches; the students' pages never do.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graders.model.answers import qualified_mistake
from graders.model.parts import TextDetail
from graders.model.questions import Homework
from graders.report.charts import Bin, bins_of
from graders.report.i18n import Messages
from graders.report.spreadsheet import row as spreadsheet_row

Record = Mapping[str, Any]

VERDICT_ORDER = (
    "correct",
    "follow-through",
    "manual",
    "override",
    "incorrect",
    "invalid",
    "missing",
    "error",
)
"""The order verdict shares are listed in (``override``: a person graded a ``manual`` answer),
from best to worst: a student's outcome on a question is the last of these among their answers
there (``outcome_of``)."""

SHARED_FRACTION = 0.1
"""A wrong answer is rare when at most this fraction of the class (and at least 2) gave it."""


def mean_of(values: Sequence[float]) -> float:
    return round(statistics.fmean(values), 2) if values else 0.0


def median_of(values: Sequence[float]) -> float:
    return round(statistics.median(values), 2) if values else 0.0


def _tests(record: Record) -> list[Mapping[str, Any]]:
    tests = record.get("tests")
    return [t for t in tests if isinstance(t, Mapping)] if isinstance(tests, list) else []


def question_ids(records: Sequence[Record], homework: Homework | None) -> list[str]:
    """The homework's questions in order, or those the records name, in first-seen order."""
    if homework is not None:
        return [q.id for q in homework.questions]
    return list(dict.fromkeys(str(t.get("question")) for r in records for t in _tests(r)))


def _titles(homework: Homework | None, lang: str) -> Mapping[str, str]:
    return homework.names(lang).questions if homework else {}


def verdict_of(test: Mapping[str, Any]) -> str:
    """A test's verdict, ``override`` for an answer that waited for a person and got points."""
    verdict = str(test.get("verdict"))
    return "override" if verdict == "manual" and test.get("override") else verdict


def outcome_of(tests: Sequence[Mapping[str, Any]]) -> str:
    """One student's outcome on one question: the worst verdict among their answers there
    (``VERDICT_ORDER``), so a question's shares count each student once."""
    verdicts = [verdict_of(t) for t in tests]
    known = [v for v in verdicts if v in VERDICT_ORDER]
    if len(known) < len(verdicts):
        return sorted(v for v in verdicts if v not in VERDICT_ORDER)[0]
    return max(known, key=VERDICT_ORDER.index) if known else "missing"


@dataclass(frozen=True)
class Share:
    verdict: str
    count: int
    percent: float


@dataclass(frozen=True)
class QuestionStats:
    """One question across the class."""

    id: str
    title: str
    mean: float
    max_score: float
    verdicts: Mapping[str, int]
    shares: tuple[Share, ...]
    lost: int = 0  # students who lost points here (answers waiting for a person aside)
    lost_percent: float = 0.0  # of the class


def question_stats(
    records: Sequence[Record], homework: Homework | None = None, lang: str = "en"
) -> list[QuestionStats]:
    """Per question: the mean score per student and the share of students with each outcome
    (``outcome_of``: their worst verdict there), titles in ``lang`` where the homework has
    them."""
    by_question: dict[str, list[Mapping[str, Any]]] = {
        q: [] for q in question_ids(records, homework)
    }
    for record in records:
        for test in _tests(record):
            by_question.setdefault(str(test.get("question")), []).append(
                {**test, "_student": record.get("student")}
            )
    titles = _titles(homework, lang)
    students = max(len(records), 1)
    stats = []
    for qid, tests in by_question.items():
        own: dict[str, list[Mapping[str, Any]]] = {}
        for t in tests:
            own.setdefault(str(t.get("_student")), []).append(t)
        verdicts: dict[str, int] = {}
        for answers in own.values():
            outcome = outcome_of(answers)
            verdicts[outcome] = verdicts.get(outcome, 0) + 1
        order = [v for v in VERDICT_ORDER if v in verdicts] + sorted(
            v for v in verdicts if v not in VERDICT_ORDER
        )
        total = len(own) or 1
        shares = tuple(Share(v, verdicts[v], round(100 * verdicts[v] / total, 1)) for v in order)
        stats.append(
            QuestionStats(
                qid,
                titles.get(qid, ""),
                round(sum(float(t.get("score", 0)) for t in tests) / students, 2),
                round(sum(float(t.get("max_score", 0)) for t in tests) / students, 2),
                verdicts,
                shares,
                *_losers(tests, students),
            )
        )
    return sorted(stats, key=lambda q: -q.lost_percent)  # stable: catalogue order among equals


def _lost(test: Mapping[str, Any]) -> bool:
    """Points lost on ``test``: below its maximum, and not only waiting for a person."""
    score, top = float(test.get("score", 0)), float(test.get("max_score", 0))
    return score < top - 1e-9 and not test.get("pending")


def _losers(tests: Sequence[Mapping[str, Any]], students: int) -> tuple[int, float]:
    """How many students lost points among ``tests`` (each carries its record's student as
    ``_student``), and their share of the class in percent."""
    lost = len({str(t.get("_student")) for t in tests if _lost(t)})
    return lost, round(100 * lost / students, 1)


@dataclass(frozen=True)
class StepLoss:
    """One answer (a question's item or a derivation's step) across the class."""

    question: str
    variable: str
    label: str
    lost: int
    percent: float


def step_losses(
    records: Sequence[Record], labels: Mapping[str, str], most: int = 12
) -> list[StepLoss]:
    """The answers where the largest shares of students lost points, most first (at most
    ``most``, only those where someone lost points)."""
    who: dict[tuple[str, str], set[str]] = {}
    names: dict[str, str] = {}
    for record in records:
        for test in _tests(record):
            key = (str(test.get("question")), str(test.get("variable")))
            who.setdefault(key, set())
            names.setdefault(key[1], _label(test, labels))
            if _lost(test):
                who[key].add(str(record.get("student")))
    students = max(len(records), 1)
    rows = [
        StepLoss(q, v, names[v], len(lost), round(100 * len(lost) / students, 1))
        for (q, v), lost in who.items()
        if lost
    ]
    return sorted(rows, key=lambda r: -r.lost)[:most]


@dataclass(frozen=True)
class StudentRow:
    student: str
    score: float
    max_score: float
    ran: bool
    problem: str
    per_question: tuple[float, ...]
    pending: float = 0.0  # points waiting for a person: the score is provisional


def student_rows(records: Sequence[Record], questions: Sequence[str]) -> list[StudentRow]:
    """One row per student, by student id, with the points of each question."""
    rows = []
    for record in sorted(records, key=lambda r: str(r.get("student"))):
        per_q = dict.fromkeys(questions, 0.0)
        for test in _tests(record):
            q = str(test.get("question"))
            per_q[q] = per_q.get(q, 0.0) + float(test.get("score", 0))
        rows.append(
            StudentRow(
                str(record.get("student")),
                float(record.get("score", 0)),
                float(record.get("max_score", 0)),
                bool(record.get("ran")),
                str(
                    record.get("problem")
                    or (record.get("failed_cells") and record.get("output"))
                    or ""
                ),
                tuple(round(per_q[q], 2) for q in questions),
                float(record.get("pending") or 0),
            )
        )
    return rows


def score_bins(records: Sequence[Record]) -> tuple[Bin, ...]:
    """The histogram's bins over [0, max score]."""
    scores = [float(r.get("score", 0)) for r in records]
    top = max((float(r.get("max_score", 0)) for r in records), default=0.0)
    return bins_of(scores, top)


@dataclass(frozen=True)
class MistakeRow:
    """A named mistake of one question and the students who made it."""

    question: str
    mistake: str
    text: str
    students: tuple[str, ...]
    items: int  # how many answers showed it (a student may show it in several steps)


def common_mistakes(records: Sequence[Record], messages: Messages) -> list[MistakeRow]:
    """Named mistakes, the most widespread (by students) first; a mistake is known by its
    homework too (records of two homeworks that name the same id are two rows)."""
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for record in records:
        for test in _tests(record):
            mistake = test.get("mistake")
            if not mistake:
                continue
            qualified = qualified_mistake(str(record.get("assignment")), str(mistake))
            key = (str(test.get("question")), str(mistake), qualified)
            entry = found.setdefault(
                key, {"students": set(), "items": 0, "text": "", "persian": ""}
            )
            entry["students"].add(str(record.get("student")))
            entry["items"] += 1
            entry["text"] = entry["text"] or str(test.get("mistake_text") or "")
            entry["persian"] = entry["persian"] or str(test.get("mistake_persian") or "")
    rows = [
        MistakeRow(
            question,
            mistake,
            messages.mistake(entry["text"], entry["persian"]),
            tuple(sorted(entry["students"])),
            entry["items"],
        )
        for (question, mistake, _), entry in found.items()
    ]
    return sorted(rows, key=lambda m: (-len(m.students), -m.items, m.question, m.mistake))


@dataclass(frozen=True)
class WaitingAnswer:
    """An answer that needs a person, with what they need to grade it."""

    student: str
    question: str
    variable: str
    label: str
    given: str
    rubric: str
    max_score: float
    row: str  # a line for the overrides file, points left for the person to fill in


def override_row(assignment: str, student: str, item: str) -> str:
    """``assignment,student,item,,`` quoted as CSV: the points and comment are left empty."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(
        spreadsheet_row([assignment, student, item, "", ""])
    )
    return buffer.getvalue()


def _label(test: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """An item's label: the page language's (``labels``, by variable), else the record's."""
    variable = str(test.get("variable"))
    return labels.get(variable) or str(test.get("label") or test.get("name") or variable)


def waiting_answers(
    records: Sequence[Record], labels: Mapping[str, str] | None = None
) -> list[WaitingAnswer]:
    """Answers with verdict ``manual`` that no person has graded yet (labelled by ``labels``,
    the items' labels by variable, where it has them)."""
    waiting = []
    for record in sorted(records, key=lambda r: str(r.get("student"))):
        for test in _tests(record):
            if test.get("verdict") != "manual" or test.get("override"):
                continue
            rubric = TextDetail.from_json(test.get("extra") or {}).rubric
            student, variable = str(record.get("student")), str(test.get("variable"))
            waiting.append(
                WaitingAnswer(
                    student,
                    str(test.get("question")),
                    variable,
                    _label(test, labels or {}),
                    str(test.get("given") or ""),
                    rubric or "",
                    float(test.get("max_score", 0)),
                    override_row(str(record.get("assignment")), student, variable),
                )
            )
    return waiting


def graded_by_person(records: Sequence[Record]) -> int:
    """How many answers a person's override has graded."""
    return sum(1 for r in records for t in _tests(r) if t.get("override"))


@dataclass(frozen=True)
class SharedAnswer:
    """One wrong answer, identical across several students."""

    question: str
    variable: str
    label: str
    given: str
    students: tuple[str, ...]


def shared_limit(students: int) -> int:
    """The most students a wrong answer may be shared by and still count as rare."""
    return max(2, math.ceil(SHARED_FRACTION * students))


def shared_wrong_answers(
    records: Sequence[Record], labels: Mapping[str, str] | None = None
) -> list[SharedAnswer]:
    """Identical wrong answers that are not a named mistake, given by 2..limit students.

    A named mistake is expected to recur (the same slip gives the same numbers), and an
    answer many students share is a common error rather than a rare one; both are left out.
    """
    limit = shared_limit(len(records))
    groups: dict[tuple[str, str, str], set[str]] = {}
    shown: dict[tuple[str, str, str], str] = {}
    for record in records:
        for test in _tests(record):
            given = " ".join(str(test.get("given") or "").split())
            if test.get("verdict") != "incorrect" or test.get("mistake") or not given:
                continue
            key = (str(test.get("question")), str(test.get("variable")), given)
            groups.setdefault(key, set()).add(str(record.get("student")))
            shown.setdefault(key, _label(test, labels or {}))
    shared = [
        SharedAnswer(q, v, shown[(q, v, g)], g, tuple(sorted(students)))
        for (q, v, g), students in groups.items()
        if 2 <= len(students) <= limit
    ]
    return sorted(shared, key=lambda s: (s.students, s.question, s.variable))


@dataclass(frozen=True)
class MatchedAnswer:
    """One answer of a student that equals a classmate's reference value, not their own."""

    variable: str
    label: str
    given: str


@dataclass(frozen=True)
class VariantMatch:
    """A student whose answers match another student's variant instead of their own."""

    student: str
    other: str
    answers: tuple[MatchedAnswer, ...]


def variant_reviews(
    matches: Any, records: Sequence[Record], labels: Mapping[str, str] | None = None
) -> list[VariantMatch]:
    """The pipeline's variant matches (``{"matches": [{"student", "other", "variables"}]}``,
    read back from ``variant_matches.json``) with each matched answer's label and the value
    the student gave; anything malformed is left out."""
    entries = matches.get("matches") if isinstance(matches, Mapping) else None
    given = {(str(r.get("student")), str(t.get("variable"))): t for r in records for t in _tests(r)}
    reviews = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("variables"), list):
            continue
        student, other = str(entry.get("student")), str(entry.get("other"))
        answers = []
        for variable in map(str, entry["variables"]):
            test = given.get((student, variable), {"variable": variable})
            answers.append(
                MatchedAnswer(variable, _label(test, labels or {}), str(test.get("given") or ""))
            )
        reviews.append(VariantMatch(student, other, tuple(answers)))
    return sorted(reviews, key=lambda m: (m.student, m.other))
