"""The homework catalogue builds a homework only when it is looked up, once."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest
from system import sandbox_options

from graders.cli import main
from graders.model.answers import Answer, Kind, Status
from graders.model.parts import TextPart
from graders.model.questions import Homework, Item
from reference import MODULES, Catalogue, catalogue


def _refuse(name: str) -> object:
    def build() -> Homework:
        raise AssertionError(f"{name} was built")

    return build


def test_ids_come_without_building_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in MODULES:
        monkeypatch.setattr(f"reference.{name}.homework", _refuse(name))
    books = catalogue()
    assert list(books) == ["hw1", "hw2", "hw3", "hw4", "hw6"] and len(books) == 5
    assert "hw4" in books and "hw5" not in books
    with pytest.raises(KeyError):
        books["hw5"]
    assert books.get("hw5") is None


def test_a_homework_is_built_once_whichever_threads_ask(
    monkeypatch: pytest.MonkeyPatch, hw4: Homework
) -> None:
    calls = []

    def build() -> Homework:
        calls.append(threading.get_ident())
        return hw4

    monkeypatch.setattr("reference.hw4.homework", build)
    books = Catalogue()
    seen: list[Homework] = []
    threads = [threading.Thread(target=lambda: seen.append(books["hw4"])) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(seen) == 8 and all(h is hw4 for h in seen)


def test_a_module_that_builds_another_id_is_an_error(
    monkeypatch: pytest.MonkeyPatch, books: Catalogue
) -> None:
    monkeypatch.setattr("reference.hw4.homework", lambda: books["hw1"])
    with pytest.raises(RuntimeError, match=r"the reference module of hw4 built 'hw1'"):
        Catalogue()["hw4"]


def _unreadable(root: Path, assignment: str) -> Path:
    folder = root / "submissions" / assignment
    folder.mkdir(parents=True)
    (folder / "someone.ipynb").write_text("not a notebook", encoding="utf-8")
    return folder.parent


def test_a_batch_builds_and_checks_data_only_for_the_homeworks_handed_in(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """HW1 needs no dataset: an empty ``--data`` folder is fine for a batch of HW1 alone, and
    no other homework's references are computed; a batch with HW4 needs cifar-10."""
    for name in MODULES:
        if name != "hw1":
            monkeypatch.setattr(f"reference.{name}.homework", _refuse(name))
    empty = tmp_path / "data"
    empty.mkdir()
    folder = _unreadable(tmp_path / "one", "hw1")
    assert (
        main(
            [str(folder), "--out", str(tmp_path / "out"), "--data", str(empty), *sandbox_options()]
        )
        == 0
    )
    assert "hw1/someone" in capsys.readouterr().out
    monkeypatch.undo()
    _unreadable(tmp_path / "one", "hw4")
    assert main([str(folder), "--out", str(tmp_path / "out"), "--data", str(empty)]) == 2
    assert "some datasets are missing" in capsys.readouterr().err


def test_every_written_question_shows_a_model_answer_or_says_it_is_private() -> None:
    """The reports put a written answer's model in one place for every homework: "Expected"
    beside the student's answer, or a sentence saying the course keeps it private."""
    books = catalogue()
    for hw in books:
        for question in books[hw].questions:
            for part in question.parts:
                if isinstance(part, TextPart):
                    model = part.model_for(books[hw].params)
                    assert model.strip() or part.private, (hw, part.item.variable)


def test_a_private_model_answer_is_named_private_not_shown() -> None:
    item = Item("essay", "Essay", 2.0, "a string")
    shown = TextPart(item, "2 points: a reason.", "The model answer.")
    kept = replace(shown, private=True)
    answer = {"essay": Answer(Kind.TEXT, "Mine.", text="Mine.")}
    assert shown.grade(answer, {})["essay"].expected == "The model answer."
    verdict = kept.grade(answer, {})["essay"]
    assert verdict.status is Status.MANUAL and verdict.expected == ""
    assert verdict.details["model"] == "private" and verdict.details["rubric"]
    assert kept.grade({}, {})["essay"].status is Status.MISSING
