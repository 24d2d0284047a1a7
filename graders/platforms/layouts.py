"""Layouts: which platform a submissions folder comes from, and each student's hand-in in it.

In:  a folder (a zip is unpacked first, by ``graders.platforms.intake``).
Out: ``Layout`` — its name and one ``HandIn`` per student: the platform's id for them, their
     name and email where the platform gives them, the folder holding their files, and the time
     the platform recorded for the hand-in (``None`` where it records none).

Recognised, in this order:

- ``gradescope``: a submissions export, ``submission_metadata.yml`` beside one
  ``submission_<id>/`` folder per submission; the metadata names the submitters (``:name:``,
  ``:sid:``, ``:email:``; a group's submission is each member's) and the time
  (``:created_at:``).
- ``nbgrader``: ``submitted/<student>/<assignment>/`` (the folder given may be ``submitted``
  itself or the course folder holding it); the time is nbgrader's ``timestamp.txt``.
- ``moodle``: "download all submissions": one folder per student named
  ``Full Name_12345_assignsubmission_file_`` (or, without folders, files named
  ``Full Name_12345_assignsubmission_file_notebook.ipynb``); 12345 is the participant id; the
  time is the file's, which the zip records.
- ``github-classroom``: one clone per student, ``<assignment>-<login>/``; the time is the last
  commit's (``git log``), else the notebook file's.
- ``plain``: everything else: ``<assignment>/<student>.ipynb`` (``graders.discover``).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

PLAIN = "plain"
MOODLE = "moodle"
CLASSROOM = "github-classroom"
NBGRADER = "nbgrader"
GRADESCOPE = "gradescope"

NAMES = {
    PLAIN: "plain folder (<assignment>/<student>.ipynb)",
    MOODLE: "Moodle download (Full Name_<participant>_assignsubmission_file_/)",
    CLASSROOM: "GitHub Classroom clones (<assignment>-<login>/)",
    NBGRADER: "nbgrader exchange (submitted/<student>/<assignment>/)",
    GRADESCOPE: "Gradescope submissions export (submission_metadata.yml)",
}

MOODLE_NAME = re.compile(
    r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<rest>.*)$"
)
IGNORED = (".git", "__MACOSX", ".ipynb_checkpoints", "__pycache__")


@dataclass(frozen=True)
class HandIn:
    """One student's hand-in, as the platform lists it."""

    platform_id: str  # Moodle participant, GitHub login, nbgrader student, Gradescope SID
    name: str
    email: str
    folder: Path  # the folder (or, for a flat Moodle download, the file) holding their files
    submitted: datetime | None = None
    assignment: str = ""  # where the platform names it (nbgrader, the Classroom prefix)
    problem: str = ""  # why the hand-in cannot be graded (set by the intake: a refused zip)

    @property
    def shown(self) -> str:
        """How the class page names the hand-in."""
        return f"{self.name} ({self.platform_id})" if self.name else self.platform_id


@dataclass(frozen=True)
class Layout:
    """A recognised folder: the platform's name and each student's hand-in."""

    name: str
    root: Path
    hand_ins: tuple[HandIn, ...] = ()

    @property
    def described(self) -> str:
        return NAMES[self.name]


def _visible(path: Path) -> bool:
    return not path.name.startswith(".") and path.name not in IGNORED


def _children(root: Path) -> list[Path]:
    try:
        return sorted(p for p in root.iterdir() if _visible(p) and not p.is_symlink())
    except OSError:
        return []


def recognise(root: Path) -> Layout:
    """The layout of ``root`` (see the module's docstring)."""
    if not root.is_dir():
        return Layout(PLAIN, root)
    for finder in (_gradescope, _nbgrader, _moodle, _classroom):
        found = finder(root)
        if found is not None:
            return found
    return Layout(PLAIN, root)


def _mtime(path: Path) -> datetime | None:
    """The newest modification time of ``path`` or the notebooks under it."""
    try:
        paths = [path] if path.is_file() else [p for p in path.rglob("*.ipynb") if p.is_file()]
        stamps = [p.stat().st_mtime for p in paths]
    except OSError:
        return None
    return datetime.fromtimestamp(max(stamps), UTC) if stamps else None


# --- Gradescope ----------------------------------------------------------------------------


def _gradescope(root: Path) -> Layout | None:
    candidates = [root, *(p for p in _children(root) if p.is_dir())]
    for folder in candidates:
        metadata = folder / "submission_metadata.yml"
        if metadata.is_file():
            return Layout(GRADESCOPE, folder, tuple(_gradescope_hand_ins(folder, metadata)))
    return None


