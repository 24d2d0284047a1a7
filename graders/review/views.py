"""What the review app's pages show, built from the results JSON and the gradebook.

In:  a ``Homework``, its students' records (``Reporter.records``) and the ``Gradebook``.
Out: ``QuestionRow`` (the start page: what waits for a person per question, and progress),
     ``ItemView`` (one item's rubric and answer groups with their grades) and
     ``StudentRow`` (one student's items, automatic verdict beside a person's grade).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graders.model.parts import TextPart
from graders.model.questions import Homework, Item, Question
from graders.review.gradebook import Grade, Gradebook, RubricItem
from graders.review.groups import Answer, Group, group_answers
from graders.review.rubric import seed_items

MANUAL = "manual"
RECHECK_ORDER = ("incorrect", "invalid", "error", "missing", "follow-through", "correct")
"""Automatic answers a person re-checks first: ``incorrect`` (no named mistake first)."""


def text_parts(homework: Homework) -> dict[str, TextPart]:
    return {
        part.item.variable: part
        for q in homework.questions
        for part in q.parts
        if isinstance(part, TextPart)
    }


def locate_item(homework: Homework, variable: str) -> tuple[Question, Item] | None:
    for question in homework.questions:
        for item in question.items:
            if item.variable == variable:
                return question, item
    return None


def tests_of(
    records: Sequence[Mapping[str, Any]], variable: str
) -> list[tuple[str, dict[str, Any]]]:
    """(student, test) of every record's test of ``variable``."""
    found = []
    for record in records:
        for test in record.get("tests", []):
            if test.get("variable") == variable:
                found.append((str(record["student"]), test))
    return found


def waits(test: Mapping[str, Any], recheck: bool) -> bool:
    """Whether this answer is one a person grades: a manual one, or any answer of an item on
    the re-check list."""
    return test.get("verdict") == MANUAL or recheck


def shown_verdict(test: Mapping[str, Any]) -> str:
    """A test's verdict as the class page counts it: ``override`` for a graded manual one."""
    verdict = str(test.get("verdict"))
    return "override" if verdict == MANUAL and test.get("override") else verdict


@dataclass(frozen=True)
class ItemRow:
    variable: str
    label: str
    answers: int
    graded: int
    recheck: bool
    shares: tuple[tuple[str, int], ...]  # verdict, how many (automatic items)
    stale: int


@dataclass(frozen=True)
class QuestionRow:
    id: str
    title: str
    items: tuple[ItemRow, ...]

    @property
    def answers(self) -> int:
        return sum(i.answers for i in self.items if i.answers)

    @property
    def graded(self) -> int:
        return sum(i.graded for i in self.items)


def question_rows(
    homework: Homework,
    records: Sequence[Mapping[str, Any]],
    book: Gradebook,
    titles: Mapping[str, str],
    labels: Mapping[str, str],
) -> list[QuestionRow]:
    grades = book.grades(homework.id)
    rechecks = book.rechecks(homework.id)
    stale = Counter(g.item for g in book.stale(homework.id))
    rows = []
    for question in homework.questions:
        items = []
        for item in question.items:
            tests = tests_of(records, item.variable)
            recheck = item.variable in rechecks
            waiting = [(s, t) for s, t in tests if waits(t, recheck)]
            shares = Counter(shown_verdict(t) for _, t in tests)
            items.append(
                ItemRow(
                    item.variable,
                    labels.get(item.variable, item.label),
                    len(waiting),
                    sum(1 for s, _ in waiting if (s, item.variable) in grades),
                    recheck,
                    tuple(sorted(shares.items(), key=lambda vc: -vc[1])),
                    stale[item.variable],
                )
            )
        rows.append(QuestionRow(question.id, titles.get(question.id, question.title), tuple(items)))
    return rows


