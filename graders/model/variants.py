"""Variants: every student gets their own numbers, derived again at grading.

In:  a ``Homework`` whose ``variation`` says which parameters vary and under which
     constraints, the course's secret, and a student id (and a roster for releases).
Out: ``variant_params`` — that student's parameters, the same for the same secret, homework
     and id, every time; ``verify`` — the problems of each generated variant (the reference
     does not solve, a cross-check fails, a constraint is broken); ``read_roster``;
     ``variant_matches`` — answers that match another student's variant and not the student's
     own (a copying signal for a person to review).

Without a secret or a variation, every student gets the homework's shared parameters.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from graders.model.questions import Homework, Params

MAX_DRAWS = 1_000


class VariantError(ValueError):
    """No fair variant could be drawn."""


@dataclass(frozen=True)
class Student:
    """One roster entry."""

    id: str
    name: str = ""
    email: str = ""


def student_seed(secret: str, assignment: str, student: str) -> int:
    """A seed that only the course (holding ``secret``) can compute for this student."""
    digest = hashlib.sha256(f"{secret}\0{assignment}\0{student}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def variant_params(homework: Homework, secret: str, student: str) -> Params:
    """The parameters of ``student``'s variant (the shared ones without secret or variation)."""
    variation = homework.variation
    if variation is None or not secret:
        return homework.params
    rng = random.Random(student_seed(secret, homework.id, student))
    for _ in range(MAX_DRAWS):
        params = {**homework.params, **variation.draw(rng)}
        if all(c.holds(params) for c in variation.constraints):
            return params
    raise VariantError(f"no fair variant of {homework.id} for {student} in {MAX_DRAWS} draws")


def for_student(homework: Homework, secret: str, student: str) -> Homework:
    """``homework`` with ``student``'s own parameters (itself without secret or variation)."""
    if homework.variation is None or not secret:
        return homework
    return replace(homework, params=variant_params(homework, secret, student))


def reference_values(homework: Homework, params: Params) -> dict[str, Any]:
    """Every item's reference value under ``params``."""
    values: dict[str, Any] = {}
    for question in homework.questions:
        for part in question.parts:
            values.update(part.solve(params))
    return values


def verify(homework: Homework, secret: str, students: Iterable[str]) -> list[str]:
    """The problems of the variants of ``students``: empty when every variant is fair."""
    problems = []
    variation = homework.variation
    for student in students:
        try:
            params = variant_params(homework, secret, student)
            values = reference_values(homework, params)
        except Exception as exc:  # a variant whose reference fails is exactly what to report
            problems.append(f"{student}: the reference does not solve ({exc})")
            continue
        bad = [k for k, v in values.items() if isinstance(v, float) and not math.isfinite(v)]
        if bad:
            problems.append(f"{student}: reference values are not finite: {', '.join(bad)}")
        if variation is None:
            continue
        for constraint in variation.constraints:
            if not constraint.holds(params):
                problems.append(f"{student}: constraint broken: {constraint.description}")
        for check in variation.cross_checks:
            problem = check(homework, params)
            if problem:
                problems.append(f"{student}: {problem}")
    return problems


def read_roster(path: Path) -> list[Student]:
    """Students from a CSV with a header: ``id``, ``name``, optional ``email``."""
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    if rows and "id" not in rows[0]:
        raise ValueError(f"{path}: the roster needs a header with id, name and optional email")
    students = [
        Student(r["id"].strip(), (r.get("name") or "").strip(), (r.get("email") or "").strip())
        for r in rows
        if (r.get("id") or "").strip()
    ]
    ids = [s.id for s in students]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: a student id appears twice")
    return students


@dataclass(frozen=True)
class VariantMatch:
    """A student's answers that equal another student's variant and not their own."""

    student: str
    other: str
    variables: tuple[str, ...]


@dataclass(frozen=True)
class AnswerSheet:
    """A student's numeric answers, for comparing variants."""

    student: str
    numbers: Mapping[str, float] = field(default_factory=dict)


def variant_matches(
    homework: Homework,
    secret: str,
    sheets: Sequence[AnswerSheet],
    close: Callable[[float, float], bool],
    minimum: int = 3,
) -> list[VariantMatch]:
    """Students with at least ``minimum`` numeric answers that match another student's
    variant but not their own."""
    if homework.variation is None or not secret:
        return []
    references = {
        s.student: _numbers(reference_values(homework, variant_params(homework, secret, s.student)))
        for s in sheets
    }
    matches = []
    for sheet in sheets:
        own = references[sheet.student]
        for other, theirs in references.items():
            if other == sheet.student:
                continue
            hits = tuple(
                name
                for name, value in sheet.numbers.items()
                if name in theirs
                and close(value, theirs[name])
                and not (name in own and close(value, own[name]))
            )
            if len(hits) >= minimum:
                matches.append(VariantMatch(sheet.student, other, hits))
    return matches


def _numbers(values: Mapping[str, Any]) -> dict[str, float]:
    """The numeric reference values (booleans and texts left out)."""
    return {
        k: float(v)
        for k, v in values.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
