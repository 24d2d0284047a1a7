"""Public checks: what a student may learn about their answers before grading.

In:  a ``Homework`` (where the reference solutions are installed), or the public manifest that
     ``grade.py release`` writes into the released notebook's ``grader`` metadata.
Out: ``Manifest`` (per answer variable: its label, points and the kind of answer expected —
     number, whole number, choice with its options, text, table with its shape, formula — but
     never the answer, except for questions that opt in with ``Question.show_result``);
     ``checking_homework`` and ``public_homework``, homeworks whose parts grade an answer's form
     (present, of the right kind and shape, parses, one of the options; for a trained model:
     it runs on the kernel's own test images, gives outputs of the right shape and does
     clearly better than chance, the *sanity floor*) beside, or instead of, its correctness;
     and ``public_view``, the status, message and points a student may see.

A student's CI installs the grader without ``reference/`` and checks the notebook from the
manifest alone; the TA's run and a check where the references are installed use the real parts
too. Either way the student is shown the same statuses: correctness only where the question
opts in, and never an expected value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import nbformat
import numpy as np

from graders.checks.choice import check_choice
from graders.checks.numeric import NumberCheck, Tolerance, check_number
from graders.checks.tables import check_table, describe_shape
from graders.checks.training import Measure, build_probe
from graders.checks.training import measure as measure_outputs
from graders.model.answers import (
    ABSENT,
    MISSING,
    Answer,
    Detail,
    Kind,
    Status,
    Verdict,
    missing_verdict,
)
from graders.model.context import CheckContext, context_or_stand_in, graded, probed, solved
from graders.model.described import Expect, Expectation, Sanity, expectations
from graders.model.questions import Homework, Item, Limits, Params, Part, Probe, Probing, Question
from graders.model.variants import Student, for_student
from graders.runtime.data import Images, Prepared, to_npy
from graders.student.release import release_notebook

MANIFEST_KEY = "public"  # under the notebook's ``grader`` metadata
MANIFEST_VERSION = 1
PROBLEMS = (Status.MISSING, Status.INVALID, Status.ERROR)
FORM = "public.form"  # PublicDetail's keys in JSON: the form check's problem (None: well-formed)
SOURCE = "public.source"  # what decided correctness (see ``Source``)
NOTE = "public.note"  # what a passed public check may say (the sanity floor)
SANITY_TAG = "sanity_"  # the sanity probe's kernel variables: _grader_sanity_<variable>_...
SANITY_SAMPLE = 500  # images of the kernel's own test split a model is run on, at most
FLOOR_SHARE = 0.15  # the sanity floor: chance, and this share of the way from chance to 100%


class Source(StrEnum):
    """Where an item's correctness came from."""

    REFERENCE = "reference"  # the real part, with the reference solutions
    MANIFEST = "manifest"  # the answer the manifest carries for a question that shows results
    NONE = "none"  # nobody judged correctness: only the form was checked


class ManifestError(ValueError):
    """The notebook's public manifest is missing or malformed."""


@dataclass(frozen=True)
class PublicItem:
    """One answer variable as the manifest describes it."""

    variable: str
    label: str
    points: float
    expect: Expect
    shape: tuple[int, ...] | None = None  # tables
    options: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # choice id -> spellings
    answer: Any = None  # the reference answer, only in questions that show their result
    tolerance: Tolerance | None = None  # how ``answer`` is compared, for numbers
    sanity: Sanity | None = None  # a trained model: what the public check runs it on

    @property
    def item(self) -> Item:
        return Item(self.variable, self.label, self.points)


@dataclass(frozen=True)
class PublicQuestion:
    id: str
    title: str
    show_result: bool
    items: tuple[PublicItem, ...]


