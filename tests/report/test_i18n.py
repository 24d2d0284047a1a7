"""The message catalogues: complete, consistent, and the only source of the templates' words."""

from __future__ import annotations

import ast
import importlib
import re
import string
from pathlib import Path

import pytest

import graders
from graders.execute import CellStatus
from graders.model.answers import Mistake
from graders.report.classroom import VERDICT_ORDER
from graders.report.i18n import (
    ENGLISH,
    LANGUAGES,
    LRI,
    PDI,
    PERSIAN,
    isolate_formulas,
    messages,
    text_direction,
)
from reference import catalogue

TEMPLATES = Path(graders.__file__).parent / "report" / "templates"
REPORT_TEMPLATES = ("base", "student", "parts", "assignment", "index")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogues_have_the_same_keys_and_fields() -> None:
    assert set(ENGLISH) == set(PERSIAN)
    for key in ENGLISH:
        assert _fields(ENGLISH[key]) == _fields(PERSIAN[key]), key
        assert PERSIAN[key].strip(), key


def test_persian_messages_are_persian() -> None:
    arabic_script = re.compile(r"[\u0600-\u06FF]")
    untranslated = [
        k
        for k, v in PERSIAN.items()
        if not arabic_script.search(v)
        and v == ENGLISH[k]
        and not re.fullmatch(r"[\W\d{}a-z._]*", v)
    ]
    assert untranslated == []
    assert "ي" not in "".join(PERSIAN.values())  # Persian ye (ی), not the Arabic letter
    assert "ك" not in "".join(PERSIAN.values())  # Persian kaf (ک)


def _template_text() -> str:
    return "\n".join((TEMPLATES / f"{name}.html.j2").read_text() for name in REPORT_TEMPLATES)


def test_every_key_the_templates_use_exists() -> None:
    text = _template_text()
    used = set(re.findall(r"""\bt(?:\.html)?\(\s*["']([a-z_.\-]+)["'](?!\s*~)""", text))
    assert used and used <= set(ENGLISH), used - set(ENGLISH)
    prefixes = set(re.findall(r"""\bt\(\s*["']([a-z_]+\.)["']\s*~""", text))
    assert prefixes == {"cell.", "means."}
    statuses = {f"cell.{s.value}" for s in CellStatus} | {f"means.{v}" for v in VERDICT_ORDER}
    assert statuses <= set(ENGLISH)


def test_templates_hold_no_words_of_their_own() -> None:
    text = _template_text()
    for pattern in (
        r"\{% block style %\}.*?\{% endblock %\}",
        r"<style>.*?</style>",
        r"<script>.*?</script>",
        r"\{#.*?#\}",
        r"\{\{.*?\}\}",
        r"\{%.*?%\}",
        r"<[^>]*>",
    ):
        text = re.sub(pattern, " ", text, flags=re.S)
    assert re.findall(r"[^\s—·▲↳→⚠/:(),.%•=]+", text) == []  # symbols only


@pytest.mark.parametrize("lang", LANGUAGES)
def test_messages_know_their_direction(lang: str) -> None:
    t = messages(lang)
    assert (t.lang, t.dir) == (lang, "rtl" if lang == "fa" else "ltr")
    assert t("class.submissions", count=3).startswith("3")
    assert "<" not in t.html("path.left", step="<b>x</b>").replace("&lt;", "")


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="fa"):
        messages("de")


def _declared_mistakes() -> list[Mistake]:
    """Every ``Mistake`` the grader and the references declare: module-level names, and those
    each homework's parts hold (``Homework.mistakes``)."""
    root = Path(__file__).resolve().parents[2]
    names = [
        ".".join(path.relative_to(root).with_suffix("").parts)
        for path in [*(root / "graders").rglob("*.py"), *(root / "reference").glob("*.py")]
        if path.name != "__main__.py"
    ]
    found = {
        id(value): value
        for name in names
        for value in vars(importlib.import_module(name.removesuffix(".__init__"))).values()
        if isinstance(value, Mistake)
    }
    books = catalogue()
    for hw in books:
        found |= {id(m): m for m in books[hw].mistakes().values()}
    return list(found.values())


