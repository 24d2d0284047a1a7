"""Feedback: what the student's page shows for each question and answer.

In:  a ``SubmissionResult``, its ``Homework`` and the page's ``Messages``.
Out: ``QuestionView``/``ItemView`` records the student template renders: verdict, the
     student's answer beside the expected one, feedback in the page's language where the
     catalogue has it, and per kind of check:

- derivation steps: the step's formula as MathML, and for a step off the reference path the
  values it was fed and what it gives; the question's ``left_at`` is the first incorrect step
  (where the student left the reference path) and ``follow_count`` the steps credited as
  follow-through;
- tables: both tables cell by cell, wrong cells marked, and the diagnosis;
- symbolic answers: both formulas as MathML;
- training questions: measured against reported figures, and the loss histories as an SVG plot.

Each kind of check's part of the page is read from its typed detail (``Verdict.detail``):

- derivation steps: ``graders.checks.derivation.StepDetail`` (formula, LaTeX, inputs,
  what the student's values give);
- tables: ``graders.checks.tables.TableDetail``;
- symbolic answers: ``graders.model.parts.ExpressionDetail`` around
  ``graders.checks.symbolic.FormulaDetail`` (or a bare ``FormulaDetail``): both formulas as
  MathML, how the answer was read, what confirmed it;
- numbers written as text: ``graders.checks.numeric.NumberDetail`` (how it was read);
- text answers: ``graders.model.parts.TextDetail`` (rubric, a private model answer);
- training: ``graders.checks.training.TrainingDetail`` (``measured`` and ``reported``
  figures, ``flagged``, ``margin``, ``dataset`` and the loss histories, drawn as one plot).

A results record's ``extra`` reads back into each type with its ``from_json``.

Feedback in another language than English is the verdict's ``Message`` said with the page's
catalogue, and a named mistake's own translation (``localized_feedback``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import sympy
from markupsafe import Markup

from graders.checks.derivation import Derivation, StepDetail
from graders.checks.numeric import NumberDetail, first_difference
from graders.checks.symbolic import FormulaDetail
from graders.checks.tables import TableDetail, shape_text
from graders.checks.training.detail import TrainingDetail
from graders.model.answers import MANUAL, MISSING, Detail, Message, Status, Verdict
from graders.model.overrides import Override
from graders.model.parts import ExpressionDetail, TextDetail
from graders.model.questions import Homework, Names
from graders.model.results import SubmissionResult
from graders.report.charts import line_plot_svg
from graders.report.i18n import Messages
from graders.report.mathml import expression_mathml, latex_to_mathml, sanitize, written_mathml
from graders.score import ItemResult, QuestionResult

PROSE_CHARS = 32
"""Answers longer than this (with spaces) are shown as paragraphs that wrap."""

MAX_TABLE_CELLS = 2_500
"""Largest table drawn cell by cell; a larger one is shown as text only."""


@dataclass(frozen=True)
class CellView:
    text: str
    wrong: bool = False


@dataclass(frozen=True)
class TableView:
    """A table answer: the student's and the expected table, cell by cell."""

    given: tuple[tuple[CellView, ...], ...]
    expected: tuple[tuple[CellView, ...], ...]
    matching: int | None
    cells: int | None
    given_shape: str  # "4 × 4"
    expected_shape: str
    shape_note: str  # '' when the shapes agree
    diagnosis: str  # the diagnosed mistake's id, or ''


@dataclass(frozen=True)
class Figure:
    """One measured figure of a training question and what the student reported for it."""

    name: str
    measured: str
    reported: str
    flagged: bool


@dataclass(frozen=True)
class TrainingView:
    figures: tuple[Figure, ...]
    plot: Markup | None
    series: tuple[str, ...]  # the histories drawn, in plot order (series-0, series-1, ...)
    dataset: str = ""


