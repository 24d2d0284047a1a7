"""Per-student variants of HW1: Q1's numbers per student, released per roster and graded.

The expected numbers are recomputed here by an independent route (numpy forward pass and
central finite differences), never taken from the derivation graph the grader uses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest
from fakes import ROOT
from system import sandbox_options

from graders.checks.derivation import Derivation
from graders.cli import main
from graders.model.questions import Homework
from graders.model.variants import for_student, reference_values, variant_params, verify
from graders.student.release import fill_answers

SECRET = "correct horse battery staple"
IDS = [f"4{n:07d}" for n in range(30)]
WEIGHTS = tuple(f"w{k}" for k in range(1, 9))
VARIED = ("i1", "i2", *WEIGHTS, "b1", "b2")


@pytest.fixture(scope="module")
def hw1(books: Mapping[str, Homework]) -> Homework:
    return books["hw1"]


# --- an independent route: numpy forward pass and finite differences --------------------------


def sigmoid(z: float) -> float:
    return float(1 / (1 + np.exp(-z)))


def forward(p: Mapping[str, float]) -> dict[str, float]:
    """net and out of every unit and E, the network of the question's own equations."""
    v: dict[str, float] = {}
    v["net_h1"] = p["w1"] * p["i1"] + p["w2"] * p["i2"] + p["b1"]
    v["net_h2"] = p["w3"] * p["i1"] + p["w4"] * p["i2"] + p["b1"]
    v["out_h1"], v["out_h2"] = sigmoid(v["net_h1"]), sigmoid(v["net_h2"])
    v["net_o1"] = p["w5"] * v["out_h1"] + p["w6"] * v["out_h2"] + p["b2"]
    v["net_o2"] = p["w7"] * v["out_h1"] + p["w8"] * v["out_h2"] + p["b2"]
    v["out_o1"], v["out_o2"] = sigmoid(v["net_o1"]), sigmoid(v["net_o2"])
    v["E"] = 0.5 * (p["t1"] - v["out_o1"]) ** 2 + 0.5 * (p["t2"] - v["out_o2"]) ** 2
    return v


def numeric_step(p: Mapping[str, float], h: float = 1e-6) -> dict[str, float]:
    """Every value Q1 asks for: the forward pass, gradients by central differences, updates."""
    values = forward(p)
    for name in (*WEIGHTS, "b1", "b2"):
        up, down = forward({**p, name: p[name] + h})["E"], forward({**p, name: p[name] - h})["E"]
        values[f"dE_d{name}"] = (up - down) / (2 * h)
        values[f"{name}_new"] = p[name] - p["eta"] * values[f"dE_d{name}"]
    return values


def cancelling_t2(p: Mapping[str, float]) -> float:
    """The target t2 at which the output deltas cancel on their way back to h1:
    δ_o1·w5 + δ_o2·w7 = 0 with δ_o = (out_o − t)·out_o·(1 − out_o); the forward pass
    does not depend on t2."""
    v = forward(p)
    d1 = (v["out_o1"] - p["t1"]) * v["out_o1"] * (1 - v["out_o1"])
    slope2 = v["out_o2"] * (1 - v["out_o2"])
    return v["out_o2"] + d1 * p["w5"] / (p["w7"] * slope2)


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-7 + 1e-6 * abs(b)


# --- parameters -------------------------------------------------------------------------------