def _key(name: Any) -> str:
    """A metadata key without Ruby's leading colon (``:name`` and ``name`` alike)."""
    return str(name).lstrip(":")


def _plain_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {_key(k): _plain_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_keys(v) for v in value]
    return value


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace(" UTC", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _gradescope_hand_ins(folder: Path, metadata: Path) -> list[HandIn]:
    try:
        data = _plain_keys(yaml.safe_load(metadata.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        data = None
    hand_ins = []
    for name, record in (data or {}).items() if isinstance(data, Mapping) else ():
        if not isinstance(record, Mapping) or not _plain_name(str(name)):
            continue  # a key naming a path outside the export is never followed
        submitters = [s for s in record.get("submitters") or [] if isinstance(s, Mapping)]
        for who in submitters or [{}]:  # a group's submission counts for each of its members
            sid = str(who.get("sid") or who.get("email") or name)
            hand_ins.append(
                HandIn(
                    sid,
                    str(who.get("name") or ""),
                    str(who.get("email") or ""),
                    folder / str(name),
                    _time(record.get("created_at")),
                )
            )
    return hand_ins


def _plain_name(name: str) -> bool:
    """Whether ``name`` is one folder's name (no separator, not ``.`` or ``..``)."""
    return bool(name) and name not in (".", "..") and not any(c in name for c in "/\\\0")


# --- nbgrader ------------------------------------------------------------------------------


def _nbgrader(root: Path) -> Layout | None:
    submitted = root if root.name == "submitted" else root / "submitted"
    if not submitted.is_dir():
        return None
    hand_ins = []
    for student in (p for p in _children(submitted) if p.is_dir()):
        for assignment in (p for p in _children(student) if p.is_dir()):
            hand_ins.append(
                HandIn(
                    student.name,
                    "",
                    "",
                    assignment,
                    _nbgrader_time(assignment) or _mtime(assignment),
                    assignment.name,
                )
            )
    return Layout(NBGRADER, submitted, tuple(hand_ins))


def _nbgrader_time(folder: Path) -> datetime | None:
    try:
        text = (folder / "timestamp.txt").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return _time(text)


# --- Moodle --------------------------------------------------------------------------------


def _moodle(root: Path) -> Layout | None:
    found: dict[str, HandIn] = {}
    for child in _children(root):
        match = MOODLE_NAME.match(child.name)
        if match is None or (child.is_file() and not match["rest"]):
            continue
        pid = match["id"]
        name = " ".join(match["name"].split())
        folder = child  # a folder, or in a flat download the student's file itself
        previous = found.get(pid)
        if previous is None or (child.is_dir() and match["plugin"] == "file"):
            found[pid] = HandIn(pid, name, "", folder, _mtime(child))
    if not found:
        return None
    return Layout(MOODLE, root, tuple(found[k] for k in sorted(found)))


# --- GitHub Classroom ----------------------------------------------------------------------


def _classroom(root: Path) -> Layout | None:
    folders = [p for p in _children(root) if p.is_dir()]
    clones = [p for p in folders if (p / ".git").exists()]
    named = [p for p in folders if "-" in p.name]
    if not folders or (len(clones) < len(folders) and len(named) < len(folders)):
        return None
    prefix = _common_prefix([p.name for p in folders])
    if not clones and not prefix:
        return None
    hand_ins = []
    for folder in folders:
        login = folder.name[len(prefix) :] if prefix else folder.name.rsplit("-", 1)[-1]
        assignment = prefix.rstrip("-") if prefix else folder.name.rsplit("-", 1)[0]
        hand_ins.append(
            HandIn(login, "", "", folder, _commit_time(folder) or _mtime(folder), assignment)
        )
    return Layout(CLASSROOM, root, tuple(hand_ins))


def _common_prefix(names: list[str]) -> str:
    """The longest ``<assignment>-`` every name begins with (and none is), or ""."""
    prefix = min(names, key=len) if names else ""
    while prefix and not all(n.startswith(prefix) for n in names):
        prefix = prefix[:-1]
    cut = prefix.rfind("-")
    prefix = prefix[: cut + 1] if cut > 0 else ""
    return prefix if prefix and all(len(n) > len(prefix) for n in names) else ""


def _commit_time(folder: Path) -> datetime | None:
    """The time of the clone's last commit, or None (no git, no commit)."""
    if not (folder / ".git").exists():
        return None
    try:
        done = subprocess.run(
            [
                "git",
                *("-c", "safe.directory=*", "-c", "core.fsmonitor=false"),
                *("-C", str(folder), "log", "-1", "--format=%cI"),
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return _time(done.stdout.strip()) if done.returncode == 0 else None