@dataclass(frozen=True)
class ItemView:
    """One answer as the student's page shows it."""

    variable: str
    label: str
    status: str
    score: float
    max_score: float
    given: str
    expected: str
    feedback: str
    mistake_id: str = ""
    mistake_text: str = ""
    override: Override | None = None
    rubric: str = ""
    formula: Markup | None = None
    formula_text: str = ""
    inputs: tuple[tuple[str, str], ...] = ()
    should_give: str = ""
    step: bool = False  # a step of a derivation
    role: str = ""  # "left": where the student left the reference path; "follow": credited
    given_math: Markup | None = None
    expected_math: Markup | None = None
    read_as: str = ""
    confirmed_by: str = ""
    table: TableView | None = None
    training: TrainingView | None = None
    pending: bool = False  # waiting for a person
    differs_at: int | None = None  # first differing character of given and expected numbers
    model_private: bool = False  # a written answer whose model the course keeps from students

    @property
    def given_prose(self) -> bool:
        """Whether the answer is written text (shown as a paragraph, not as a value)."""
        return bool(self.rubric) or _is_prose(self.given)

    @property
    def expected_prose(self) -> bool:
        return bool(self.rubric) or _is_prose(self.expected)

    @property
    def has_detail(self) -> bool:
        """Whether the item needs a full-width row under it (tables, plots)."""
        return self.table is not None or self.training is not None


def _is_prose(text: str) -> bool:
    """Long text with spaces: a sentence rather than a value."""
    return len(text) > PROSE_CHARS and " " in text.strip()


@dataclass(frozen=True)
class QuestionView:
    id: str
    title: str
    prompt: str
    score: float
    max_score: float
    status: str
    items: tuple[ItemView, ...]
    derivation: bool = False
    left_at: str = ""  # label of the first incorrect step of a derivation
    left_variable: str = ""
    follow_count: int = 0
    pending: float = 0.0  # points waiting for a person


def question_views(
    result: SubmissionResult, homework: Homework, messages: Messages
) -> tuple[QuestionView, ...]:
    """Every question of ``result``, ready for the student template."""
    names = homework.names(messages.lang)  # titles and labels in the page's language
    return tuple(_question(q, homework, messages, names) for q in result.questions)


def _prompt(homework: Homework, question_id: str, lang: str) -> str:
    try:
        question = homework.question(question_id)
    except KeyError:
        return ""
    try:
        return question.prompt_for(homework.params, lang)
    except (KeyError, IndexError, ValueError):
        return question.prompt if isinstance(question.prompt, str) else ""


def _derivation_of(homework: Homework, question_id: str) -> Derivation | None:
    try:
        question = homework.question(question_id)
    except KeyError:
        return None
    return next((p for p in question.parts if isinstance(p, Derivation)), None)


def _question(
    q: QuestionResult, homework: Homework, messages: Messages, names: Names
) -> QuestionView:
    derivation = _derivation_of(homework, q.id)
    steps = {s.name: s.formula for s in derivation.steps} if derivation else {}
    items = [
        replace(
            _item(item, steps, messages, _written(derivation, item.variable)),
            label=names.items.get(item.variable, item.label),
        )
        for item in q.items
    ]
    on_path = [i for i in items if i.variable in steps]
    left = next((i for i in on_path if i.status == Status.INCORRECT), None)
    follow = sum(1 for i in on_path if i.status == Status.FOLLOW_THROUGH)
    items = [_with_role(i, left) if i.variable in steps else i for i in items]
    return QuestionView(
        q.id,
        names.questions.get(q.id, q.title),
        _prompt(homework, q.id, messages.lang),
        q.score,
        q.max_score,
        headline(q),
        tuple(items),
        derivation=derivation is not None,
        left_at=left.label if left else "",
        left_variable=left.variable if left else "",
        follow_count=follow,
        pending=q.pending,
    )


def headline(q: QuestionResult) -> str:
    """The question's verdict for the overview: the worst of its items' verdicts, where an
    answer a person has graded no longer counts as waiting (``override`` when all were)."""
    pending = tuple(
        i for i in q.items if not (i.override is not None and i.verdict.status is Status.MANUAL)
    )
    return replace(q, items=pending).status.value if pending else "override"


def _with_role(item: ItemView, left: ItemView | None) -> ItemView:
    if item is left:
        return replace(item, role="left")
    if item.status == Status.FOLLOW_THROUGH:
        return replace(item, role="follow")
    return item


def _written(derivation: Derivation | None, name: str) -> Markup | None:
    """Step ``name`` as the course writes it (``Step.written`` in ``Derivation.notation``), or
    None for a step without one, or outside a derivation."""
    if derivation is None or name not in {s.name for s in derivation.steps}:
        return None
    written = derivation.written(name)
    return None if written is None else written_mathml(name, written, derivation.notation)


