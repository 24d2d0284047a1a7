"""Message catalogues of the reports: English (the default) and Persian.

In:  a language code (``en`` or ``fa``).
Out: ``Messages`` — the page's ``lang`` and ``dir``, and a lookup ``messages(key, **fields)``
     that the templates call for every word they show (no text is written in the templates).

Both catalogues have the same keys and the same ``{fields}`` in each message (a test checks
it). Text that comes from elsewhere (feedback written by the checks, students' answers) stays
in the language it was written in. A named mistake's explanation comes from its declaration
(``Mistake.explanation`` and ``Mistake.persian``, beside each other in the homework's reference
module), question titles and item labels from the homework itself (``Homework.names``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from markupsafe import Markup, escape

LANGUAGES = ("en", "fa")
DEFAULT_LANGUAGE = "en"

ENGLISH: Mapping[str, str] = MappingProxyType(
    {
        # verdicts and their meaning
        "verdict.correct": "correct",
        "verdict.follow-through": "follow-through",
        "verdict.incorrect": "incorrect",
        "verdict.missing": "missing",
        "verdict.invalid": "invalid",
        "verdict.error": "error",
        "verdict.manual": "manual",
        "verdict.override": "graded by a person",
        "means.correct": "matches the reference",
        "means.follow-through": (
            "wrong only because an earlier answer was wrong: it follows from your own earlier "
            "values"
        ),
        "means.incorrect": "neither; a recognised mistake is named",
        "means.missing": "no answer given",
        "means.invalid": "an answer that cannot be read",
        "means.error": "the code for it failed",
        "means.manual": "needs a person",
        "means.override": "a person has graded this answer",
        # the student's page
        "student.title": "{assignment} — {student}",
        "student.meta": "Assignment {assignment} · graded {when} · grader {version}",
        "student.isolation": "isolation: {mode}",
        "student.not_run": "not run",
        "student.seconds": "ran in {seconds} s",
        "student.total": "Total",
        "student.print_head": "{assignment} · {student} · {score} / {max}",
        "student.did_not_run": "This notebook did not run to its end:",
        "student.overview": "Questions",
        "student.legend": "What the verdicts mean",
        "question.prompt": "The question",
        "question.points": "{score} / {max} points",
        "col.answer": "Answer",
        "col.step": "Step",
        "col.yours": "Yours",
        "col.expected": "Expected",
        "col.verdict": "Verdict",
        "col.points": "Points",
        "col.feedback": "Feedback",
        "no_answer": "—",
        "model.private": "The course keeps its model answer private.",
        "override.badge": "graded by a person",
        "override.points": "{points} points from a person:",
        "rubric": "Rubric",
        "mistake.looks_like": "Looks like: {mistake}",
        "mistake.known": "Looks like a known mistake",
        "feedback.missing": "No answer.",
        "feedback.manual": "Waiting for a person to grade this answer.",
        "feedback.follow_through": (
            "Not the reference value, but it follows correctly from your own earlier values "
            "(they give {value})."
        ),
        "feedback.step_incorrect": (
            "Expected {expected}. From your own earlier values the formula gives {value}; "
            "{given} matches neither."
        ),
        "feedback.table_correct": "All {cells} cells match.",
        "feedback.proved": "Correct: equivalent to the expected formula (confirmed symbolically).",
        "feedback.numeric_only": (
            "Correct: equal to the expected formula at every sample point (confirmed numerically "
            "only)."
        ),
        "feedback.table_cells": "{wrong} of {cells} cells differ from the reference.",
        "feedback.table_mistake": "The whole table matches a known mistake.",
        "feedback.table_shape": "Wrong shape: expected {expected}, got {given}.",
        "formula.from_yours": "From your own values",
        "formula.gives": "gives {value}",
        "formula.arrow": "→",
        "time.utc": "UTC",
        "isolation.bwrap": "bwrap",
        "isolation.none": "none",
        "path.title": "Your path through the derivation",
        "path.left": "You left the reference path at {step}.",
        "path.follow": (
            "{count} later steps were credited as follow-through: they follow correctly from "
            "your own values."
        ),
        "path.follow_one": (
            "1 later step was credited as follow-through: it follows correctly from your own "
            "values."
        ),
        "path.on": "Every step you gave is on the reference path.",
        "path.marker_left": "left the reference path here",
        "path.marker_follow": "credited from your own values",
        "table.yours": "Your table",
        "table.expected": "Expected table",
        "table.matching": "{matching} of {cells} cells match",
        "table.wrong_cell": "differs from the reference",
        "table.diagnosis": "Diagnosis:",
        "table.shape": "{shape} table",
        "symbolic.read_as": "Read as",
        "symbolic.confirmed": "Confirmed: {how}",
        "training.measured": "Measured by the grader",
        "training.reported": "You reported",
        "training.metric": "Figure",
        "training.gap": "The reported figure is far from the measured one.",
        "training.history": "Loss during training",
        "training.more": "More of the grader's measurements",
        "training.axis": "epoch (horizontal) · loss (vertical)",
        "training.dataset": "Measured on: {dataset}",
        # training verdicts (graders.checks.training.verdicts)
        "training.sentences": "{sentences}",
        "training.mistaken": "{mistake} {rest}",
        "training.measured_accuracy": (
            "Measured held-out accuracy {accuracy} on {count} examples (needed at least {bar}); "
            "{loss}."
        ),
        "training.loss": "loss {loss}",
        "training.no_loss": "no loss: {broken} outputs were not finite numbers (counted as wrong)",
        "training.train_accuracy": (
            "Training accuracy {accuracy} on the first {count} training examples: gap {gap}."
        ),
        "training.overfits": "It overfits: the gap is at least {gap}.",
        "training.overfits_not": (
            "It does not overfit enough: a gap of at least {gap} was asked for."
        ),
        "training.gaps_unmeasured": "The gaps could not both be measured.",
        "training.gap_smaller": "Its gap {mine} is smaller than the overfit model's {theirs}.",
        "training.gap_not_smaller": (
            "Its gap {mine} is not smaller than the overfit model's {theirs}."
        ),
        "training.beats": "It beats the first model's {theirs}.",
        "training.beats_not": "It does not beat the first model's {theirs}.",
        "training.norms_unmeasured": "The weight norms could not both be measured.",
        "training.norm_smaller_comparable": (
            "Weight {norm} norm {mine} against the overfit model's {theirs} (smaller); accuracy "
            "comparable."
        ),
        "training.norm_smaller_below": (
            "Weight {norm} norm {mine} against the overfit model's {theirs} (smaller); accuracy "
            "more than {comparable} below the overfit model's."
        ),
        "training.norm_not_smaller_comparable": (
            "Weight {norm} norm {mine} against the overfit model's {theirs} (not smaller); "
            "accuracy comparable."
        ),
        "training.norm_not_smaller_below": (
            "Weight {norm} norm {mine} against the overfit model's {theirs} (not smaller); "
            "accuracy more than {comparable} below the overfit model's."
        ),
        "training.different_counts": "(The two models have different parameter counts.)",
        "training.flagged": "The figure reported differs from the measured one (flagged).",
        "training.reported_not_number": (
            "Expected the accuracy as a number (0..1, or a percentage)."
        ),
        "training.reported_not_accuracy": "{given} is not an accuracy.",
        "training.reported_unconfirmed": (
            "The model was not measured, so the reported accuracy cannot be confirmed."
        ),
        "training.reported_close": "Reported {reported}; the grader measured {measured}.",
        "training.reported_far": (
            "Reported {reported}, but the grader measured {measured} on its held-out data: more "
            "than {margin} apart. The figure reported is not what the grader measures for this "
            "model on its held-out data."
        ),
        "training.many_unconfirmed": (
            "The model was not measured, so these figures cannot be confirmed."
        ),
        "training.many_close": "Each within {margin} of the grader's figures.",
        "training.many_far": (
            "One is {worst} from the grader's figure (margin {margin}). The figure reported is not "
            "what the grader measures for this model on its held-out data."
        ),
        "training.history_invalid": "Expected the {what} as a list of at least two finite numbers.",
        "training.transforms": (
            "{working} of {count} transforms changed the grader's images (at least {needed} "
            "needed)."
        ),
        "training.transforms_noted": (
            "{working} of {count} transforms changed the grader's images (at least {needed} "
            "needed). {notes}"
        ),
        "training.transform_reshaped": "A transform changed the images' shape.",
        "training.transform_raised": "A transform raised on a batch and on single images.",
        "training.block_shape": "On an input {input} it gives {shape}.",
        "training.block_parameters": "It has {given} parameters, not {expected}.",
        "training.block_correct": "Shape and parameter count as the reference.",
        "training.activation_wrong": "It does not compute max(x, 0) + α·min(x, 0).",
        "training.alpha_accuracies": (
            "Measured held-out accuracy (with inverted copies) per α: {listed}. Best {best} "
            "(needed at least {bar})."
        ),
        "training.alpha_linear": (
            "α = 1 reaches {mine}; a logistic regression the grader fitted reaches {linear}. The α "
            "= 1 network behaves as a linear model (its outputs are affine in the input)."
        ),
        "training.alpha_not_linear": (
            "α = 1 reaches {mine}; a logistic regression the grader fitted reaches {linear}. The α "
            "= 1 network does not behave as a linear model: its outputs are not affine in the "
            "input (max-pooling, for one, is not linear)."
        ),
        "training.alpha_options": "Expected one of {options}.",
        "training.alpha_unmeasured": "Not every model was measured.",
        "training.alpha_best": (
            "Measured {chosen} for α = {alpha}; the best measured is {best} (α = {top}); within "
            "{margin} counts."
        ),
        "figure.test_accuracy": "test accuracy",
        "figure.train_accuracy": "training accuracy",
        "figure.test_loss": "test loss",
        "figure.train_loss": "training loss",
        "figure.per_class_test": "test accuracy per class",
        "figure.per_class_train": "training accuracy per class",
        "figure.gap": "train − test accuracy",
        "figure.parameters": "parameters",
        "figure.n_test": "test examples",
        "figure.n_train": "training examples",
        "figure.weight_norm": "weight norm (L2)",
        "figure.weight_l1": "weight norm (L1)",
        "figure.output_shape": "output shape",
        "figure.kind": "model kind",
        "figure.value": "value",
        "cells.title": "Your notebook's cells",
        "cells.summary": "{count} code cells; {failed} failed",
        "cells.failed_list": "Failed cells:",
        "cells.cell": "Cell {number}",
        "cells.source": "source",
        "cells.output": "output",
        "cell.ok": "ran",
        "cell.error": "raised an error",
        "cell.timeout": "stopped at the time limit",
        "cell.skipped": "not run",
        # the class page
        "class.title": "{assignment} — class",
        "class.submissions": "{count} submissions",
        "class.gradebook": "grades.csv",
        "class.all": "all assignments",
        "class.mean": "mean {mean} / {max}",
        "class.median": "median {median}",
        "class.distribution": "Score distribution",
        "class.histogram": "Number of students per score range, from 0 to {max}",
        "class.axis": "score (horizontal) · students (vertical)",
        "class.students": "Students",
        "class.sort_hint": "Select a column heading to sort the table.",
        "class.unisolated": (
            "{count} of {total} submissions ran without isolation (--sandbox none): their "
            "kernels could read and write every file the grader can and reach the network. "
            "Grade untrusted notebooks with bubblewrap."
        ),
        "col.student": "Student",
        "col.score": "Score",
        "col.ran": "Ran",
        "col.problem": "Problem",
        "yes": "yes",
        "no": "no",
        "class.questions": "Questions",
        "col.question": "Question",
        "col.mean": "Mean",
        "col.verdicts": "Verdicts (share of students, each by their least good answer)",
        "class.mistakes": "Most common mistakes",
        "class.no_mistakes": "No named mistake was made.",
        "col.mistake": "Mistake",
        "col.count": "Students",
        "col.who": "Who",
        "class.failed": "Submissions that did not run",
        "class.all_ran": "Every submission ran to its end.",
        "class.manual": "Answers waiting for a person",
        "class.manual_help": (
            "Each answer below needs a person. Read it against the rubric, fill in the points "
            "(and a comment) in its row and add the row to {file} (columns: "
            "assignment,student,item,points,comment). Run the grader again: the points and the "
            "comment appear in the student's page and the totals, and no notebook is run again. "
            "A row whose points are left empty is reported and skipped."
        ),
        "class.manual_none": "No answer is waiting for a person.",
        "class.manual_done": "{count} answers already graded by a person.",
        "class.out_of": "{max} points",
        "col.given": "The student's answer",
        "col.row": "Row for the overrides file",
        "class.shared": "Identical wrong answers",
        "class.shared_help": (
            "The same wrong answer, not a recognised mistake, given by several students (at "
            "most {limit} of them). This is for a person to review; it proves nothing by itself "
            "and is never shown to students."
        ),
        "class.shared_none": "No rare wrong answer is shared by several students.",
        "class.variants": "Answers that match a classmate's variant",
        "class.variants_help": (
            "Each student below gave several answers that equal the numbers of another "
            "student's variant and not of their own. This is for a person to review; it proves "
            "nothing by itself and is never shown to students. It is checked only when the batch "
            "is graded with {flag}."
        ),
        "class.variants_none": "No student's answers match another student's variant.",
        "col.matches": "Matches the variant of",
        "col.answers": "Matching answers",
        "col.item": "Item",
        "col.students": "Students",
        # the index page
        "index.title": "Grades",
        "index.heading": "Assignments",
        "col.assignment": "Assignment",
        "col.submissions": "Submissions",
        "col.failed": "Did not run",
        "col.pending": "Waiting for a person",
        "col.lost": "Students who lost points",
        "class.lost": "Where students lost points",
        "class.lost.note": "Each answer by the share of students who lost points on it "
        "(answers waiting for a person aside), most first.",
        "pending": "({points} pending)",
        "pending.students": "{count} students ({points} points)",
        "index.none": "No graded submissions yet.",
    }
)

PERSIAN: Mapping[str, str] = MappingProxyType(
    {
        "verdict.correct": "درست",
        "verdict.follow-through": "پیرو خطای قبلی",
        "verdict.incorrect": "نادرست",
        "verdict.missing": "بی‌پاسخ",
        "verdict.invalid": "نامعتبر",
        "verdict.error": "خطای اجرا",
        "verdict.manual": "تصحیح دستی",
        "verdict.override": "تصحیح دستیار آموزشی",
        "means.correct": "با پاسخ مرجع یکی است",
        "means.follow-through": (
            "نادرست است فقط چون پاسخی قبلی نادرست بوده؛ از مقادیر قبلی خودتان درست به دست آمده"
        ),
        "means.incorrect": "هیچ‌کدام؛ اگر اشتباهی شناخته‌شده باشد نامش آمده است",
        "means.missing": "پاسخی داده نشده",
        "means.invalid": "پاسخی که خوانده نمی‌شود",
        "means.error": "کدِ آن با خطا متوقف شد",
        "means.manual": "باید دستیار آموزشی تصحیح کند",
        "means.override": "دستیار آموزشی این پاسخ را تصحیح کرده است",
        "student.title": "{assignment} — {student}",
        "student.meta": "تمرین {assignment} · تصحیح در {when} · نسخهٔ تصحیح‌گر {version}",
        "student.isolation": "جداسازی: {mode}",
        "student.not_run": "اجرا نشد",
        "student.seconds": "زمان اجرا {seconds} ثانیه",
        "student.total": "نمرهٔ کل",
        "student.print_head": "{assignment} · {student} · نمرهٔ {score} از {max}",
        "student.did_not_run": "این نوت‌بوک تا انتها اجرا نشد:",
        "student.overview": "سؤال‌ها",
        "student.legend": "معنای داوری‌ها",
        "question.prompt": "صورت سؤال",
        "question.points": "{score} از {max} نمره",
        "col.answer": "پاسخ",
        "col.step": "گام",
        "col.yours": "پاسخ شما",
        "col.expected": "پاسخ مرجع",
        "col.verdict": "داوری",
        "col.points": "نمره",
        "col.feedback": "توضیح",
        "no_answer": "—",
        "model.private": "پاسخ نمونه را درس منتشر نمی‌کند.",
        "override.badge": "تصحیح دستیار آموزشی",
        "override.points": "{points} نمره از دستیار آموزشی:",
        "rubric": "بارم‌بندی",
        "mistake.looks_like": "شبیه این اشتباه: {mistake}",
        "mistake.known": "شبیه اشتباهی شناخته‌شده",
        "feedback.missing": "پاسخی داده نشده است.",
        "feedback.manual": "این پاسخ منتظر تصحیح دستیار آموزشی است.",
        "feedback.follow_through": (
            "با مقدار مرجع یکی نیست، اما از مقادیر قبلی خودتان درست به دست آمده "
            "(آن مقادیر {value} می‌دهند)."
        ),
        "feedback.step_incorrect": (
            "پاسخ مرجع {expected} است. فرمول با مقادیر قبلی خودتان {value} می‌دهد؛ "
            "{given} با هیچ‌کدام یکی نیست."
        ),
        "feedback.table_correct": "هر {cells} خانه درست است.",
        "feedback.proved": "درست: با فرمول مرجع هم‌ارز است (با اثبات نمادین).",
        "feedback.numeric_only": (
            "درست: در همهٔ نقاط نمونه با فرمول مرجع برابر است (فقط به‌صورت عددی تأیید شد)."
        ),
        "feedback.table_cells": "{wrong} خانه از {cells} خانه با جدول مرجع فرق دارد.",
        "feedback.table_mistake": "کل جدول با یک اشتباه شناخته‌شده یکی است.",
        "feedback.table_shape": "ابعاد نادرست: {expected} لازم بود، {given} داده شد.",
        "formula.from_yours": "با مقادیر خودتان",
        "formula.gives": "{value} می‌شود",
        "formula.arrow": "←",
        "time.utc": "به وقت جهانی",
        "isolation.bwrap": "محیط جداشده",
        "isolation.none": "بدون جداسازی",
        "path.title": "مسیر شما در گام‌های محاسبه",
        "path.left": "از گام {step} از مسیر مرجع جدا شدید.",
        "path.follow": (
            "{count} گام بعدی به‌عنوان «پیرو خطای قبلی» نمره گرفت: از مقادیر خودتان درست "
            "به دست آمده‌اند."
        ),
        "path.follow_one": (
            "1 گام بعدی به‌عنوان «پیرو خطای قبلی» نمره گرفت: از مقادیر خودتان درست به دست آمده است."
        ),
        "path.on": "همهٔ گام‌هایی که دادید روی مسیر مرجع‌اند.",
        "path.marker_left": "جدا شدن از مسیر مرجع",
        "path.marker_follow": "نمره بر پایهٔ مقادیر خودتان",
        "table.yours": "جدول شما",
        "table.expected": "جدول مرجع",
        "table.matching": "{matching} خانه از {cells} خانه درست",
        "table.wrong_cell": "با جدول مرجع فرق دارد",
        "table.diagnosis": "تشخیص:",
        "table.shape": "جدول {shape}",
        "symbolic.read_as": "خوانده‌شده به‌صورت",
        "symbolic.confirmed": "تأیید: {how}",
        "training.measured": "اندازه‌گیری تصحیح‌گر",
        "training.reported": "گزارش شما",
        "training.metric": "معیار",
        "training.gap": "عدد گزارش‌شده با عدد اندازه‌گیری‌شده فاصلهٔ زیادی دارد.",
        "training.history": "تابع هزینه در طول آموزش",
        "training.more": "اندازه‌گیری‌های دیگر تصحیح‌گر",
        "training.axis": "دوره (افقی) · هزینه (عمودی)",
        "training.dataset": "اندازه‌گیری روی: {dataset}",
        # training verdicts (graders.checks.training.verdicts)
        "training.sentences": "{sentences}",
        "training.mistaken": "{mistake} {rest}",
        "training.measured_accuracy": (
            "دقت اندازه‌گیری‌شده روی داده‌های کنارگذاشته {accuracy} روی {count} نمونه (دست‌کم "
            "{bar} لازم بود)؛ {loss}."
        ),
        "training.loss": "هزینه {loss}",
        "training.no_loss": "بدون هزینه: {broken} خروجی عدد متناهی نبودند (نادرست شمرده شدند)",
        "training.train_accuracy": (
            "دقت آموزش {accuracy} روی {count} نمونهٔ نخست آموزش: فاصله {gap}."
        ),
        "training.overfits": "مدل بیش‌برازش دارد: فاصله دست‌کم {gap} است.",
        "training.overfits_not": (
            "مدل به اندازهٔ کافی بیش‌برازش ندارد: فاصله‌ای دست‌کم {gap} خواسته شده بود."
        ),
        "training.gaps_unmeasured": "هر دو فاصله را نمی‌شد اندازه گرفت.",
        "training.gap_smaller": (
            "فاصلهٔ آن ({mine}) از فاصلهٔ مدل بیش‌برازش‌شده ({theirs}) کوچک‌تر است."
        ),
        "training.gap_not_smaller": (
            "فاصلهٔ آن ({mine}) از فاصلهٔ مدل بیش‌برازش‌شده ({theirs}) کوچک‌تر نیست."
        ),
        "training.beats": "از دقت مدل نخست ({theirs}) بهتر است.",
        "training.beats_not": "از دقت مدل نخست ({theirs}) بهتر نیست.",
        "training.norms_unmeasured": "هر دو نُرم وزن‌ها را نمی‌شد اندازه گرفت.",
        "training.norm_smaller_comparable": (
            "نُرم {norm} وزن‌ها {mine} در برابر {theirs} در مدل بیش‌برازش‌شده (کوچک‌تر)؛ دقت هم‌تراز است."
        ),
        "training.norm_smaller_below": (
            "نُرم {norm} وزن‌ها {mine} در برابر {theirs} در مدل بیش‌برازش‌شده (کوچک‌تر)؛ دقت بیش "
            "از {comparable} پایین‌تر از مدل بیش‌برازش‌شده است."
        ),
        "training.norm_not_smaller_comparable": (
            "نُرم {norm} وزن‌ها {mine} در برابر {theirs} در مدل بیش‌برازش‌شده (کوچک‌تر نیست)؛ دقت "
            "هم‌تراز است."
        ),
        "training.norm_not_smaller_below": (
            "نُرم {norm} وزن‌ها {mine} در برابر {theirs} در مدل بیش‌برازش‌شده (کوچک‌تر نیست)؛ دقت "
            "بیش از {comparable} پایین‌تر از مدل بیش‌برازش‌شده است."
        ),
        "training.different_counts": "(تعداد پارامترهای دو مدل متفاوت است.)",
        "training.flagged": "عدد گزارش‌شده با عدد اندازه‌گیری‌شده فرق دارد (علامت خورد).",
        "training.reported_not_number": "دقت باید یک عدد باشد (بین ۰ و ۱، یا درصد).",
        "training.reported_not_accuracy": "{given} یک دقت نیست.",
        "training.reported_unconfirmed": (
            "مدل اندازه‌گیری نشد، پس دقت گزارش‌شده را نمی‌توان تأیید کرد."
        ),
        "training.reported_close": "گزارش شما {reported}؛ اندازه‌گیری مصحح {measured}.",
        "training.reported_far": (
            "گزارش شما {reported} است، اما مصحح روی داده‌های کنارگذاشته‌اش {measured} اندازه گرفت: "
            "بیش از {margin} فاصله. عددی که گزارش شده همانی نیست که مصحح برای این مدل روی داده‌های "
            "کنارگذاشته‌اش اندازه می‌گیرد."
        ),
        "training.many_unconfirmed": "مدل اندازه‌گیری نشد، پس این عددها را نمی‌توان تأیید کرد.",
        "training.many_close": "همه در فاصلهٔ {margin} از عددهای مصحح‌اند.",
        "training.many_far": (
            "یکی {worst} با عدد مصحح فاصله دارد (حد مجاز {margin}). عددی که گزارش شده همانی نیست "
            "که مصحح برای این مدل روی داده‌های کنارگذاشته‌اش اندازه می‌گیرد."
        ),
        "training.history_invalid": "{what} باید فهرستی از دست‌کم دو عدد متناهی باشد.",
        "training.transforms": (
            "{working} تبدیل از {count} تبدیل تصویرهای مصحح را تغییر داد (دست‌کم {needed} لازم است)."
        ),
        "training.transforms_noted": (
            "{working} تبدیل از {count} تبدیل تصویرهای مصحح را تغییر داد (دست‌کم {needed} لازم "
            "است). {notes}"
        ),
        "training.transform_reshaped": "یک تبدیل شکل تصویرها را تغییر داد.",
        "training.transform_raised": "یک تبدیل هم روی یک دسته و هم روی تک‌تصویرها خطا داد.",
        "training.block_shape": "روی ورودی {input} خروجی {shape} می‌دهد.",
        "training.block_parameters": "{given} پارامتر دارد، نه {expected}.",
        "training.block_correct": "شکل خروجی و تعداد پارامترها مانند مرجع است.",
        "training.activation_wrong": "این تابع max(x, 0) + α·min(x, 0) را حساب نمی‌کند.",
        "training.alpha_accuracies": (
            "دقت اندازه‌گیری‌شده روی داده‌های کنارگذاشته (با نسخه‌های معکوس) برای هر α: {listed}. "
            "بهترین {best} (دست‌کم {bar} لازم بود)."
        ),
        "training.alpha_linear": (
            "α = 1 به {mine} می‌رسد؛ رگرسیون لجستیکی که مصحح برازش داد به {linear} می‌رسد. شبکهٔ α "
            "= 1 مانند یک مدل خطی رفتار می‌کند (خروجی‌هایش تابعی آفین از ورودی است)."
        ),
        "training.alpha_not_linear": (
            "α = 1 به {mine} می‌رسد؛ رگرسیون لجستیکی که مصحح برازش داد به {linear} می‌رسد. شبکهٔ α "
            "= 1 مانند یک مدل خطی رفتار نمی‌کند: خروجی‌هایش تابعی آفین از ورودی نیست (برای نمونه "
            "max-pooling خطی نیست)."
        ),
        "training.alpha_options": "یکی از این‌ها خواسته شده بود: {options}.",
        "training.alpha_unmeasured": "همهٔ مدل‌ها اندازه‌گیری نشدند.",
        "training.alpha_best": (
            "برای α = {alpha} دقت {chosen} اندازه‌گیری شد؛ بهترین {best} است (α = {top})؛ فاصلهٔ "
            "تا {margin} پذیرفته است."
        ),
        "figure.test_accuracy": "دقت آزمون",
        "figure.train_accuracy": "دقت آموزش",
        "figure.test_loss": "هزینهٔ آزمون",
        "figure.train_loss": "هزینهٔ آموزش",
        "figure.per_class_test": "دقت آزمون هر کلاس",
        "figure.per_class_train": "دقت آموزش هر کلاس",
        "figure.gap": "دقت آموزش − دقت آزمون",
        "figure.parameters": "تعداد پارامترها",
        "figure.n_test": "نمونه‌های آزمون",
        "figure.n_train": "نمونه‌های آموزش",
        "figure.weight_norm": "نُرم وزن‌ها (L2)",
        "figure.weight_l1": "نُرم وزن‌ها (L1)",
        "figure.output_shape": "ابعاد خروجی",
        "figure.kind": "نوع مدل",
        "figure.value": "مقدار",
        "cells.title": "سلول‌های نوت‌بوک شما",
        "cells.summary": "{count} سلول کد؛ {failed} سلول با خطا",
        "cells.failed_list": "سلول‌های با خطا:",
        "cells.cell": "سلول {number}",
        "cells.source": "کد",
        "cells.output": "خروجی",
        "cell.ok": "اجرا شد",
        "cell.error": "خطا داد",
        "cell.timeout": "در محدودیت زمانی متوقف شد",
        "cell.skipped": "اجرا نشد",
        "class.title": "{assignment} — کلاس",
        "class.submissions": "{count} پاسخ‌نامه",
        "class.gradebook": "grades.csv",
        "class.all": "همهٔ تمرین‌ها",
        "class.mean": "میانگین {mean} از {max}",
        "class.median": "میانه {median}",
        "class.distribution": "توزیع نمره‌ها",
        "class.histogram": "تعداد دانشجویان در هر بازهٔ نمره، از 0 تا {max}",
        "class.axis": "نمره (افقی) · تعداد دانشجو (عمودی)",
        "class.students": "دانشجویان",
        "class.sort_hint": "برای مرتب‌سازی جدول، سرستون را انتخاب کنید.",
        "class.unisolated": (
            "{count} از {total} پاسخ‌نامه بدون جداسازی اجرا شد (--sandbox none): کرنل آن‌ها "
            "می‌توانست هر پرونده‌ای را که ارزیاب می‌تواند بخواند و بنویسد و به شبکه برسد. "
            "پاسخ‌نامه‌های نامطمئن را با bubblewrap ارزیابی کنید."
        ),
        "col.student": "دانشجو",
        "col.score": "نمره",
        "col.ran": "اجرا",
        "col.problem": "مشکل",
        "yes": "بله",
        "no": "خیر",
        "class.questions": "سؤال‌ها",
        "col.question": "سؤال",
        "col.mean": "میانگین",
        "col.verdicts": "داوری‌ها (سهم دانشجویان، هر کس با ضعیف‌ترین پاسخش)",
        "class.mistakes": "اشتباه‌های رایج",
        "class.no_mistakes": "هیچ اشتباه شناخته‌شده‌ای دیده نشد.",
        "col.mistake": "اشتباه",
        "col.count": "تعداد",
        "col.who": "دانشجویان",
        "class.failed": "پاسخ‌نامه‌هایی که اجرا نشدند",
        "class.all_ran": "همهٔ پاسخ‌نامه‌ها تا انتها اجرا شدند.",
        "class.manual": "پاسخ‌های منتظر تصحیح دستی",
        "class.manual_help": (
            "هر پاسخ زیر را باید دستیار آموزشی تصحیح کند. آن را با بارم‌بندی بسنجید، نمره (و "
            "توضیح) را در سطر آن بنویسید و سطر را به {file} بیفزایید (ستون‌ها: "
            "assignment,student,item,points,comment). تصحیح‌گر را دوباره اجرا کنید: نمره و توضیح "
            "در صفحهٔ دانشجو و نمرهٔ کل می‌آید و هیچ نوت‌بوکی دوباره اجرا نمی‌شود. سطری که نمره‌اش "
            "خالی بماند گزارش و کنار گذاشته می‌شود."
        ),
        "class.manual_none": "هیچ پاسخی منتظر تصحیح دستی نیست.",
        "class.manual_done": "{count} پاسخ را دستیار آموزشی تصحیح کرده است.",
        "class.out_of": "{max} نمره",
        "col.given": "پاسخ دانشجو",
        "col.row": "سطر فایل نمره‌های دستی",
        "class.shared": "پاسخ‌های نادرست یکسان",
        "class.shared_help": (
            "یک پاسخ نادرست یکسان، که اشتباه شناخته‌شده‌ای نیست، از چند دانشجو (حداکثر {limit} "
            "نفر). فقط برای بررسی دستیار آموزشی است، به‌تنهایی چیزی را ثابت نمی‌کند و هرگز به "
            "دانشجو نشان داده نمی‌شود."
        ),
        "class.shared_none": "هیچ پاسخ نادرست کم‌یابی میان چند دانشجو مشترک نیست.",
        "class.variants": "پاسخ‌های منطبق بر نسخهٔ هم‌کلاسی",
        "class.variants_help": (
            "چند پاسخ هر دانشجوی زیر با اعداد نسخهٔ دانشجوی دیگری یکی است و با نسخهٔ خودش نه. "
            "فقط برای بررسی دستیار آموزشی است، به‌تنهایی چیزی را ثابت نمی‌کند و هرگز به دانشجو "
            "نشان داده نمی‌شود. این بررسی فقط وقتی انجام می‌شود که تصحیح با {flag} اجرا شود."
        ),
        "class.variants_none": "پاسخ‌های هیچ دانشجویی با نسخهٔ دانشجوی دیگری منطبق نیست.",
        "col.matches": "منطبق بر نسخهٔ",
        "col.answers": "پاسخ‌های منطبق",
        "col.item": "مورد",
        "col.students": "دانشجویان",
        "index.title": "نمره‌ها",
        "index.heading": "تمرین‌ها",
        "col.assignment": "تمرین",
        "col.submissions": "پاسخ‌نامه‌ها",
        "col.failed": "اجرا نشده",
        "col.pending": "در انتظار تصحیح",
        "col.lost": "دانشجویانی که نمره از دست دادند",
        "class.lost": "جاهایی که دانشجویان نمره از دست دادند",
        "class.lost.note": "هر پاسخ به ترتیب سهم دانشجویانی که در آن نمره از دست دادند "
        "(بدون پاسخ‌های در انتظار تصحیح)، بیشترین در بالا.",
        "pending": "({points} در انتظار تصحیح)",
        "pending.students": "{count} دانشجو ({points} نمره)",
        "index.none": "هنوز پاسخ‌نامه‌ای تصحیح نشده است.",
    }
)


@dataclass(frozen=True)
class Messages:
    """The words of the reports in one language."""

    lang: str
    table: Mapping[str, str]

    @property
    def dir(self) -> str:
        """The page's writing direction."""
        return "rtl" if self.lang == "fa" else "ltr"

    def __call__(self, key: str, **fields: object) -> str:
        """The message ``key`` with its ``{fields}`` filled in."""
        return self.table[key].format(**fields)

    def html(self, key: str, **fields: object) -> Markup:
        """The message as HTML: its text escaped, ``Markup`` fields (links, code) kept."""
        return escape(self.table[key]).format(**fields)

    def figure(self, name: str) -> str:
        """A training figure's name (``test_accuracy``) as the page shows it."""
        return self.table.get(f"figure.{name}", name.replace("_", " "))

    def isolation(self, mode: str) -> str:
        """How a kernel was isolated (``bwrap``, ``none``) in this language."""
        return self.table.get(f"isolation.{mode}", mode)

    def verdict(self, status: str) -> str:
        """The verdict word for a verdict value (``follow-through`` ...)."""
        return self.table.get(f"verdict.{status}", status)

    def isolated(self, text: str) -> str:
        """``text`` with its formulas and Latin words isolated left to right on a right-to-left
        page (``isolate_formulas``): ``∂L/∂w3`` keeps its order inside a Persian label."""
        return isolate_formulas(text) if self.dir == "rtl" else text

    def mistake(self, english: str, persian: str = "") -> str:
        """A named mistake's explanation in this language, from its declaration's texts
        (``Mistake.explanation``, ``Mistake.persian``): the English where this language has
        none; formulas isolated left to right on a right-to-left page."""
        if self.lang == "fa" and persian:
            return isolate_formulas(persian)
        return english


