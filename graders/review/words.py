"""The review app's words in English and Persian (the reports' ``Messages``, its own table).

Both tables have the same keys and the same ``{fields}`` (a test checks it).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from graders.report.i18n import Messages

ENGLISH: Mapping[str, str] = MappingProxyType(
    {
        "app.title": "Review",
        "start.title": "Grade by question",
        "start.lead": "Everything that waits for a person, question by question.",
        "start.progress": "{done} of {total} answers graded",
        "start.none": "Nothing waits for a person in this results folder.",
        "start.stale": "{count} grades were given to a notebook that has changed since: re-review",
        "start.recheck": "re-check",
        "start.shares": "automatic verdicts",
        "start.item": "item",
        "start.answers": "answers",
        "start.graded": "graded",
        "start.students": "Students",
        "item.back": "All questions",
        "item.rubric": "Rubric",
        "item.model": "An answer the course accepts",
        "item.groups": "{groups} groups for {answers} answers",
        "item.group": "{count} students",
        "item.group_one": "1 student",
        "item.similar": "similar answers",
        "item.same": "same answer",
        "item.alone": "taken out of its group",
        "item.ungraded": "not graded",
        "item.graded": "graded: {points} of {max} by {grader}",
        "item.mixed": "graded differently",
        "item.stale": "the notebook changed since this grade",
        "item.adjust": "adjustment",
        "item.comment": "comment",
        "item.save": "Save",
        "item.split": "Take out",
        "item.conflict": (
            "{grader} saved another grade at {at} ({points} points). Save again to replace it."
        ),
        "item.saved": "saved",
        "item.keys": (
            "Keys: j/k next/previous group · 1–9 toggle rubric item · a adjustment · c "
            "comment · Enter save · n next ungraded · [ ] choose a student · x take them out "
            "· e edit rubric · r re-check list · g all questions"
        ),
        "item.verdict": "automatic verdict",
        "item.mistake": "named mistake",
        "item.points": "points",
        "item.add": "Add rubric item",
        "item.remove": "Remove",
        "item.recheck_on": "On the re-check list",
        "item.recheck_off": "Add to the re-check list",
        "item.auto_note": (
            "Automatic item: a grade here overrides the checks' points (adjustment = the points)."
        ),
        "item.empty": "(empty)",
        "student.title": "{student} — {assignment}",
        "student.report": "The student's report",
        "student.auto": "automatic",
        "student.person": "a person's grade",
        "refused": "This review app needs the link it printed when it started (with its token).",
    }
)

PERSIAN: Mapping[str, str] = MappingProxyType(
    {
        "app.title": "بازبینی",
        "start.title": "تصحیح سؤال به سؤال",
        "start.lead": "هر آنچه منتظر تصحیح یک نفر است، سؤال به سؤال.",
        "start.progress": "{done} از {total} پاسخ تصحیح شده",
        "start.none": "در این پوشهٔ نتایج چیزی منتظر تصحیح نیست.",
        "start.stale": (
            "{count} نمره به نوت‌بوکی داده شده که از آن پس تغییر کرده است: دوباره ببینید"
        ),
        "start.recheck": "بازبینی",
        "start.shares": "داوری‌های خودکار",
        "start.item": "بخش",
        "start.answers": "پاسخ",
        "start.graded": "تصحیح‌شده",
        "start.students": "دانشجویان",
        "item.back": "همهٔ سؤال‌ها",
        "item.rubric": "معیار نمره‌دهی",
        "item.model": "پاسخی که درس می‌پذیرد",
        "item.groups": "{groups} گروه برای {answers} پاسخ",
        "item.group": "{count} دانشجو",
        "item.group_one": "یک دانشجو",
        "item.similar": "پاسخ‌های مشابه",
        "item.same": "پاسخ یکسان",
        "item.alone": "جدا از گروهش",
        "item.ungraded": "تصحیح نشده",
        "item.graded": "تصحیح شده: {points} از {max}، به دست {grader}",
        "item.mixed": "با نمره‌های گوناگون",
        "item.stale": "نوت‌بوک پس از این نمره تغییر کرده است",
        "item.adjust": "تعدیل",
        "item.comment": "توضیح",
        "item.save": "ذخیره",
        "item.split": "جدا کردن",
        "item.conflict": (
            "{grader} در {at} نمرهٔ دیگری ذخیره کرد ({points} امتیاز). برای جایگزینی دوباره "
            "ذخیره کنید."
        ),
        "item.saved": "ذخیره شد",
        "item.keys": (
            "کلیدها: j/k گروه بعد/قبل · ۱–۹ معیار · a تعدیل · c توضیح · Enter ذخیره · n "
            "تصحیح‌نشدهٔ بعدی · [ ] انتخاب دانشجو · x جدا کردن · e ویرایش معیار · r فهرست "
            "بازبینی · g همهٔ سؤال‌ها"
        ),
        "item.verdict": "داوری خودکار",
        "item.mistake": "اشتباه شناخته‌شده",
        "item.points": "امتیاز",
        "item.add": "افزودن معیار",
        "item.remove": "حذف",
        "item.recheck_on": "در فهرست بازبینی",
        "item.recheck_off": "افزودن به فهرست بازبینی",
        "item.auto_note": (
            "بخش خودکار: نمره‌ای که اینجا داده شود جای امتیاز بررسی خودکار را می‌گیرد (تعدیل "
            "= امتیاز)."
        ),
        "item.empty": "(خالی)",
        "student.title": "{student} — {assignment}",
        "student.report": "گزارش دانشجو",
        "student.auto": "خودکار",
        "student.person": "نمرهٔ یک نفر",
        "refused": "این برنامهٔ بازبینی پیوندی را می‌خواهد که هنگام آغاز چاپ کرد (با رمزش).",
    }
)


def review_messages(lang: str) -> Messages:
    """The app's words in ``lang`` (``en`` or ``fa``)."""
    if lang == "fa":
        return Messages("fa", PERSIAN)
    if lang == "en":
        return Messages("en", ENGLISH)
    raise ValueError(f"unknown language {lang!r}")
