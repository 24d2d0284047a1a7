"""Builders of each platform's layout from a plain demo folder, and a runner that needs no
kernel, for the platform tests."""

from __future__ import annotations

import contextlib
import subprocess
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

# demo student -> (full name as the platform has it, platform id, email)
PEOPLE: Mapping[str, tuple[str, str, str]] = {
    "correct": ("علی رضایی", "1001", "ali@example.org"),
    "partial": ("Sara  Ahmadi", "1002", "sara@example.org"),
    "slip-sign-flipped": ("محمد‌حسین کریمی", "1003", "mh@example.org"),
    "slip-follow-through": ("Zahra Mousavi", "1004", "zahra@example.org"),
    "crashes": ("رضا نوری", "1005", "reza@example.org"),
    "not-a-notebook": ("Nima Jafari", "1006", "nima@example.org"),
    "seed-student": ("حمید رضا تهرانی", "1007", "hamid@example.org"),  # hw1's second demo
}
NOT_HANDED_IN = ("absent", "مریم صادقی", "1099")  # on the roster, with no hand-in


def demo_notebooks(assignment: str = "hw4") -> dict[str, Path]:
    folder = ROOT / "submissions" / assignment
    return {p.stem: p for p in sorted(folder.glob("*.ipynb")) if p.stem in PEOPLE}


def write_roster(path: Path) -> Path:
    """id,name,email,moodle,github,gradescope: the demo students and one who handed nothing in."""
    lines = ["id,name,email,moodle,github,gradescope"]
    for student, (name, pid, email) in PEOPLE.items():
        # the roster writes Persian names with Arabic letters and no zero-width non-joiner, as
        # a registrar's export may: they still match
        shown = name.replace("ی", "ي").replace("\u200c", "")
        lines.append(f"{student},{' '.join(shown.split())},{email},{pid},{student}-gh,GS{pid}")
    student, name, pid = NOT_HANDED_IN
    lines.append(f"{student},{name},,{pid},,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def plain(dest: Path, assignment: str = "hw4") -> Path:
    for student, source in demo_notebooks(assignment).items():
        target = dest / assignment / f"{student}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    return dest


def moodle_zip(
    dest: Path, assignment: str = "hw4", times: Mapping[str, tuple[int, ...]] | None = None
) -> Path:
    """A Moodle "download all submissions" zip: Persian names with spaces in the folders;
    ``times`` are the zip's times of some students' files (default: before the deadlines)."""
    times = times or {}
    path = dest / f"course-{assignment}-submissions.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for student, source in demo_notebooks(assignment).items():
            name, pid, _ = PEOPLE[student]
            folder = f"{name}_{pid}_assignsubmission_file_"
            when = times.get(student, (2026, 11, 30, 12, 0, 0))
            info = zipfile.ZipInfo(f"{folder}/تمرین {assignment}.ipynb", date_time=when[:6])
            archive.writestr(info, source.read_bytes(), zipfile.ZIP_DEFLATED)
    return path


def classroom(dest: Path, assignment: str = "hw4", commit: bool = True) -> Path:
    """GitHub Classroom clones: <assignment>-<login>/, each a git repository."""
    for student, source in demo_notebooks(assignment).items():
        repo = dest / f"{assignment}-{student}-gh"
        (repo / "notebooks").mkdir(parents=True)
        (repo / "notebooks" / "homework.ipynb").write_bytes(source.read_bytes())
        (repo / "README.md").write_text("# homework\n", encoding="utf-8")
        if commit:
            _git(repo, "init", "-q")
            _git(repo, "add", "-A")
            _git(repo, "commit", "-q", "-m", "hand in", date="2026-11-30T12:00:00+00:00")
    return dest


def _git(repo: Path, *args: str, date: str = "") -> None:
    env = {
        "GIT_AUTHOR_NAME": "s",
        "GIT_AUTHOR_EMAIL": "s@example.org",
        "GIT_COMMITTER_NAME": "s",
        "GIT_COMMITTER_EMAIL": "s@example.org",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "PATH": "/usr/bin:/bin",
    }
    if date:
        env |= {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=env)


def nbgrader(dest: Path, assignment: str = "hw4") -> Path:
    """An nbgrader course folder: submitted/<student>/<assignment>/ with timestamp.txt."""
    for student, source in demo_notebooks(assignment).items():
        folder = dest / "submitted" / student / assignment
        folder.mkdir(parents=True)
        (folder / f"{assignment}.ipynb").write_bytes(source.read_bytes())
        (folder / "timestamp.txt").write_text("2026-11-30 12:00:00.000000 UTC\n", "utf-8")
    return dest


def gradescope(dest: Path, assignment: str = "hw4") -> Path:
    """A Gradescope submissions export: submission_metadata.yml and submission_<id>/."""
    root = dest / "assignment_777_export"
    lines = []
    for n, (student, source) in enumerate(demo_notebooks(assignment).items()):
        name, pid, email = PEOPLE[student]
        sub = f"submission_{5000 + n}"
        (root / sub).mkdir(parents=True)
        (root / sub / f"{assignment}.ipynb").write_bytes(source.read_bytes())
        lines += [
            f"{sub}:",
            "  :submitters:",
            f"  - :name: {name}",
            f"    :sid: 'GS{pid}'",
            f"    :email: {email}",
            "  :created_at: 2026-11-30 12:00:00.000000000 +00:00",
            "  :score: 0.0",
        ]
    (root / "submission_metadata.yml").write_text("\n".join(lines) + "\n", "utf-8")
    return dest


def answer_namespace(notebook: Any) -> dict[str, Any]:
    """What the notebook's code cells define when run in-process (all but the course's set-up
    cell, which trains nothing the answers read), each in the namespace the earlier ones
    left; a failing cell is skipped. The demos run here are trusted and quick."""
    namespace: dict[str, Any] = {}
    for cell in notebook.cells:
        if cell.cell_type == "code" and not cell.source.startswith("# Course set-up"):
            with contextlib.suppress(Exception):
                exec(compile(cell.source, "<answers>", "exec"), namespace)
    namespace.pop("__builtins__", None)
    return namespace
