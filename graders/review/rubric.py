"""Rubric seeds: the rubric items a question's rubric text suggests, before a TA edits them.

In:  a ``TextPart``'s rubric (prose whose points are marked ``(2)`` after a criterion, or
     ``Name (1.5):`` before one) and the item's points.
Out: ``seed_items`` — (points, text) pairs, in the rubric's order; when the text marks no
     points, one item worth the whole and one worth half.
"""

from __future__ import annotations

import re

_HEAD = re.compile(r"^\s*[\d.]+\s+points?.*?(?:\.\s|:\s)", re.IGNORECASE | re.DOTALL)
_MARK = re.compile(r"\((\d+(?:\.\d+)?)\)(\s*:)?")
_SPACES = re.compile(r"\s+")
MAX_TEXT = 160


def _tidy(text: str) -> str:
    text = _SPACES.sub(" ", text).strip(" ;,.:")
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1].rstrip() + "…"


def seed_items(rubric: str, points: float) -> list[tuple[float, str]]:
    """The rubric items of ``rubric`` for an item worth ``points``."""
    body = _HEAD.sub("", rubric, count=1)
    marks = list(_MARK.finditer(body))
    items: list[tuple[float, str]] = []
    start = 0
    for index, mark in enumerate(marks):
        if not body[: mark.start()].rstrip() or body[: mark.start()].rstrip()[-1] in ".;:":
            continue  # "(1) True: ..." numbers a list; it gives no points
        value = float(mark.group(1))
        if mark.group(2):  # "Name (1.5): criterion ..." up to the next marked name
            label_start = max(body.rfind(". ", 0, mark.start()), body.rfind("\n", 0, mark.start()))
            label = body[label_start + 1 : mark.start()]
            end = marks[index + 1].start() if index + 1 < len(marks) else len(body)
            following = body[mark.end() : end]
            if index + 1 < len(marks) and marks[index + 1].group(2):
                cut = max(following.rfind(". "), following.rfind("\n"))
                following = following[:cut] if cut > 0 else following
            text = f"{_tidy(label)}: {_tidy(following)}"
            start = end
        else:  # "criterion (2)"
            text = _tidy(body[start : mark.start()])
            start = mark.end()
        if value > 0 and text.strip(": "):
            items.append((min(value, points), text))
    if not items:
        return [(points, "Meets the rubric"), (round(points / 2, 2), "Meets half the rubric")]
    return items
