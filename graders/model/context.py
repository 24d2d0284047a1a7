"""The check context: what a part may need beyond the answers and the homework's parameters.

In:  the batch's settings (``graders.pipeline.Settings.data``: the ``--data`` datasets).
Out: ``CheckContext`` (a frozen dataclass the pipeline builds once per batch and hands to every
     part that asks for it), the ``Contextual`` protocol of those parts, and ``solved``,
     ``probed`` and ``graded``, which call any part with the context when it takes one.

A part that reads datasets (the training parts of ``graders.checks.training``) is
``Contextual``: it names its ``datasets``, and its ``solve``, ``probe`` and ``grade`` take the
context as a last argument, ``context: CheckContext | None = None`` (None: the digits stand-in,
read afresh). Every other part keeps the two-argument methods of ``Part`` and never sees it.
The context is never put into the parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from graders.runtime.data import DataShelf

if TYPE_CHECKING:
    from graders.model.answers import Answer, Verdict
    from graders.model.questions import Params, Probe


@dataclass(frozen=True)
class CheckContext:
    """The batch's datasets (``DataShelf``: each read and prepared once, with its memo of the
    grader's own baselines)."""

    data: DataShelf = field(default_factory=DataShelf)


def context_or_stand_in(context: CheckContext | None) -> CheckContext:
    """``context``, or a fresh one whose datasets are the digits stand-in."""
    return CheckContext() if context is None else context


@runtime_checkable
class Contextual(Protocol):
    """A part whose reference, probe and verdicts depend on the batch's datasets."""

    @property
    def datasets(self) -> tuple[str, ...]: ...

    def solve(self, params: Params, context: CheckContext | None = None) -> Mapping[str, Any]: ...

    def grade(
        self,
        answers: Mapping[str, Answer],
        params: Params,
        context: CheckContext | None = None,
    ) -> Mapping[str, Verdict]: ...


def solved(part: Any, params: Params, context: CheckContext | None) -> Mapping[str, Any]:
    """``part.solve``, with ``context`` where the part takes one."""
    if isinstance(part, Contextual):
        return part.solve(params, context)
    found: Mapping[str, Any] = part.solve(params)
    return found


def probed(part: Any, params: Params, context: CheckContext | None) -> Probe:
    """``part.probe`` (a ``Probing`` part), with ``context`` where the part takes one."""
    if isinstance(part, Contextual):
        found: Probe = part.probe(params, context)  # type: ignore[attr-defined]
        return found
    plain: Probe = part.probe(params)
    return plain


def graded(
    part: Any, answers: Mapping[str, Answer], params: Params, context: CheckContext | None
) -> Mapping[str, Verdict]:
    """``part.grade``, with ``context`` where the part takes one."""
    if isinstance(part, Contextual):
        return part.grade(answers, params, context)
    found: Mapping[str, Verdict] = part.grade(answers, params)
    return found
