"""Questions and homeworks: what a reference module declares.

In:  nothing (contract only).
Out: ``Item`` (one checked answer variable), the ``Part`` protocol (a group of items graded
     together by one check: a number, a derivation graph, a table ...), ``Question`` and
     ``Homework``.

A reference module builds one ``Homework``; the pipeline asks it which variables to harvest,
the release writes its questions into a notebook, and the score stage grades its parts.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

from graders.model.answers import Answer, Mistake, MistakeKey, Verdict
from graders.model.context import CheckContext, probed

Params = Mapping[str, Any]

Text = str | Callable[[Params], str]
"""Words an author writes that may depend on the parameters: the text itself, or a function
of the parameters that gives it (resolved for each student's numbers at release and in the
reports, ``resolve``)."""


def resolve(text: Text, params: Params) -> str:
    """``text`` for these parameters: a function's value, or the text as it is."""
    return text if isinstance(text, str) else text(params)


@dataclass(frozen=True)
class Item:
    """One checked answer: the notebook variable that holds it, a label, and its points."""

    variable: str
    label: str
    points: float
    hint: str = ""  # shown as a comment beside the placeholder in the released notebook


class Part(Protocol):
    """A group of items graded together.

    ``solve`` gives the reference value of each item as a plain Python value (what a student
    with full marks would assign); ``grade`` returns one verdict per item variable.
    """

    @property
    def items(self) -> tuple[Item, ...]: ...

    def solve(self, params: Params) -> Mapping[str, Any]: ...

    def grade(self, answers: Mapping[str, Answer], params: Params) -> Mapping[str, Verdict]: ...


@dataclass(frozen=True)
class Probe:
    """Grader code run once in the student's kernel, after all their cells.

    ``source`` may read the student's objects (a trained model) and ``files`` handed to the
    working folder (the grader's held-out inputs, never their labels), and leaves plain values
    in ``variables`` for the harvest to read. A probe that raises leaves its variables absent.
    """

    source: str
    variables: tuple[str, ...]
    files: Mapping[str, bytes] = field(default_factory=dict)


@runtime_checkable
class Probing(Protocol):
    """A part that needs a probe; its ``grade`` also receives the probe's variables."""

    def probe(self, params: Params) -> Probe: ...


@dataclass(frozen=True)
class Question:
    """A question of a homework as the student reads it and the grader grades it."""

    id: str  # "hw4.q2"
    title: str
    # markdown, English: a template whose ``{name}`` fields are filled from the parameters
    # (and ``{points}`` with the question's points, so they are stated once, on the items), or
    # a function of the parameters giving the template (for what a field cannot say: a table)
    prompt: Text
    parts: tuple[Part, ...]
    # the Persian original, where the course has it: as it is (its LaTeX has braces), or a
    # function of the parameters
    prompt_fa: Text = ""
    answer_help: str = ""  # how to write the answer (symbolic syntax, units ...)
    # Whether a student's own check (``grade.py check``) may show this question's correctness
    # and points before grading. Off by default: only well-formedness is shown. Opting in puts
    # the question's reference answers in the released notebook, since the student's check has
    # no other way to compare with them.
    show_result: bool = False

    @cached_property
    def items(self) -> tuple[Item, ...]:
        """Its parts' items (made once: scoring asks for them for every item it scores)."""
        return tuple(item for part in self.parts for item in part.items)

    @property
    def points(self) -> float:
        return sum(item.points for item in self.items)

    def prompt_for(self, params: Params, lang: str = "en") -> str:
        """The prompt with these parameters' numbers, in ``lang`` (``fa``: the Persian one,
        where there is one; else the English). The English template's ``{name}`` fields are
        filled, ``{points}`` with ``points`` (a field the parameters lack raises
        ``KeyError``); the Persian is as it is, or its function's value."""
        if lang == "fa" and self.prompt_fa:
            return resolve(self.prompt_fa, params)
        return resolve(self.prompt, params).format(**{**params, POINTS: self.points})


POINTS = "points"
"""The field of a prompt (``{points:g}``) and of a rubric (``{points}``) that says the
question's or the item's points, declared once on the items."""


@dataclass(frozen=True)
class Limits:
    """Time limits for executing one submission of a homework, in seconds, and the threads its
    kernel computes with (one unless the homework needs more: a fixed count, so that a trained
    model does not change with ``--workers``)."""

    cell: float = 60.0
    notebook: float = 600.0
    threads: int = 1


@dataclass(frozen=True)
class Constraint:
    """A condition every variant must meet ("the network must not saturate")."""

    description: str
    holds: Callable[[Params], bool]


