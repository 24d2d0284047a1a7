"""Intake: the submissions a batch grades, from whatever layout the course's platform gave.

In:  SOURCE (a folder or a zip), the known assignment ids, the ``Roster``, the ``--assignment``
     named on the command line (or None), and where to unpack a zip.
Out: ``Intake`` — the layout's name, the ``Submission`` records (``graders.discover``) for the
     pipeline, and per assignment the ledger the class page and the exports read
     (``intake.json``): each student's platform id, name and hand-in time, the hand-ins that
     match no roster row (graded under the platform's id) and the roster's students who handed
     nothing in. Nobody is dropped: a hand-in without a notebook is a submission with that
     problem, so the student gets a report.

A plain folder (``<assignment>/<student>.ipynb``) is ``graders.discover``'s, as before. A zip is
unpacked (``graders.platforms.archive``) when it holds a platform's layout; a zip of one
notebook stays one submission.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any

from graders.discover import SUFFIXES, Submission, discover
from graders.model.results import write_json
from graders.platforms.archive import ArchiveRefused, Unpacked, unpack
from graders.platforms.layouts import (
    IGNORED,
    MOODLE,
    MOODLE_NAME,
    NAMES,
    PLAIN,
    HandIn,
    Layout,
    recognise,
)
from graders.platforms.roster import Roster

LEDGER = "intake.json"
"""The ledger's file in an assignment's report folder (a class file, like ``grades.csv``)."""


@dataclass(frozen=True)
class Intake:
    """What a batch grades, and how the platform named it."""

    layout: str
    source: Path
    submissions: tuple[Submission, ...] = ()
    ledgers: Mapping[str, dict[str, Any]] = field(default_factory=dict)  # assignment -> ledger
    problems: tuple[str, ...] = ()  # for the batch's log (an archive that could not be read)

    @property
    def line(self) -> str:
        """The batch's first line."""
        return f"Layout: {self.layout} — {NAMES[self.layout]}; source {self.source}"


