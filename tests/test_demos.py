"""The committed demo submissions are exactly what tools/build_demos.py writes."""

from __future__ import annotations

from pathlib import Path

from fakes import ROOT, build_demos


def test_demos_are_up_to_date(tmp_path: Path) -> None:
    written = build_demos().build(tmp_path)
    assert written
    for path in written:
        committed = ROOT / "submissions" / path.relative_to(tmp_path)
        assert committed.read_bytes() == path.read_bytes(), f"{committed} is stale: rebuild it"
    committed_all = {
        p.relative_to(ROOT / "submissions")
        for p in (ROOT / "submissions").rglob("*")
        if p.is_file()
    }
    assert committed_all == {p.relative_to(tmp_path) for p in written}
