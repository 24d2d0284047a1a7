"""The message catalogues: complete, consistent, and the only source of the templates' words."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

import graders
from graders.execute import CellStatus
from graders.report.classroom import VERDICT_ORDER
from graders.report.i18n import (
    ENGLISH,
    LANGUAGES,
    LRI,
    MISTAKES_FA,
    PDI,
    PERSIAN,
    isolate_formulas,
    messages,
    text_direction,
)

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


def _declared_mistakes() -> set[str]:
    """The id of every ``Mistake("id", ...)`` written in the grader and the references."""
    root = Path(__file__).resolve().parents[2]
    sources = [*(root / "graders").rglob("*.py"), *(root / "reference").glob("*.py")]
    declared = re.compile(r'\bMistake\(\s*(?:id=)?\s*"([^"]+)"')
    return {m for path in sources for m in declared.findall(path.read_text(encoding="utf-8"))}


def test_every_named_mistake_is_explained_in_persian_and_none_is_stale() -> None:
    declared = _declared_mistakes()
    assert len(declared) > 30 and "swapped-weights" in declared  # the scan finds them
    assert set(MISTAKES_FA) == declared
    persian = messages("fa")
    for mistake in declared:
        assert text_direction(persian.mistake(mistake)) == "rtl", mistake
    assert messages("fa").mistake("update-sign") and not messages("en").mistake("update-sign")


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
    assert all(
        isolated.count(LRI) == isolated.count(PDI)
        for isolated in map(messages("fa").mistake, MISTAKES_FA)
    )


def test_a_persian_label_keeps_its_formula_in_order() -> None:
    label = "گرادیان ∂L/∂w3 در دورهٔ اول"
    assert messages("fa").isolated(label) == f"گرادیان {LRI}∂L/∂w3{PDI} در دورهٔ اول"
    assert messages("en").isolated("∂L/∂w3 (epoch 1)") == "∂L/∂w3 (epoch 1)"
