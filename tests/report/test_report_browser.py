"""Headless Chromium over the student and class pages, in English and Persian.

At a laptop's width (1366 CSS pixels) nothing overflows sideways, the direction is applied,
formulas are laid out as MathML, Persian is drawn by a font that has its letters, the page asks
for nothing but itself, and the class tables sort. Screenshots go to the test's tmp folder.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import ROOT
from system import need

from graders.execute import NbclientRunner
from graders.pipeline import Settings, run_batch
from graders.runtime.sandbox import choose_mode
from reference import catalogue
from report.classbook import Graded
from report.devtools import Browser, browser

WIDTH = 1366
PERSIAN_LETTERS = "پچژگکی"


@pytest.fixture(scope="module")
def chrome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with browser(tmp_path_factory.mktemp("chromium-profile")) as opened:
        yield opened


def _pages(graded: Graded) -> list[Path]:
    return [
        graded.out / "hw4" / "ben.html",  # a derivation off the reference path
        graded.out / "hw4" / "ada.html",  # a Persian written answer
        graded.out / "hw2" / "ben.html",  # tables with wrong cells
        graded.out / "hw4" / "index.html",  # the class
        graded.out / "index.html",
    ]


LAYOUT = """(() => {
  const cards = [...document.querySelectorAll('.card, header.page')]
    .map(e => e.getBoundingClientRect());
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    direction: getComputedStyle(document.documentElement).direction,
    bodyDirection: getComputedStyle(document.body).direction,
    cardsInside: cards.every(r => r.left >= 0 && r.right <= window.innerWidth),
    // a table wider than its card scrolls inside it, hiding its far column (long formulas)
    tablesFit: [...document.querySelectorAll('.scroll')]
      .filter(s => s.scrollWidth > s.clientWidth + 1).map(s => [s.clientWidth, s.scrollWidth]),
    maths: [...document.querySelectorAll('math')].map(m => ({
      mathml: m instanceof MathMLElement,
      width: m.getBoundingClientRect().width,
      direction: getComputedStyle(m).direction,
    })),
    title: document.querySelector('h1').getBoundingClientRect().left,
    total: (document.querySelector('.total') || document.querySelector('h1'))
      .getBoundingClientRect().left,
  };
})()"""


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_pages_fit_a_laptop_screen_in_their_direction(
    chrome: Browser, lang: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    graded: Graded = request.getfixturevalue(f"graded_{lang}")
    for path in _pages(graded):
        requests = chrome.load(path, width=WIDTH)
        assert requests and all(url.startswith("file://") for url in requests), requests
        layout = chrome.evaluate(LAYOUT)
        name = f"{lang}-{path.parent.name}-{path.stem}"
        assert layout["innerWidth"] == WIDTH
        assert layout["scrollWidth"] <= WIDTH, (name, layout["scrollWidth"])
        assert layout["cardsInside"], name
        assert layout["tablesFit"] == [], (name, layout["tablesFit"])
        expected = "rtl" if lang == "fa" else "ltr"
        assert layout["direction"] == layout["bodyDirection"] == expected, name
        if path.parent.name == "hw4" and path.stem != "index":
            assert layout["maths"], name
            for math in layout["maths"]:
                assert math["mathml"] and math["width"] > 0 and math["direction"] == "ltr"
        if path.stem != "index" or path.parent != graded.out:
            # right to left, the title stands right of the total; left to right, left of it
            assert (layout["title"] > layout["total"]) == (lang == "fa"), name
        shot = tmp_path / f"{name}.png"
        chrome.screenshot(shot)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_persian_text_is_drawn_with_a_font_that_has_it(
    chrome: Browser, lang: str, request: pytest.FixtureRequest
) -> None:
    need("fonts-dejavu-core")  # a font with Persian letters
    graded: Graded = request.getfixturevalue(f"graded_{lang}")
    chrome.load(graded.out / "hw4" / "ada.html", width=WIDTH)
    prose = "#item-q1_answer .prose"
    assert any(
        ch in chrome.evaluate(f"document.querySelector('{prose}').textContent")
        for ch in PERSIAN_LETTERS
    )
    fonts = chrome.fonts_for(prose)
    assert fonts and not any("last resort" in f.lower() for f in fonts), fonts
    assert (
        chrome.evaluate(f"getComputedStyle(document.querySelector('{prose}')).direction") == "rtl"
    )
    if lang == "fa":
        assert chrome.fonts_for("h2")  # the page's own Persian headings


def test_class_tables_sort_when_a_heading_is_selected(chrome: Browser, graded_en: Graded) -> None:
    chrome.load(graded_en.out / "hw4" / "index.html", width=WIDTH)
    read = """[...document.querySelectorAll('#students tbody tr')].map(r => [
        r.cells[0].textContent.trim(), parseFloat(r.cells[1].dataset.sort)])"""
    before = chrome.evaluate(read)
    assert [s for s, _ in before] == sorted(s for s, _ in before)  # by student without script
    assert chrome.evaluate("!document.querySelector('.sort-hint').hidden")
    chrome.evaluate("document.querySelectorAll('#students th button')[1].click()")
    ascending = chrome.evaluate(read)
    assert [v for _, v in ascending] == sorted(v for _, v in before)
    chrome.evaluate("document.querySelectorAll('#students th button')[1].click()")
    descending = chrome.evaluate(read)
    assert [v for _, v in descending] == sorted((v for _, v in before), reverse=True)
    sort_state = chrome.evaluate(
        "document.querySelectorAll('#students th')[1].getAttribute('aria-sort')"
    )
    assert json.dumps(sort_state) == '"descending"'


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "fa"])
def test_long_formulas_scroll_in_their_cell_instead_of_widening_the_table(
    chrome: Browser, lang: str, tmp_path: Path
) -> None:
    """HW1's derivation shows formulas as wide as 870 pixels beside each step; a table sized to
    them would hide its explanation column behind a scroll bar."""
    settings = Settings(out=tmp_path / "out", lang=lang)
    homework = {"hw1": catalogue()["hw1"]}
    runner = NbclientRunner(choose_mode("auto", fallback=True))
    run_batch(ROOT / "submissions" / "hw1", homework, runner, settings, lambda line: None)
    chrome.load(tmp_path / "out" / "hw1" / "seed-student.html", width=WIDTH)
    layout = chrome.evaluate(LAYOUT)
    assert layout["maths"] and layout["scrollWidth"] <= WIDTH
    assert layout["tablesFit"] == [], layout["tablesFit"]
