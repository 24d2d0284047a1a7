"""Roster: the course's students, and which of them a platform's hand-in belongs to.

In:  a CSV with a header: ``id`` (the course's student id, which names the reports), and any of
     ``name``, ``email`` and columns holding a platform's id for the student (``moodle``,
     ``github``, ``gradescope``, ``nbgrader``, ``canvas_id``, ``sis_login``, ... any other
     column is read the same way).
Out: ``Roster``; ``Roster.match`` finds a hand-in's student by the platform's id, the email or
     the name, in that order.

Names are compared after Unicode normalisation (NFKC), with case, spaces and the zero-width
non-joiner ignored and the Arabic forms of Persian letters (ي ك ى ة) read as Persian (ی ک ی ه),
so "Ali  Rezaei", "ali rezaei" and "علي رضايي" / "علی‌رضایی" find their row.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

_PERSIAN = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "\u200c": "", "\u200f": ""})


def name_key(name: str) -> str:
    """``name`` as names are compared (see the module's docstring)."""
    text = unicodedata.normalize("NFKC", name).translate(_PERSIAN).casefold()
    return "".join(text.split())


@dataclass(frozen=True)
class Member:
    """One row of the roster."""

    id: str
    name: str = ""
    email: str = ""
    aliases: Mapping[str, str] = field(default_factory=dict)  # column -> the platform's id

    def alias(self, *columns: str) -> str:
        """The first of ``columns`` the row fills, or ""."""
        return next((self.aliases[c] for c in columns if self.aliases.get(c)), "")


@dataclass(frozen=True)
class Roster:
    """The course's students (empty: every hand-in keeps the platform's id)."""

    members: tuple[Member, ...] = ()
    source: str = ""

    def match(self, platform_id: str, email: str = "", name: str = "") -> Member | None:
        """The member a hand-in belongs to, or None."""
        wanted = platform_id.strip().casefold()
        for member in self.members:
            ids = {member.id.casefold(), *(v.casefold() for v in member.aliases.values())}
            if wanted and wanted in ids:
                return member
        if email.strip():
            for member in self.members:
                if member.email and member.email.casefold() == email.strip().casefold():
                    return member
        if name.strip():
            for member in self.members:
                if member.name and name_key(member.name) == name_key(name):
                    return member
        return None

    def by_id(self, student: str) -> Member | None:
        return next((m for m in self.members if m.id == student), None)


def read_roster(path: Path) -> Roster:
    """The roster in ``path``; raises ``ValueError`` with the reason when it is not one."""
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    header = [h.strip().lower() for h in (csv.DictReader(io.StringIO(text)).fieldnames or [])]
    if "id" not in header:
        raise ValueError(f"{path}: the roster needs a header with an id column")
    members = []
    for row in rows:
        cells = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if not cells.get("id"):
            continue
        aliases = {k: v for k, v in cells.items() if k not in ("id", "name", "email") and v}
        members.append(Member(cells["id"], cells.get("name", ""), cells.get("email", ""), aliases))
    ids = [m.id for m in members]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: a student id appears twice")
    return Roster(tuple(members), str(path))
