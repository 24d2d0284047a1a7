"""HW2 Q1(c)'s dropout tables: the references and their known wrong variants.

In:  the question's parameters: a layer's output, its dropout mask and the keep probability p
     (the fraction of ones in the mask, the course's definition).
Out: ``DropoutTable`` (standard or inverted dropout, at training or at test time),
     ``dropout_table`` (the reference) and ``dropout_diagnoses`` (the course's named mistakes
     as whole-table ``Diagnosis``es for ``graders.checks.tables``), with their Persian texts.

Course content: the table check itself (``check_table``) knows nothing of dropout.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike

from graders.authoring import Diagnosis, Mistake


class DropoutTable(StrEnum):
    """The four dropout tables: standard or inverted dropout, at training or at test time."""

    STANDARD_TRAIN = "standard-train"  # output · mask
    STANDARD_TEST = "standard-test"  # output · p
    INVERTED_TRAIN = "inverted-train"  # output · mask / p
    INVERTED_TEST = "inverted-test"  # output

    @property
    def training(self) -> bool:
        """Whether the mask applies (training time)."""
        return self in (DropoutTable.STANDARD_TRAIN, DropoutTable.INVERTED_TRAIN)

    @property
    def inverted(self) -> bool:
        """Whether this is inverted dropout (rescaling at training time)."""
        return self in (DropoutTable.INVERTED_TRAIN, DropoutTable.INVERTED_TEST)

    def factor(self, p: float) -> float:
        """The scale this table applies, for keep probability ``p``."""
        if self is DropoutTable.STANDARD_TEST:
            return p
        if self is DropoutTable.INVERTED_TRAIN:
            return 1.0 / p
        return 1.0

    def counterpart(self) -> DropoutTable:
        """The same phase under the other convention (standard <-> inverted)."""
        return {
            DropoutTable.STANDARD_TRAIN: DropoutTable.INVERTED_TRAIN,
            DropoutTable.INVERTED_TRAIN: DropoutTable.STANDARD_TRAIN,
            DropoutTable.STANDARD_TEST: DropoutTable.INVERTED_TEST,
            DropoutTable.INVERTED_TEST: DropoutTable.STANDARD_TEST,
        }[self]


DROPOUT_P_INSTEAD_OF_INVERSE = Mistake(
    "dropout.p_instead_of_inverse",
    "The kept activations were multiplied by p instead of divided by it: inverted dropout "
    "scales by 1/p during training, where p is the keep probability.",
    persian=(
        "فعال‌سازی‌های نگه‌داشته‌شده در p ضرب شده‌اند به جای تقسیم بر آن: dropout "
        "معکوس در آموزش بر p تقسیم می‌کند، که p احتمال نگه‌داشتن است."
    ),
)
DROPOUT_INVERSE_INSTEAD_OF_P = Mistake(
    "dropout.inverse_instead_of_p",
    "The activations were divided by p instead of multiplied by it: standard dropout scales by "
    "the keep probability p at test time.",
    persian=(
        "فعال‌سازی‌ها بر p تقسیم شده‌اند به جای ضرب در آن: dropout استاندارد در "
        "زمان آزمون در احتمال نگه‌داشتن p ضرب می‌کند."
    ),
)
DROPOUT_KEEP_DROP_SWAPPED = Mistake(
    "dropout.keep_drop_swapped",
    "1 − p was used where p is the keep probability: p was read as the drop probability "
    "(PyTorch's convention), but here p is the fraction of units kept.",
    persian=(
        "به جای p که احتمال نگه‌داشتن است 1 − p به کار رفته: p احتمال حذف خوانده "
        "شده (قرارداد PyTorch)، اما اینجا p سهم واحدهای نگه‌داشته‌شده است."
    ),
)
DROPOUT_NOT_SCALED = Mistake(
    "dropout.not_scaled",
    "The activations were not rescaled: standard dropout multiplies by p at test time and "
    "inverted dropout divides by p during training.",
    persian=(
        "فعال‌سازی‌ها مقیاس‌بندی نشده‌اند: dropout استاندارد در آزمون در p ضرب "
        "می‌کند و dropout معکوس در آموزش بر p تقسیم می‌کند."
    ),
)
DROPOUT_CONVENTIONS_SWAPPED = Mistake(
    "dropout.conventions_swapped",
    "Standard and inverted dropout are swapped: standard dropout rescales at test time "
    "(· p), inverted dropout during training (/ p), never both.",
    persian=(
        "جای dropout استاندارد و معکوس عوض شده است: استاندارد در آزمون مقیاس می‌دهد"
        " (· p) و معکوس در آموزش (/ p)، نه هر دو."
    ),
)


def _dropout_inputs(
    output: ArrayLike, mask: ArrayLike, p: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """Validated float copies of the layer output and mask, and ``p`` as a float.

    Raises ValueError unless the shapes agree, the mask holds only 0 and 1 and 0 < p < 1.
    """
    out = np.asarray(output, dtype=float)
    keep = np.asarray(mask, dtype=float)
    if out.shape != keep.shape:
        raise ValueError(f"output {out.shape} and mask {keep.shape} differ in shape")
    if not np.all((keep == 0) | (keep == 1)):
        raise ValueError("a dropout mask holds only 0 and 1")
    if not 0.0 < p < 1.0:
        raise ValueError(f"the keep probability must lie strictly between 0 and 1, got {p}")
    return out, keep, float(p)


def _dropout_product(
    table: DropoutTable, output: np.ndarray, mask: np.ndarray, factor: float
) -> np.ndarray:
    """``output · mask · factor`` at training time, ``output · factor`` at test time."""
    masked = output * mask if table.training else output
    return masked * factor


def dropout_table(table: DropoutTable, output: ArrayLike, mask: ArrayLike, p: float) -> np.ndarray:
    """The reference table: standard dropout trains with ``output·mask`` and tests with
    ``output·p``; inverted dropout trains with ``output·mask/p`` and tests with ``output``.

    ``p`` is the keep probability (the fraction of ones in the mask in HW2).
    """
    out, keep, prob = _dropout_inputs(output, mask, p)
    return _dropout_product(table, out, keep, table.factor(prob))


def scaled_by_p(
    output: ArrayLike, mask: ArrayLike, p: float, *, mistake: Mistake = DROPOUT_P_INSTEAD_OF_INVERSE
) -> Diagnosis:
    """Inverted dropout's training table multiplied by ``p`` instead of divided by it."""
    out, keep, prob = _dropout_inputs(output, mask, p)
    return Diagnosis.of_variant(mistake, out * keep * prob)