@dataclass(frozen=True)
class GroupView:
    group: Group
    index: int
    grades: Mapping[str, Grade]  # by student, those graded
    stale: frozenset[str]

    @property
    def state(self) -> str:
        """``ungraded``, ``graded`` (every student alike), ``mixed`` or ``partial``."""
        if not self.grades:
            return "ungraded"
        if len(self.grades) < len(self.group.answers):
            return "partial"
        marks = {(g.rubric, g.adjustment, g.comment) for g in self.grades.values()}
        return "graded" if len(marks) == 1 else "mixed"

    @property
    def shown(self) -> Grade | None:
        """The grade the group's controls start from: the first student's."""
        return next(iter(self.grades.values()), None)

    def version(self, student: str) -> int:
        grade = self.grades.get(student)
        return grade.version if grade else 0


@dataclass(frozen=True)
class ItemView:
    question: Question
    item: Item
    free_text: bool
    rubric: tuple[RubricItem, ...]
    model: str
    rubric_text: str
    groups: tuple[GroupView, ...]
    recheck: bool

    @property
    def answers(self) -> int:
        return sum(len(g.group.answers) for g in self.groups)


def _recheck_rank(group: Group) -> tuple[int, int, int]:
    first = group.answers[0]
    rank = RECHECK_ORDER.index(first.verdict) if first.verdict in RECHECK_ORDER else 0
    return (rank, 1 if first.mistake else 0, -len(group.answers))


def seed_rubrics(homework: Homework, book: Gradebook, grader: str) -> None:
    """Give every written item of ``homework`` the rubric items its rubric text suggests,
    unless it has had rubric items before (``Gradebook.seed_rubric``)."""
    for variable, part in text_parts(homework).items():
        rubric = part.rubric_for(homework.params)
        book.seed_rubric(homework.id, variable, seed_items(rubric, part.item.points), grader)


def item_view(
    homework: Homework,
    records: Sequence[Mapping[str, Any]],
    book: Gradebook,
    variable: str,
) -> ItemView | None:
    found = locate_item(homework, variable)
    if found is None:
        return None
    question, item = found
    part = text_parts(homework).get(variable)
    recheck = variable in book.rechecks(homework.id)
    tests = [(s, t) for s, t in tests_of(records, variable) if waits(t, part is None)]
    answers = [
        Answer(s, str(t.get("given") or ""), str(t.get("verdict")), str(t.get("mistake") or ""))
        for s, t in tests
    ]
    groups = group_answers(answers, part is not None, book.splits(homework.id, variable))
    if part is None:
        groups.sort(key=_recheck_rank)
    grades = book.grades(homework.id, variable)
    stale = frozenset(g.student for g in book.stale(homework.id) if g.item == variable)
    views = tuple(
        GroupView(
            group,
            index,
            {s: grades[(s, variable)] for s in group.students if (s, variable) in grades},
            stale,
        )
        for index, group in enumerate(groups, start=1)
    )
    return ItemView(
        question,
        item,
        part is not None,
        tuple(book.rubric(homework.id, variable)),
        part.model_for(homework.params) if part else "",
        part.rubric_for(homework.params) if part else "",
        views,
        recheck,
    )


@dataclass(frozen=True)
class StudentRow:
    question: str
    variable: str
    label: str
    verdict: str
    mistake: str
    score: float
    max_score: float
    given: str
    grade: Grade | None
    stale: bool


def student_rows(
    record: Mapping[str, Any], book: Gradebook, labels: Mapping[str, str]
) -> list[StudentRow]:
    assignment, student = str(record["assignment"]), str(record["student"])
    grades = book.grades(assignment)
    stale = {(g.student, g.item) for g in book.stale(assignment)}
    return [
        StudentRow(
            str(t["question"]),
            str(t["variable"]),
            labels.get(str(t["variable"]), str(t.get("label", ""))),
            str(t["verdict"]),
            str(t.get("mistake") or ""),
            float(t["score"]),
            float(t["max_score"]),
            str(t.get("given") or ""),
            grades.get((student, str(t["variable"]))),
            (student, str(t["variable"])) in stale,
        )
        for t in record.get("tests", [])
    ]