def test_same_secret_and_id_always_give_the_same_numbers(hw1: Homework) -> None:
    first = variant_params(hw1, SECRET, IDS[0])
    assert variant_params(hw1, SECRET, IDS[0]) == first
    drawn = [variant_params(hw1, SECRET, s) for s in IDS]
    assert len({tuple(sorted(p.items())) for p in drawn}) == len(IDS)  # every student differs
    assert variant_params(hw1, "another course", IDS[0]) != first
    assert variant_params(hw1, "", IDS[0]) == hw1.params  # no secret: the shared version
    # another process, another hash seed: the same numbers (nothing depends on hash())
    code = (
        "import json, sys; from reference import catalogue; "
        "from graders.model.variants import variant_params; "
        "print(json.dumps(dict(variant_params(catalogue()['hw1'], sys.argv[1], sys.argv[2]))))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    run = subprocess.run(
        [sys.executable, "-c", code, SECRET, IDS[0]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(run.stdout) == dict(first)


def test_variants_vary_the_network_and_keep_what_the_persian_text_states(hw1: Homework) -> None:
    drawn = [variant_params(hw1, SECRET, s) for s in IDS]
    for params in drawn:
        for name in VARIED:
            value = params[name]
            assert round(value / 0.05) * 0.05 == pytest.approx(value, abs=1e-12)  # on the grid
            assert 0.05 <= value <= 0.9
            assert repr(value) == f"{value:g}"  # what the student reads is the exact value
        for name in ("t1", "t2", "eta"):
            assert params[name] == hw1.params[name]
    for name in VARIED:  # each varied parameter takes several values across the class
        assert len({p[name] for p in drawn}) >= 4, name
    persian = hw1.question("hw1.q1").prompt_fa
    assert "۰.۰۱" in persian and "۰.۹۹" in persian and "۰.۵" in persian


def test_every_variant_is_fair_by_an_independent_route(hw1: Homework) -> None:
    assert verify(hw1, SECRET, IDS) == []
    for student in IDS:
        params = variant_params(hw1, SECRET, student)
        mine = numeric_step(params)
        # the reference the grader uses agrees with numpy and finite differences
        reference = reference_values(hw1, params)
        assert all(close(reference[k], v) for k, v in mine.items()), student
        # no unit saturates; every update is visible at 4 significant figures
        assert all(0.1 < mine[f"out_{u}"] < 0.9 for u in ("h1", "h2", "o1", "o2"))
        changes = [abs(mine[f"{n}_new"] - params[n]) for n in (*WEIGHTS, "b1", "b2")]
        assert min(changes) >= 1e-4 * (1 - 1e-6)
        # the figure read with w2/w3 and w6/w7 exchanged gives other forward values
        swapped = forward({**params, "w2": params["w3"], "w3": params["w2"]})
        swapped |= {
            k: v
            for k, v in forward({**params, "w6": params["w7"], "w7": params["w6"]}).items()
            if k.startswith(("net_o",))
        }
        for unit in ("net_h1", "net_h2", "net_o1", "net_o2"):
            assert abs(swapped[unit] - mine[unit]) >= 0.01 * abs(mine[unit]) * (1 - 1e-9)


def test_copied_answers_differ_between_any_two_variants(hw1: Homework) -> None:
    sheets = {s: numeric_step(variant_params(hw1, SECRET, s)) for s in IDS}
    asked = [item.variable for item in hw1.question("hw1.q1").items]
    for i, a in enumerate(IDS):
        for b in IDS[i + 1 :]:
            same = [
                k for k in asked if abs(sheets[a][k] - sheets[b][k]) <= 1e-4 * abs(sheets[b][k])
            ]
            assert len(same) <= len(asked) // 2, (a, b, same)


def test_the_constraints_reject_what_they_describe(hw1: Homework) -> None:
    assert hw1.variation is not None
    by_name = {c.description.split(" ")[1]: c for c in hw1.variation.constraints}
    gap, change, saturation = by_name["named"], by_name["update"], by_name["unit"]
    # the course's own numbers: net_h2 with w2 and w3 exchanged is only 0.64% away
    own = forward(hw1.params)
    swapped = forward({**hw1.params, "w2": hw1.params["w3"], "w3": hw1.params["w2"]})
    assert abs(swapped["net_h2"] - own["net_h2"]) / own["net_h2"] < 0.01
    assert not gap.holds(hw1.params)
    ok = variant_params(hw1, SECRET, IDS[0])
    assert gap.holds(ok) and change.holds(ok) and saturation.holds(ok)
    assert not gap.holds({**ok, "w7": ok["w6"]})  # both readings of the figure agree
    assert not saturation.holds({**ok, "b2": 3.0})  # the output units saturate
    # the output deltas cancel on their way back to h1 (δ_o1·w5 + δ_o2·w7 = 0): ∂E/∂w1 = 0
    cancelled = {**ok, "t2": cancelling_t2(ok)}
    assert abs(numeric_step(cancelled)["dE_dw1"]) < 1e-8
    assert not change.holds(cancelled)


def test_verify_reports_a_wrong_reference(hw1: Homework) -> None:
    question = hw1.question("hw1.q1")
    (derivation,) = question.parts
    assert isinstance(derivation, Derivation)
    wrong = tuple(
        # broken with its written form, which must equal the formula
        replace(s, formula=2 * s.formula, written=f"2*({s.written})") if s.name == "dE_dw5" else s
        for s in derivation.steps
    )
    broken_q1 = replace(question, parts=(replace(derivation, steps=wrong),))
    broken = replace(hw1, questions=(broken_q1, *hw1.questions[1:]))
    problems = verify(broken, SECRET, IDS[:2])
    assert len(problems) == 2
    assert all("torch autograd differs from the reference" in p for p in problems)


def test_released_notebook_states_the_students_own_numbers(tmp_path: Path, hw1: Homework) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n" + "".join(f"{i},Student {i}\n" for i in IDS[:3]))
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    out = tmp_path / "release"
    argv = ["release", "hw1", "--roster", str(roster), "--secret", str(secret), "--out", str(out)]
    assert main(argv) == 0
    for student in IDS[:3]:
        params = variant_params(hw1, SECRET, student)
        nb = nbformat.read(str(out / "hw1" / f"{student}.ipynb"), as_version=4)
        assert nb.metadata["grader"]["student"] == student
        text = " ".join("".join(c.source for c in nb.cells).split())  # lines re-flowed
        weights = ", ".join(f"{params[w]}" for w in WEIGHTS)
        assert f"i1 = {params['i1']}, i2 = {params['i2']}" in text
        assert f"w1..w8 = {weights}; b1 = {params['b1']}, b2 = {params['b2']}" in text
        shared = ", ".join(f"{hw1.params[w]}" for w in WEIGHTS)
        assert f"w1..w8 = {shared};" not in text


# --- a roster of 30 released, filled, swapped and graded with real kernels --------------------


def _answers(homework: Homework) -> dict[str, str]:
    return {k: repr(v) for k, v in reference_values(homework, homework.params).items()}


def _release(tmp_path: Path, secret: Path) -> Path:
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,email\n" + "".join(f"{i},Student {i},\n" for i in IDS))
    release = tmp_path / "release"
    argv = ["release", "hw1", "--roster", str(roster), "--secret", str(secret), "--verify"]
    assert main([*argv, "--out", str(release)]) == 0
    return release


def _record(out: Path, student: str) -> dict[str, Any]:
    return json.loads((out / "hw1" / f"{student}.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_roster_release_grade_swap_and_ids(tmp_path: Path, hw1: Homework) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET + "\n")
    release = _release(tmp_path, secret)
    submissions = tmp_path / "submissions" / "hw1"
    submissions.mkdir(parents=True)
    a, b = IDS[3], IDS[7]  # hand in each other's answers
    unnamed, misnamed = IDS[11], IDS[12]  # metadata without an id, and with another id
    for student in IDS:
        nb = nbformat.read(str(release / "hw1" / f"{student}.ipynb"), as_version=4)
        filled = fill_answers(nb, _answers(for_student(hw1, SECRET, student)))
        if student == unnamed:
            del filled.metadata["grader"]["student"]
        if student == misnamed:
            filled.metadata["grader"]["student"] = "someone-else"
        nbformat.write(filled, str(submissions / f"{student}.ipynb"))
    a_notebook = (submissions / f"{a}.ipynb").read_bytes()
    (submissions / f"{a}.ipynb").write_bytes((submissions / f"{b}.ipynb").read_bytes())
    (submissions / f"{b}.ipynb").write_bytes(a_notebook)

    out = tmp_path / "reports"
    argv = [str(tmp_path / "submissions"), "--secret", str(secret), "--out", str(out)]
    assert main([*argv, "--workers", "2", *sandbox_options()]) == 0
    q1 = hw1.question("hw1.q1")
    for student in IDS:
        record = _record(out, student)
        q1_score = sum(t["score"] for t in record["tests"] if t["question"] == "hw1.q1")
        if student in (a, b):
            assert q1_score < q1.points / 2, student
            assert record["score"] == pytest.approx(record["max_score"] - q1.points + q1_score)
        else:
            assert record["score"] == pytest.approx(hw1.points), student
            assert record["max_score"] == pytest.approx(hw1.points)
    # a and b are graded against their own numbers, which the report shows as expected
    for student in (a, b):
        own = numeric_step(variant_params(hw1, SECRET, student))
        tests = {t["variable"]: t for t in _record(out, student)["tests"]}
        assert float(tests["net_h1"]["expected"]) == pytest.approx(own["net_h1"], rel=1e-3)
        assert float(tests["dE_dw1"]["expected"]) == pytest.approx(own["dE_dw1"], rel=1e-3)
    matches = json.loads((out / "hw1" / "variant_matches.json").read_text())["matches"]
    assert {(m["student"], m["other"]) for m in matches} == {(a, b), (b, a)}
    assert all(len(m["variables"]) >= len(q1.items) // 2 for m in matches)
    page = (out / "hw1" / f"{a}.html").read_text(encoding="utf-8")
    assert f"names student &#39;{b}&#39;" in page  # the notebook's own claim is reported
    assert "variant, not their own" not in page  # the copying signal is for a person only
    # a changed or missing id in the metadata: graded as the path's student, and said so
    page = (out / "hw1" / f"{misnamed}.html").read_text(encoding="utf-8")
    assert f"names student &#39;someone-else&#39;; the path says &#39;{misnamed}&#39;" in page
    for student in (unnamed, misnamed):
        page = (out / "hw1" / f"{student}.html").read_text(encoding="utf-8")
        assert f"graded against the numbers of {student}&#39;s own variant" in page
        said = f"the id &#39;{student}&#39; comes from its path" in page
        assert said is (student == unnamed)  # a missing id is said, a present one is not
