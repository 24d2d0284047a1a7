"""Similarity: which students' code is much alike, for a person to review (never students).

In:  one assignment's submissions (their notebooks) and the ``Homework`` (its released
     notebook, ``graders.student.release``, is the template every student starts from).
Out: ``similar_pairs``: the most similar pairs, each with both students' code cut into
     segments marked shared or not, for the class page's side-by-side view;
     ``write_similarity`` keeps them in ``similarity.json`` beside the class page.

The comparison is copydetect's (MOSS-style winnowing over k-grams of tokens): code is tokenised
with Pygments and every name becomes one letter, so renaming variables changes nothing, and
comments and spaces are ignored. The released notebook's own code is taken out first, twice:
its cells are dropped where a student left them as they were, and its fingerprints are
copydetect's boilerplate, so a pair that shares only the template's code shares nothing.
A pair is listed when the code shared is at least ``MIN_SHARED`` characters and at least
``THRESHOLD`` of one student's code (after the template is taken out).
"""

from __future__ import annotations

import ast
import io
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

from graders.discover import Submission
from graders.model.questions import Homework
from graders.model.results import write_json
from graders.student.release import release_notebook

SIMILARITY = "similarity.json"
THRESHOLD = 0.5
MIN_SHARED = 80  # characters of (unfiltered) code the pair has in common
NOISE = 25  # copydetect's k: the shortest shared run of tokens that counts
MOST = 20  # pairs listed


@dataclass(frozen=True)
class Side:
    """One student's code in a pair: segments of (text, shared with the other student)."""

    student: str
    share: float  # the fraction of this student's code found in the other's
    segments: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class Pair:
    """Two students whose code is alike."""

    left: Side
    right: Side

    @property
    def similarity(self) -> float:
        return max(self.left.share, self.right.share)

    def record(self) -> dict[str, Any]:
        return {
            "students": [self.left.student, self.right.student],
            "similarity": round(self.similarity, 3),
            "sides": [
                {"student": s.student, "share": round(s.share, 3), "segments": s.segments}
                for s in (self.left, self.right)
            ],
        }


def _template_cells(homework: Homework) -> tuple[str, ...]:
    cells = release_notebook(homework).cells
    return tuple(c.source.strip() for c in cells if c.cell_type == "code")


def student_code(notebook: Any, template: Sequence[str]) -> str:
    """The code cells of ``notebook`` a student wrote or changed, one after another; in the
    answer cells, a line that only gives an answer as a constant (``e1_h1 = 1.3``) is left
    out: the class's right answers are alike without anyone copying."""
    kept = set(template)
    cells = []
    for cell in getattr(notebook, "cells", []):
        source = str(cell.get("source", ""))
        if cell.get("cell_type") != "code" or source.strip() in kept:
            continue
        if "grader" in cell.get("metadata", {}):
            source = "\n".join(line for line in source.splitlines() if not _constant(line))
        cells.append(source)
    return "\n\n".join(cells) + ("\n" if cells else "")


def _constant(line: str) -> bool:
    """Whether ``line`` assigns a literal (a number, a string, a list of them) to one name."""
    try:
        tree = ast.parse(line.strip())
    except SyntaxError:
        return False
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assign):
        return not tree.body  # a comment or an empty line carries nothing either
    try:
        ast.literal_eval(tree.body[0].value)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return False
    return True


def similar_pairs(submissions: Sequence[Submission], homework: Homework) -> list[Pair]:
    """The most similar pairs among ``submissions`` (module docstring), most similar first."""
    from copydetect import CodeFingerprint, compare_files

    template = _template_cells(homework)
    boilerplate = CodeFingerprint(
        "template.py", NOISE, 1, fp=io.StringIO("\n\n".join(template) + "\n")
    ).hashes
    prints = {}
    paths = {sub.student: sub.path for sub in submissions}
    for sub in submissions:
        code = student_code(sub.notebook, template) if sub.notebook is not None else ""
        if code.strip():
            prints[sub.student] = CodeFingerprint(
                f"{sub.student}.py", NOISE, 1, boilerplate=list(boilerplate), fp=io.StringIO(code)
            )
    pairs = []
    for a, b in combinations(sorted(prints), 2):
        if paths[a] == paths[b]:  # one hand-in of a group: alike by design
            continue
        overlap, shares, slices = compare_files(prints[a], prints[b])
        if not overlap or max(shares) < THRESHOLD:
            continue
        left = _side(a, float(shares[0]), prints[a].raw_code, slices[0])
        right = _side(b, float(shares[1]), prints[b].raw_code, slices[1])
        shared = sum(len(t) for t, s in left.segments if s)
        if shared >= MIN_SHARED:
            pairs.append(Pair(left, right))
    pairs.sort(key=lambda p: (-p.similarity, p.left.student, p.right.student))
    return pairs[:MOST]


def _side(student: str, share: float, code: str, slices: Any) -> Side:
    """``code`` cut at copydetect's ``slices`` (starts in row 0, ends in row 1)."""
    segments: list[tuple[str, bool]] = []
    at = 0
    spans = sorted(zip(slices[0], slices[1], strict=True)) if len(slices) and len(slices[0]) else []
    for start, end in spans:
        start, end = max(int(start), at), min(int(end), len(code))
        if start > at:
            segments.append((code[at:start], False))
        if end > start:
            segments.append((code[start:end], True))
        at = max(at, end)
    if at < len(code):
        segments.append((code[at:], False))
    return Side(student, min(1.0, share), tuple(segments))


def write_similarity(folder: Path, submissions: Sequence[Submission], homework: Homework) -> None:
    """The assignment's similar pairs in ``folder / SIMILARITY`` (for the class page)."""
    try:
        pairs = [p.record() for p in similar_pairs(submissions, homework)]
        problem = ""
    except Exception as exc:  # a failure here costs the review list, never the batch
        pairs, problem = [], f"the similarity check failed ({type(exc).__name__}: {exc})"
    write_json(
        folder / SIMILARITY,
        {"pairs": pairs, "threshold": THRESHOLD, "compared": len(submissions), "problem": problem},
    )
