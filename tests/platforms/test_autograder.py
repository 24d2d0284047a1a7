"""``grade.py gradescope-autograder hwN > autograder.zip``: what the zip holds, and its
``run_autograder`` run locally in a folder laid out as Gradescope lays it out, writing a
results.json that validates against the schema the students' CI is checked with and that
gives the grade a batch gives."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest
from system import sandbox_options

from graders.cli import main
from graders.platforms.autograder import SECRET_FILE

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests" / "student" / "gradescope.schema.json"


def _zip(homework: str, capsysbinary: pytest.CaptureFixture[bytes]) -> zipfile.ZipFile:
    assert main(["gradescope-autograder", homework]) == 0
    return zipfile.ZipFile(io.BytesIO(capsysbinary.readouterr().out))


def test_the_zip_holds_the_grader_and_only_this_homeworks_reference(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    archive = _zip("hw4", capsysbinary)
    names = set(archive.namelist())
    assert {"setup.sh", "run_autograder", "grade.py", "pyproject.toml"} <= names
    assert {"reference/hw4.py", "reference/training.py", "graders/cli.py"} <= names
    assert not {n for n in names if n.startswith(("submissions/", "tests/", "reports/"))}
    assert "reference/hw1.py" not in names and "reference/hw2.py" not in names
    assert not any("__pycache__" in n or n.endswith("overrides.csv") for n in names)
    catalogue = archive.read("reference/__init__.py").decode()
    assert 'MODULES = ("hw4",)' in catalogue
    mode = archive.getinfo("run_autograder").external_attr >> 16
    assert mode & stat.S_IXUSR
    for script in ("setup.sh", "run_autograder"):  # both are shell scripts bash can read
        text = archive.read(script).decode()
        assert text.startswith("#!/usr/bin/env bash\n")
        subprocess.run(["bash", "-n"], input=text, text=True, check=True)
    assert "pip install -c constraints.txt ." in archive.read("setup.sh").decode()


def test_the_secret_is_in_the_zip_only_when_given(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    assert SECRET_FILE not in _zip("hw4", capsysbinary).namelist()
    secret = tmp_path / "secret.txt"
    secret.write_text("course secret\n", "utf-8")
    assert main(["gradescope-autograder", "hw4", "--secret", str(secret)]) == 0
    archive = zipfile.ZipFile(io.BytesIO(capsysbinary.readouterr().out))
    assert archive.read(SECRET_FILE) == b"course secret"


def test_an_unknown_homework_is_refused(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    with pytest.raises(SystemExit):
        main(["gradescope-autograder", "hw99"])


def _layout(root: Path, archive: zipfile.ZipFile, notebook: Path | None) -> None:
    """Gradescope's folders: source (the zip unpacked), submission, results."""
    archive.extractall(root / "source")
    for info in archive.infolist():  # zipfile drops the modes: put the executable bits back
        mode = info.external_attr >> 16
        if mode:
            os.chmod(root / "source" / info.filename, mode & 0o777)
    (root / "submission").mkdir()
    (root / "results").mkdir()
    if notebook is not None:
        (root / "submission" / "my homework.ipynb").write_bytes(notebook.read_bytes())


def _run(root: Path) -> dict:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    env.pop("PYTHONPATH", None)  # the autograder's own source, not this checkout, is imported
    subprocess.run(
        ["bash", str(root / "source" / "run_autograder")], env=env, check=True, timeout=600
    )
    results = json.loads((root / "results" / "results.json").read_text("utf-8"))
    schema = json.loads(SCHEMA.read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(results)
    return results


def test_a_submission_without_a_notebook_gets_a_results_file(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    _layout(tmp_path / "autograder", _zip("hw1", capsysbinary), None)
    results = _run(tmp_path / "autograder")
    assert results["score"] == 0 and "No notebook" in results["output"]


@pytest.mark.slow
def test_run_autograder_grades_as_a_batch_does(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    demo = ROOT / "submissions" / "hw1" / "correct.ipynb"
    root = tmp_path / "autograder"
    _layout(root, _zip("hw1", capsysbinary), demo)
    results = _run(root)
    graded = sum(t["score"] for t in results["tests"])
    (tmp_path / "plain" / "hw1").mkdir(parents=True)
    (tmp_path / "plain" / "hw1" / "correct.ipynb").write_bytes(demo.read_bytes())
    out = tmp_path / "reports"
    assert main([str(tmp_path / "plain"), "--out", str(out), *sandbox_options()]) == 0
    record = json.loads((out / "hw1" / "correct.json").read_text("utf-8"))
    assert graded == pytest.approx(record["score"])
    assert record["score"] > 0
    visible = [t for t in results["tests"] if t.get("visibility") == "visible"]
    expected = {str(t["expected"]) for t in record["tests"] if t.get("expected")}
    assert not any(e in t["output"] for t in visible for e in expected if len(e) > 3)