def _platform_zip(path: Path) -> bool:
    """Whether a zip holds a platform's layout (rather than one student's notebook)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    tops = {n.replace("\\", "/").split("/", 1)[0] for n in names}
    if any(n.rsplit("/", 1)[-1] == "submission_metadata.yml" for n in names):
        return True
    if any(MOODLE_NAME.match(t) for t in tops):
        return True
    return any(n.startswith("submitted/") for n in names)


def take_in(
    source: Path,
    known: Collection[str],
    roster: Roster,
    assignment: str | None,
    work: Path,
    zone: tzinfo = UTC,
) -> Intake:
    """The submissions under ``source`` and their ledgers (see the module's docstring);
    a platform's zip is unpacked under ``work``."""
    unpacked = Unpacked(source)
    root = source
    if source.is_file() and source.suffix.lower() == ".zip" and _platform_zip(source):
        try:
            unpacked = unpack(source, work / _slug(source.stem), zone)
        except ArchiveRefused as exc:
            return Intake(PLAIN, source, problems=(str(exc),))
        root = unpacked.root
    layout = recognise(root)
    if layout.name == PLAIN and any(MOODLE_NAME.match(t) for t in unpacked.tops):
        layout = Layout(MOODLE, root)  # every student's folder was refused: still Moodle's
    if layout.name == PLAIN:
        subs = tuple(discover(source, known))
        return Intake(PLAIN, source, subs, _plain_ledgers(subs, roster, source))
    if unpacked.tops:
        layout = replace(layout, hand_ins=tuple(_mark_refused(layout, unpacked)))
    return _from_layout(layout, source, known, roster, assignment)


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("._") or "archive"


def _mark_refused(layout: Layout, unpacked: Unpacked) -> list[HandIn]:
    """The hand-ins, with the reason on each that the archive refused, and the Moodle
    folders of the archive that left nothing on disk (refused, or only links) listed too."""
    refused = unpacked.refused
    marked = []
    for hand_in in layout.hand_ins:
        rel = hand_in.folder.relative_to(layout.root).parts if hand_in.folder != layout.root else ()
        reason = refused.get(rel[0] if rel else "") or refused.get(layout.root.name, "")
        marked.append(replace(hand_in, problem=reason) if reason else hand_in)
    present = {h.folder.relative_to(layout.root).parts[0] for h in layout.hand_ins}
    for top in unpacked.tops:
        match = MOODLE_NAME.match(top)
        if top in present or match is None:
            continue
        links = [n for n in unpacked.links if n.startswith(top)]
        reason = refused.get(top) or (
            f"the hand-in holds only symbolic links ({', '.join(links)[:200]}), which are never "
            "followed: hand in the files themselves"
            if links
            else "nothing in the hand-in could be unpacked"
        )
        name = " ".join(match["name"].split())
        marked.append(HandIn(match["id"], name, "", layout.root / top, None, "", reason))
    return marked


def _student_id(hand_in: HandIn, roster: Roster) -> tuple[str, bool]:
    """(the course's id for the hand-in, whether the roster knows it)."""
    member = roster.match(hand_in.platform_id, hand_in.email, hand_in.name)
    if member is not None:
        return member.id, True
    safe = re.sub(r"[\\/\x00]+", "_", hand_in.platform_id).lstrip(".") or "unnamed"
    return safe, False


def _notebooks(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder] if folder.suffix.lower() in SUFFIXES else []
    found = []
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if any(p.startswith(".") or p in IGNORED for p in parts) or path.is_symlink():
            continue
        if path.suffix.lower() in SUFFIXES and path.is_file():
            found.append(path)
    return found


def _choose(subs: Sequence[Submission]) -> Submission:
    ranked = sorted(subs, key=lambda s: (not s.problem, s.modified, str(s.path)), reverse=True)
    chosen = ranked[0]
    if len(ranked) > 1:
        others = ", ".join(s.path.name for s in ranked[1:])
        note = f"several notebooks were handed in; graded {chosen.path.name}; not graded: {others}"
        chosen = replace(chosen, notes=(*chosen.notes, note))
    return chosen


def _submission(hand_in: HandIn, student: str, known: Collection[str], fallback: str) -> Submission:
    submitted = hand_in.submitted.isoformat(timespec="seconds") if hand_in.submitted else ""
    hinted = hand_in.assignment if hand_in.assignment in known else fallback
    if hand_in.problem:
        return Submission(hinted or "unknown", student, hand_in.folder, problem=hand_in.problem)
    found = []
    for path in _notebooks(hand_in.folder):
        # each notebook on its own: its assignment from its metadata, else the hint
        (sub,) = discover(path, known) or [Submission("", path.stem, path, problem="unreadable")]
        if sub.assignment not in known and hinted:
            sub = _assigned(sub, hinted)
        found.append(sub)
    if not found:
        what = ", ".join(p.name for p in _files(hand_in.folder)) or "nothing"
        problem = f"the hand-in holds no notebook (.ipynb); it holds {what}"
        return Submission(hinted or "unknown", student, hand_in.folder, problem=problem)
    chosen = _choose(found)
    files = _files(chosen.path.parent) if chosen.path.parent != hand_in.folder.parent else ()
    note = f"handed in as {hand_in.shown}" + (f" at {submitted}" if submitted else "")
    return replace(
        chosen,
        student=student,
        files=files,
        notes=(note, *(n for n in chosen.notes if "names student" not in n)),
        submitted=submitted,
    )


def _files(folder: Path) -> tuple[Path, ...]:
    if not folder.is_dir():
        return ()
    return tuple(
        p
        for p in sorted(folder.iterdir())
        if p.is_file()
        and not p.is_symlink()
        and not p.name.startswith(".")
        and p.suffix.lower() not in SUFFIXES
    )


def _from_layout(
    layout: Layout,
    source: Path,
    known: Collection[str],
    roster: Roster,
    assignment: str | None,
) -> Intake:
    fallback = assignment or ""
    hinted = {h.assignment for h in layout.hand_ins if h.assignment in known}
    if not fallback and len(hinted) == 1:
        fallback = next(iter(hinted))
    first = [
        (h, *_student_id(h, roster), _submission(h, _student_id(h, roster)[0], known, fallback))
        for h in layout.hand_ins
    ]
    found = {s.assignment for _, _, _, s in first if s.assignment in known}
    if not fallback and len(found) == 1:  # the class's one assignment, for hand-ins without it
        fallback = next(iter(found))
        first = [
            (h, sid, on, s if s.assignment in known else _assigned(s, fallback))
            for h, sid, on, s in first
        ]
    chosen: dict[tuple[str, str], Submission] = {}
    ledgers: dict[str, dict[str, Any]] = {}
    for hand_in, student, on_roster, sub in first:
        key = (sub.assignment, student)
        if key in chosen:  # two hand-ins for one student: the later is graded
            earlier = chosen[key]
            if (sub.submitted, str(sub.path)) < (earlier.submitted, str(earlier.path)):
                sub, earlier = earlier, sub
            note = f"a second hand-in ({earlier.path.name}, {earlier.submitted}) was not graded"
            sub = replace(sub, notes=(*sub.notes, note))
        chosen[key] = sub
        ledger = ledgers.setdefault(sub.assignment, _ledger(layout.name, source, roster))
        ledger["students"][student] = {
            "platform_id": hand_in.platform_id,
            "name": hand_in.name,
            "email": hand_in.email,
            "submitted": sub.submitted,
            "on_roster": on_roster or not roster.members,
        }
        if roster.members and not on_roster:
            ledger["off_roster"].append({"student": student, "shown": hand_in.shown})
    _add_missing(ledgers, roster)
    subs = tuple(sorted(chosen.values(), key=lambda s: (s.assignment, s.student)))
    return Intake(layout.name, source, subs, ledgers)


def _assigned(sub: Submission, assignment: str) -> Submission:
    """``sub`` graded as ``assignment``: a readable notebook loses its "unknown assignment"."""
    problem = "" if sub.notebook is not None else sub.problem
    return replace(sub, assignment=assignment, problem=problem)


def _ledger(layout: str, source: Path, roster: Roster) -> dict[str, Any]:
    return {
        "layout": layout,
        "described": NAMES[layout],
        "source": str(source),
        "roster": roster.source,
        "students": {},
        "off_roster": [],
        "missing": [],
    }


def _add_missing(ledgers: dict[str, dict[str, Any]], roster: Roster) -> None:
    for ledger in ledgers.values():
        handed = set(ledger["students"])
        ledger["missing"] = [
            {"student": m.id, "name": m.name} for m in roster.members if m.id not in handed
        ]


def _plain_ledgers(
    subs: Sequence[Submission], roster: Roster, source: Path
) -> dict[str, dict[str, Any]]:
    """A plain folder's ledgers: only where a roster was given (who is off it, who is
    missing); the ids are the files' names."""
    if not roster.members:
        return {}
    ledgers: dict[str, dict[str, Any]] = {}
    for sub in subs:
        if not sub.assignment or sub.assignment == "unknown":
            continue
        ledger = ledgers.setdefault(sub.assignment, _ledger(PLAIN, source, roster))
        member = roster.by_id(sub.student) or roster.match(sub.student)
        ledger["students"][sub.student] = {
            "platform_id": sub.student,
            "name": member.name if member else "",
            "email": member.email if member else "",
            "submitted": sub.submitted,
            "on_roster": member is not None,
        }
        if member is None:
            ledger["off_roster"].append({"student": sub.student, "shown": sub.student})
    _add_missing(ledgers, roster)
    return ledgers


def write_ledgers(out: Path, intake: Intake, late: Mapping[str, Any] | None = None) -> None:
    """Each assignment's ledger in its report folder (``LEDGER``), with the late policy; an
    assignment graded now without one loses an earlier batch's (its class page would show
    another batch's roster)."""
    for assignment, ledger in intake.ledgers.items():
        write_json(out / assignment / LEDGER, {**ledger, "late_policy": dict(late or {})})
    for assignment in {s.assignment for s in intake.submissions} - set(intake.ledgers):
        (out / assignment / LEDGER).unlink(missing_ok=True)
