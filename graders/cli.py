"""The command line: ``grade.py [grade] SUBMISSIONS``, ``grade.py release HW``.

In:  argv, and ``[tool.grader]`` of ``pyproject.toml`` in the current folder for defaults.
Out: an exit status; grading writes reports, release writes notebooks.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from graders import __version__
from graders.execute import NbclientRunner
from graders.overrides import read_overrides
from graders.pipeline import BatchSummary, Settings, run_batch
from graders.questions import Homework
from graders.release import write_release
from graders.sandbox import choose_mode

COMMANDS = ("grade", "release")


def _config(cwd: Path) -> Mapping[str, Any]:
    """``[tool.grader]`` of ./pyproject.toml, or nothing."""
    path = cwd / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    section = data.get("tool", {}).get("grader", {})
    return section if isinstance(section, dict) else {}


def _parser(config: Mapping[str, Any]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grade.py",
        description=(
            "Grade deep-learning homework notebooks: run each one in its own kernel, read the "
            "answers, check them against the reference and write explained reports. "
            "`grade.py SUBMISSIONS` is short for `grade.py grade SUBMISSIONS`."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    grade = sub.add_parser(
        "grade",
        help="grade a folder of submissions and write reports",
        description=(
            "Grade every notebook under SUBMISSIONS (<assignment>/<student>.ipynb or "
            "<assignment>/<student>/*.ipynb) and write per-student pages and JSON, class "
            "pages and grades.csv. Exits 0 when the batch completed, even if some students' "
            "notebooks failed."
        ),
    )
    grade.add_argument("submissions", type=Path, help="folder of submissions, or one notebook")
    grade.add_argument(
        "--out",
        type=Path,
        default=Path(config.get("out", "reports")),
        help="where to write reports (default: %(default)s)",
    )
    grade.add_argument("--assignment", metavar="HW", help="grade only this assignment (e.g. hw4)")
    grade.add_argument(
        "--cell-timeout",
        type=float,
        default=config.get("cell_timeout"),
        metavar="SECONDS",
        help="per-cell time limit; default: the homework's own",
    )
    grade.add_argument(
        "--notebook-timeout",
        type=float,
        default=config.get("notebook_timeout"),
        metavar="SECONDS",
        help="whole-notebook time limit; default: the homework's own",
    )
    grade.add_argument(
        "--overrides",
        type=Path,
        metavar="CSV",
        help="points given by a person (assignment,student,item,points,comment); read, never "
        "written; default: overrides.csv in the submissions folder",
    )
    grade.add_argument(
        "--workers",
        type=_positive,
        default=config.get("workers", os.cpu_count() or 1),
        metavar="N",
        help="submissions graded at once, each in its own kernel (default: cores, %(default)s)",
    )
    grade.add_argument(
        "--rerun",
        action="store_true",
        help="execute every notebook again; by default a notebook whose content, answers "
        "contract and limits are unchanged reuses its cached execution",
    )
    grade.add_argument(
        "--sandbox",
        choices=("auto", "bwrap", "none"),
        default=config.get("sandbox", "auto"),
        help="isolation of each kernel: bubblewrap where it works (auto), required (bwrap), "
        "or reduced (none: rlimits, private folder, scrubbed environment); "
        "default: %(default)s",
    )

    release = sub.add_parser(
        "release",
        help="write the student notebook of a homework",
        description="Write the notebook students fill in, from the homework's reference module.",
    )
    release.add_argument("homework", help="homework id, e.g. hw4")
    release.add_argument(
        "--out", type=Path, default=Path("release"), help="output folder (default: %(default)s)"
    )
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _catalogue() -> dict[str, Homework]:
    from reference import catalogue

    return catalogue()


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in and args_in[0] not in COMMANDS and not args_in[0].startswith("-"):
        args_in.insert(0, "grade")
    parser = _parser(_config(Path.cwd()))
    args = parser.parse_args(args_in)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "release":
        return _release(args, parser)
    return _grade(args, parser)


def _release(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    catalogue = _catalogue()
    if args.homework not in catalogue:
        parser.error(f"unknown homework {args.homework!r}; known: {', '.join(sorted(catalogue))}")
    path = write_release(catalogue[args.homework], args.out)
    print(f"wrote {path}")
    return 0


def _grade(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if not args.submissions.exists():
        parser.error(f"{args.submissions} does not exist")
    catalogue = _catalogue()
    if args.assignment and args.assignment not in catalogue:
        parser.error(
            f"unknown assignment {args.assignment!r}; known: {', '.join(sorted(catalogue))}"
        )
    folder = args.submissions if args.submissions.is_dir() else args.submissions.parent
    settings = Settings(
        overrides=read_overrides(args.overrides or folder / "overrides.csv"),
        out=args.out,
        assignment=args.assignment,
        cell_timeout=args.cell_timeout,
        notebook_timeout=args.notebook_timeout,
        workers=args.workers,
        rerun=args.rerun,
    )
    try:
        plan = choose_mode(args.sandbox)
    except RuntimeError as exc:
        print(f"grade.py: {exc}", file=sys.stderr)
        return 2
    print(f"Isolation: {plan.mode} — {plan.reason}")
    started = time.monotonic()
    summary = run_batch(args.submissions, catalogue, NbclientRunner(plan), settings)
    _print_summary(summary, args.out, time.monotonic() - started)
    return 0 if summary.results else 1


def _print_summary(summary: BatchSummary, out: Path, seconds: float) -> None:
    if not summary.results:
        print("No submissions found (expected <assignment>/<student>.ipynb files).")
        return
    failed = summary.failed
    print(
        f"Graded {len(summary.results)} submissions in {seconds:.1f} s "
        f"({summary.executed} executed, {summary.cached} from the execution cache); "
        f"{len(failed)} did not run to their end. Reports: {out / 'index.html'}"
    )
    for result in failed:
        print(f"  {result.assignment}/{result.student}: {result.run_problem}")