def scaled_by_inverse_p(
    output: ArrayLike, mask: ArrayLike, p: float, *, mistake: Mistake = DROPOUT_INVERSE_INSTEAD_OF_P
) -> Diagnosis:
    """Standard dropout's test table divided by ``p`` instead of multiplied (mask unused)."""
    out, _, prob = _dropout_inputs(output, mask, p)
    return Diagnosis.of_variant(mistake, out / prob)


def keep_drop_swapped(
    output: ArrayLike,
    mask: ArrayLike,
    p: float,
    table: DropoutTable = DropoutTable.INVERTED_TRAIN,
    *,
    mistake: Mistake = DROPOUT_KEEP_DROP_SWAPPED,
) -> Diagnosis:
    """``table`` computed with ``1 - p`` in place of the keep probability ``p``.

    Only the two tables that depend on ``p`` differ (standard test, inverted train); for the
    others, and for p = 0.5, the variant is the reference itself and is never reported.
    """
    out, keep, prob = _dropout_inputs(output, mask, p)
    return Diagnosis.of_variant(mistake, _dropout_product(table, out, keep, table.factor(1 - prob)))


def not_scaled(
    output: ArrayLike,
    mask: ArrayLike,
    p: float,
    table: DropoutTable = DropoutTable.INVERTED_TRAIN,
    *,
    mistake: Mistake = DROPOUT_NOT_SCALED,
) -> Diagnosis:
    """``table`` without its rescaling: ``output·mask`` at training, ``output`` at test time."""
    out, keep, _ = _dropout_inputs(output, mask, p)
    return Diagnosis.of_variant(mistake, _dropout_product(table, out, keep, 1.0))


def conventions_swapped(
    output: ArrayLike,
    mask: ArrayLike,
    p: float,
    table: DropoutTable,
    *,
    mistake: Mistake = DROPOUT_CONVENTIONS_SWAPPED,
) -> Diagnosis:
    """The other convention's table for the same phase (standard train given ``output·mask/p``,
    inverted test given ``output·p``, and so on)."""
    out, keep, prob = _dropout_inputs(output, mask, p)
    other = table.counterpart()
    return Diagnosis.of_variant(mistake, _dropout_product(other, out, keep, other.factor(prob)))


def dropout_diagnoses(
    table: DropoutTable, output: ArrayLike, mask: ArrayLike, p: float
) -> tuple[Diagnosis, ...]:
    """The known dropout mistakes for one of the four tables, most specific first.

    standard train: conventions swapped (``output·mask/p``).
    standard test:  not scaled (``output``), keep/drop swapped (``output·(1-p)``), 1/p
                    instead of p (``output/p``).
    inverted train: p instead of 1/p (``output·mask·p``), keep/drop swapped
                    (``output·mask/(1-p)``), not scaled (``output·mask``).
    inverted test:  conventions swapped (``output·p``).
    Transposed and mirrored tables are separate diagnoses (``transposed()``, ``mirrored()``).
    """
    if table is DropoutTable.STANDARD_TEST:
        return (
            not_scaled(output, mask, p, table),
            keep_drop_swapped(output, mask, p, table),
            scaled_by_inverse_p(output, mask, p),
        )
    if table is DropoutTable.INVERTED_TRAIN:
        return (
            scaled_by_p(output, mask, p),
            keep_drop_swapped(output, mask, p, table),
            not_scaled(output, mask, p, table),
        )
    return (conventions_swapped(output, mask, p, table),)
