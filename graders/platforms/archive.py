"""Archive: unpack a platform's zip (a Moodle or Gradescope download) without trusting it.

In:  a zip file and an empty destination folder.
Out: ``Unpacked``: the folder, and per top-level folder of the zip (one student's, in the
     platforms' layouts) the reason it was not unpacked, if it was not.

Nothing leaves the destination: a member whose name is absolute or climbs (``../``) is refused,
and so is a symbolic link. A student's folder with too many files, too many bytes or a
compression ratio no notebook has (a zip bomb) is not unpacked: its reason goes to that student's
report, and the other students are unpacked as usual. The whole archive has limits too.
"""

from __future__ import annotations

import os
import shutil
import stat
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path

MAX_MEMBERS = 50_000  # members of the whole archive
MAX_TOTAL_BYTES = 4 * 2**30  # unpacked bytes of the whole archive
MAX_STUDENT_MEMBERS = 2_000  # files of one student's folder
MAX_STUDENT_BYTES = 200 * 2**20  # unpacked bytes of one student's folder
MAX_RATIO = 200  # unpacked / packed bytes of a member larger than RATIO_FLOOR
RATIO_FLOOR = 2**20


class ArchiveRefused(ValueError):
    """The archive as a whole cannot be unpacked (not a zip, or past the whole's limits)."""


@dataclass(frozen=True)
class Unpacked:
    """Where an archive was unpacked, and the top-level folders that were refused."""

    root: Path
    refused: Mapping[str, str] = field(default_factory=dict)  # top-level name -> reason
    tops: tuple[str, ...] = ()  # every top-level name of the archive
    links: tuple[str, ...] = ()  # members that were symbolic links, never made


def climbs(name: str) -> bool:
    """Whether a member's name is absolute or climbs out of the archive's folder."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":")


def _top(name: str) -> str:
    return name.replace("\\", "/").split("/", 1)[0]


def _is_link(member: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(member.external_attr >> 16)


def _reason(members: list[zipfile.ZipInfo]) -> str:
    """Why one student's folder is not unpacked, or ""."""
    for member in members:
        if climbs(member.filename):
            return f"the archive holds a path that leaves its folder ({member.filename})"
    files = [m for m in members if not m.is_dir()]
    if len(files) > MAX_STUDENT_MEMBERS:
        return f"the hand-in holds {len(files)} files; the limit is {MAX_STUDENT_MEMBERS}"
    size = sum(m.file_size for m in files)
    if size > MAX_STUDENT_BYTES:
        return (
            f"the hand-in unpacks to {size / 2**20:.0f} MB; the limit is "
            f"{MAX_STUDENT_BYTES / 2**20:.0f} MB"
        )
    for member in files:
        ratio = member.file_size / max(1, member.compress_size)
        if member.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            return (
                f"{member.filename} unpacks {ratio:.0f} times larger than it is packed (a zip "
                "bomb?); it was not unpacked"
            )
    return ""


def unpack(path: Path, dest: Path, zone: tzinfo = UTC) -> Unpacked:
    """Unpack ``path`` into ``dest``, refusing what could harm the grader (module docstring).

    Each file keeps the time the zip records for it (Moodle's: the hand-in's), read as a time
    of ``zone`` (a zip holds local times without their zone)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveRefused(f"{path.name} is not a readable zip ({exc})") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ArchiveRefused(f"{path.name} holds {len(members)} files; limit {MAX_MEMBERS}")
        total = sum(m.file_size for m in members)
        if total > MAX_TOTAL_BYTES:
            raise ArchiveRefused(f"{path.name} unpacks to {total / 2**30:.1f} GB; limit 4 GB")
        groups: dict[str, list[zipfile.ZipInfo]] = {}
        for member in members:
            groups.setdefault(_top(member.filename), []).append(member)
        refused = {top: why for top, group in groups.items() if (why := _reason(group))}
        if dest.exists():  # an earlier run's unpacking: nothing of it may linger
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        for top, group in groups.items():
            if top in refused:
                continue
            for member in group:
                try:
                    _extract(archive, member, dest, zone)
                except (OSError, zipfile.BadZipFile, ValueError):
                    continue  # a name that clashes with another (a file and a folder), or a
                    # member that cannot be read: the student's other files are unpacked
    links = tuple(m.filename for m in members if _is_link(m))
    return Unpacked(dest, refused, tuple(groups), links)


def _extract(archive: zipfile.ZipFile, member: zipfile.ZipInfo, dest: Path, zone: tzinfo) -> None:
    if _is_link(member) or member.is_dir():
        return  # links are never made; folders come with their files
    target = dest.joinpath(*member.filename.replace("\\", "/").split("/"))
    inside = target.resolve()
    if not inside.is_relative_to(dest.resolve()) or inside == dest.resolve() or target.is_dir():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with archive.open(member) as source, target.open("wb") as out:
        remaining = member.file_size + 1
        while remaining > 0:
            chunk = source.read(min(2**20, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            out.write(chunk)
    stamp = _epoch(member.date_time, zone)
    if stamp is not None:
        os.utime(target, (stamp, stamp))


def _epoch(date_time: tuple[int, int, int, int, int, int], zone: tzinfo) -> float | None:
    """A member's recorded time (a local time of ``zone``), as seconds since the epoch."""
    try:
        return datetime(*date_time, tzinfo=zone).timestamp()
    except (OverflowError, ValueError):
        return None
