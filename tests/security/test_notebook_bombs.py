"""Notebook files built to exhaust the grader: 100,000 cells, deeply nested JSON, a JSON of a
million tiny objects, a 1 GB output (a sparse file), notebooks and a folder that are symbolic
links (to /etc/passwd, into reference/), and a zip whose member's name climbs out with ``../``.
Each gets a clear reason, the batch goes on to grade the honest student, nothing is written
outside the reports folder, and the grader's peak memory stays far below the bombs' sizes."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from fakes import ROOT
from hostile_corpus import record

from graders.discover import MAX_CELLS, MAX_CONTAINERS, MAX_NOTEBOOK_BYTES
from graders.model.questions import Homework
from graders.student.release import release_notebook

GIGABYTE = 2**30
MAX_PEAK_MB = 1000  # the grader's peak, imports included: 156-653 MB measured, 2147 undefended

GRADE = """
import resource, sys
from pathlib import Path
from fakes import FakeRunner
from graders.pipeline import Settings, run_batch
from reference import catalogue
root, out = Path(sys.argv[1]), Path(sys.argv[2])
summary = run_batch(root, catalogue(), FakeRunner(lambda nb: {"e1_h1": 1.3}), Settings(out))
print("graded", len(summary.results))
print("peak", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def _cells(count: int) -> str:
    cell = {"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": []}
    cells = [{**cell, "execution_count": None, "id": f"c{n}"} for n in range(count)]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture(scope="module")
def batch(hw4: Homework, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    root = tmp_path_factory.mktemp("bombs")
    folder, out = root / "submissions" / "hw4", root / "reports"
    folder.mkdir(parents=True)
    honest = nbformat.writes(release_notebook(hw4))
    (folder / "honest.ipynb").write_text(honest, encoding="utf-8")
    (folder / "many-cells.ipynb").write_text(_cells(100_000), encoding="utf-8")
    depth = 100_000
    (folder / "nested.ipynb").write_text('{"cells": ' + "[" * depth + "]" * depth + "}")
    (folder / "tiny-objects.ipynb").write_text('{"cells": [' + "{}," * 2_000_000 + "{}]}")
    with (folder / "huge-output.ipynb").open("wb") as handle:  # sparse: no disk, no memory
        handle.write(b'{"cells": [{"cell_type": "code", "outputs": [{"data": {"image/png": "')
        handle.truncate(GIGABYTE)
    (folder / "passwd.ipynb").symlink_to("/etc/passwd")
    (folder / "peeks.ipynb").symlink_to(ROOT / "reference" / "hw4.py")
    (folder / "linked-folder").symlink_to(ROOT / "reference", target_is_directory=True)
    with zipfile.ZipFile(folder / "climbs.zip", "w") as archive:
        archive.writestr("../../../../climbed-out.ipynb", honest)
    run = subprocess.run(
        [sys.executable, "-c", GRADE, str(root / "submissions"), str(out)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}", "PATH": "/usr/bin:/bin"},
        cwd=root,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return out, run.stdout, root


def test_each_bomb_is_refused_with_a_clear_reason(batch: tuple[Path, str, Path]) -> None:
    out, printed, _ = batch
    problems = {s: record(out, s)["problem"] for s in ("many-cells", "nested", "tiny-objects")}
    assert problems["many-cells"] == f"the notebook has 100000 cells; the limit is {MAX_CELLS}"
    assert "not valid JSON" in problems["nested"] and "nests too deeply" in problems["nested"]
    assert f"the limit is {MAX_CONTAINERS}" in problems["tiny-objects"]
    huge = record(out, "huge-output")["problem"]
    assert huge.startswith("the notebook is 1024 MB; the limit is ")
    assert f"{MAX_NOTEBOOK_BYTES // 2**20} MB" in huge
    for name in ("passwd.ipynb", "peeks.ipynb", "linked-folder"):
        line = next(line for line in printed.splitlines() if f"{name}: skipped" in line)
        assert "is a symbolic link" in line and "never followed" in line


def test_the_batch_goes_on_and_follows_no_link(batch: tuple[Path, str, Path]) -> None:
    out, printed, root = batch
    assert "graded 6" in printed  # honest, climbs, and the four bombs; no link
    assert record(out, "honest")["ran"] is True
    climbed = record(out, "climbs")
    assert climbed["problem"] == (
        "the zip holds a path that leaves its folder (../../../../climbed-out.ipynb)"
    )
    names = {p.name for p in (out / "hw4").iterdir()}
    assert not {"passwd.json", "peeks.json", "linked-folder.json"} & names
    assert not list(root.rglob("climbed-out*")) and not Path("/climbed-out.ipynb").exists()
    for path in out.rglob("*.json"):
        assert "root:x:0:0" not in path.read_text("utf-8", errors="replace")


def test_memory_stays_bounded(batch: tuple[Path, str, Path]) -> None:
    _, printed, _ = batch
    peak = int(printed.split("peak ", 1)[1].split()[0])
    assert peak < MAX_PEAK_MB, f"peak resident memory {peak} MB"
