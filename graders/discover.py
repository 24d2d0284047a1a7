"""Discover: find the submissions under a folder.

In:  a path — the submissions root (``<root>/<assignment>/<student>.ipynb`` or
     ``<root>/<assignment>/<student>/*.ipynb``), one assignment's folder, or one notebook — and
     the known assignment ids. A ``.zip`` stands for the notebook it holds.
Out: ``Submission`` records, one per student and assignment, sorted. A file that cannot be read
     as a notebook is still a submission, carrying the reason in ``problem``, so the student
     gets a report and the batch goes on.

The assignment comes from the notebook's ``grader`` metadata written at release, the folder
only as a fallback; the student is the file (or folder) name, and a different id in the
metadata is noted. Where one student handed in several notebooks, the newest is graded and the
others are named in the report. Old notebook formats are upgraded to version 4.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import nbformat

MAX_NOTEBOOK_BYTES = 50 * 2**20
MAX_CELLS = 5_000  # cells of one notebook (counted in its bytes, before parsing)
MAX_CONTAINERS = 500_000  # JSON objects and arrays of one notebook (an upper bound, counted
# before parsing: a notebook of tiny objects costs far more memory than its bytes)
SUFFIXES = (".ipynb", ".zip")


@dataclass(frozen=True)
class Submission:
    """One student's work for one assignment."""

    assignment: str
    student: str
    path: Path
    notebook: Any = None  # nbformat.NotebookNode, or None when ``problem`` is set
    files: tuple[Path, ...] = ()  # other files in a folder-per-student submission
    problem: str = ""
    notes: tuple[str, ...] = ()
    modified: float = 0.0  # the file's modification time: the newest of several is graded
    submitted: str = ""  # when the course's platform recorded the hand-in (ISO), or ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.assignment, self.student)


def discover(root: Path, known: Collection[str]) -> list[Submission]:
    """Every submission under ``root``, one per (assignment, student), sorted."""
    chosen: dict[tuple[str, str], Submission] = {}
    others: dict[tuple[str, str], list[Submission]] = {}
    for path in _candidate_files(root):
        found = _linked(path, root) or _submission(path, root, known)
        current = chosen.get(found.key)
        if current is None:
            chosen[found.key] = found
            continue
        newer, older = (found, current) if _newer(found, current) else (current, found)
        chosen[found.key] = newer
        others.setdefault(found.key, []).append(older)
    result = []
    for key, submission in chosen.items():
        skipped = others.get(key, [])
        if skipped:
            names = ", ".join(sorted(str(s.path.name) for s in skipped))
            note = f"several notebooks were handed in; graded the newest, {submission.path.name}"
            submission = replace(
                submission, notes=(*submission.notes, f"{note}; not graded: {names}")
            )
        result.append(submission)
    return sorted(result, key=lambda s: (s.assignment, s.student))


def _newer(a: Submission, b: Submission) -> bool:
    """Whether ``a`` should be graded instead of ``b``: readable first, then the newest."""
    return (not a.problem, a.modified, str(a.path)) > (not b.problem, b.modified, str(b.path))


def _candidate_files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if any(p.startswith(".") or p in ("__pycache__", "__MACOSX") for p in parts):
            continue
        if path.suffix.lower() in SUFFIXES and (path.is_symlink() or path.is_file()):
            yield path
        elif path.is_symlink() and path.is_dir():
            yield path  # a linked folder is refused (``_linked``), never entered


def _linked(path: Path, root: Path) -> Submission | None:
    """A refusal, for the batch's log, of a notebook or folder that is a symbolic link: links
    are never followed (one could point at /etc/passwd, the reference solutions or another
    student's work). Its assignment is none, so no report is written for it."""
    if path == root or not path.is_symlink():  # a path typed on the command line is followed
        return None
    what = "folder" if path.is_dir() else "notebook"
    problem = (
        f"the {what} is a symbolic link ({path.relative_to(root)} -> {os.readlink(path)}), "
        "which is never followed: hand in the file itself"
    )
    return Submission("", path.name, path, None, (), problem)


def _path_ids(path: Path, root: Path, known: Collection[str]) -> tuple[str, str]:
    """(assignment, student) as the path suggests them."""
    rel = path.relative_to(root).parts if path != root else (path.name,)
    folders = list(rel[:-1])
    if len(folders) >= 2:  # <assignment>/<student>/notebook.ipynb
        return folders[-2], folders[-1]
    if len(folders) == 1:  # <assignment>/<student>.ipynb
        return folders[0], path.stem
    parent = root if root.is_dir() else root.parent
    return (parent.name if parent.name in known else "", path.stem)