@dataclass(frozen=True)
class Variation:
    """Which parameters vary, how, and what makes a variant a fair question.

    ``draw`` gives the varying parameters from a seeded ``random.Random``; the others keep the
    homework's values. ``constraints`` reject unfair draws (another draw is taken).
    ``cross_checks`` compute the reference by an independent route and return a problem or
    None (used by ``release --verify``).
    """

    draw: Callable[[random.Random], Params]
    constraints: tuple[Constraint, ...] = ()
    cross_checks: tuple[Callable[[Homework, Params], str | None], ...] = ()


@dataclass(frozen=True)
class Names:
    """A homework's names in another language than English, for the reports: its title, the
    questions' titles by question id and the items' labels by answer variable.

    Kept apart from ``Question``/``Item`` because items are built by part factories (derivation
    graphs, training questions) shared across homeworks; the ids are unique already. A name
    left out is shown in English (``Homework.names``).
    """

    title: str = ""
    questions: Mapping[str, str] = field(default_factory=dict)
    items: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Homework:
    """One assignment: its questions, parameters and execution limits."""

    id: str  # "hw4"
    title: str
    questions: tuple[Question, ...]
    params: Params
    limits: Limits = field(default_factory=Limits)
    setup: str = ""  # code run before the student's cells in the released notebook
    # heavy modules its notebooks import (the set-up's numpy, torch): loaded into a kernel
    # while it waits for its turn, when the notebook imports them (graders.execute.Slots)
    warm: tuple[str, ...] = ()
    variation: Variation | None = None  # per-student parameters (graders.model.variants)
    persian: Names = field(default_factory=Names)  # the reports' names under --lang fa
    # files every kernel of this homework finds in its working folder, by path there, from
    # the batch's params (the data an experiment of the set-up reads)
    files: Callable[[Params], Mapping[str, bytes]] | None = None

    def handed(self, params: Params | None = None) -> Mapping[str, bytes]:
        """The files handed to every kernel of this homework (``files``), by path."""
        if self.files is None:
            return {}
        return self.files(self.params if params is None else params)

    def names(self, lang: str = "en") -> Names:
        """The title, every question's title and every item's label in ``lang`` (``en`` or
        ``fa``), each in English where that language has none."""
        own = self.persian if lang == "fa" else Names()
        return Names(
            own.title or self.title,
            {q.id: own.questions.get(q.id) or q.title for q in self.questions},
            {i.variable: own.items.get(i.variable) or i.label for i in self.items},
        )

    @cached_property
    def items(self) -> tuple[Item, ...]:
        """Every item, in question order (made once per homework: a batch asks for them many
        times per student)."""
        return tuple(item for q in self.questions for item in q.items)

    @property
    def variables(self) -> tuple[str, ...]:
        """Every answer variable, in question order: the harvest contract."""
        return tuple(item.variable for item in self.items)

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)

    def probes(
        self, params: Params | None = None, context: CheckContext | None = None
    ) -> tuple[Probe, ...]:
        """The probes of every probing part, in question order (``context``: the batch's
        datasets, for the parts that read them)."""
        params = self.params if params is None else params
        return tuple(
            probed(part, params, context)
            for q in self.questions
            for part in q.parts
            if isinstance(part, Probing)
        )

    def mistakes(self) -> dict[MistakeKey, Mistake]:
        """Every named mistake its questions declare, by where it is declared: this homework,
        the question and the author's short id (a question of another homework may declare
        the same short id in its own words; ``MistakeKey.qualified`` tells them apart)."""
        return {
            MistakeKey(self.id, q.id, mistake.id): mistake
            for q in self.questions
            for part in q.parts
            for mistake in declared_mistakes(part)
        }

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)


def declared_mistakes(declaration: object, depth: int = 6) -> tuple[Mistake, ...]:
    """The ``Mistake``s a part declares, wherever its fields hold them (a number's named wrong
    values, a derivation's steps, a table's diagnoses), without each kind of part listing them.

    Walks frozen dataclasses, tuples, lists and mapping values ``depth`` levels down; other
    objects (sympy expressions, functions) are not entered.
    """
    if isinstance(declaration, Mistake):
        return (declaration,)
    if depth == 0:
        return ()
    if is_dataclass(declaration) and not isinstance(declaration, type):
        children: Iterable[object] = (getattr(declaration, f.name) for f in fields(declaration))
    elif isinstance(declaration, (tuple, list)):
        children = declaration
    elif isinstance(declaration, Mapping):
        children = declaration.values()
    else:
        return ()
    found: dict[str, Mistake] = {}
    for child in children:
        for mistake in declared_mistakes(child, depth - 1):
            found.setdefault(mistake.id, mistake)
    return tuple(found.values())
