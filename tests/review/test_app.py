"""The review app over HTTP, as ``grade.py review`` runs it: the token, escaping, two sessions
on one answer, ``kill -9`` after a save, Ctrl-C, and the grades a later batch keeps."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from fakes import ROOT

from graders.review.gradebook import FILE_NAME, Gradebook
from review.appserver import Session, review_app
from review.classroom import INJECTED, GradedClass, formula_cells, grade_class, items_by_variable

pytestmark = pytest.mark.slow  # a 30-student class graded, and the app in a child process


def _record(out: Path, student: str) -> dict:
    return json.loads((out / "hw2" / f"{student}.json").read_text(encoding="utf-8"))


def _versions(page: str) -> dict[str, list[str]]:
    return {
        m.group(1).split("\n")[0]: m.group(1).split("\n")
        for m in re.finditer(r'data-students="([^"]*)"', page)
    }


def test_every_request_needs_the_token(fresh_class: GradedClass) -> None:
    with review_app(fresh_class.out) as app:
        stranger = Session(app)
        assert stranger.get("/")[0] == 403
        assert stranger.get("/?token=wrong")[0] == 403
        assert stranger.get("/reports/hw2/s00.html")[0] == 403
        status, _ = stranger.post("/api/grade", {"assignment": "hw2"})
        assert status == 403
        ta = Session(app)
        status, page = ta.get(app.url)
        assert status == 200 and "hw2" in page  # the token became a cookie
        assert ta.get("/")[0] == 200
        body = {
            "assignment": "hw2",
            "item": "q3a_answer",
            "students": {"s23": 0},
            "rubric": [],
            "adjustment": 5,
            "comment": "",
        }
        assert ta.post("/api/grade", body, token=False)[0] == 403  # a cookie alone: no POST
        assert Gradebook.of(fresh_class.out).grades("hw2") == {}
        assert ta.get("/reports/../../etc/passwd")[0] == 404


def test_the_injected_answer_shows_as_text(fresh_class: GradedClass) -> None:
    csv = fresh_class.submissions / "overrides.csv"
    csv.write_text(
        "assignment,student,item,points,comment\nhw2,s25,hw2.q3,9,typed by hand\n"
        "hw2,s26,q3a_answer,2,by hand too\n",
        encoding="utf-8",
    )
    with review_app(fresh_class.out, "--overrides", str(csv)) as app:
        ta = Session(app)
        start = ta.open()
        assert "1 of 261 answers graded" in start  # the file's row for the one q3a item
        grades = Gradebook.of(fresh_class.out).grades("hw2")
        assert grades[("s26", "q3a_answer")].comment == "by hand too"
        assert ("s25", "hw2.q3") in grades  # a question of three items: kept as it was named
        # an automatic item put on the re-check list waits for a person
        assert ta.post("/api/recheck", {"assignment": "hw2", "item": "q1c_p", "on": True})[0] == 200
        assert "2 of 291 answers graded" not in ta.get("/")[1]
        assert "1 of 291 answers graded" in ta.get("/")[1]
        status, page = ta.get("/item/hw2/q3a_answer")
        assert status == 200
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
        assert page.count("<script") == 1  # the app's own, by src
        status, student = ta.get("/student/hw2/s28")
        assert status == 200 and "<script>alert" not in student


def test_two_sessions_on_one_answer_end_in_one_grade_and_a_conflict(
    fresh_class: GradedClass,
) -> None:
    with review_app(fresh_class.out) as app, review_app(fresh_class.out, grader="ta2") as other:
        first, second = Session(app), Session(other)
        first.open()
        second.open()
        assert 'data-versions="0"' in first.get("/item/hw2/q3c_answer")[1]
        assert 'data-versions="0"' in second.get("/item/hw2/q3c_answer")[1]
        body = {"assignment": "hw2", "item": "q3c_answer", "students": {"s24": 0}, "rubric": []}
        one = first.post("/api/grade", {**body, "adjustment": 4, "comment": "ta1's"})[1]
        two = second.post("/api/grade", {**body, "adjustment": 1, "comment": "ta2's"})[1]
        assert one["saved"] == {"s24": 1} and one["conflicts"] == []
        assert two["saved"] == {}
        assert two["conflicts"] == [
            {
                "student": "s24",
                "version": 1,
                "grader": "ta1",
                "at": two["conflicts"][0]["at"],
                "points": 4.0,
            }
        ]
        grades = Gradebook.of(fresh_class.out).grades("hw2", "q3c_answer")
        assert [(g.points, g.comment, g.version) for g in grades.values()] == [(4.0, "ta1's", 1)]
        # resolved: ta2 saves again from the version the conflict named
        again = second.post("/api/grade", {**body, "students": {"s24": 1}, "adjustment": 1})[1]
        assert again["saved"] == {"s24": 2}
    test = items_by_variable(_record(fresh_class.out, "s24"))["q3c_answer"]
    assert test["score"] == 1 and test["override"]["points"] == 1


def test_kill_9_after_a_save_loses_nothing(fresh_class: GradedClass) -> None:
    with review_app(fresh_class.out) as app:
        ta = Session(app)
        ta.open()
        body = {
            "assignment": "hw2",
            "item": "q1b_answer",
            "students": {"s10": 0, "s12": 0},
            "rubric": [],
            "adjustment": 1.5,
            "comment": "half",
        }
        assert ta.post("/api/grade", body)[1]["saved"] == {"s10": 1, "s12": 1}
        os.kill(app.process.pid, signal.SIGKILL)
        app.process.wait()
    grades = Gradebook.of(fresh_class.out).grades("hw2", "q1b_answer")
    assert {s: g.points for (s, _), g in grades.items()} == {"s10": 1.5, "s12": 1.5}
    assert items_by_variable(_record(fresh_class.out, "s10"))["q1b_answer"]["score"] == 1.5
    with review_app(fresh_class.out) as app:
        ta = Session(app)
        ta.open()
        page = ta.get("/item/hw2/q1b_answer")[1]
        assert "s10" in page and 'data-versions="1' in page


def test_ctrl_c_stops_the_app_cleanly(fresh_class: GradedClass) -> None:
    with review_app(fresh_class.out) as app:
        Session(app).open()
        app.process.send_signal(signal.SIGINT)
        assert app.process.wait(timeout=20) == 0
        assert app.process.stdout is not None
        assert "Stopped; every grade saved is in" in app.process.stdout.read()


def test_a_later_batch_keeps_the_grades_and_marks_changed_notebooks(
    fresh_class: GradedClass,
) -> None:
    with review_app(fresh_class.out) as app:
        ta = Session(app)
        ta.open()
        for student in ("s01", "s02"):
            body = {
                "assignment": "hw2",
                "item": "q4_analysis",
                "students": {student: 0},
                "rubric": [],
                "adjustment": 3,
                "comment": '=HYPERLINK("x") see the answer',
            }
            assert ta.post("/api/grade", body)[1]["saved"] == {student: 1}
    path = fresh_class.submissions / "hw2" / "s01.ipynb"
    notebook = nbformat.read(str(path), as_version=4)
    notebook.cells[-1].source += "\n# changed after the grade\n"
    nbformat.write(notebook, str(path))
    grade_class(fresh_class.homework, fresh_class.submissions, fresh_class.out)
    for student in ("s01", "s02"):
        test = items_by_variable(_record(fresh_class.out, student))["q4_analysis"]
        assert test["score"] == 3 and test["override"]["points"] == 3, student
    stale = Gradebook.of(fresh_class.out).stale("hw2")
    assert [(g.student, g.item) for g in stale] == [("s01", "q4_analysis")]
    with review_app(fresh_class.out) as app:
        ta = Session(app)
        page = ta.open()
        assert 'data-stale="1"' in page
        assert 'class="stale"' in ta.get("/item/hw2/q4_analysis")[1]
    target = fresh_class.out / "exported.csv"
    done = subprocess.run(
        [
            sys.executable,
            "grade.py",
            "overrides",
            "export",
            str(fresh_class.out),
            "--to",
            str(target),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "wrote 2 grades" in done.stdout
    text = target.read_text(encoding="utf-8")
    assert formula_cells(text) == [] and "'=HYPERLINK" in text
    assert (fresh_class.out / FILE_NAME).is_file()
    assert INJECTED not in (fresh_class.out / "hw2" / "grades.csv").read_text(encoding="utf-8")


def test_a_save_renders_from_the_cache_and_never_runs_a_notebook(
    fresh_class: GradedClass,
) -> None:
    students = {f"s{i:02d}": 0 for i in range(10)}  # the model answer's group
    body = {"assignment": "hw2", "item": "q3b_answer", "rubric": [], "adjustment": 5}
    with review_app(fresh_class.out) as app:
        ta = Session(app)
        ta.open()
        started = time.monotonic()
        reply = ta.post("/api/grade", {**body, "students": students, "comment": "all there"})[1]
        seconds = time.monotonic() - started
        print(f"\na group of {len(students)} saved and their pages rendered in {seconds:.2f} s")
        assert reply["problems"] == [], reply["problems"]
        assert len(reply["saved"]) == 10
    page = (fresh_class.out / "hw2" / "s03.html").read_text(encoding="utf-8")
    assert "all there" in page
    shutil.rmtree(fresh_class.out / ".cache")  # now no run can be reused, and none is made
    with review_app(fresh_class.out) as app:
        ta = Session(app)
        ta.open()
        reply = ta.post(
            "/api/grade", {**body, "students": {"s23": 0}, "comment": "graded-without-cache"}
        )[1]
        assert reply["saved"] == {"s23": 1}
        assert reply["problems"] and "no cached execution" in reply["problems"][0]
    test = items_by_variable(_record(fresh_class.out, "s23"))["q3b_answer"]
    assert test["score"] == 5 and test["override"]["comment"] == "graded-without-cache"
    assert "graded-without-cache" not in (fresh_class.out / "hw2" / "s23.html").read_text(
        encoding="utf-8"
    )
    assert not (fresh_class.out / ".cache").exists()


def test_the_apps_pages_are_valid_html(fresh_class: GradedClass, tmp_path: Path) -> None:
    from report.nuchecker import validate

    pages = []
    with review_app(fresh_class.out) as app:
        ta = Session(app)
        ta.open()
        for name, path in (
            ("start", "/"),
            ("written", "/item/hw2/q3a_answer"),
            ("automatic", "/item/hw2/q1c_p"),
            ("student", "/student/hw2/s28"),
        ):
            status, html = ta.get(path)
            assert status == 200, path
            pages.append(tmp_path / f"{name}.html")
            pages[-1].write_text(html, encoding="utf-8")
    problems = [(Path(m["url"]).name, m["message"]) for m in validate(pages)]
    assert problems == [], "\n".join(map(str, problems))
