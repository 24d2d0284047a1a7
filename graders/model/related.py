"""Related parts: one slip repeated in parts a question declares related costs once.

In:  the parts (``graders.model.questions.Part``) a question declares related, in order.
Out: a ``RelatedParts``, itself a part: its items are theirs, and its verdicts are theirs
     except that a named mistake already made in an earlier item of the group is not
     penalised again (HW1 Q2: the same wrong layer index in δ1, δ2₁ and δ2₂ costs once, at δ1).
     The repeated item gets follow-through credit, keeps the mistake (so the report still says
     what it is) and names where it was penalised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from graders.model.answers import Answer, Status, Verdict
from graders.model.described import Expectation, expectations
from graders.model.questions import Item, Params, Part


@dataclass(frozen=True)
class RelatedParts:
    """Parts graded as usual, with each named mistake penalised once across them."""

    parts: tuple[Part, ...]
    repeat_credit: float = 1.0  # for an item whose only fault is a slip penalised earlier

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for part in self.parts for item in part.items)

    def solve(self, params: Params) -> Mapping[str, Any]:
        return {name: value for part in self.parts for name, value in part.solve(params).items()}

    def expectations(self, params: Params) -> Mapping[str, Expectation]:
        return {v: e for part in self.parts for v, e in expectations(part, params).items()}

    def grade(self, answers: Mapping[str, Answer], params: Params) -> Mapping[str, Verdict]:
        verdicts: dict[str, Verdict] = {}
        for part in self.parts:
            verdicts.update(part.grade(answers, params))
        labels = {item.variable: item.label for item in self.items}
        return once_per_slip(verdicts, labels, self.repeat_credit)


def once_per_slip(
    verdicts: Mapping[str, Verdict], labels: Mapping[str, str], credit: float = 1.0
) -> dict[str, Verdict]:
    """``verdicts`` (in item order) with each named mistake after its first one not
    penalised again: follow-through credit, the mistake kept, a note of where it counted."""
    first: dict[str, str] = {}
    out: dict[str, Verdict] = {}
    for name, verdict in verdicts.items():
        mistake = verdict.mistake
        if verdict.status is not Status.INCORRECT or mistake is None:
            out[name] = verdict
            continue
        if mistake.id not in first:
            first[mistake.id] = labels.get(name, name)
            out[name] = verdict
            continue
        out[name] = replace(
            verdict,
            status=Status.FOLLOW_THROUGH,
            credit=credit,
            feedback=(
                f"The same slip as in {first[mistake.id]}: {mistake.explanation} It is "
                f"penalised once, there."
            ),
        )
    return out
