"""Per-student variants: released per roster, graded against each student's own numbers."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from system import sandbox_options

from graders.cli import main
from graders.model.questions import Homework
from graders.model.variants import (
    for_student,
    reference_values,
    student_seed,
    variant_params,
    verify,
)
from graders.student.release import fill_answers

SECRET = "correct horse battery staple"


def test_same_secret_and_id_always_give_the_same_numbers(hw4: Homework) -> None:
    first = variant_params(hw4, SECRET, "s01")
    assert variant_params(hw4, SECRET, "s01") == first
    assert student_seed(SECRET, "hw4", "s01") == student_seed(SECRET, "hw4", "s01")
    others = {tuple(sorted(variant_params(hw4, SECRET, f"s{n:02d}").items())) for n in range(30)}
    assert len(others) >= 25  # the draws really differ between students
    assert variant_params(hw4, "another course", "s01") != first
    assert variant_params(hw4, "", "s01") == hw4.params  # no secret: the shared version


def test_every_variant_is_fair_and_cross_checked(hw4: Homework) -> None:
    assert hw4.variation is not None
    ids = [f"s{n:02d}" for n in range(30)]
    assert verify(hw4, SECRET, ids) == []
    for student in ids[:5]:
        params = variant_params(hw4, SECRET, student)
        assert all(c.holds(params) for c in hw4.variation.constraints)


def test_verify_reports_a_broken_variant(hw4: Homework) -> None:
    from dataclasses import replace

    from graders.model.questions import Constraint

    assert hw4.variation is not None
    impossible = replace(hw4.variation, cross_checks=(lambda hw, p: "always wrong",))
    problems = verify(replace(hw4, variation=impossible), SECRET, ["s01", "s02"])
    assert problems == ["s01: always wrong", "s02: always wrong"]
    strict = replace(hw4.variation, constraints=(Constraint("never", lambda p: False),))
    assert "no fair variant" in verify(replace(hw4, variation=strict), SECRET, ["s01"])[0]


def _answers(homework: Homework) -> dict[str, str]:
    values = reference_values(homework, homework.params)
    return {k: repr(v) for k, v in values.items()}


@pytest.mark.slow
def test_roster_release_grade_and_swap(tmp_path: Path, hw4: Homework) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET + "\n")
    roster = tmp_path / "roster.csv"
    ids = [f"9{n:07d}" for n in range(30)]
    roster.write_text("id,name,email\n" + "".join(f"{i},Student {i},\n" for i in ids))
    release = tmp_path / "release"
    assert (
        main(
            [
                "release",
                "hw4",
                "--roster",
                str(roster),
                "--secret",
                str(secret),
                "--verify",
                "--out",
                str(release),
            ]
        )
        == 0
    )
    submissions = tmp_path / "submissions" / "hw4"
    submissions.mkdir(parents=True)
    for student in ids:
        nb = nbformat.read(str(release / "hw4" / f"{student}.ipynb"), as_version=4)
        assert nb.metadata["grader"]["student"] == student
        own = for_student(hw4, SECRET, student)
        assert f"i1 = {own.params['i1']:g}" in "".join(c.source for c in nb.cells)
        nbformat.write(fill_answers(nb, _answers(own)), str(submissions / f"{student}.ipynb"))
    # two students hand in each other's answers (in their own notebooks)
    a, b = ids[3], ids[7]
    swapped_a = (submissions / f"{b}.ipynb").read_bytes()
    (submissions / f"{b}.ipynb").write_bytes((submissions / f"{a}.ipynb").read_bytes())
    (submissions / f"{a}.ipynb").write_bytes(swapped_a)

    out = tmp_path / "reports"
    assert (
        main(
            [
                str(tmp_path / "submissions"),
                "--secret",
                str(secret),
                "--out",
                str(out),
                "--workers",
                "2",
                *sandbox_options(),
            ]
        )
        == 0
    )
    q2_points = hw4.question("hw4.q2").points  # the derivation and converged?, all varied
    for student in ids:
        record = json.loads((out / "hw4" / f"{student}.json").read_text())
        q2 = sum(t["score"] for t in record["tests"] if t["question"] == "hw4.q2")
        if student in (a, b):
            assert q2 < q2_points / 2, student  # graded against their own numbers
        else:
            assert q2 == q2_points, student
    matches = json.loads((out / "hw4" / "variant_matches.json").read_text())["matches"]
    assert {(m["student"], m["other"]) for m in matches} == {(a, b), (b, a)}
    page = (out / "hw4" / f"{a}.html").read_text(encoding="utf-8")
    assert f"names student &#39;{b}&#39;" in page  # the notebook's own claim is reported
    assert "variant, not their own" not in page  # the copying signal is for a person only
