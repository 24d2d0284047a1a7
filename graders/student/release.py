"""Release: the student notebook of a homework, written from its reference module.

In:  a ``Homework``.
Out: an nbformat notebook — each question as markdown with its parameters' numbers (the
     homework's own, or a student's variant: ``Question.prompt_for``), one answer
     cell per question with a placeholder (``...``) for every answer variable, and ``grader``
     metadata naming the assignment — and ``fill_answers`` to put values into those cells
     (what the tests and the demo submissions use).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import nbformat

from graders import __version__
from graders.model.questions import Homework, Question

PLACEHOLDER = "..."


def _answer_cell(question: Question) -> Any:
    width = max(len(i.variable) for i in question.items)
    lines = [f"# Answers to {question.id}: replace each ... with your answer."]
    for item in question.items:
        comment = item.label + (f" — {item.hint}" if item.hint else "")
        lines.append(f"{item.variable.ljust(width)} = {PLACEHOLDER}  # {comment}")
    cell = nbformat.v4.new_code_cell("\n".join(lines))
    cell.metadata["grader"] = {"answer": question.id}
    return cell


def _question_markdown(question: Question, params: Mapping[str, Any]) -> str:
    parts = [f"## {question.title} ({question.id})", "", question.prompt_for(params)]
    if question.answer_help:
        parts += ["", "**How to answer:** " + question.answer_help]
    if question.prompt_fa:
        persian = question.prompt_for(params, "fa")
        parts += ["", '<div dir="rtl" lang="fa">', "", persian, "", "</div>"]
    return "\n".join(parts)


def release_notebook(homework: Homework) -> Any:
    """The notebook a student fills in for ``homework``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["grader"] = {"assignment": homework.id, "student": "", "released_by": __version__}
    intro = (
        f"# {homework.title} ({homework.id})\n\n"
        "Answer in the code cells: replace each `...` with your answer and keep the variable "
        "names. You may add cells of your own above the answer cells. The grader runs the "
        "whole notebook from the top, then reads the answer variables."
    )
    nb.cells.append(nbformat.v4.new_markdown_cell(intro))
    if homework.setup:
        nb.cells.append(nbformat.v4.new_code_cell(homework.setup))
    for question in homework.questions:
        nb.cells.append(
            nbformat.v4.new_markdown_cell(_question_markdown(question, homework.params))
        )
        nb.cells.append(_answer_cell(question))
    return nb


def write_release(homework: Homework, out: Path) -> Path:
    """Write the released notebook to ``out/<homework>.ipynb`` and return its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{homework.id}.ipynb"
    nbformat.write(release_notebook(homework), str(path))
    return path


def _replacement(source: str) -> Callable[[re.Match[str]], str]:
    return lambda match: match.group(1) + source


def fill_answers(notebook: Any, values: Mapping[str, str]) -> Any:
    """A copy of ``notebook`` whose placeholders hold ``values`` (Python source text each)."""
    nb = nbformat.from_dict(notebook)
    for cell in nb.cells:
        if cell.cell_type != "code" or "grader" not in cell.metadata:
            continue
        for name, source in values.items():
            pattern = re.compile(rf"^({re.escape(name)}\s*=\s*)\.\.\.", re.MULTILINE)
            cell.source = pattern.sub(_replacement(source), cell.source)
    return nb
