"""The similarity check of a re-grade: the same submissions give the same ``similarity.json``
from the kept entry, without comparing again; a changed notebook or an edited entry compares
again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_similarity import _class, _renamed

from graders.discover import discover
from graders.platforms import similarity
from graders.platforms.similarity_cache import FOLDER, write_similarity_once
from reference import catalogue


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    compare = similarity.similar_pairs

    def counting(*args: object) -> list[similarity.Pair]:
        calls.append(1)
        return compare(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(similarity, "similar_pairs", counting)
    return calls


def test_the_same_submissions_give_the_same_file_without_comparing_again(
    tmp_path: Path, counted: list[int]
) -> None:
    homework = catalogue()["hw1"]
    subs = _class(tmp_path, homework)
    handed = [s for s in discover(subs, ["hw1"]) if s.assignment == "hw1"]
    out, cache = tmp_path / "out", tmp_path / "cache"
    write_similarity_once(out, handed, homework, cache)
    first = (out / similarity.SIMILARITY).read_bytes()
    assert json.loads(first)["pairs"], "the renamed copy is a pair"
    (out / similarity.SIMILARITY).unlink()
    write_similarity_once(out, handed, homework, cache)
    assert (out / similarity.SIMILARITY).read_bytes() == first
    assert len(counted) == 1

    copier = subs / "hw1" / "copier.ipynb"  # a changed notebook: compared again
    copier.write_text(_renamed(copier.read_text()).replace("activations", "acts"))
    changed = [s for s in discover(subs, ["hw1"]) if s.assignment == "hw1"]
    write_similarity_once(out, changed, homework, cache)
    assert len(counted) == 2

    for entry in (cache / FOLDER).glob("*.json"):  # an edited entry fails its seal
        kept = json.loads(entry.read_text())
        kept["body"] = kept["body"].replace('"pairs": [', '"pairs": [ ')
        entry.write_text(json.dumps(kept))
    write_similarity_once(out, handed, homework, cache)
    assert len(counted) == 3
    assert (out / similarity.SIMILARITY).read_bytes() == first
