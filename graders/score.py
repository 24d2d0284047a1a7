"""Score: points from verdicts.

In:  a ``Homework`` and one ``Verdict`` per answer variable (from the check stage).
Out: ``QuestionResult`` records — per item its points, earned score and verdict — and totals.

Credit is the verdict's fraction of the item's points: partial credit and follow-through credit
come from the checks; this stage only multiplies and adds, rounding to hundredths of a point.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graders.model.answers import Status, Verdict
from graders.model.overrides import Override, Overrides
from graders.model.questions import Homework, Item, Question


@dataclass(frozen=True)
class ItemResult:
    """One graded answer variable; ``override`` when a person set its points."""

    variable: str
    label: str
    max_score: float
    score: float
    verdict: Verdict
    override: Override | None = None

    @property
    def pending(self) -> bool:
        """Waiting for a person: a ``manual`` answer no override has graded yet (its points,
        0 for now, are provisional)."""
        return self.verdict.status is Status.MANUAL and self.override is None


@dataclass(frozen=True)
class QuestionResult:
    """One question's items and totals."""

    id: str
    title: str
    items: tuple[ItemResult, ...]

    @property
    def score(self) -> float:
        return round(sum(i.score for i in self.items), 2)

    @property
    def max_score(self) -> float:
        return round(sum(i.max_score for i in self.items), 2)

    @property
    def pending(self) -> float:
        """The points of the items still waiting for a person (``ItemResult.pending``)."""
        return round(sum(i.max_score for i in self.items if i.pending), 2)

    @property
    def status(self) -> Status:
        """The question's headline verdict: the worst of its items' verdicts."""
        order = [
            Status.ERROR,
            Status.INVALID,
            Status.MISSING,
            Status.INCORRECT,
            Status.MANUAL,
            Status.FOLLOW_THROUGH,
            Status.CORRECT,
        ]
        present = {i.verdict.status for i in self.items}
        return next((s for s in order if s in present), Status.CORRECT)


def override_names(question: Question, item: Item) -> tuple[str, ...]:
    """The names an override row may give ``item`` by: its variable, and the question's id
    when the question has no other item."""
    return (item.variable, question.id) if len(question.items) == 1 else (item.variable,)


def score(
    homework: Homework,
    verdicts: Mapping[str, Verdict],
    student: str = "",
    overrides: Overrides | None = None,
) -> tuple[QuestionResult, ...]:
    """Points for every item of every question; a person's override replaces an item's points.

    An override names the item's variable, or the question id when the question has a single
    item.
    """
    overrides = overrides or Overrides()
    results = []
    for question in homework.questions:
        items = []
        for item in question.items:
            found = overrides.find(homework.id, student, *override_names(question, item))
            earned = item.points * verdicts[item.variable].credit
            if found is not None:
                earned = min(found.points, item.points)
            items.append(
                ItemResult(
                    item.variable,
                    item.label,
                    item.points,
                    round(earned, 2),
                    verdicts[item.variable],
                    found,
                )
            )
        results.append(QuestionResult(question.id, question.title, tuple(items)))
    return tuple(results)