def _mistake_calls() -> list[tuple[str, int, set[str]]]:
    """Each ``Mistake(...)`` call written in the grader and the references, with its keywords."""
    root = Path(__file__).resolve().parents[2]
    calls = []
    for path in [*(root / "graders").rglob("*.py"), *(root / "reference").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Mistake":
                calls.append((path.name, node.lineno, {k.arg or "" for k in node.keywords}))
    return calls


def test_every_named_mistake_is_explained_in_persian_beside_its_english() -> None:
    calls = _mistake_calls()
    assert len(calls) > 30  # the scan finds them
    assert [(f, line) for f, line, keywords in calls if "persian" not in keywords] == []
    declared = _declared_mistakes()
    assert len(declared) > 30 and any(m.id == "swapped-weights" for m in declared)
    persian = messages("fa")
    for mistake in declared:
        shown = persian.mistake(mistake.explanation, mistake.persian)
        assert text_direction(shown) == "rtl", mistake.id
        assert shown.count(LRI) == shown.count(PDI), mistake.id
        assert messages("en").mistake(mistake.explanation, mistake.persian) == mistake.explanation


def test_two_homeworks_may_name_the_same_mistake_each_in_its_own_words() -> None:
    books = catalogue()
    hw1 = {m.id: m for m in books["hw1"].mistakes().values()}
    hw4 = {m.id: m for m in books["hw4"].mistakes().values()}
    assert hw1["update-sign"].persian != hw4["update-sign"].persian
    assert "∂E/∂w" in hw1["update-sign"].persian and "∂L/∂w" in hw4["update-sign"].persian


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("Adam و RMSprop در آغاز سریع‌ترند ولی SGD بهتر تعمیم می‌دهد", "rtl"),
        ("SGD with momentum generalises better, می‌دانیم", "ltr"),
        ("0.25 + 3", "auto"),
        ("", "auto"),
        ("שלום world", "ltr"),
        ("שלום עולם", "rtl"),
    ],
)
def test_text_direction_follows_most_letters(text: str, direction: str) -> None:
    assert text_direction(text) == direction


def test_formulas_inside_persian_explanations_are_isolated_left_to_right() -> None:
    text = "علامت گرادیان وارونه است: برای E = ½(t − out)² مشتق ∂E/∂out برابر out − t است."
    isolated = isolate_formulas(text)
    assert isolated.replace(LRI, "").replace(PDI, "") == text  # nothing else changes
    runs = re.findall(f"{LRI}(.*?){PDI}", isolated)
    assert runs == ["E = ½(t − out)²", "∂E/∂out", "out − t"]
    assert isolate_formulas("فقط فارسی، بی فرمول.") == "فقط فارسی، بی فرمول."
    bracketed = isolate_formulas("همان w³₁ و w³₂ (لایهٔ ۳) هستند؛ نه σ(x)")
    assert re.findall(f"{LRI}(.*?){PDI}", bracketed) == ["w³₁", "w³₂", "σ(x)"]
    listed = isolate_formulas("با برچسب (w²₁، w²₂) نوشته است")
    assert re.findall(f"{LRI}(.*?){PDI}", listed) == ["w²₁", "w²₂"]
    assert "(" + LRI in listed and PDI + ")" in listed  # the brackets stay in the sentence
    assert LRI not in messages("en").table["verdict.correct"]


def test_a_persian_label_keeps_its_formula_in_order() -> None:
    label = "گرادیان ∂L/∂w3 در دورهٔ اول"
    assert messages("fa").isolated(label) == f"گرادیان {LRI}∂L/∂w3{PDI} در دورهٔ اول"
    assert messages("en").isolated("∂L/∂w3 (epoch 1)") == "∂L/∂w3 (epoch 1)"