@dataclass(frozen=True)
class Manifest:
    """What a notebook tells its student's check about the homework."""

    assignment: str
    title: str
    questions: tuple[PublicQuestion, ...]
    limits: Limits = field(default_factory=Limits)

    @property
    def datasets(self) -> tuple[str, ...]:
        """The datasets the public checks of trained models read, sorted."""
        found = {i.sanity.dataset for q in self.questions for i in q.items if i.sanity}
        return tuple(sorted(found))

    def to_json(self) -> dict[str, Any]:
        return {
            "version": MANIFEST_VERSION,
            "assignment": self.assignment,
            "title": self.title,
            "limits": {"cell": self.limits.cell, "notebook": self.limits.notebook},
            "questions": [
                {
                    "id": q.id,
                    "title": q.title,
                    "show_result": q.show_result,
                    "items": [_item_json(i) for i in q.items],
                }
                for q in self.questions
            ],
        }


def _item_json(item: PublicItem) -> dict[str, Any]:
    data: dict[str, Any] = {
        "variable": item.variable,
        "label": item.label,
        "points": item.points,
        "expect": item.expect.value,
    }
    if item.shape is not None:
        data["shape"] = list(item.shape)
    if item.options:
        data["options"] = {k: list(v) for k, v in item.options.items()}
    if item.answer is not None:
        data["answer"] = item.answer
    if item.tolerance is not None:
        t = item.tolerance
        data["tolerance"] = {
            "rtol": t.rtol,
            "atol": t.atol,
            "sig_figs": t.sig_figs,
            "integer": t.integer,
        }
    if item.sanity is not None:
        data["sanity"] = item.sanity.to_json()
    return data


# --------------------------------------------------------------------------------------------
# Reading a manifest back


def read_manifest(data: Any) -> Manifest:
    """The manifest from its JSON form; raises ``ManifestError`` when it is malformed."""
    try:
        if data.get("version") != MANIFEST_VERSION:
            raise ManifestError(f"unknown manifest version {data.get('version')!r}")
        limits = data.get("limits", {})
        return Manifest(
            assignment=_text(data["assignment"]),
            title=_text(data.get("title", "")),
            questions=tuple(_read_question(q) for q in data["questions"]),
            limits=Limits(float(limits.get("cell", 60.0)), float(limits.get("notebook", 600.0))),
        )
    except ManifestError:
        raise
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ManifestError(f"malformed manifest ({type(exc).__name__}: {exc})") from None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def _read_question(data: Mapping[str, Any]) -> PublicQuestion:
    return PublicQuestion(
        id=_text(data["id"]),
        title=_text(data.get("title", "")),
        show_result=bool(data.get("show_result", False)),
        items=tuple(_read_item(i) for i in data["items"]),
    )


def _read_item(data: Mapping[str, Any]) -> PublicItem:
    shape = data.get("shape")
    tol = data.get("tolerance")
    return PublicItem(
        variable=_text(data["variable"]),
        label=_text(data.get("label", data["variable"])),
        points=float(data["points"]),
        expect=Expect(data["expect"]),
        shape=None if shape is None else tuple(int(n) for n in shape),
        options={
            _text(k): tuple(_text(s) for s in v) for k, v in (data.get("options") or {}).items()
        },
        answer=data.get("answer"),
        tolerance=None if tol is None else Tolerance(**tol),
        sanity=_read_sanity(data.get("sanity")),
    )


def _read_sanity(data: Any) -> Sanity | None:
    if data is None:
        return None
    return Sanity(
        dataset=_text(data["dataset"]),
        classes=tuple(int(c) for c in data.get("classes", ())),
        invert=bool(data.get("invert", False)),
        keys=tuple(float(k) for k in data.get("keys", ())),
    )


def notebook_manifest(metadata: Mapping[str, Any]) -> Manifest:
    """The manifest in a notebook's metadata; ``ManifestError`` when there is none or it is bad."""
    grader = metadata.get("grader")
    if not isinstance(grader, Mapping) or MANIFEST_KEY not in grader:
        raise ManifestError(
            "the notebook carries no public manifest (it was not written by `grade.py release`, "
            "or its `grader` metadata was removed)"
        )
    return read_manifest(grader[MANIFEST_KEY])


# --------------------------------------------------------------------------------------------
# Writing a manifest from a homework


def manifest_of(homework: Homework) -> Manifest:
    """The public manifest of ``homework``: answers only for questions that show their result."""
    return Manifest(
        homework.id,
        homework.title,
        tuple(
            PublicQuestion(
                q.id,
                q.title,
                q.show_result,
                tuple(
                    i for part in q.parts for i in describe(part, homework.params, q.show_result)
                ),
            )
            for q in homework.questions
        ),
        homework.limits,
    )


