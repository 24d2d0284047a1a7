"""Isolation, in words: why grading refuses to start without a sandbox, how to fix it, and how
a batch graded without one is marked.

In:  why bwrap cannot start here (``graders.runtime.sandbox.choose_mode``'s probe), the machine's
     user-namespace settings (read from ``/proc/sys``), or a result's isolation string.
Out: ``refusal(failure)`` — the message ``grade.py`` stops with: the packages to install, the
     kernel settings to change, a container for machines that forbid namespaces, and
     ``--sandbox none``; ``UNISOLATED`` — the phrase every report of a batch graded without
     isolation carries; ``unisolated(isolation)`` — whether a result's isolation string is one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

UNISOLATED = "ran without isolation"
"""Said by the terminal summary, the class page and every results JSON of a batch graded with
``--sandbox none`` (or ``sandbox = "none"`` under ``[tool.grader]``)."""

INSTALL_SCRIPT = "tools/install-system-packages.sh grading"

# (setting under /proc/sys, the value that turns unprivileged user namespaces off, the fix)
_USERNS_SETTINGS = (
    ("kernel/unprivileged_userns_clone", "0", "sudo sysctl -w kernel.unprivileged_userns_clone=1"),
    ("user/max_user_namespaces", "0", "sudo sysctl -w user.max_user_namespaces=15000"),
    (
        "kernel/apparmor_restrict_unprivileged_userns",
        "1",
        "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or an AppArmor profile "
        "for /usr/bin/bwrap)",
    ),
)


def _read_setting(name: str) -> str | None:
    try:
        return (Path("/proc/sys") / name).read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        return None


def userns_blockers(read: Callable[[str], str | None] = _read_setting) -> list[str]:
    """The fixes for this machine's settings that turn unprivileged user namespaces off."""
    return [fix for name, off, fix in _USERNS_SETTINGS if read(name) == off]


def refusal(
    failure: str, *, as_root: bool = False, read: Callable[[str], str | None] = _read_setting
) -> str:
    """Why grading will not start (``failure``: why bwrap cannot), and every way out."""
    lines = [
        f"the students' kernels cannot be isolated: {failure}.",
        "Grading runs the students' code; it will not run it unisolated unless asked. Either:",
    ]
    if "not installed" in failure:
        lines.append(
            "  - install bubblewrap: `sudo apt-get install bubblewrap` (Debian, Ubuntu), "
            f"`sudo dnf install bubblewrap` (Fedora), or `bash {INSTALL_SCRIPT}`;"
        )
    else:
        lines.append(
            "  - check that bubblewrap works: `bwrap --ro-bind / / true` (package bubblewrap: "
            f"apt-get or dnf, or `bash {INSTALL_SCRIPT}`);"
        )
    blockers = [] if as_root else userns_blockers(read)
    if blockers:
        lines.append("  - allow unprivileged user namespaces, which this machine turns off:")
        lines += [f"      {fix}" for fix in blockers]
    elif not as_root:
        lines.append(
            "  - where unprivileged user namespaces are off, allow them: "
            "`sudo sysctl -w kernel.unprivileged_userns_clone=1` (Debian), "
            "`sudo sysctl -w user.max_user_namespaces=15000`, or on Ubuntu 23.10 and later "
            "`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`;"
        )
    lines += [
        "  - in a container that forbids namespaces (Docker's default seccomp profile), start "
        "it with `--security-opt seccomp=unconfined --security-opt apparmor=unconfined`; on a "
        "machine without namespaces at all, grade inside a throwaway container or virtual "
        "machine that holds nothing else, with --sandbox none;",
        "  - or grade without isolation, for trusted notebooks only: --sandbox none (or "
        'sandbox = "none" under [tool.grader] in pyproject.toml); every report then says it '
        f"{UNISOLATED}.",
    ]
    return "\n".join(lines)


def unisolated(isolation: object) -> bool:
    """Whether a result's isolation string (``Execution.isolation``, the JSON's
    ``isolation``) says its kernel ran without a sandbox; False for no kernel at all."""
    return isinstance(isolation, str) and bool(isolation) and isolation != "bwrap"
