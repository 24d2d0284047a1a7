"""Review: the class page's platform section and its one review list (staff only).

In:  an assignment's report folder (its ``intake.json`` and ``similarity.json``), the students'
     records, and the class page's other signals (``graders.report.classroom``: identical rare
     wrong answers, answers matching a classmate's variant).
Out: ``PlatformView`` for ``templates/platforms.html.j2``: the layout the hand-ins came in, who
     is off the roster, who on it handed nothing in, who was late and what it cost, and
     ``ReviewRow``s: every pair of students with at least one signal, the pairs with the most
     signals first, then by how much code they share; the most similar pairs' code is shown
     side by side with the shared parts marked.

Only the class page shows this; the students' pages never do. The words are in English and
Persian, like the rest of the reports.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graders.platforms.intake import LEDGER
from graders.platforms.similarity import SIMILARITY

WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "intake": "Where the hand-ins came from",
        "layout": "Layout",
        "roster": "Roster",
        "no_roster": "none (each student is named by the platform's id)",
        "off_roster": "Handed in, but not on the roster (graded under the platform's id)",
        "missing": "On the roster, with no hand-in",
        "late": "Late hand-ins",
        "policy": "Deadline {deadline}, late policy: {policy}",
        "nobody": "nobody",
        "review": "Review list: students whose work is alike",
        "review_help": (
            "Each row is a pair of students with at least one signal: much of their code is "
            "the same once the released notebook's own code is taken out (names renamed count "
            "as the same), they gave the same rare wrong answer, or one gave the other's "
            "variant's numbers. For a person to review: it proves nothing by itself and is "
            "never shown to students."
        ),
        "review_none": "No pair of students has a signal.",
        "pair": "Students",
        "code": "Code shared",
        "answers": "Same rare wrong answers",
        "variant": "Another's variant",
        "side_by_side": "Code side by side (shared parts marked)",
        "similarity_failed": "The similarity check could not run: {problem}",
    },
    "fa": {
        "intake": "منشأ تحویل‌ها",
        "layout": "قالب",
        "roster": "فهرست دانشجویان",
        "no_roster": "ندارد (هر دانشجو با شناسهٔ سامانه نام برده می‌شود)",
        "off_roster": "تحویل داده‌اند ولی در فهرست نیستند (با شناسهٔ سامانه تصحیح شدند)",
        "missing": "در فهرست هستند ولی تحویلی ندارند",
        "late": "تحویل‌های دیرهنگام",
        "policy": "مهلت {deadline}، سیاست تأخیر: {policy}",
        "nobody": "هیچ‌کس",
        "review": "فهرست بررسی: دانشجویانی که کارشان شبیه است",
        "review_help": (
            "هر سطر دو دانشجو با دست‌کم یک نشانه است: بخش بزرگی از کدشان پس از حذف کد نوت‌بوک "
            "منتشرشده یکی است (تغییر نام متغیرها فرقی نمی‌کند)، یک پاسخ نادرست کمیاب یکسان "
            "داده‌اند، یا یکی اعداد نسخهٔ دیگری را داده است. فقط برای بررسی دستیار آموزشی است، "
            "به‌تنهایی چیزی را ثابت نمی‌کند و هرگز به دانشجو نشان داده نمی‌شود."
        ),
        "review_none": "هیچ دو دانشجویی نشانه‌ای ندارند.",
        "pair": "دانشجویان",
        "code": "کد مشترک",
        "answers": "پاسخ‌های نادرست کمیاب یکسان",
        "variant": "نسخهٔ دیگری",
        "side_by_side": "کدها کنار هم (بخش‌های مشترک مشخص شده‌اند)",
        "similarity_failed": "بررسی شباهت اجرا نشد: {problem}",
    },
}


@dataclass(frozen=True)
class ReviewRow:
    """One pair of students and the signals that they worked together."""

    students: tuple[str, str]
    similarity: float | None = None
    answers: tuple[str, ...] = ()  # labels of identical rare wrong answers
    variant: tuple[str, ...] = ()  # labels of answers matching the other's variant
    sides: tuple[Mapping[str, Any], ...] = ()  # similarity.json's sides, for side by side

    @property
    def signals(self) -> int:
        return (self.similarity is not None) + bool(self.answers) + bool(self.variant)


@dataclass(frozen=True)
class PlatformView:
    """What the class page's platform section shows."""

    ledger: Mapping[str, Any] = field(default_factory=dict)
    late: tuple[Mapping[str, Any], ...] = ()
    rows: tuple[ReviewRow, ...] = ()
    problem: str = ""
    lang: str = "en"

    def __call__(self, key: str, **fields: object) -> str:
        return WORDS[self.lang][key].format(**fields)


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def review_rows(similar: Any, shared: Sequence[Any], variants: Sequence[Any]) -> list[ReviewRow]:
    """One row per pair with a signal (module docstring). ``shared`` and ``variants`` are the
    class page's ``SharedAnswer`` and ``VariantMatch`` records."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def row(a: str, b: str) -> dict[str, Any]:
        key = (min(a, b), max(a, b))
        return rows.setdefault(key, {"answers": [], "variant": []})

    pairs = similar.get("pairs") if isinstance(similar, Mapping) else None
    for pair in pairs if isinstance(pairs, list) else []:
        try:
            a, b = (str(s) for s in pair["students"])
            entry = row(a, b)
            entry["similarity"] = float(pair["similarity"])
            sides = {str(s["student"]): s for s in pair["sides"]}
            entry["sides"] = (sides[min(a, b)], sides[max(a, b)])
        except (KeyError, TypeError, ValueError):
            continue
    for answer in shared:
        for a, b in _pairs(answer.students):
            row(a, b)["answers"].append(answer.label)
    for match in variants:
        row(match.student, match.other)["variant"].extend(a.label for a in match.answers)
    made = [
        ReviewRow(
            key,
            entry.get("similarity"),
            tuple(entry["answers"]),
            tuple(entry["variant"]),
            tuple(entry.get("sides", ())),
        )
        for key, entry in rows.items()
    ]
    return sorted(made, key=lambda r: (-r.signals, -(r.similarity or 0.0), r.students))


def _pairs(students: Sequence[str]) -> list[tuple[str, str]]:
    return [(a, b) for i, a in enumerate(students) for b in students[i + 1 :]]


def platform_view(
    folder: Path,
    records: Sequence[Mapping[str, Any]],
    shared: Sequence[Any],
    variants: Sequence[Any],
    lang: str = "en",
) -> PlatformView:
    """The class page's platform section for the assignment whose reports are in ``folder``."""
    ledger = _read(folder / LEDGER)
    similar = _read(folder / SIMILARITY)
    late = tuple(
        {"student": r.get("student"), "submitted": r.get("submitted"), "penalty": penalty}
        for r in records
        if (penalty := r.get("late_penalty"))
        or any(str(n).startswith("Late: ") for n in r.get("notes") or [])
    )
    problem = str(similar.get("problem") or "") if isinstance(similar, Mapping) else ""
    return PlatformView(
        ledger if isinstance(ledger, Mapping) else {},
        late,
        tuple(review_rows(similar, shared, variants)),
        problem,
        lang if lang in WORDS else "en",
    )
