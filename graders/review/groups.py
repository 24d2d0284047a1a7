"""Answer groups: the students who gave the same (or a similar) answer, graded at once.

In:  one item's answers — (student, text, verdict, mistake) each — and whether the item is
     free text.
Out: ``Group`` records, largest first. Answers that are equal after ``normalise`` (spaces,
     case, Arabic letter variants ي/ی ك/ک ى/ی ة/ه, Persian and Arabic digits, tatweel and
     harakat, the zero-width non-joiner) share a group; free-text groups whose texts are close
     in TF-IDF over character n-grams (which works for Persian as for English, no word
     splitting needed) are clustered together; numeric answers group by value, verdict and
     named mistake. A student taken out of a group (``split``) is a group of their own.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass

LETTERS = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "أ": "ا",
        "إ": "ا",
        "ٱ": "ا",
        "ـ": None,  # tatweel
        "\u200c": " ",  # zero-width non-joiner
        "\u200f": None,
        "\u200e": None,
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Persian digits
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
        "٫": ".",  # Arabic decimal separator
        "٬": "",  # Arabic thousands separator
    }
)
_SPACE = re.compile(r"\s+")
_EDGE_PUNCTUATION = " .,;:!?،؛؟"
SIMILAR = 0.45
"""Largest cosine distance between two free-text groups clustered together."""


def normalise(text: str) -> str:
    """``text`` as answers are compared: letter variants, digits, spaces and case folded."""
    text = unicodedata.normalize("NFC", text).translate(LETTERS)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")  # harakat, accents
    return _SPACE.sub(" ", text).strip(_EDGE_PUNCTUATION).casefold()


@dataclass(frozen=True)
class Answer:
    """One student's answer to one item, as the review app shows it."""

    student: str
    text: str
    verdict: str = "manual"
    mistake: str = ""


@dataclass(frozen=True)
class Group:
    """Answers graded together; ``key`` names the group in the app (stable across loads)."""

    key: str
    answers: tuple[Answer, ...]
    similar: bool = False  # clustered by similarity, not all equal after normalisation
    split: bool = False  # one student a person took out of their group

    @property
    def students(self) -> tuple[str, ...]:
        return tuple(a.student for a in self.answers)

    @property
    def texts(self) -> list[tuple[str, int]]:
        """Each distinct answer text of the group with how many gave it, commonest first."""
        counts: dict[str, tuple[str, int]] = {}
        for answer in self.answers:
            norm = normalise(answer.text)
            text, count = counts.get(norm, (answer.text, 0))
            counts[norm] = (text, count + 1)
        return sorted(counts.values(), key=lambda tc: -tc[1])


def _number(text: str) -> float | None:
    try:
        value = float(normalise(text))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _value_key(answer: Answer) -> str:
    value = _number(answer.text)
    shown = f"{value:.6g}" if value is not None else normalise(answer.text)
    return f"{answer.verdict}|{answer.mistake}|{shown}"


def group_answers(
    answers: Sequence[Answer], free_text: bool, split: Collection[str] = ()
) -> list[Group]:
    """The groups of ``answers``; see the module's docstring."""
    alone = [Group(f"split:{a.student}", (a,), split=True) for a in answers if a.student in split]
    rest = [a for a in answers if a.student not in split]
    exact: dict[str, list[Answer]] = {}
    for answer in rest:
        key = normalise(answer.text) if free_text else _value_key(answer)
        exact.setdefault(key, []).append(answer)
    groups = [tuple(members) for members in exact.values()]
    if free_text and len(groups) > 2:
        groups = _clustered(list(exact), groups)
    found = [
        Group(
            f"g:{min(a.student for a in members)}",
            tuple(sorted(members, key=lambda a: a.student)),
            similar=len({normalise(a.text) for a in members}) > 1,
        )
        for members in groups
    ]
    found.sort(key=lambda g: (-len(g.answers), g.key))
    return found + sorted(alone, key=lambda g: g.key)


def _clustered(texts: list[str], groups: list[tuple[Answer, ...]]) -> list[tuple[Answer, ...]]:
    """``groups`` (one per normalised text) merged where their texts are similar."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit_transform(texts)
    except ValueError:  # nothing but spaces and punctuation
        return groups
    labels = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=SIMILAR
    ).fit_predict(vectors.toarray())
    merged: dict[int, list[Answer]] = {}
    for label, members in zip(labels, groups, strict=True):
        merged.setdefault(int(label), []).extend(members)
    return [tuple(members) for members in merged.values()]
