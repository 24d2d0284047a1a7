"""The review app driven in headless Chromium with the keyboard only: every written answer of a
30-student HW2 class graded through answer groups and rubric items, a rubric item's points
changed, an automatic verdict overridden; then the student pages, the class page, grades.csv and
the gradebook checked. Screenshots of the question page in English and Persian at 1280 px go
to /tmp/review-shots/."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes import ROOT
from report.devtools import Browser, browser

from graders.review.gradebook import Gradebook
from review.appserver import Session, review_app
from review.classroom import GradedClass, formula_cells, items_by_variable

pytestmark = pytest.mark.slow  # a real browser, a graded class, the app in a child process

WIDTH = 1280
SHOTS = Path("/tmp/review-shots")
KEYS = {"Enter": (13, "\r"), "Escape": (27, ""), "ArrowDown": (40, ""), "ArrowUp": (38, "")}


class Keyboard:
    """Key presses sent to the page as a person types them, counted."""

    def __init__(self, chrome: Browser) -> None:
        self.chrome = chrome
        self.presses = 0

    def press(self, key: str) -> None:
        code, text = KEYS.get(key, (ord(key.upper()) if len(key) == 1 else 0, key))
        down: dict[str, Any] = {"type": "keyDown", "key": key, "windowsVirtualKeyCode": code}
        if text:
            down["text"] = text
        self.chrome.send("Input.dispatchKeyEvent", **down)
        self.chrome.send(
            "Input.dispatchKeyEvent", type="keyUp", key=key, windowsVirtualKeyCode=code
        )
        self.presses += 1

    def type(self, text: str) -> None:
        self.chrome.send("Input.insertText", text=text)
        self.presses += 1

    def press_and_load(self, key: str) -> None:
        self.chrome.events = [
            e for e in self.chrome.events if e.get("method") != "Page.loadEventFired"
        ]
        self.press(key)
        self.chrome.wait_for("Page.loadEventFired", timeout=60)


def goto(chrome: Browser, url: str) -> None:
    chrome.send(
        "Emulation.setDeviceMetricsOverride",
        width=WIDTH,
        height=900,
        deviceScaleFactor=1,
        mobile=False,
    )
    chrome.events = [e for e in chrome.events if e.get("method") != "Page.loadEventFired"]
    chrome.send("Page.navigate", url=url)
    chrome.wait_for("Page.loadEventFired", timeout=60)


def wait_until(chrome: Browser, expression: str, timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = chrome.evaluate(expression)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"never true: {expression}")


FOCUSED = """(() => { const g = document.querySelector('article.group.focused');
  return g ? {id: g.id, state: g.dataset.state, students: g.dataset.students.split('\\n'),
              rubric: document.querySelectorAll('#rubric li').length,
              open: [...document.querySelectorAll('article.group')]
                .filter(x => x.dataset.state !== 'graded').length,
              item: document.querySelector('header.page').dataset.item} : null; })()"""


@pytest.fixture(scope="module")
def chrome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with browser(tmp_path_factory.mktemp("chromium-profile")) as opened:
        yield opened


def _grade_item(chrome: Browser, keys: Keyboard, split_first: bool) -> int:
    """Grade every group of the open item page; returns how many saves it took."""
    saves = 0
    if split_first:  # take the first student of the largest group out of it
        keys.press("]")
        keys.press_and_load("x")
    while True:
        group = chrome.evaluate(FOCUSED)
        assert group is not None
        if group["open"] == 0:
            return saves
        students = group["students"]
        if "s28" in students:  # the injected answer: no point, and a comment with a formula
            keys.press("c")
            keys.type('=HYPERLINK("http://evil.example/") an answer copied from elsewhere')
        elif len(students) >= 5:  # the model answer, the Persian one: every rubric item
            for number in range(1, group["rubric"] + 1):
                keys.press(str(number))
        elif len(students) == 1 and students[0] == "s00":
            keys.press("1")  # taken out of the group: the first rubric item only
        else:  # an answer of their own
            keys.press("c")
            keys.type("Does not answer the question")
        saves += 1
        last = group["open"] == 1
        if last and chrome.evaluate("document.querySelector('header.page').dataset.nextItem"):
            keys.press_and_load("Enter")  # the item's last group: on to the next item
            return saves
        keys.press("Enter")
        wait_until(chrome, f"document.getElementById('{group['id']}').dataset.state === 'graded'")


def test_grade_the_class_with_the_keyboard(chrome: Browser, fresh_class: GradedClass) -> None:
    out = fresh_class.out
    written = fresh_class.written()
    keys = Keyboard(chrome)
    saves = 0
    with review_app(out) as app:
        goto(chrome, app.url)
        assert chrome.evaluate("document.querySelector('header.page').dataset.page") == "start"
        keys.press_and_load("Enter")  # the first item waiting for a person
        for index, variable in enumerate(written):
            group = chrome.evaluate(FOCUSED)
            assert group["item"] == variable
            saves += _grade_item(chrome, keys, split_first=index == 0)
        # one rubric item's points changed
        goto(chrome, f"{app.base}/item/hw2/q3a_answer")
        before = Gradebook.of(out).grades("hw2", "q3a_answer")[("s01", "q3a_answer")].points
        keys.press("e")
        keys.type("2")
        keys.press_and_load("Enter")
        after = Gradebook.of(out).grades("hw2", "q3a_answer")[("s01", "q3a_answer")].points
        assert (before, after) == (5.0, 4.0)
        # one automatic verdict overridden: wrong answers first, the commonest at the top
        goto(chrome, f"{app.base}/item/hw2/q1c_p")
        assert chrome.evaluate(FOCUSED)["students"] == ["s00", "s01", "s02", "s03", "s04"]
        keys.press("j")
        first = chrome.evaluate(FOCUSED)
        assert first["students"] == ["s05"]
        keys.press("a")
        keys.type("0.5")
        keys.press("Escape")
        keys.press("c")
        keys.type("Right method, a slip in the arithmetic")
        keys.press("Enter")
        saves += 1
        wait_until(chrome, f"document.getElementById('{first['id']}').dataset.state === 'graded'")
        _conflict_shown(chrome, keys, out, app.base)
        page = chrome.evaluate("document.body.innerText")
        assert "<script>" not in chrome.evaluate("document.querySelector('main').innerHTML")
        _screenshots(chrome, app.base, "en")
        records = {s: _record(out, s) for s in fresh_class.students}
    with review_app(out, "--lang", "fa") as persian:
        goto(chrome, persian.url)
        assert chrome.evaluate("document.documentElement.dir") == "rtl"
        _screenshots(chrome, persian.base, "fa")
    answers = sum(
        1
        for r in records.values()
        for t in r["tests"]
        if t["variable"] in written and t["verdict"] == "manual"
    )
    print(
        f"\ngrading actions: {saves} saves, {keys.presses} key presses; answers graded: {answers}"
    )
    assert saves < answers / 3 and keys.presses < answers
    assert page
    _check_results(fresh_class, records, written)


CONFLICT = "document.querySelector('article.group.focused [data-conflict]')"


def _conflict_shown(chrome: Browser, keys: Keyboard, out: Path, base: str) -> None:
    """Another TA saves one student of the open group; this page's save shows the conflict,
    keeps the other grade, and a second save replaces it knowingly."""
    goto(chrome, f"{base}/item/hw2/q3b_answer")
    group = chrome.evaluate(FOCUSED)
    assert "s01" in group["students"]
    with review_app(out, grader="ta2") as other:
        ta2 = Session(other)
        ta2.open()
        version = Gradebook.of(out).grades("hw2", "q3b_answer")[("s01", "q3b_answer")].version
        body = {"assignment": "hw2", "item": "q3b_answer", "students": {"s01": version}}
        reply = ta2.post("/api/grade", {**body, "rubric": [], "adjustment": 1, "comment": "ta2"})
        assert reply[1]["saved"] == {"s01": version + 1}
    keys.press("1")  # this TA takes a rubric item off the group, from the page as it was
    keys.press("Enter")
    wait_until(chrome, f"!{CONFLICT}.hidden")
    assert "ta2" in chrome.evaluate(f"{CONFLICT}.innerText")
    grade = Gradebook.of(out).grades("hw2", "q3b_answer")[("s01", "q3b_answer")]
    assert (grade.grader, grade.points) == ("ta2", 1.0)  # not overwritten
    keys.press("Enter")  # saved again: replaces it, knowingly
    wait_until(chrome, f"{CONFLICT}.hidden")
    grade = Gradebook.of(out).grades("hw2", "q3b_answer")[("s01", "q3b_answer")]
    assert grade.grader == "ta1" and grade.points == 4.0
    keys.press("1")  # the rubric item back, for every student of the group
    keys.press("Enter")
    wait_until(chrome, f"document.getElementById('{group['id']}').dataset.state === 'graded'")


def _screenshots(chrome: Browser, base: str, lang: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    goto(chrome, f"{base}/item/hw2/q3a_answer")
    assert chrome.evaluate("document.documentElement.scrollWidth") <= WIDTH
    chrome.screenshot(SHOTS / f"question-{lang}.png")
    goto(chrome, f"{base}/")
    chrome.screenshot(SHOTS / f"start-{lang}.png")


def _record(out: Path, student: str) -> dict[str, Any]:
    return json.loads((out / "hw2" / f"{student}.json").read_text(encoding="utf-8"))


def _check_results(
    graded: GradedClass, records: dict[str, dict[str, Any]], written: list[str]
) -> None:
    out = graded.out
    book = Gradebook.of(out)
    grades = book.grades("hw2")
    for student, record in records.items():
        tests = items_by_variable(record)
        for variable in written:
            test = tests[variable]
            if test["verdict"] != "manual":
                continue
            grade = grades[(student, variable)]
            assert test["override"]["points"] == grade.points, (student, variable)
            assert test["score"] == grade.points and not test["pending"]
        assert record["pending"] == 0
    assert grades[("s01", "q3a_answer")].points == 4.0
    assert items_by_variable(records["s01"])["q3a_answer"]["score"] == 4.0
    assert grades[("s00", "q1a_answer")].points < grades[("s01", "q1a_answer")].points  # split out
    assert grades[("s28", "q3a_answer")].points == 0
    override = items_by_variable(records["s05"])["q1c_p"]
    assert (override["verdict"], override["score"]) == ("incorrect", 0.5)
    page = (out / "hw2" / "s05.html").read_text(encoding="utf-8")
    assert "v-override" in page and "Right method, a slip in the arithmetic" in page
    injected = (out / "hw2" / "s28.html").read_text(encoding="utf-8")
    assert "<script>alert" not in injected and "&lt;script&gt;" in injected
    class_page = (out / "hw2" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in class_page
    gradebook_csv = (out / "hw2" / "grades.csv").read_text(encoding="utf-8")
    assert formula_cells(gradebook_csv) == []
    rows = {line.split(",")[0]: line.split(",") for line in gradebook_csv.splitlines()[1:]}
    header = gradebook_csv.splitlines()[0].split(",")
    for student, record in records.items():
        assert float(rows[student][header.index("total")]) == record["score"]
    changes = book.history("hw2")
    assert {"grade", "split", "edit rubric item"} <= {c["action"] for c in changes}
    assert all(c["grader"] for c in changes) and all(c["at"] for c in changes)
    exported = out / "exported.csv"
    subprocess.run(
        [sys.executable, "grade.py", "overrides", "export", str(out), "--to", str(exported)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    text = exported.read_text(encoding="utf-8")
    assert formula_cells(text) == [] and "'=HYPERLINK" in text