def read_notebook(path: Path) -> tuple[Any, str, tuple[str, ...]]:
    """(notebook, "", notes) or (None, reason, notes) — never raises for a student's file."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, f"the file cannot be read ({exc.strerror})", ()
    if size > MAX_NOTEBOOK_BYTES:
        return None, _too_large(size), ()
    if path.suffix.lower() == ".zip":
        return _read_zip(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, f"the file cannot be read ({exc.strerror})", ()
    return parse_notebook(raw)


def _too_large(size: int) -> str:
    return (
        f"the notebook is {size / 2**20:.0f} MB; the limit is "
        f"{MAX_NOTEBOOK_BYTES / 2**20:.0f} MB (clear large outputs before handing it in)"
    )


def _read_zip(path: Path) -> tuple[Any, str, tuple[str, ...]]:
    try:
        with zipfile.ZipFile(path) as archive:
            climbing = [m.filename for m in archive.infolist() if _climbs(m.filename)]
            if climbing:
                return None, f"the zip holds a path that leaves its folder ({climbing[0]})", ()
            members = [
                m
                for m in archive.infolist()
                if m.filename.lower().endswith(".ipynb")
                and not any(p.startswith(".") or p == "__MACOSX" for p in m.filename.split("/"))
            ]
            if len(members) != 1:
                names = ", ".join(m.filename for m in members) or "none"
                return None, f"the zip holds {len(members)} notebooks ({names}); one is needed", ()
            member = members[0]
            if member.file_size > MAX_NOTEBOOK_BYTES:
                return None, _too_large(member.file_size), ()
            with archive.open(member) as handle:
                raw = handle.read(MAX_NOTEBOOK_BYTES + 1)
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError) as exc:
        return None, f"the file is not a readable zip ({exc})", ()
    if len(raw) > MAX_NOTEBOOK_BYTES:
        return None, _too_large(len(raw)), ()
    notebook, problem, notes = parse_notebook(raw)
    return notebook, problem, (f"unpacked {member.filename} from {path.name}", *notes)


def _climbs(name: str) -> bool:
    """Whether a zip member's name is absolute or climbs out of the zip's folder (``../``)."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts


def _not_json(text: str, exc: Exception) -> str:
    """Why ``text`` is no notebook, in words a student can act on (no parser message)."""
    start = text.lstrip()
    if not start:
        return "the file is not valid JSON, so not a notebook: it is empty"
    if not start.startswith("{"):
        begins = " ".join(start[:40].split())
        return (
            "the file is not valid JSON, so not a notebook: it begins with "
            f"“{begins}{'…' if len(start) > 40 else ''}” where a notebook begins with “{{”; it "
            "may be another kind of file renamed .ipynb: save the notebook from Jupyter instead"
        )
    if isinstance(exc, json.JSONDecodeError):
        return (
            "the file is not valid JSON, so not a notebook: it breaks off at line "
            f"{exc.lineno}, column {exc.colno} (cut short or edited by hand?); save it again "
            "from Jupyter"
        )
    return "the file is not valid JSON, so not a notebook (it nests too deeply to be one)"


def parse_notebook(raw: bytes) -> tuple[Any, str, tuple[str, ...]]:
    """Read notebook bytes: (notebook, "", notes) or (None, reason, ())."""
    cells = raw.count(b'"cell_type"')
    if cells > MAX_CELLS:
        return None, f"the notebook has {cells} cells; the limit is {MAX_CELLS}", ()
    containers = raw.count(b"{") + raw.count(b"[")
    if containers > MAX_CONTAINERS:
        return (
            None,
            (
                f"the notebook holds up to {containers} JSON objects and lists; the limit is "
                f"{MAX_CONTAINERS} (clear large outputs before handing it in)"
            ),
            (),
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, f"the file is not UTF-8 text (byte {exc.start}), so not a notebook", ()
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return None, _not_json(text, exc), ()
    if not isinstance(data, dict) or not ("cells" in data or "worksheets" in data):
        return None, "the file is JSON but not a notebook (no cells)", ()
    version = data.get("nbformat")
    if not isinstance(version, int) or not 1 <= version <= 4:
        return None, f"unknown notebook format version {version!r}", ()
    notes: list[str] = []
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as exc:  # nbformat raises many kinds for invalid notebooks
        return None, f"the notebook is malformed: {str(exc).splitlines()[0][:300]}", ()
    if version < 4:
        notes.append(f"the notebook was in format version {version}; upgraded to version 4")
    if not notebook.cells:
        notes.append("the notebook has no cells")
    return notebook, "", tuple(notes)


def released_to(metadata: Mapping[str, Any]) -> str:
    """The student a per-student release named in a notebook's ``metadata``, or ''."""
    return str(_release_metadata(metadata).get("student", "") or "").strip()


def released_as(metadata: Mapping[str, Any]) -> str:
    """The assignment a release named in a notebook's ``metadata``, or ''."""
    value = _release_metadata(metadata).get("assignment")
    return value if isinstance(value, str) else ""


def _release_metadata(metadata: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``grader`` section a release writes, or nothing when a student's edit broke it."""
    grader = metadata.get("grader")
    return grader if isinstance(grader, Mapping) else {}


def _submission(path: Path, root: Path, known: Collection[str]) -> Submission:
    assignment, student = _path_ids(path, root, known)
    notebook, problem, read_notes = read_notebook(path)
    notes = list(read_notes)
    meta_assignment = released_as(notebook.metadata) if notebook is not None else ""
    meta_student = released_to(notebook.metadata) if notebook is not None else ""
    if meta_assignment in known:
        if assignment and assignment != meta_assignment:
            notes.append(
                f"the notebook says assignment {meta_assignment}; the folder says "
                f"{assignment}; graded as {meta_assignment}"
            )
        assignment = meta_assignment
    if meta_student and meta_student != student:
        notes.append(f"the notebook names student {meta_student!r}; the path says {student!r}")
    files: tuple[Path, ...] = ()
    if path.parent != root and path.parent.name == student:
        files = tuple(
            p
            for p in sorted(path.parent.iterdir())
            if p.is_file() and not p.is_symlink() and p.suffix.lower() not in SUFFIXES
        )
    if not problem and assignment not in known:
        problem = f"unknown assignment {assignment or '(none)'}; known: {', '.join(sorted(known))}"
    try:
        modified = path.stat().st_mtime
    except OSError:
        modified = 0.0
    return Submission(
        assignment or "unknown", student, path, notebook, files, problem, tuple(notes), modified
    )