def describe(part: Part, params: Params, show: bool) -> tuple[PublicItem, ...]:
    """What a student may know about each item of ``part``; the answer itself only if ``show``.

    Each part says what its items expect (``graders.model.described.Describing``); any other
    part is described by the type of its reference values (a number, a table and its shape, a
    formula), which says nothing of the values. The reference is computed only when a part
    needs it to describe itself, or for ``show``.
    """
    described = expectations(part, params)
    items = tuple(_public_item(item, described[item.variable]) for item in part.items)
    if not show:
        return items
    solved = part.solve(params)
    return tuple(_with_answer(i, described[i.variable], solved.get(i.variable)) for i in items)


def _public_item(item: Item, expected: Expectation) -> PublicItem:
    return PublicItem(
        item.variable,
        item.label,
        item.points,
        expected.expect,
        shape=expected.shape,
        options=expected.options,
        sanity=expected.sanity,
    )


def _with_answer(item: PublicItem, expected: Expectation, reference: Any) -> PublicItem:
    """``item`` carrying its reference answer, where the public check can compare with it."""
    if reference is None:
        return item
    if item.expect in (Expect.NUMBER, Expect.INTEGER):
        tolerance = expected.tolerance or Tolerance()
        if item.expect is Expect.INTEGER:
            tolerance = replace(tolerance, integer=True)
        return replace(item, answer=float(reference), tolerance=tolerance)
    if item.expect is Expect.CHOICE and isinstance(reference, str):
        return replace(item, answer=reference)
    if item.expect is Expect.TABLE:
        answer = np.asarray(reference, dtype=float).tolist()
        return replace(item, answer=answer, tolerance=expected.tolerance)
    return item


def release_with_manifest(homework: Homework) -> Any:
    """The released notebook of ``homework`` with its public manifest in the metadata."""
    nb = release_notebook(homework)
    nb.metadata["grader"][MANIFEST_KEY] = manifest_of(homework).to_json()
    return nb


def write_public_release(homework: Homework, out: Path) -> Path:
    """Write ``out/<homework>.ipynb`` (with its manifest) and return its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{homework.id}.ipynb"
    nbformat.write(release_with_manifest(homework), str(path))
    return path


def write_variant_releases(
    homework: Homework, secret: str, students: Sequence[Student], out: Path
) -> list[Path]:
    """One notebook per student, with their own numbers, at ``out/<homework>/<id>.ipynb``."""
    folder = out / homework.id
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for student in students:
        notebook = release_with_manifest(for_student(homework, secret, student.id))
        notebook.metadata["grader"]["student"] = student.id
        notebook.metadata["grader"]["student_name"] = student.name
        path = folder / f"{student.id}.ipynb"
        nbformat.write(notebook, str(path))
        paths.append(path)
    return paths


# --------------------------------------------------------------------------------------------
# The sanity floor of a trained model


def sanity_of(part: Part, params: Params) -> dict[str, Sanity]:
    """The public check of each trained model of ``part``, by answer variable."""
    found = expectations(part, params)
    return {v: e.sanity for v, e in found.items() if e.sanity is not None}


def sanity_floor(chance: float) -> float:
    """The lenient floor a trained model must reach: clearly better than ``chance`` (the share
    of the most common label), far below any question's bar."""
    return chance + FLOOR_SHARE * (1 - chance)