def _item(
    item: ItemResult,
    steps: Mapping[str, sympy.Expr],
    messages: Messages,
    written: Markup | None = None,
) -> ItemView:
    v = item.verdict
    step = v.detail if isinstance(v.detail, StepDetail) else None
    text = v.detail if isinstance(v.detail, TextDetail) else TextDetail()
    formula = written
    if formula is None and item.variable in steps:
        formula = expression_mathml(steps[item.variable], steps.keys(), lhs=item.variable)
    elif formula is None and step is not None:
        formula = latex_to_mathml(step.latex)
    mistake_text = ""
    if v.mistake is not None:
        mistake_text = messages.mistake(v.mistake.explanation, v.mistake.persian)
    return ItemView(
        variable=item.variable,
        label=item.label,
        status=v.status.value,
        score=item.score,
        max_score=item.max_score,
        given=v.given,
        expected=v.expected,
        feedback=""
        if item.override is not None and v.status is Status.MANUAL
        else localized_feedback(v, messages),
        mistake_id=v.mistake.id if v.mistake else "",
        mistake_text=mistake_text,
        override=item.override,
        rubric=text.rubric or "",
        formula=formula,
        step=item.variable in steps,
        formula_text=step.formula if step else "",
        inputs=step.inputs if step else (),
        should_give=step.should_give if step else "",
        **_formula_views(v.detail),
        table=table_view(v.detail) if isinstance(v.detail, TableDetail) else None,
        training=training_view(
            v.detail if isinstance(v.detail, TrainingDetail) else None, messages
        ),
        pending=item.pending,
        differs_at=None if v.status is Status.CORRECT else first_difference(v.given, v.expected),
        model_private=text.private,
    )


def _formula_views(detail: Detail | None) -> dict[str, Any]:
    """A symbolic answer's formulas as MathML, how it was read and what confirmed it; how a
    number written as text was read."""
    if isinstance(detail, NumberDetail):
        return {"read_as": detail.read_as}
    expected_latex = None
    if isinstance(detail, ExpressionDetail):
        expected_latex, detail = detail.expected_latex, detail.formula
    if not isinstance(detail, FormulaDetail):
        return {"expected_math": _math(None, expected_latex)}
    return {
        "given_math": _math(detail.given_mathml, detail.given_latex),
        "expected_math": _math(detail.expected_mathml, detail.expected_latex or expected_latex),
        "read_as": detail.read_as or "",
        "confirmed_by": detail.confirmed_by or "",
    }


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _math(mathml: str | None, latex: str | None) -> Markup | None:
    if mathml is not None:
        rendered = sanitize(mathml)
        if rendered is not None:
            return rendered
    return None if latex is None else latex_to_mathml(latex)


# --------------------------------------------------------------------------------------------
# Feedback in the page's language

STATUS_MESSAGES = {Status.MANUAL: MANUAL, Status.MISSING: MISSING}
"""What a manual or missing verdict says when it carries no message of its own."""


def localized_feedback(v: Verdict, messages: Messages) -> str:
    """The verdict's explanation: the check's own words in English, the catalogue's in others.

    In another language: the verdict's ``Message`` (``STATUS_MESSAGES`` for a manual or
    missing verdict without one) said with the page's catalogue; for a verdict that names a
    mistake, the mistake's own translation, after the message's words when it has a message.
    Where the language has no words for it (no message, a key the catalogue lacks, a mistake
    declared in English only), the check's English text is kept.
    """
    if messages.lang == "en":
        return v.feedback
    message = v.message or STATUS_MESSAGES.get(v.status)
    words = (said(message, messages) or "") if message is not None else ""
    if v.mistake is None or v.status in STATUS_MESSAGES:
        return words or v.feedback
    named = messages.mistake("", v.mistake.persian)
    if named and named in words:  # the message says the mistake already
        return words
    return " ".join(w for w in (words, named) if w) if named else v.feedback


def said(message: Message, messages: Messages) -> str | None:
    """``message`` in the page's language; a field that is itself a ``Message`` (or a tuple of
    them: sentences, said one after another) is said too. None when the catalogue lacks one of
    the keys (the page then shows the check's English)."""
    if message.key not in messages.table:
        return None
    fields: dict[str, object] = {}
    for name, value in message.fields.items():
        if isinstance(value, Message):
            value = said(value, messages)
        elif isinstance(value, tuple) and all(isinstance(m, Message) for m in value):
            sentences = [said(m, messages) for m in value]
            value = None if None in sentences else " ".join(s for s in sentences if s)
        if value is None:
            return None
        fields[name] = value
    return messages(message.key, **fields)


