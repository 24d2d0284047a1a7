"""Autograder: a Gradescope autograder for one homework, and what runs inside it.

In:  a homework id (``build_autograder``); inside Gradescope, the folders it lays out
     (``run``): ``<root>/source`` (the zip, unpacked), ``<root>/submission`` (the student's
     files) and ``<root>/results``, where ``<root>`` is ``/autograder`` (``AUTOGRADER_ROOT`` or
     ``--root`` name another, for a run on one's own machine).
Out: the zip's bytes: ``setup.sh`` (installs the grader with its pinned versions),
     ``run_autograder`` (grades the notebook and writes ``results/results.json``), the grader
     (``graders/``, ``grade.py``, ``pyproject.toml``, ``constraints.txt``) and the homework's
     own reference module (with ``reference/training.py`` where it uses it) and no other
     homework's; nothing of the course's demo submissions, overrides or reports, and the
     course's secret only when it is given (``--secret``, for per-student variants).

The run is ``grade.py check`` in reference mode (``graders.student.ci``): the results.json is
the one the students' CI writes, whose visible tests never show an expected answer and whose
hidden questions' scores are shown once the grades are published. A submission without a
notebook, or one the grader cannot check, still gets a results.json that says why.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the project's folder
SHARED = ("grade.py", "pyproject.toml", "constraints.txt")
REFERENCE_IMPORT = re.compile(r"^from reference(?:\.(\w+)| import (\w+))", re.MULTILINE)
ROOT_VARIABLE = "AUTOGRADER_ROOT"
SECRET_FILE = "course-secret.txt"

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when the autograder is built.
set -euo pipefail
cd /autograder/source
if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
    apt-get update
    apt-get install -y python3 python3-pip python3-venv
fi
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
/autograder/venv/bin/pip install -c constraints.txt .
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission; it writes results/results.json under the root.
set -u
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}}"
[ -x "$PYTHON" ] || PYTHON=python3
cd "$ROOT/source"
export PYTHONPATH="$ROOT/source"
exec "$PYTHON" -m graders.platforms.autograder --root "$ROOT" --homework {homework}
"""


def _add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _reference_files(homework: str, root: Path) -> dict[str, bytes]:
    """The homework's module, the reference modules it imports, and a catalogue of it alone."""
    folder = root / "reference"
    wanted, seen = [homework], set()
    while wanted:
        name = wanted.pop()
        if name in seen or not (folder / f"{name}.py").is_file():
            continue
        seen.add(name)
        text = (folder / f"{name}.py").read_text(encoding="utf-8")
        wanted += [a or b for a, b in REFERENCE_IMPORT.findall(text)]
    files = {f"reference/{n}.py": (folder / f"{n}.py").read_bytes() for n in sorted(seen)}
    catalogue = (folder / "__init__.py").read_text(encoding="utf-8")
    catalogue, count = re.subn(
        r"^MODULES = \([^)]*\)", f'MODULES = ("{homework}",)', catalogue, flags=re.MULTILINE
    )
    if count != 1:
        raise RuntimeError("reference/__init__.py: no MODULES line to narrow")
    files["reference/__init__.py"] = catalogue.encode("utf-8")
    return files


def build_autograder(homework: str, root: Path = ROOT, secret: str = "") -> bytes:
    """The autograder zip of ``homework`` (see the module's docstring); raises ``KeyError``
    for a homework the project has no reference module for. With the course's ``secret``
    (kept in the zip as ``SECRET_FILE``: the zip is for staff only), a homework that varies
    its numbers grades each notebook against the variant its release names."""
    if not re.fullmatch(r"\w+", homework) or not (root / "reference" / f"{homework}.py").is_file():
        raise KeyError(f"no reference module for homework {homework!r}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _add(archive, "setup.sh", SETUP_SH.encode(), executable=True)
        _add(archive, "run_autograder", RUN_AUTOGRADER.format(homework=homework).encode(), True)
        for name in SHARED:
            _add(archive, name, (root / name).read_bytes())
        for path in sorted((root / "graders").rglob("*")):
            rel = path.relative_to(root).as_posix()
            if path.is_file() and "__pycache__" not in rel and not rel.endswith(".pyc"):
                _add(archive, rel, path.read_bytes())
        for name, data in _reference_files(homework, root).items():
            _add(archive, name, data)
        if secret:
            _add(archive, SECRET_FILE, secret.encode("utf-8"))
    return buffer.getvalue()


# --- inside Gradescope ---------------------------------------------------------------------


def _notebook(submission: Path, homework: str) -> Path | None:
    """The notebook to grade: ``<homework>.ipynb`` if handed in, else the only one, else the
    newest."""
    found = [
        p
        for p in sorted(submission.rglob("*.ipynb"))
        if p.is_file()
        and not p.is_symlink()
        and not any(part.startswith(".") for part in p.relative_to(submission).parts)
    ]
    named = [p for p in found if p.stem == homework]
    if named:
        return named[0]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def _secret(root: Path) -> str:
    try:
        return (root / "source" / SECRET_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def run(root: Path, homework: str) -> int:
    """Grade the notebook under ``root/submission`` into ``root/results/results.json``."""
    from graders.execute import NbclientRunner
    from graders.model.results import write_json
    from graders.runtime.sandbox import choose_mode
    from graders.student.ci import (
        CheckSetupError,
        check_notebook,
        gradescope,
        gradescope_failure,
    )

    results = root / "results" / "results.json"
    notebook = _notebook(root / "submission", homework)
    if notebook is None:
        reason = f"No notebook (.ipynb) was submitted for {homework}."
        write_json(results, gradescope_failure(reason))
        return 0
    try:
        runner = NbclientRunner(choose_mode("auto", fallback=True))
        report = check_notebook(notebook, runner, homework, secret=_secret(root))
    except CheckSetupError as exc:
        write_json(results, gradescope_failure(f"The notebook cannot be graded: {exc}"))
        return 0
    except Exception as exc:  # the grader's own failure: the student gets a results.json
        write_json(results, gradescope_failure(f"The grader failed ({type(exc).__name__}: {exc})."))
        return 0
    write_json(results, gradescope(report))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run_autograder")
    parser.add_argument(
        "--root", type=Path, default=Path(os.environ.get(ROOT_VARIABLE, "/autograder"))
    )
    parser.add_argument("--homework", required=True)
    args = parser.parse_args(argv)
    return run(args.root, args.homework)


if __name__ == "__main__":
    sys.exit(main())