@dataclass(frozen=True)
class _SanityRun:
    """What one trained model is run on: the images handed to the kernel and their labels."""

    sanity: Sanity
    data: Prepared

    @property
    def images(self) -> Images:
        found = self.data.public
        if self.sanity.classes:
            found = found.of_classes(self.sanity.classes)
        return found.take(slice(0, SANITY_SAMPLE))

    @property
    def file(self) -> str:
        chosen = "".join(f"-{c}" for c in self.sanity.classes)
        return self.data.probe_file(f"public{chosen}")

    @property
    def labels(self) -> np.ndarray:
        labels = self.images.labels
        if self.sanity.classes:
            labels = (labels == self.sanity.classes[-1]).astype(np.int64)
        return np.concatenate([labels, labels]) if self.sanity.invert else labels

    @property
    def classes(self) -> int:
        return 2 if len(self.sanity.classes) == 2 else self.data.classes

    @property
    def what(self) -> str:
        """The images, as the student knows them."""
        found = f"{len(self.images)} images of your test split (x_test of {self.data.name}"
        if self.sanity.classes:
            found += f", classes {' and '.join(map(str, self.sanity.classes))}"
        found += ")"
        return found + (", and their inverted copies" if self.sanity.invert else "")

    def measures(self, variable: str) -> list[Measure]:
        inputs = (("test", self.file),)
        if not self.sanity.keys:
            return [Measure("model", variable, inputs=inputs, tag=SANITY_TAG)]
        return [
            Measure(
                "model",
                variable,
                index=k,
                key=key,
                inputs=inputs,
                invert=self.sanity.invert,
                tag=SANITY_TAG,
            )
            for k, key in enumerate(self.sanity.keys)
        ]


def _sanity_run(sanity: Sanity, context: CheckContext | None) -> _SanityRun:
    return _SanityRun(sanity, context_or_stand_in(context).data.get(sanity.dataset))


def sanity_probe(
    items: Sequence[PublicItem], params: Params, context: CheckContext | None = None
) -> Probe | None:
    """The probe that runs each trained model of ``items`` on its images, or None."""
    measures: list[Measure] = []
    files: dict[str, bytes] = {}
    for item in items:
        if item.sanity is None:
            continue
        run = _sanity_run(item.sanity, context)
        measures += run.measures(item.variable)
        files |= {**run.data.files, run.file: to_npy(run.images.images)}
    return build_probe(measures, files) if measures else None


def check_sanity(
    answers: Mapping[str, Answer],
    item: PublicItem,
    params: Params,
    context: CheckContext | None = None,
) -> tuple[Verdict | None, str]:
    """The public check of a trained model that was given: (a problem verdict, or None; what
    a passed check says). A model that cannot be run is an ERROR, outputs of the wrong shape
    INVALID, and one no better than the floor INCORRECT (shown as below the sanity floor).
    Neither the question's bar nor anything of the held-out data is said."""
    assert item.sanity is not None
    run = _sanity_run(item.sanity, context)
    accuracies = []
    for measure in run.measures(item.variable):
        which = "" if measure.key is None else f" for {measure.key:g}"
        error = answers.get(measure.name("error"), ABSENT)
        outputs = answers.get(measure.name("test"), ABSENT).as_array()
        if error.kind is Kind.TEXT or outputs is None:
            reason = (
                str(error.value)
                if error.kind is Kind.TEXT
                else "the notebook did not run to its end"
            )
            feedback = f"The grader could not run the model{which} on {run.what}: {reason}."
            return Verdict(Status.ERROR, 0.0, feedback=feedback), ""
        try:
            found = measure_outputs(outputs, run.labels, run.classes)
        except ValueError as exc:
            feedback = f"The model{which} gives outputs of the wrong shape: {exc}."
            return Verdict(Status.INVALID, 0.0, feedback=feedback), ""
        accuracies.append(found.accuracy)
    chance = float(np.bincount(run.labels).max() / len(run.labels))
    floor, best = sanity_floor(chance), max(accuracies)
    if best >= floor:
        models = "Each model runs" if item.sanity.keys else "Runs"
        return None, (
            f"{models} on {run.what} with outputs of the right shape, better than chance (the "
            "sanity floor); its accuracy is measured when graded."
        )
    which = "the best model gets" if item.sanity.keys else "it gets"
    feedback = (
        f"Below the sanity floor: {which} {best:.1%} of {run.what} right; a model that "
        f"learned something gets at least {floor:.1%} (chance: {chance:.1%}). Is it trained?"
    )
    return Verdict(Status.INCORRECT, 0.0, feedback=feedback), ""


# --------------------------------------------------------------------------------------------
# The form of an answer


