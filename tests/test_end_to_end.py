"""Grade the demo folder with real kernels, as a TA would, and check every demo's verdicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sympy
from fakes import ROOT
from system import sandbox_options

from graders.cli import main
from graders.model.questions import Homework
from reference.hw4 import backprop_derivation

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    assert main([str(ROOT / "submissions"), "--out", str(out), *sandbox_options()]) == 0
    return out


def _record(out: Path, student: str) -> dict[str, Any]:
    return json.loads((out / "hw4" / f"{student}.json").read_text(encoding="utf-8"))


def _verdicts(record: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {t["variable"]: (t["verdict"], t["mistake"]) for t in record["tests"]}


def _depends_on(name: str) -> set[str]:
    """Every step whose value depends on step ``name`` (from the derivation graph)."""
    steps = backprop_derivation().steps
    dependants = {name}
    for step in steps:
        if {s.name for s in step.formula.free_symbols} & dependants:
            dependants.add(step.name)
    return dependants - {name}


def test_correct_demo_full_marks(graded: Path, hw4: Homework) -> None:
    record = _record(graded, "correct")
    assert record["score"] == record["max_score"] == hw4.points
    verdicts = _verdicts(record)
    assert verdicts.pop("q1_answer") == ("manual", None)  # written text: a person's points
    assert set(v for v, _ in verdicts.values()) == {"correct"}
    assert record["ran"] is True


def test_overrides_merge_and_are_never_written(graded: Path) -> None:
    seed = next(
        t for t in _record(graded, "seed-97521252")["tests"] if t["variable"] == "q1_answer"
    )
    assert seed["score"] == 4 and seed["override"]["points"] == 4
    assert "no reason given" in seed["output"]
    page = (graded / "hw4" / "seed-97521252.html").read_text(encoding="utf-8")
    assert "graded by a person" in page and "no reason given" in page
    hangs = next(t for t in _record(graded, "hangs")["tests"] if t["variable"] == "q1_answer")
    assert hangs["verdict"] == "manual" and hangs["score"] == 0 and hangs["override"] is None
    committed = (ROOT / "submissions" / "overrides.csv").read_text(encoding="utf-8")
    assert committed.startswith("assignment,student,item,points,comment\n")


def test_partial_demo_missing_not_crash(graded: Path) -> None:
    verdicts = _verdicts(_record(graded, "partial"))
    assert all(verdicts[f"e1_dw{k}"][0] == "correct" for k in range(1, 7))
    assert verdicts["e2_h1"][0] == "correct"
    assert verdicts["e2_w3"][0] == "missing" and verdicts["converged"][0] == "missing"


def test_crashing_demo_keeps_earlier_answers(graded: Path) -> None:
    record = _record(graded, "crashes")
    verdicts = _verdicts(record)
    assert all(v == ("correct", None) for k, v in verdicts.items() if k.startswith("e1_"))
    assert all(v[0] == "error" for k, v in verdicts.items() if k.startswith("e2_"))
    e2 = next(t for t in record["tests"] if t["variable"] == "e2_w1")
    nb = json.loads((ROOT / "submissions" / "hw4" / "crashes.ipynb").read_text(encoding="utf-8"))
    cell = next(i for i, c in enumerate(nb["cells"]) if "e2_w1" in "".join(c["source"]))
    assert f"(cell {cell + 1})" in e2["output"] and "IndexError" in e2["output"]
    page = (graded / "hw4" / "crashes.html").read_text(encoding="utf-8")
    assert "NameError" in page and 'class="cell error"' in page


def test_hanging_demo_is_cut_and_reported(graded: Path) -> None:
    record = _record(graded, "hangs")
    assert record["seconds"] < 60
    page = (graded / "hw4" / "hangs.html").read_text(encoding="utf-8")
    assert 'class="cell timeout"' in page and "time limit" in page
    automatic = [t for t in record["tests"] if t["verdict"] != "manual"]
    automatic = [t for t in automatic if t["question"] != "hw4.q3"]  # no training in this demo
    assert all(t["verdict"] == "correct" for t in automatic)  # cells after the cut one ran


def test_not_a_notebook_is_reported_and_batch_goes_on(graded: Path) -> None:
    record = _record(graded, "not-a-notebook")
    assert record["ran"] is False and "not valid JSON" in record["problem"]
    assert record["score"] == 0
    index = (graded / "hw4" / "index.html").read_text(encoding="utf-8")
    assert "not-a-notebook" in index and "not valid JSON" in index


def test_seed_student_graded_step_by_step(graded: Path) -> None:
    verdicts = _verdicts(_record(graded, "seed-97521252"))
    slip = {k: v for k, v in verdicts.items() if k.startswith("e1_") and v[0] != "correct"}
    assert slip == {"e1_w6": ("incorrect", None)}  # the one arithmetic slip of epoch 1
    for k in ("e2_y_hat", "e2_w1", "e2_w2", "e2_w3", "e2_w4"):
        assert verdicts[k][0] == "follow-through", k
    assert verdicts["e2_w5"][0] == verdicts["e2_w6"][0] == "incorrect"
    assert verdicts["e2_loss"][0] == "missing" and verdicts["converged"][0] == "correct"


def test_slip_then_own_numbers_is_follow_through(graded: Path) -> None:
    verdicts = _verdicts(_record(graded, "slip-follow-through"))
    downstream = {n for n in _depends_on("e1_w6") if n in verdicts}
    assert verdicts["e1_w6"] == ("incorrect", None)
    for name, (verdict, _) in verdicts.items():
        expected = "follow-through" if name in downstream else "correct"
        if name != "e1_w6" and not name.startswith("q"):  # Q1 text, Q3 training
            assert verdict == expected, name


def test_sign_flipped_updates_name_the_mistake(graded: Path) -> None:
    verdicts = _verdicts(_record(graded, "slip-sign-flipped"))
    for k in range(1, 7):
        assert verdicts[f"e2_w{k}"] == ("incorrect", "update-sign")
    assert verdicts["e2_dw1"][0] == "follow-through"


def test_class_outputs(graded: Path, hw4: Homework) -> None:
    csv_lines = (graded / "hw4" / "grades.csv").read_text(encoding="utf-8").splitlines()
    header = ["student", "hw4.q1", "hw4.q2", "hw4.q3", "total", "pending", "max_score", "ran"]
    assert csv_lines[0].split(",") == header
    assert len(csv_lines) == 1 + 8 + 3  # and the three training demos
    root = (graded / "index.html").read_text(encoding="utf-8")
    assert 'href="hw4/index.html"' in root
    assert sympy.Symbol("e1_w6") in backprop_derivation().formula("e2_y_hat").free_symbols
