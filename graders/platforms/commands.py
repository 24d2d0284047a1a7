"""The platforms' part of the command line: ``grade``'s ``--roster``, ``--deadline`` and
``--late-policy``, and the commands ``export`` and ``gradescope-autograder``.

In:  argparse's parsers and namespaces (``graders.cli`` calls these).
Out: the batch's ``Intake`` and ``LatePolicy``; an export file; an autograder zip on stdout.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graders.model.questions import Homework
from graders.platforms.intake import Intake, take_in
from graders.platforms.late import LatePolicy, parse_deadline, parse_policy
from graders.platforms.roster import Roster, read_roster

COMMANDS = ("export", "gradescope-autograder")


def add_grade_arguments(grade: argparse.ArgumentParser) -> None:
    grade.add_argument(
        "--roster",
        type=Path,
        metavar="CSV",
        help="the course's students (id, and any of name, email and a column per platform id: "
        "moodle, github, gradescope, canvas_id, ...): each hand-in is graded under the id of "
        "its row; hand-ins off the roster and roster students without one are listed on the "
        "class page",
    )
    grade.add_argument(
        "--deadline",
        metavar="TIME",
        help="the deadline, an ISO time (2026-12-01T23:59+03:30; UTC without a zone): a "
        "hand-in the platform (Moodle, Gradescope, nbgrader, git) timed after it is late",
    )
    grade.add_argument(
        "--late-policy",
        default="none",
        metavar="POLICY",
        help="what lateness costs, taken from the score: PERCENT%%/day or PERCENT%%/hour per "
        "started day or hour, optionally ,max=PERCENT%% (e.g. 10%%/day,max=50%%); none marks "
        "late hand-ins only (default: %(default)s)",
    )


def late_policy(args: argparse.Namespace, parser: argparse.ArgumentParser) -> LatePolicy | None:
    if not args.deadline:
        if args.late_policy.strip().lower() != "none":
            parser.error("--late-policy needs --deadline")
        return None
    try:
        return parse_policy(parse_deadline(args.deadline), args.late_policy)
    except ValueError as exc:
        parser.error(str(exc))


def _roster(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Roster:
    """The ``--roster`` file read, or an empty roster; a bad file is a usage error."""
    if args.roster is None:
        return Roster()
    try:
        return read_roster(args.roster)
    except (OSError, ValueError) as exc:
        parser.error(f"--roster: {exc}")


def intake(
    args: argparse.Namespace,
    parser: argparse.ArgumentParser,
    catalogue: Mapping[str, Homework],
    policy: LatePolicy | None,
) -> Intake:
    roster = _roster(args, parser)
    zone = policy.deadline.tzinfo if policy is not None else None
    work = args.out / ".intake"
    if zone is None:
        return take_in(args.submissions, catalogue.keys(), roster, args.assignment, work)
    return take_in(args.submissions, catalogue.keys(), roster, args.assignment, work, zone)


def policy_record(policy: LatePolicy | None) -> dict[str, Any]:
    """The late policy as the ledger keeps it."""
    if policy is None:
        return {}
    return {"deadline": policy.deadline.isoformat(timespec="minutes"), "policy": policy.text}


def add_commands(sub: Any) -> None:
    export = sub.add_parser(
        "export",
        help="write a platform's grade import file from a results folder",
        description=(
            "Write the grade import file of Moodle (the assignment's grading worksheet), Canvas "
            "(the gradebook CSV) or Gradescope (a scores CSV) for one assignment, from the "
            "results folder a batch wrote (person's grades included), with each student's "
            "feedback comment and page file where the platform takes them."
        ),
    )
    export.add_argument("platform", choices=("moodle", "canvas", "gradescope-csv"))
    export.add_argument("assignment", help="assignment id, e.g. hw4")
    export.add_argument(
        "--results",
        type=Path,
        default=Path("reports"),
        help="the batch's results folder (default: %(default)s)",
    )
    export.add_argument("--roster", type=Path, metavar="CSV", help="as for grade")
    export.add_argument(
        "--out", type=Path, metavar="FILE", help="where to write (default: standard output)"
    )
    export.add_argument(
        "--canvas-column",
        metavar="NAME",
        help="Canvas: the assignment's column as the gradebook export names it, "
        "'Homework 4 (12345)' (default: the assignment id)",
    )
    auto = sub.add_parser(
        "gradescope-autograder",
        help="write a Gradescope autograder zip for a homework to standard output",
        description=(
            "Write a Gradescope autograder (setup.sh, run_autograder, the grader and the "
            "homework's reference) as a zip to standard output: grade.py gradescope-autograder "
            "hw4 > autograder.zip"
        ),
    )
    auto.add_argument("homework", help="homework id, e.g. hw4")
    auto.add_argument(
        "--secret",
        type=Path,
        metavar="FILE",
        help="the course's secret, put in the zip so that a homework that varies its numbers "
        "grades each notebook against its own variant (Gradescope keeps the zip from students)",
    )


def run_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.command == "export":
        from graders.platforms.export import export

        roster = _roster(args, parser)
        folder = args.results / args.assignment
        if not folder.is_dir():
            parser.error(f"no results for {args.assignment} under {args.results}")
        text = export(args.platform, folder, args.assignment, roster, args.canvas_column)
        if args.out is None:
            sys.stdout.write(text)
        else:
            args.out.write_text(text, encoding="utf-8")
            print(f"wrote {args.out}", file=sys.stderr)
        return 0
    from graders.platforms.autograder import build_autograder

    if sys.stdout.isatty():
        parser.error("the zip is written to standard output: redirect it (> autograder.zip)")
    secret = ""
    if args.secret is not None:
        try:
            secret = args.secret.read_text(encoding="utf-8").strip()
        except OSError as exc:
            parser.error(f"cannot read the secret file {args.secret}: {exc.strerror}")
    try:
        data = build_autograder(args.homework, secret=secret)
    except KeyError as exc:
        parser.error(str(exc))
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
    return 0