# --------------------------------------------------------------------------------------------
# Tables


def _cell_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            return str(number)
        return str(int(number)) if number == int(number) and abs(number) < 1e15 else f"{number:.4g}"
    return str(value)


def _rows(cells: Any) -> list[list[Any]]:
    """Nested lists as rows of cells: a number is one cell, a vector one row; higher
    dimensions are laid out as rows of their last axis."""
    if not isinstance(cells, list):
        return [[cells]]
    if not cells:
        return []
    if not any(isinstance(c, list) for c in cells):
        return [cells]
    rows: list[list[Any]] = []
    for part in cells:
        rows.extend(_rows(part) if isinstance(part, list) else [[part]])
    return rows


def _count(rows: list[list[Any]]) -> int:
    return sum(len(r) for r in rows)


def table_view(detail: TableDetail) -> TableView | None:
    """Both tables of a table verdict, wrong cells marked; None when they are too large to
    draw cell by cell."""
    expected, given = _rows(detail.expected), _rows(detail.given)
    if _count(expected) + _count(given) > MAX_TABLE_CELLS:
        return None
    wrong = _rows(detail.wrong) if isinstance(detail.wrong, list) else None
    same_layout = wrong is not None and [len(r) for r in wrong] == [len(r) for r in given]

    def flag(r: int, c: int) -> bool:
        return bool(same_layout and wrong is not None and wrong[r][c])

    given_shape = detail.shape if detail.given_shape is None else detail.given_shape
    shape_note = ""
    if detail.given_shape is not None and detail.given_shape != detail.shape:
        shape_note = f"{shape_text(detail.given_shape)} ≠ {shape_text(detail.shape)}"
    return TableView(
        given=tuple(
            tuple(CellView(_cell_text(x), flag(r, c)) for c, x in enumerate(row))
            for r, row in enumerate(given)
        ),
        expected=tuple(
            tuple(CellView(_cell_text(x), flag(r, c)) for c, x in enumerate(row))
            for r, row in enumerate(expected)
        ),
        given_shape=shape_text(given_shape),
        expected_shape=shape_text(detail.shape),
        matching=detail.matching,
        cells=detail.cells,
        shape_note=shape_note,
        diagnosis=detail.diagnosis or "",
    )


# --------------------------------------------------------------------------------------------
# Training questions


def _figures(detail: TrainingDetail, messages: Messages) -> tuple[Figure, ...]:
    measured, reported = detail.measured, detail.reported
    if measured is None and reported is None:
        return ()
    measured, reported = measured or {}, reported or {}
    names = list(dict.fromkeys([*reported, *measured]))
    figures = []
    for name in names:
        m, r = measured.get(name), reported.get(name)
        figures.append(
            Figure(
                messages.figure(str(name)),
                _figure_text(m),
                _figure_text(r),
                bool(detail.flagged) and name in reported and _far(m, r, detail.margin),
            )
        )
    return tuple(figures)


def _far(measured: Any, reported: Any, margin: float | None) -> bool:
    """Whether a flagged reported figure is the one far from the measured one."""
    numbers_only = all(
        isinstance(x, numbers.Real) and not isinstance(x, bool) for x in (measured, reported)
    )
    if not numbers_only or margin is None:
        return True
    return bool(abs(float(reported) - float(measured)) > margin)


def _figure_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return f"{float(value):.4g}"
    if isinstance(value, list | tuple):
        shown = ", ".join(_figure_text(x) or "—" for x in value[:12])
        return f"[{shown}{', …' if len(value) > 12 else ''}]"
    return str(value)


def training_view(detail: TrainingDetail | None, messages: Messages) -> TrainingView | None:
    """Measured against reported figures and the loss plot of a training verdict's detail;
    None without one, or when it has neither."""
    if detail is None:
        return None
    series = {name: list(values) for name, values in detail.histories.items()}
    figures = _figures(detail, messages)
    if not series and not figures:
        return None
    plot = line_plot_svg(series, messages("training.history")) if series else None
    return TrainingView(figures, plot, tuple(series), detail.dataset or "")