def check_form(answer: Answer, item: PublicItem) -> Verdict | None:
    """None when ``answer`` has the form ``item`` expects; else a MISSING, INVALID or ERROR
    verdict whose feedback names the problem (never the expected answer)."""
    if answer.unanswered:
        return missing_verdict(answer)
    if answer.kind is Kind.UNSUPPORTED and item.expect is not Expect.ANY:
        return _invalid(answer, answer.note or "the answer cannot be read")
    return _FORMS[item.expect](answer, item)


def _invalid(answer: Answer, feedback: str) -> Verdict:
    return Verdict(Status.INVALID, 0.0, given=answer.text, feedback=feedback)


def _phrase(answer: Answer) -> str:
    if answer.kind is Kind.ARRAY:
        return f"an array of shape {tuple(np.shape(answer.value))}"
    return {
        Kind.NUMBER: "a number",
        Kind.BOOL: "a true/false value",
        Kind.TEXT: "text",
        Kind.EXPR: "a symbolic expression",
        Kind.LIST: "a list",
    }.get(answer.kind, answer.kind.value)


def _number_form(answer: Answer, item: PublicItem) -> Verdict | None:
    if answer.kind is not Kind.NUMBER:
        return _invalid(answer, f"Expected a number, got {_phrase(answer)}.")
    if not math.isfinite(answer.value):
        return _invalid(answer, f"Expected a finite number, got {answer.text or answer.value}.")
    if item.expect is Expect.INTEGER and not float(answer.value).is_integer():
        return _invalid(answer, "Expected a whole number (a count).")
    return None


def _choice_form(answer: Answer, item: PublicItem) -> Verdict | None:
    any_option = next(iter(item.options))
    verdict = check_choice(answer, item.options, any_option)
    if verdict.status in PROBLEMS:
        return replace(verdict, expected="")
    return None


def _text_form(answer: Answer, item: PublicItem) -> Verdict | None:
    if answer.kind is not Kind.TEXT:
        return _invalid(answer, f"Expected written text, got {_phrase(answer)}.")
    if not str(answer.value).strip():
        return Verdict(Status.MISSING, 0.0, feedback="No answer (empty text).", message=MISSING)
    return None


def _table_form(answer: Answer, item: PublicItem) -> Verdict | None:
    shape = item.shape or ()
    wanted = describe_shape(shape)
    if answer.kind not in (Kind.ARRAY, Kind.NUMBER):
        return _invalid(answer, f"Expected {wanted} of numbers, got {_phrase(answer)}.")
    table = np.asarray(answer.value, dtype=float)
    if _squeezed(table.shape) != _squeezed(shape):
        return _invalid(answer, f"Expected {wanted}, got {describe_shape(table.shape)}.")
    if not np.all(np.isfinite(table)):
        return _invalid(answer, "The table holds cells that are not finite numbers (nan, inf).")
    return None


def _squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(n for n in shape if n != 1)


def _expression_form(answer: Answer, item: PublicItem) -> Verdict | None:
    if answer.kind is Kind.NUMBER:
        return None
    if answer.kind not in (Kind.EXPR, Kind.TEXT):
        return _invalid(answer, f"Expected a formula, got {_phrase(answer)}.")
    try:
        from graders.maths.expressions import ParseError, parse_expression
    except ImportError:  # without the parser only presence can be checked
        return None
    try:
        parse_expression(str(answer.value))
    except ParseError as exc:
        return _invalid(answer, f"The formula cannot be read: {exc}")
    return None


def _any_form(answer: Answer, item: PublicItem) -> Verdict | None:
    return None


_FORMS = {
    Expect.NUMBER: _number_form,
    Expect.INTEGER: _number_form,
    Expect.CHOICE: _choice_form,
    Expect.TEXT: _text_form,
    Expect.TABLE: _table_form,
    Expect.EXPRESSION: _expression_form,
    Expect.ANY: _any_form,
}


def compare_with_manifest(answer: Answer, item: PublicItem) -> Verdict | None:
    """Correctness from the answer the manifest carries (questions that show their result)."""
    if item.answer is None:
        return None
    if item.expect in (Expect.NUMBER, Expect.INTEGER):
        check = NumberCheck(float(item.answer), item.tolerance or Tolerance())
        return check_number(answer, check)
    if item.expect is Expect.CHOICE:
        return check_choice(answer, item.options, str(item.answer))
    if item.expect is Expect.TABLE:
        tol = item.tolerance
        table = np.asarray(item.answer, dtype=float)
        if tol is None:
            return check_table(answer, table)
        return check_table(answer, table, rtol=tol.rtol, atol=tol.atol)
    return None


