"""The command line: ``grade.py [grade] SUBMISSIONS``, ``grade.py release HW``,
``grade.py check NOTEBOOK`` and ``grade.py ci-template`` (these two in ``graders.student.ci``),
``grade.py export PLATFORM HW`` and ``grade.py gradescope-autograder HW`` (these two in
``graders.platforms.commands``), ``grade.py review RESULTS`` and
``grade.py overrides export RESULTS`` (these two in ``graders.review.command``).

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
from dataclasses import replace
from pathlib import Path
from typing import Any

from graders import __version__
from graders.discover import Submission
from graders.execute import WALL_FACTOR, NbclientRunner
from graders.model.overrides import Overrides, locate, read_overrides, shown_path
from graders.model.questions import Homework
from graders.model.variants import read_roster, verify
from graders.pipeline import (
    BatchInterrupted,
    BatchSummary,
    Settings,
    grade_batch,
)
from graders.platforms import commands as platform_commands
from graders.platforms.intake import write_ledgers
from graders.report.i18n import DEFAULT_LANGUAGE, LANGUAGES
from graders.review.command import COMMANDS as REVIEW_COMMANDS
from graders.review.command import add_commands as add_review_commands
from graders.review.command import run_command as run_review_command
from graders.runtime.data import DataShelf, datasets_of
from graders.runtime.isolation import UNISOLATED
from graders.runtime.sandbox import (
    SandboxUnavailable,
    choose_mode,
    remove_stale_run_folders,
)
from graders.runtime.warm import DEFAULT_KERNELS, KERNELS, kernels_line, runner_for
from graders.student.ci import add_commands, run_command
from graders.student.public import write_public_release, write_variant_releases

COMMANDS = (
    "grade",
    "release",
    "check",
    "ci-template",
    *platform_commands.COMMANDS,
    *REVIEW_COMMANDS,
)


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
            "<assignment>/<student>/*.ipynb, or a Moodle zip or folder, GitHub Classroom "
            "clones, an nbgrader folder or a Gradescope export: the first line names the "
            "layout) and write per-student pages and JSON, class pages and grades.csv. Exits 0 "
            "when the batch completed, even if some students' notebooks failed."
        ),
    )
    grade.add_argument(
        "submissions", type=Path, help="folder of submissions, one notebook, or a platform's zip"
    )
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
        help="per-cell limit on processor time (the kernel and every process it started; a "
        "busy machine does not use it up); default: the homework's own",
    )
    grade.add_argument(
        "--notebook-timeout",
        type=float,
        default=config.get("notebook_timeout"),
        metavar="SECONDS",
        help="whole-notebook limit on processor time; default: the homework's own",
    )
    grade.add_argument(
        "--wall-factor",
        type=float,
        default=float(config.get("wall_factor", WALL_FACTOR)),
        metavar="X",
        help="the clock's ceiling for a cell or notebook, as a multiple of its processor-time "
        "limit, for code that sleeps or blocks (default: %(default)g)",
    )
    grade.add_argument(
        "--overrides",
        type=Path,
        metavar="CSV",
        default=config.get("overrides"),
        help="points given by a person (assignment,student,item,points,comment); read, never "
        "written; default: `overrides` under [tool.grader], else the nearest overrides.csv in "
        "the graded folder or up to two folders above it (the submissions root)",
    )
    _data_argument(grade, config)
    _reference_argument(grade, config)
    platform_commands.add_grade_arguments(grade)
    grade.add_argument(
        "--workers",
        type=_positive,
        default=config.get("workers", os.cpu_count() or 1),
        metavar="N",
        help="submissions graded at once, each in its own kernel (one thread, seeded: the same "
        "notebook trains the same model whatever N is; default: cores, %(default)s); as many "
        "kernels again start meanwhile",
    )
    grade.add_argument(
        "--rerun",
        action="store_true",
        help="execute every notebook again; by default a notebook whose content, answers "
        "contract and limits are unchanged reuses its cached execution",
    )
    _secret_argument(grade)
    grade.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="grade on a Dask cluster: a scheduler address (tcp://host:8786) or local:N for a "
        "LocalCluster of N worker processes (needs the dask extra)",
    )
    grade.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=config.get("lang", DEFAULT_LANGUAGE),
        help="language of the HTML reports: en (English) or fa (Persian, right to left); "
        "default: %(default)s",
    )
    grade.add_argument(
        "--sandbox",
        choices=("auto", "bwrap", "none"),
        default=config.get("sandbox", "auto"),
        help="isolation of each kernel: bubblewrap, required (auto, and its synonym bwrap: "
        "grading refuses to start where bwrap cannot, and says how to fix it), or none "
        "(no isolation, for trusted notebooks only: rlimits, a private folder and a scrubbed "
        "environment; every report says it ran without isolation); default: %(default)s",
    )
    grade.add_argument(
        "--kernels",
        choices=KERNELS,
        default=config.get("kernels", DEFAULT_KERNELS),
        help="how each kernel starts: warm (forked from a parent that has already imported "
        "ipykernel and the homework's heavy modules, with the same bwrap isolation; where that "
        "cannot be done, cold, and the summary says which submissions) or cold (a new "
        "interpreter per submission); default: %(default)s",
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
    release.add_argument(
        "--roster",
        type=Path,
        metavar="CSV",
        help="one notebook per student (columns id, name, optional email), each with the "
        "student's own numbers, derived from --secret and the id; written to OUT/HW/ID.ipynb",
    )
    release.add_argument(
        "--verify",
        action="store_true",
        help="check every variant: the reference solves, the cross-checks hold, the "
        "constraints are met; exit 1 when one does not",
    )
    _secret_argument(release)
    _reference_argument(release, config)
    check = add_commands(sub)
    platform_commands.add_commands(sub)
    _data_argument(check, config)
    _secret_argument(check)
    add_review_commands(sub, config)
    return parser


def _data_argument(parser: argparse.ArgumentParser, config: Mapping[str, Any]) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        default=config.get("data"),
        metavar="DIR",
        help="the course's datasets for training questions, in their standard files: "
        "DIR/mnist/ and DIR/fashion-mnist/ (the four IDX files, .gz or not), DIR/cifar-10/ "
        "(the binary version's data_batch_1.bin ... test_batch.bin); default: none, and "
        "scikit-learn's digits stands in for every dataset (the demo)",
    )


def _secret_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--secret",
        type=Path,
        metavar="FILE",
        help="a file holding the course's secret; with it, homeworks that vary their numbers "
        "give each student their own (keep the file away from students)",
    )


def _read_secret(path: Path | None, parser: argparse.ArgumentParser) -> str:
    if path is None:
        return ""
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        parser.error(f"cannot read the secret file {path}: {exc.strerror}")
    if not secret:
        parser.error(f"the secret file {path} is empty")
    return secret


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _catalogue(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Mapping[str, Homework]:
    from reference import catalogue

    try:
        return catalogue(getattr(args, "reference", None) or ())
    except ValueError as exc:
        parser.error(f"--reference: {exc}")


def _reference_argument(command: argparse.ArgumentParser, config: Mapping[str, Any]) -> None:
    """``--reference FILE``: a course's own homework, beside the grader's."""
    command.add_argument(
        "--reference",
        type=Path,
        action="append",
        metavar="FILE",
        default=[Path(f) for f in config.get("references", [])],
        help="a course's own homework: a Python file defining homework() with graders.authoring, "
        "named after its id (hw5.py for hw5); may be given more than once (default: "
        "`references` under [tool.grader])",
    )


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
    if args.command in platform_commands.COMMANDS:
        return platform_commands.run_command(args, parser)
    if args.command in REVIEW_COMMANDS:
        return run_review_command(args, parser, lambda: _catalogue(args, parser))
    if args.command in ("grade", "check"):
        remove_stale_run_folders()  # what graders killed with kill -9 left in the temporary folder
    if args.command in ("check", "ci-template"):
        return run_command(args, parser, _read_secret(getattr(args, "secret", None), parser))
    try:
        return _grade(args, parser)
    except KeyboardInterrupt as interrupt:
        print(_interrupted(interrupt, args.out), flush=True)
        return 130  # 128 + SIGINT, as a shell reports a command ended by Ctrl-C


def _interrupted(interrupt: KeyboardInterrupt, out: Path) -> str:
    """The one line that ends a batch stopped by Ctrl-C."""
    again = "Run the same command again to grade only what is missing."
    if not isinstance(interrupt, BatchInterrupted):
        return f"Interrupted; every report written under {out} is whole. {again}"
    return (
        f"Interrupted: {interrupt.graded} of {interrupt.total} submissions graded, their reports "
        f"written under {out} (the class pages and grades.csv are written when a batch "
        f"completes). {again}"
    )


def _release(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    catalogue = _catalogue(args, parser)
    if args.homework not in catalogue:
        parser.error(f"unknown homework {args.homework!r}; known: {', '.join(sorted(catalogue))}")
    homework = catalogue[args.homework]
    secret = _read_secret(args.secret, parser)
    if args.roster is None:
        if args.verify:
            parser.error("--verify checks the variants of a roster: give --roster")
        print(f"wrote {write_public_release(homework, args.out)}")
        return 0
    if not secret or homework.variation is None:
        why = "--secret is needed" if not secret else f"{homework.id} does not vary its numbers"
        parser.error(f"per-student release: {why}")
    try:
        students = read_roster(args.roster)
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    if args.verify:
        problems = verify(homework, secret, [s.id for s in students])
        for problem in problems:
            print(f"variant problem: {problem}")
        print(f"verified {len(students)} variants of {homework.id}: {len(problems)} problems")
        if problems:
            return 1
    for path in write_variant_releases(homework, secret, students, args.out):
        print(f"wrote {path}")
    return 0


def _grade(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if not args.submissions.exists():
        parser.error(f"{args.submissions} does not exist")
    catalogue = _catalogue(args, parser)
    if args.assignment and args.assignment not in catalogue:
        parser.error(
            f"unknown assignment {args.assignment!r}; known: {', '.join(sorted(catalogue))}"
        )
    shelf = DataShelf(args.data)
    settings = Settings(
        secret=_read_secret(args.secret, parser),
        overrides=_overrides(args, parser),
        out=args.out,
        assignment=args.assignment,
        cell_timeout=args.cell_timeout,
        notebook_timeout=args.notebook_timeout,
        wall_factor=args.wall_factor,
        workers=args.workers,
        rerun=args.rerun,
        lang=args.lang,
        data=shelf,
        late=platform_commands.late_policy(args, parser),
        references=tuple(args.reference),
    )
    intake = platform_commands.intake(args, parser, catalogue, settings.late)
    print(intake.line)
    for problem in intake.problems:
        print(f"grade.py: {problem}", file=sys.stderr)
    submissions = [
        s for s in intake.submissions if not args.assignment or s.assignment == args.assignment
    ]
    write_ledgers(args.out, intake, platform_commands.policy_record(settings.late))
    # only the homeworks handed in are built (their references computed) and need their data
    present = {s.assignment for s in submissions}
    wanted = [catalogue[name] for name in catalogue if name in present]
    problems = shelf.missing(datasets_of(wanted))
    if problems:
        lines = ["some datasets are missing:", *problems]
        print("grade.py: --data: " + "\n  ".join(lines), file=sys.stderr)
        return 2
    try:
        plan = choose_mode(args.sandbox)
    except SandboxUnavailable as exc:
        print(f"grade.py: {exc}", file=sys.stderr)
        return 2
    print(f"Isolation: {plan.mode} — {plan.reason}")
    print(f"Overrides: {_overrides_line(settings.overrides)}")
    if datasets_of(wanted):
        print(f"Data: {shelf.described}")
    started = time.monotonic()
    if args.dask:
        summary = _grade_on_dask(args, submissions, catalogue, settings)
    else:
        # threads: the homework's (one), whatever --workers is
        with runner_for(plan, args.kernels) as runner:
            summary = grade_batch(submissions, catalogue, runner, settings)
    _print_summary(summary, args.out, time.monotonic() - started)
    print(kernels_line(r.execution for r in summary.results if not r.cached))
    if plan.mode == "none" and summary.results:
        print(f"Isolation: none — this batch {UNISOLATED} (--sandbox none); every report says so.")
    return 0 if summary.results else 1


def _overrides(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Overrides:
    """The batch's overrides (``graders.model.overrides.locate``); a file named by the flag or
    the configuration must exist."""
    given = Path(args.overrides) if args.overrides is not None else None
    if given is not None and not given.is_file():
        parser.error(f"the overrides file {given} does not exist")
    path = locate(args.submissions, given)
    if path is None:
        return Overrides()
    overrides = read_overrides(path)
    return Overrides(overrides.by_key, overrides.problems, shown_path(path))


def _grade_on_dask(
    args: argparse.Namespace,
    submissions: Sequence[Submission],
    catalogue: Mapping[str, Homework],
    settings: Settings,
) -> BatchSummary:
    from graders.runtime.cluster import client_for, on_dask

    try:
        client = client_for(args.dask)
    except ImportError as exc:
        raise SystemExit(
            f'grade.py: --dask needs the dask extra: pip install -c constraints.txt -e ".[dask]" '
            f"({exc})"
        ) from None
    try:
        workers = len(client.scheduler_info().get("workers", {})) or 1
        print(f"Dask: {args.dask}, {workers} workers")
        settings = replace(settings, workers=workers)
        grade_all = on_dask(client, args.sandbox)
        runner = NbclientRunner(choose_mode("none"))  # unused: the workers run the kernels
        return grade_batch(submissions, catalogue, runner, settings, grade_all=grade_all)
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()


def _overrides_line(overrides: Overrides) -> str:
    if not overrides.source:
        return "none (no overrides.csv in the graded folder or above it, and no --overrides)"
    rows = len(overrides.by_key)
    return f"{overrides.source}, {rows} row{'' if rows == 1 else 's'}"


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
    for result in summary.retried:
        print(
            f"  {result.assignment}/{result.student}: graded a second time, alone, at the end "
            f"(the first run: {result.retried}); its result is the second run's"
        )
    waiting = [r for r in summary.results if r.pending]
    if waiting:
        points = round(sum(r.pending for r in waiting), 2)
        print(
            f"{len(waiting)} submissions have answers waiting for a person ({points:g} points "
            "pending): their totals are provisional until the overrides file grades them."
        )
