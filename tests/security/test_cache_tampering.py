"""The execution cache is trusted only as far as its seal: an entry edited on disk between two
runs (a forged full-marks harvest, a result renamed to another notebook's key, a rewritten seal
or a replaced sealing key) is a miss, and the notebook is executed again."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from fakes import FakeRunner
from hostile_corpus import full_marks_harvest

from graders.execute import CellRun, CellStatus, Execution, Outcome
from graders.model.questions import Homework
from graders.pipeline import Settings, run_batch
from graders.runtime.cache import SEAL_FILE, load, store
from graders.student.release import release_notebook

NONCE = "@@grader-" + "ab" * 16 + "@@"


def _execution(harvest: str) -> Execution:
    cell = CellRun(0, "x = 1", CellStatus.OK, "", "")
    return Execution((cell,), harvest, Outcome.COMPLETED, "", 1.0, "bwrap")


def _forge_harvest(hw4: Homework) -> Callable[[Path], None]:
    def forge(path: Path) -> None:
        entry = json.loads(path.read_text("utf-8"))
        body = json.loads(entry["body"])
        body["harvest_output"] = full_marks_harvest(hw4, body["nonce"])
        entry["body"] = json.dumps(body)
        path.write_text(json.dumps(entry), "utf-8")

    return forge


def _rewrite_seal(path: Path) -> None:
    entry = json.loads(path.read_text("utf-8"))
    entry["seal"] = "0" * 64
    path.write_text(json.dumps(entry), "utf-8")


def test_an_entry_edited_renamed_or_resealed_is_a_miss(tmp_path: Path, hw4: Homework) -> None:
    store(tmp_path, "k1", _execution(NONCE + "{}"), NONCE)
    assert load(tmp_path, "k1") is not None
    (tmp_path / "k2.json").write_bytes((tmp_path / "k1.json").read_bytes())
    assert load(tmp_path, "k2") is None  # another notebook's key
    _forge_harvest(hw4)(tmp_path / "k1.json")
    assert load(tmp_path, "k1") is None
    store(tmp_path, "k1", _execution(NONCE + "{}"), NONCE)
    _rewrite_seal(tmp_path / "k1.json")
    assert load(tmp_path, "k1") is None
    store(tmp_path, "k1", _execution(NONCE + "{}"), NONCE)
    (tmp_path / SEAL_FILE).unlink()
    assert load(tmp_path, "k1") is None  # a key made anew seals nothing written before
    assert (tmp_path / SEAL_FILE).exists() is False


def test_the_sealing_key_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    store(tmp_path, "k", _execution(NONCE + "{}"), NONCE)
    assert (tmp_path / SEAL_FILE).stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("tamper", ["forge", "reseal"])
def test_an_entry_tampered_with_between_runs_is_executed_again(
    tmp_path: Path, hw4: Homework, tamper: str
) -> None:
    (tmp_path / "hw4").mkdir()
    nbformat.write(release_notebook(hw4), str(tmp_path / "hw4" / "ada.ipynb"))
    runner = FakeRunner(lambda nb: {"e1_h1": 1.3})
    settings = Settings(tmp_path / "out")
    first = run_batch(tmp_path, {"hw4": hw4}, runner, settings, lambda s: None)
    (entry,) = settings.cache_dir.glob("*.json")
    (_forge_harvest(hw4) if tamper == "forge" else _rewrite_seal)(entry)
    again = run_batch(tmp_path, {"hw4": hw4}, runner, settings, lambda s: None)
    assert (again.executed, again.cached) == (1, 0) and len(runner.jobs) == 2
    assert again.results[0].score == first.results[0].score < sum(q.points for q in hw4.questions)
    third = run_batch(tmp_path, {"hw4": hw4}, runner, settings, lambda s: None)
    assert (third.executed, third.cached) == (0, 1)  # the fresh entry is sealed again
