"""A 30-student HW2 class built from the released notebook, graded, for the review app's tests.

Each student's notebook is the released one with the reference answers, except the written
answers, which vary: ten give the course's model answer (spaces and case varied), eight a
Persian answer (half of them typed with Arabic ي and ك), five a reworded English answer close
to the model, five an answer of their own, one an answer with ``<script>`` and a
``=HYPERLINK(...)`` formula, one leaves it blank. Five students give the same wrong p, and one
another wrong number of their own.

The class is graded through the pipeline with an in-process runner (the notebook's code cells
run in the test's process: they are the grader's own generated cells and these answers), so
the execution cache holds every run as a real batch leaves it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from fakes import FakeRunner

from graders.model.parts import TextPart
from graders.model.questions import Homework
from graders.pipeline import Settings, run_batch
from graders.student.release import fill_answers, release_notebook

STUDENTS = 30
INJECTED = '=HYPERLINK("http://evil.example/","click") <script>alert(\'x\')</script>'
PERSIAN = "مدل بزرگ دانش را به مدل کوچک منتقل می‌کند تا روی دستگاه کم‌توان اجرا شود و دقت بماند"
PERSIAN_ARABIC_LETTERS = PERSIAN.replace("ی", "ي").replace("ک", "ك")
OWN = (
    "I am not sure; it depends on the dataset and the hardware.",
    "Gradient clipping and batch normalisation solve this problem entirely.",
    "پاسخ را در کلاس توضیح دادم و اینجا چیزی نمی‌نویسم",
    "Use a bigger learning rate and train for 1000 epochs.",
    "This is the same as ensembling many random forests.",
)
WRONG_P = 5  # students s00-s04 give p = 0.25; s05 gives 0.123


def student_id(index: int) -> str:
    return f"s{index:02d}"


def written_answer(index: int, model: str, variable: str) -> str:
    """Student ``index``'s answer to the written item whose model answer is ``model``."""
    if index < 10:
        spaced = "  ".join(model.split(" ")) if index % 3 == 1 else model
        return spaced.upper() if index % 3 == 2 else spaced
    if index < 18:
        return PERSIAN_ARABIC_LETTERS if index % 2 else PERSIAN
    if index < 23:
        words = model.split(" ")
        return " ".join(["In short,", *words[1:], "(my own words)"])
    if index < 28:
        return f"{OWN[index - 23]} ({variable})"
    if index == 28:
        return INJECTED
    return ""


def _reference(homework: Homework) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for question in homework.questions:
        for part in question.parts:
            values.update(part.solve(homework.params))
    return values


def answers_of(homework: Homework, index: int) -> dict[str, str]:
    """Python source for every answer variable of student ``index``."""
    values = _reference(homework)
    source = {name: repr(value) for name, value in values.items()}
    for question in homework.questions:
        for part in question.parts:
            if isinstance(part, TextPart):
                text = written_answer(index, part.model_for(homework.params), part.item.variable)
                source[part.item.variable] = repr(text)
    if index < WRONG_P:
        source["q1c_p"] = repr(0.25)
    elif index == WRONG_P:
        source["q1c_p"] = repr(0.123)
    return source


def _namespace(notebook: Any) -> dict[str, Any]:
    scope: dict[str, Any] = {}
    for cell in notebook.cells:
        if cell.cell_type == "code" and "grader" in cell.metadata:
            exec(compile(cell.source, "<cell>", "exec"), scope)
    return scope


@dataclass(frozen=True)
class GradedClass:
    submissions: Path
    out: Path
    homework: Homework

    @property
    def students(self) -> list[str]:
        return [student_id(i) for i in range(STUDENTS)]

    def written(self) -> list[str]:
        return [
            part.item.variable
            for q in self.homework.questions
            for part in q.parts
            if isinstance(part, TextPart)
        ]


def write_class(homework: Homework, root: Path) -> Path:
    released = release_notebook(homework)
    folder = root / "submissions" / homework.id
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(STUDENTS):
        filled = fill_answers(released, answers_of(homework, index))
        filled.metadata["grader"]["student"] = student_id(index)
        nbformat.write(filled, str(folder / f"{student_id(index)}.ipynb"))
    return root / "submissions"


def grade_class(homework: Homework, submissions: Path, out: Path) -> None:
    run_batch(
        submissions,
        {homework.id: homework},
        FakeRunner(_namespace),
        Settings(out, workers=2),
        lambda line: None,
    )


def build_class(homework: Homework, root: Path) -> GradedClass:
    submissions = write_class(homework, root)
    out = root / "reports"
    grade_class(homework, submissions, out)
    return GradedClass(submissions, out, homework)


def cell_values(csv_text: str) -> list[str]:
    """Every cell of a CSV text."""
    import csv
    import io

    return [cell for row in csv.reader(io.StringIO(csv_text)) for cell in row]


def formula_cells(csv_text: str) -> list[str]:
    """The cells a spreadsheet would run as a formula."""
    return [c for c in cell_values(csv_text) if re.match(r"[=+\-@\t\r]", c) and not _number(c)]


def _number(text: str) -> bool:
    return re.fullmatch(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", text) is not None


def items_by_variable(record: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["variable"]: t for t in record["tests"]}