# --------------------------------------------------------------------------------------------
# Homeworks whose parts check the form


UNCHECKED = "Only the form of this answer was checked; its correctness is graded later."


@dataclass(frozen=True)
class PublicDetail:
    """What a public check adds to an item's verdict: the form check's problem (``form``,
    None when the answer is well-formed), what judged correctness (``source``), what a passed
    check may say (``note``: the sanity floor's words) and the real verdict's own detail
    (``inner``). A student's check reads it in the grader's process (``public_view``); no
    results record holds it, so it has no reader of JSON."""

    form: Verdict | None = None
    source: Source = Source.REFERENCE
    note: str = ""
    inner: Detail | None = None

    def to_json(self) -> dict[str, Any]:
        inner = {} if self.inner is None else dict(self.inner.to_json())
        form = None
        if self.form is not None:
            form = {"verdict": self.form.status.value, "feedback": self.form.feedback}
        return {**inner, FORM: form, SOURCE: self.source.value, NOTE: self.note}


@dataclass(frozen=True)
class FormPart:
    """A part that checks the form of its items, and their correctness through ``inner`` (the
    real part, where the references are installed) or the manifest's answers.

    Each verdict is the real one where there is one, its detail a ``PublicDetail``: the form
    check's problem (or None) and what judged correctness. A trained model's form includes its
    sanity floor (``check_sanity``), whose words on passing are the detail's ``note``.
    """

    public: tuple[PublicItem, ...]
    inner: Part | None = None

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i.item for i in self.public)

    @property
    def datasets(self) -> tuple[str, ...]:
        """The datasets its trained models (or ``inner``) are checked on: it is ``Contextual``
        and hands the context on."""
        inner = tuple(getattr(self.inner, "datasets", ()))
        return tuple(dict.fromkeys((*inner, *(i.sanity.dataset for i in self.public if i.sanity))))

    def solve(self, params: Params, context: CheckContext | None = None) -> Mapping[str, Any]:
        if self.inner is not None:
            return solved(self.inner, params, context)
        return {i.variable: i.answer for i in self.public if i.answer is not None}

    def expectations(self, params: Params) -> Mapping[str, Expectation]:
        return {
            i.variable: Expectation(i.expect, i.shape, i.options, i.sanity, i.tolerance)
            for i in self.public
        }

    def grade(
        self, answers: Mapping[str, Answer], params: Params, context: CheckContext | None = None
    ) -> Mapping[str, Verdict]:
        real: Mapping[str, Verdict] = {}
        if self.inner is not None:
            try:
                real = graded(self.inner, answers, params, context)
            except Exception:  # a checker bug: the form is still checked
                real = {}
        verdicts = {}
        for item in self.public:
            answer = answers.get(item.variable, ABSENT)
            form, note = check_form(answer, item), ""
            if form is None and item.sanity is not None:
                form, note = check_sanity(answers, item, params, context)
            verdict, source = real.get(item.variable), Source.REFERENCE
            if verdict is None:
                verdict, source = compare_with_manifest(answer, item), Source.MANIFEST
            if verdict is None:
                verdict, source = (
                    form or Verdict(Status.MANUAL, 0.0, feedback=UNCHECKED),
                    Source.NONE,
                )
            detail = PublicDetail(form, source, note, verdict.detail)
            verdicts[item.variable] = replace(verdict, detail=detail)
        return verdicts


@dataclass(frozen=True)
class ProbingFormPart(FormPart):
    """A ``FormPart`` that probes the kernel: for ``inner``'s probe (where the references are
    installed) and for the sanity floor of its trained models."""

    def probe(self, params: Params, context: CheckContext | None = None) -> Probe:
        inner = self.inner
        probes = [probed(inner, params, context)] if isinstance(inner, Probing) else []
        sanity = sanity_probe(self.public, params, context)
        probes += [sanity] if sanity is not None else []
        return Probe(
            "\n".join(p.source for p in probes),
            tuple(dict.fromkeys(v for p in probes for v in p.variables)),
            {name: data for p in probes for name, data in p.files.items()},
        )


