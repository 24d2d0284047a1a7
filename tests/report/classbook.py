"""A small class graded through the whole pipeline with the fake runner (no kernels).

The students' answers are computed here by independent routes (plain Python for HW4's
backpropagation, numpy for HW2's dropout tables), each student with one kind of slip, so the
report tests know what every page must show.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
from fakes import FakeRunner

from graders.model.overrides import parse_overrides
from graders.model.questions import Homework
from graders.pipeline import BatchSummary, Settings, run_batch
from graders.student.release import release_notebook
from reference import hw2

SLIPPED_STEP = "e1_w6"
SLIP = 0.015
SHARED_WRONG = 9.99  # the same wrong e1_h1, no known mistake, given by two students
PERSIAN_ANSWER = (
    "Adam و RMSprop در آغاز آموزش سریع‌تر همگرا می‌شوند، ولی SGD با momentum "
    "اغلب تعمیم بهتری دارد (learning rate = 0.01)."
)
OVERRIDE_COMMENT = "Both sides covered"


def backprop_by_hand(
    params: Mapping[str, float], *, slip: str = "", update_sign: float = -1.0
) -> dict[str, float]:
    """HW4 Q2 in plain Python: two epochs of the forward pass, chain rule and update.

    ``slip`` adds ``SLIP`` to one recorded step (later steps use the slipped value, as a student
    working on would); ``update_sign`` +1 updates the epoch-1 weights with the gradient.
    """
    i1, i2, y, eta = params["i1"], params["i2"], params["y"], params["eta"]
    w = [params[f"w{k}"] for k in range(1, 7)]
    out: dict[str, float] = {}

    def record(name: str, value: float) -> float:
        value = value + SLIP if name == slip else value
        out[name] = value
        return value

    for e in (1, 2):
        h1 = record(f"e{e}_h1", i1 * w[0] + i2 * w[1])
        h2 = record(f"e{e}_h2", i1 * w[2] + i2 * w[3])
        y_hat = record(f"e{e}_y_hat", 1 / (1 + math.exp(-(h1 * w[4] + h2 * w[5]))))
        record(f"e{e}_loss", (y - y_hat) ** 2)
        delta = -2 * (y - y_hat) * y_hat * (1 - y_hat)
        local = [w[4] * i1, w[4] * i2, w[5] * i1, w[5] * i2, h1, h2]
        grads = [record(f"e{e}_dw{k + 1}", delta * local[k]) for k in range(6)]
        sign = update_sign if e == 1 else -1.0
        w = [record(f"e{e}_w{k + 1}", w[k] + sign * eta * grads[k]) for k in range(6)]
    return out


def dropout_tables() -> dict[str, np.ndarray]:
    """HW2 Q1(c)'s four tables from the layer output and the mask, in numpy."""
    output = np.array(hw2.OUTPUT, dtype=float)
    mask = np.array(hw2.MASK, dtype=float)
    p = mask.mean()
    return {
        "q1c_standard_train": output * mask,
        "q1c_standard_test": output * p,
        "q1c_inverted_train": output * mask / p,
        "q1c_inverted_test": output,
    }


WRONG_CELL = (1, 2)  # ben's one wrong cell of the inverted training table


def namespaces(books: Mapping[str, Homework]) -> dict[str, dict[str, dict[str, Any]]]:
    """What each student's notebook leaves in its kernel, per assignment."""
    params = books["hw4"].params
    clean = backprop_by_hand(params)
    text = {"q1_answer": PERSIAN_ANSWER}
    shared = {**clean, "e1_h1": SHARED_WRONG}
    hw4 = {
        "ada": {**clean, **text, "converged": "no"},
        "ben": {**backprop_by_hand(params, slip=SLIPPED_STEP), "converged": "no"},
        "cy": {**backprop_by_hand(params, update_sign=1.0), **text, "converged": "no"},
        "deniz": {**shared, "converged": "yes"},
        "elham": {**shared, **text},
    }
    tables = dropout_tables()
    wrong = tables["q1c_inverted_train"].copy()
    wrong[WRONG_CELL] += 1.0
    hw2_solved: dict[str, Any] = {}
    for q in books["hw2"].questions:
        for part in q.parts:
            hw2_solved.update(part.solve(books["hw2"].params))
    hw2_ns = {
        "ada": {**hw2_solved, **{k: v.tolist() for k, v in tables.items()}},
        "ben": {
            **hw2_solved,
            "q1c_inverted_train": wrong.tolist(),
            "q1c_standard_test": tables["q1c_standard_test"].T.tolist(),
        },
    }
    return {"hw4": hw4, "hw2": hw2_ns}


@dataclass(frozen=True)
class Graded:
    """One batch graded into ``out`` in ``lang``."""

    out: Path
    lang: str
    summary: BatchSummary
    answers: Mapping[str, Mapping[str, Mapping[str, Any]]]

    def page(self, assignment: str, name: str) -> str:
        return (self.out / assignment / f"{name}.html").read_text(encoding="utf-8")


def write_class(
    root: Path, books: Mapping[str, Homework], answers: Mapping[str, Mapping[str, Any]]
) -> None:
    """One released notebook per student, named in its metadata for the fake runner."""
    for assignment, students in answers.items():
        for student in students:
            path = root / assignment / f"{student}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nb = release_notebook(books[assignment])
            nb.metadata["grader"]["student"] = student
            nbformat.write(nb, str(path))


def grade_class(tmp: Path, books: Mapping[str, Homework], lang: str, overrides: str = "") -> Graded:
    answers = namespaces(books)
    subs = tmp / "subs"
    if not subs.exists():
        write_class(subs, books, answers)

    def pick(nb: Any) -> Mapping[str, Any]:
        grader = nb.metadata["grader"]
        return answers[grader["assignment"]][grader["student"]]

    out = tmp / f"reports-{lang}"
    settings = Settings(out, lang=lang, overrides=parse_overrides(overrides))
    summary = run_batch(
        subs, {k: books[k] for k in answers}, FakeRunner(pick), settings, lambda s: None
    )
    return Graded(out, lang, summary, answers)


OVERRIDES = f"assignment,student,item,points,comment\nhw4,cy,hw4.q1,4,{OVERRIDE_COMMENT}\n"
