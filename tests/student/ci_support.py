"""Helpers of the CI tests: student notebooks filled in several ways, a runner that runs their
cells in-process, the schemas, and a search for reference answers in any output."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import xmlschema
from fakes import FakeRunner, build_demos

from graders.model.parts import TextPart
from graders.model.questions import Homework
from graders.student.public import release_with_manifest
from graders.student.release import fill_answers

HERE = Path(__file__).resolve().parent
JUNIT_XSD = HERE / "junit.xsd"
GRADESCOPE_SCHEMA = HERE / "gradescope.schema.json"

# The student's own working for HW4 Q2 (plain Python, two epochs of gradient descent), as the
# demo builder writes it.
_DEMOS = build_demos()
HW4_WORK: str = _DEMOS.HW4_WORK

Q1_TEXT = repr(
    "Adam converges faster on the training data; SGD with momentum often generalises better."
)


# HW4 Q3 (a trained CIFAR-10 model, measured by the grader): a student's CI checks that each
# answer is there and that the model runs and does clearly better than chance on the kernel's
# own test split (the sanity floor), so a linear model trained for a moment stands in for the
# CNN. ``UNTRAINED`` is the same model before training. The grader hands the data folder (the
# digits stand-in unless ``--data`` is given).
def q3_work(steps: int = 150) -> str:
    """A cell that trains ``q3_net`` (a linear classifier) for ``steps`` full-batch steps."""
    return f"""\
import torch
from torch import nn

x_train, y_train, x_test, y_test = load_dataset("cifar-10")
torch.manual_seed(0)
q3_net = nn.Sequential(nn.Flatten(), nn.Linear(x_train[0].size, 10))
q3_opt = torch.optim.Adam(q3_net.parameters(), lr=0.05)
q3_x, q3_y = torch.from_numpy(x_train), torch.from_numpy(y_train)
for _ in range({steps}):
    q3_opt.zero_grad()
    nn.functional.cross_entropy(q3_net(q3_x), q3_y).backward()
    q3_opt.step()
"""


Q3_WORK = q3_work()
UNTRAINED = q3_work(0)
Q3_ANSWERS = {
    "q3_model": "q3_net",
    "q3_accuracy": "0.61",
    "q3_per_class": "[0.6] * 10",
    "q3_transforms": "[lambda b: b.flip(3), lambda b: b * 0.9]",
}


def core(hw4: Homework) -> Homework:
    """HW4's hand-graded questions (Q1, Q2) without the training set-up: what the in-process
    runner can check in both modes (a training question needs the kernel's probe)."""
    questions = tuple(q for q in hw4.questions if q.id in ("hw4.q1", "hw4.q2"))
    return replace(hw4, questions=questions, setup="")


from_history = _DEMOS.hw4_from_history
"""Answer sources that read the values the student's own code computed (``history``)."""


def with_work(nb: Any, *sources: str) -> Any:
    """``nb`` with the student's working (by default HW4 Q2's) before the first answer cell."""
    return _DEMOS.with_work(nb, *(sources or (HW4_WORK,)))


def correct(hw4: Homework, converged: str = '"no"') -> Any:
    answers = {**from_history(), "converged": converged, "q1_answer": Q1_TEXT}
    return with_work(fill_answers(release_with_manifest(hw4), answers))


def partly(hw4: Homework) -> Any:
    """Epoch 1 only, a text answer, the convergence question unreadable ("maybe"), and one
    answer of the wrong kind (text where a number is asked)."""
    answers = {
        **from_history((1,)),
        "e2_h1": '"one point three"',
        "converged": '"maybe"',
        "q1_answer": Q1_TEXT,
    }
    return with_work(fill_answers(release_with_manifest(hw4), answers))


def exec_runner() -> FakeRunner:
    """A runner that runs the notebook's code cells in-process (for trusted test notebooks)."""

    def run_cells(nb: Any) -> Mapping[str, Any]:
        namespace: dict[str, Any] = {}
        for cell in nb.cells:
            if cell.cell_type == "code":
                exec(compile(cell.source, "<cell>", "exec"), namespace)  # the test's own notebook
        return namespace

    return FakeRunner(run_cells)


def reference_strings(homework: Homework) -> list[str]:
    """Every hidden reference answer of ``homework``, written as a report might write it.

    Numbers as repr, with 6 significant figures and with 4 decimals (each with and without its
    sign); texts (model answers and rubrics) by their longer lines. Choice answers are left out:
    the options are public, and which one is right is tested by comparing outputs instead.
    """
    found: set[str] = set()
    for question in homework.questions:
        for part in question.parts:
            for value in part.solve(homework.params).values():
                found |= _written(value)
            if isinstance(part, TextPart):  # a written answer's rubric
                found |= _written(part.rubric_for(homework.params))
    return sorted(found)


def bar_strings(homework: Homework) -> list[str]:
    """The hidden bars of ``homework``'s training questions (accuracy and overfitting gap, on
    every dataset), as a report writes them: "85.0%" and "0.85"."""
    found: set[str] = set()
    for question in homework.questions:
        for part in question.parts:
            for bar in getattr(part, "bars", {}).values():
                for value in (bar.accuracy, bar.gap):
                    if value:
                        found |= {f"{100 * value:.1f}%", repr(value)}
    return sorted(found)


def hidden_strings(homework: Homework) -> list[str]:
    """Everything a student's check must not show: the reference answers and the bars."""
    return sorted({*reference_strings(homework), *bar_strings(homework)})


def _written(value: Any) -> set[str]:
    if isinstance(value, bool):
        return set()
    if isinstance(value, int | float) and math.isfinite(value):
        forms = {repr(float(value)), f"{value:.6g}", f"{value:.4f}"}
        return forms | {f.lstrip("-") for f in forms}
    if isinstance(value, str) and len(value) > 12:  # a model answer or a rubric, not a choice
        return {line.strip() for line in value.splitlines() if len(line.strip()) > 30}
    return set()


def leaks(text: str, strings: Iterable[str]) -> list[str]:
    """The reference strings that ``text`` contains (numbers only where no digit touches them)."""
    found = []
    for s in strings:
        if re.fullmatch(r"-?[0-9.e+-]+", s):
            pattern = rf"(?<![0-9.]){re.escape(s)}(?![0-9])"
        else:
            pattern = re.escape(s)
        if re.search(pattern, text):
            found.append(s)
    return found


def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(JUNIT_XSD))


def gradescope_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(GRADESCOPE_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def gradescope_text(data: Mapping[str, Any]) -> str:
    """Gradescope results as text to search, without each test's ``number`` (an ordinal such
    as "2.9", for question 2, answer 9, which says nothing of any answer)."""
    tests = [{k: v for k, v in t.items() if k != "number"} for t in data.get("tests", [])]
    return json.dumps({**data, "tests": tests}, ensure_ascii=False)