_PERSIAN_RUN = re.compile(r"([\u0600-\u06FF\u200c]+(?:[ \u200c]+[\u0600-\u06FF\u200c]+)*)")
_EDGE = " \t\n،؛:.!؟"
_LTR_CONTENT = re.compile(r"[A-Za-z0-9∂σŷηβαΣ²³¹₀-₉′→∞=<>+−·/|]")
LRI, PDI = "\u2066", "\u2069"  # Unicode's left-to-right isolate and its end


def isolate_formulas(text: str) -> str:
    """``text`` with each run of formula or Latin text between Persian words set apart as a
    left-to-right isolate (LRI ... PDI), so ``∂E/∂out = out − t`` reads in its own order inside
    a right-to-left sentence; edge spaces and punctuation stay in the sentence."""
    parts = []
    for index, part in enumerate(_PERSIAN_RUN.split(text)):
        core = _unbracketed(part.strip(_EDGE))
        if index % 2 or not core or not _LTR_CONTENT.search(core):
            parts.append(part)
            continue
        start = part.index(core)
        parts.append(f"{part[:start]}{LRI}{core}{PDI}{part[start + len(core) :]}")
    return "".join(parts)


def _unbracketed(core: str) -> str:
    """``core`` without edge brackets that pair with none inside it (they belong to the
    surrounding sentence, which mirrors them)."""
    while core:
        if core[0] in "([" and ")" not in core and "]" not in core:
            core = core[1:].lstrip()
        elif core[-1] in "([" or (core[-1] in ")]" and "(" not in core and "[" not in core):
            core = core[:-1].rstrip()
        elif core[0] in ")]":
            core = core[1:].lstrip()
        else:
            return core
    return core


@functools.lru_cache(maxsize=4096)
def text_direction(text: str) -> str:
    """``rtl`` when most letters of ``text`` are written right to left, ``ltr`` when most are
    left to right, ``auto`` when it has none (memoized: a page asks for each label's and
    message's direction, the same on every student's page).

    Students mix Persian and English (``Adam و RMSprop ...``); the browser's ``dir="auto"``
    looks only at the first letter, which would set such a Persian answer left to right.
    """
    rtl = ltr = 0
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            rtl += 1
        elif kind == "L":
            ltr += 1
    if rtl == ltr == 0:
        return "auto"
    return "rtl" if rtl > ltr else "ltr"


def messages(lang: str = DEFAULT_LANGUAGE) -> Messages:
    """The catalogue of ``lang``; raises ValueError for a language the reports lack."""
    if lang == "en":
        return Messages("en", ENGLISH)
    if lang == "fa":
        return Messages("fa", PERSIAN)
    raise ValueError(f"unknown report language {lang!r}; known: {', '.join(LANGUAGES)}")