def _form_part(public: tuple[PublicItem, ...], inner: Part | None) -> FormPart:
    probing = inner is not None and isinstance(inner, Probing)
    if probing or any(i.sanity is not None for i in public):
        return ProbingFormPart(public, inner)
    return FormPart(public, inner)


def checking_homework(homework: Homework) -> Homework:
    """``homework`` with every part wrapped so its verdicts also carry the form check."""
    questions = []
    for q in homework.questions:
        parts = tuple(_form_part(describe(part, homework.params, False), part) for part in q.parts)
        questions.append(replace(q, parts=parts))
    return replace(homework, questions=tuple(questions))


def public_homework(manifest: Manifest) -> Homework:
    """A homework built from the manifest alone: form checks, and correctness only where the
    manifest carries the answer."""
    questions = tuple(
        Question(q.id, q.title, "", (_form_part(q.items, None),), show_result=q.show_result)
        for q in manifest.questions
    )
    return Homework(manifest.assignment, manifest.title, questions, {}, manifest.limits)


# --------------------------------------------------------------------------------------------
# What the student sees


class Shown(StrEnum):
    """The statuses a student's check shows."""

    ANSWERED = "answered"
    BY_A_PERSON = "answered (graded by a person)"
    MISSING = "missing"
    INVALID = "invalid"
    ERROR = "error"
    BELOW_FLOOR = "below the sanity floor"  # a trained model no better than chance
    CORRECT = "correct"  # the next three only for questions that show their result
    FOLLOW_THROUGH = "follow-through"
    INCORRECT = "incorrect"

    @property
    def problem(self) -> bool:
        return self in (Shown.MISSING, Shown.INVALID, Shown.ERROR, Shown.BELOW_FLOOR)


@dataclass(frozen=True)
class PublicView:
    status: Shown
    message: str
    points: float | None  # None: hidden


_SHOWN_MESSAGES = {
    Status.CORRECT: "Correct.",
    Status.FOLLOW_THROUGH: "Follows correctly from your own earlier answers.",
    Status.INCORRECT: "Not correct.",
}

_GENERIC_PROBLEM = {
    Status.MISSING: "No answer.",
    Status.INVALID: "This answer cannot be read as the question asks.",
    Status.ERROR: "The code for this answer failed.",
}


def public_view(verdict: Verdict, expect: Expect, shown: bool, score: float) -> PublicView:
    """What a student may see of one graded item (``score``: the points it earned).

    A problem with the form (missing, invalid, error, a trained model below the sanity floor)
    is shown with its message; so is one the real check found, unless its message quotes the
    expected answer. Correctness and points only where the question is ``shown``; a person's
    grading is said as such; a passed sanity floor says so.
    """
    public = verdict.detail if isinstance(verdict.detail, PublicDetail) else PublicDetail()
    form = public.form
    if form is not None:
        status = Shown.BELOW_FLOOR if form.status is Status.INCORRECT else Shown(form.status.value)
        return PublicView(status, form.feedback, 0.0 if shown else None)
    if verdict.status in PROBLEMS:
        message = verdict.feedback
        if not message or (verdict.expected and verdict.expected in message):
            message = _GENERIC_PROBLEM[verdict.status]
        return PublicView(Shown(verdict.status.value), message, 0.0 if shown else None)
    source = public.source
    if expect is Expect.TEXT or (verdict.status is Status.MANUAL and source is not Source.NONE):
        return PublicView(Shown.BY_A_PERSON, "", None)
    if not shown or source is Source.NONE:
        return PublicView(Shown.ANSWERED, public.note, None)
    message = verdict.mistake.explanation if verdict.mistake else _SHOWN_MESSAGES[verdict.status]
    if verdict.status is Status.INCORRECT and source is Source.MANIFEST:
        message += " (The graded report may still credit values that follow from your own.)"
    return PublicView(Shown(verdict.status.value), message, score)
