"""Check: pure functions that compare answers with the reference and return verdicts.

In:  a ``Homework``, its parameters and the harvested ``Answer`` of every variable.
Out: one ``Verdict`` per answer variable (``check_answers``). No I/O, no global state.

One module per kind of answer: ``numeric``, ``derivation``, ``tables``, ``symbolic``,
``choice``, ``training`` (trained models, measured from what their probes brought out).
"""

from __future__ import annotations

from collections.abc import Mapping

from graders.model.answers import ABSENT, MANUAL, Answer, Status, Verdict
from graders.model.context import CheckContext, graded, probed
from graders.model.questions import Homework, Params, Probing


def check_answers(
    homework: Homework,
    answers: Mapping[str, Answer],
    params: Params | None = None,
    context: CheckContext | None = None,
) -> dict[str, Verdict]:
    """Grade every part of every question; a part that fails to check costs only its items.
    ``context`` (the batch's datasets) reaches the parts that take one (``Contextual``)."""
    params = homework.params if params is None else params
    verdicts: dict[str, Verdict] = {}
    for question in homework.questions:
        for part in question.parts:
            names = [item.variable for item in part.items]
            if isinstance(part, Probing):
                names += probed(part, params, context).variables
            wanted = {name: answers.get(name, ABSENT) for name in names}
            try:
                found = graded(part, wanted, params, context)
            except Exception as exc:  # a checker bug must not cost the batch
                found = {
                    name: Verdict(
                        Status.MANUAL,
                        0.0,
                        feedback=f"This answer could not be checked ({type(exc).__name__}); "
                        "it has been left for a person to grade.",
                        message=MANUAL,
                    )
                    for name in (item.variable for item in part.items)
                }
            verdicts.update(found)
    return verdicts
