"""A student's page on a phone, on a laptop and on paper, in headless Chromium.

For a student page of every homework, in English and Persian, at 390 × 844 (a phone) and
1280 × 800: the document never scrolls sideways; every verdict badge, point figure and feedback
text is drawn inside the window, not clipped by a box around it; and the cells of an answer do
not overlap. Printed to PDF through the browser, the page holds every step's feedback.
Screenshots go to the test's tmp folder.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest

from report.devtools import Browser, browser

pytestmark = pytest.mark.slow

SIZES = ((390, 844), (1280, 800))

# per homework, the demo student whose page has the most to show (wrong steps, tables, cells)
PAGES = {
    "hw1": "seed-student",
    "hw2": "official-key",
    "hw3": "seed-student",
    "hw4": "slip-follow-through",
    "hw6": "training-weak",
}

# the elements a student must be able to read, wherever they are not folded away on purpose
LAYOUT = r"""(() => {
  const width = window.innerWidth;
  const folded = e => {
    for (let d = e.closest('details'); d; d = d.parentElement.closest('details'))
      if (!d.open && !d.querySelector(':scope > summary').contains(e)) return true;
    return false;
  };
  const clipped = e => {
    const r = e.getBoundingClientRect();
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
      const b = a.getBoundingClientRect();
      if (r.left < b.left - 1 || r.right > b.right + 1) return a.className || a.tagName;
    }
    return '';
  };
  const wanted = [...document.querySelectorAll(
      'tr.item > td > .badge, tr.item > td.num, .question h2 .points, #total,'
      + ' tr.item > td.feedback > div:not(.formula)')]
    .filter(e => !folded(e));
  const problems = [];
  for (const e of wanted) {
    const r = e.getBoundingClientRect();
    const what = (e.className || e.tagName) + ': ' + e.textContent.trim().slice(0, 40);
    if (r.width <= 0 || r.height <= 0) problems.push('not drawn ' + what);
    else if (r.left < -1 || r.right > width + 1) problems.push('outside the window ' + what);
    else { const by = clipped(e); if (by) problems.push('clipped by ' + by + ' ' + what); }
  }
  const overlaps = [];
  for (const row of document.querySelectorAll('table.items tr.item')) {
    const cells = [...row.children].map(c => c.getBoundingClientRect());
    for (let i = 0; i < cells.length; i++) for (let j = i + 1; j < cells.length; j++) {
      const a = cells[i], b = cells[j];
      const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (x > 1 && y > 1) overlaps.push(row.id + ' cells ' + i + ' and ' + j);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, count: wanted.length,
          problems, overlaps};
})()"""

FEEDBACK = """[...document.querySelectorAll('tr.item > td.feedback > div:not(.formula)')]
  .map(e => e.innerText)"""


@pytest.fixture(scope="module")
def chrome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with browser(tmp_path_factory.mktemp("chromium-profile")) as opened:
        yield opened


def _page(demo_reports: dict[str, Path], lang: str, assignment: str) -> Path:
    page = demo_reports[lang] / assignment / f"{PAGES[assignment]}.html"
    assert page.is_file(), page
    return page


@pytest.mark.parametrize("lang", ["en", "fa"])
@pytest.mark.parametrize("assignment", sorted(PAGES))
def test_every_verdict_point_and_feedback_is_readable_on_a_phone_and_a_laptop(
    chrome: Browser, demo_reports: dict[str, Path], lang: str, assignment: str, tmp_path: Path
) -> None:
    page = _page(demo_reports, lang, assignment)
    for width, height in SIZES:
        chrome.load(page, width=width, height=height)
        layout: dict[str, Any] = chrome.evaluate(LAYOUT)
        where = f"{lang} {assignment} at {width} px"
        assert layout["width"] == width
        assert layout["scrollWidth"] <= width, (where, layout["scrollWidth"])
        assert layout["count"] > 3, where  # the page has badges, points and feedback to check
        assert layout["problems"] == [], (where, layout["problems"][:5])
        assert layout["overlaps"] == [], (where, layout["overlaps"][:5])
        chrome.screenshot(tmp_path / f"{lang}-{assignment}-{width}.png")


def _letters(text: str) -> str:
    """``text`` as a PDF's text layer can be compared with it: compatibility forms folded (the
    shaped forms of Arabic letters), without spaces, marks and bidi controls."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if c.isalnum())


def _words(text: str) -> list[str]:
    return [_letters(word) for word in re.split(r"[\W_]+", text) if _letters(word)]


@pytest.mark.parametrize("lang", ["en", "fa"])
@pytest.mark.parametrize("assignment", ["hw1", "hw4"])
def test_a_printed_page_holds_every_steps_feedback(
    chrome: Browser, demo_reports: dict[str, Path], lang: str, assignment: str, tmp_path: Path
) -> None:
    chrome.load(_page(demo_reports, lang, assignment), width=1280, height=800)
    chrome.media("print")
    try:
        feedback = [text for text in chrome.evaluate(FEEDBACK) if _letters(text)]
        folded_away = chrome.evaluate(
            "[...document.querySelectorAll('details .prompt, details pre')]"
            ".filter(e => e.getBoundingClientRect().height === 0).length"
        )
        pdf = tmp_path / f"{lang}-{assignment}.pdf"
        chrome.pdf(pdf)
    finally:
        chrome.media("")
    assert feedback, "the page has feedback to print"
    assert folded_away == 0  # questions, sources and outputs are printed open
    reader = pypdf.PdfReader(pdf)
    printed = "".join(_letters(p.extract_text() or "") for p in reader.pages)
    if lang == "en":
        missing = [text for text in feedback if _letters(text) not in printed]
    else:  # the text layer keeps each right-to-left word, but orders mixed runs visually
        missing = [text for text in feedback if any(w not in printed for w in _words(text))]
    assert missing == [], missing[:3]
    head = _letters(PAGES[assignment])
    first, last = (_letters(reader.pages[i].extract_text() or "") for i in (0, -1))
    assert head in first and head in last  # the student's id heads every page


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_class_pages_fit_a_tablet_and_a_phone(
    chrome: Browser, demo_reports: dict[str, Path], lang: str
) -> None:
    for assignment in sorted(PAGES):
        for width in (390, 768):
            chrome.load(demo_reports[lang] / assignment / "index.html", width=width, height=1024)
            fit = chrome.evaluate(
                """(() => ({
                  scrollWidth: document.documentElement.scrollWidth,
                  charts: [...document.querySelectorAll('svg.chart')].map(s =>
                    s.getBoundingClientRect().width <= s.parentElement.clientWidth + 1),
                  cards: [...document.querySelectorAll('.card')]
                    .every(c => c.getBoundingClientRect().right <= innerWidth + 1
                                && c.getBoundingClientRect().left >= -1),
                }))()"""
            )
            where = f"{lang} {assignment} class page at {width} px"
            assert fit["scrollWidth"] <= width, (where, fit["scrollWidth"])
            assert fit["charts"] and all(fit["charts"]), where  # the histogram scales
            assert fit["cards"], where
