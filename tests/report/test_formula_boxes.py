"""Headless Chromium at 1280 CSS pixels over every demo page: no formula is clipped.

A formula either fits its box or scrolls inside it (``overflow-x: auto``, a visible thin bar),
and the box stays inside its table cell and the window.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from report.devtools import Browser, browser

pytestmark = pytest.mark.slow

WIDTH = 1280

CLIPPED = """(() => [...document.querySelectorAll('.formula')].flatMap(f => {
  const box = f.getBoundingClientRect();
  const cell = (f.closest('td') || f.parentElement).getBoundingClientRect();
  const style = getComputedStyle(f);
  const wider = f.scrollWidth > f.clientWidth + 1;
  const outside = box.left < cell.left - 1 || box.right > cell.right + 1
    || box.left < 0 || box.right > window.innerWidth;
  const hidden = wider && (!['auto', 'scroll'].includes(style.overflowX)
    || style.scrollbarWidth === 'none');
  return outside || hidden ? [{row: (f.closest('tr') || {}).id || '', outside, hidden,
    content: f.scrollWidth, box: f.clientWidth}] : [];
}))()"""


@pytest.fixture(scope="module")
def chrome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with browser(tmp_path_factory.mktemp("chromium-profile")) as opened:
        yield opened


@pytest.fixture(scope="module")
def demo_pages(demo_reports: dict[str, Path]) -> Path:
    """The demo folder's English pages (graded once for every report test that needs them)."""
    return demo_reports["en"]


def test_no_formula_is_clipped_on_any_demo_page(chrome: Browser, demo_pages: Path) -> None:
    pages = sorted(demo_pages.glob("*/*.html"))
    assert len(pages) > 20
    formulas = 0
    for page in pages:
        chrome.load(page, width=WIDTH)
        assert chrome.evaluate("window.innerWidth") == WIDTH
        assert chrome.evaluate(CLIPPED) == [], page.relative_to(demo_pages)
        formulas += chrome.evaluate("document.querySelectorAll('.formula').length")
    assert formulas > 100
