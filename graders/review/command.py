"""The review app's command line: ``grade.py review RESULTS`` and ``grade.py overrides export``.

In:  the parsed arguments (``add_commands`` adds the two subcommands to ``grade.py``'s parser).
Out: an exit status. ``review`` serves the app on 127.0.0.1 until Ctrl-C and prints the one URL
     to open (with its token); ``overrides export`` writes the gradebook's grades as an
     overrides CSV (by default back to the file the last batch read).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import getpass
import io
import json
import secrets
import signal
import socket
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from graders.execute import WALL_FACTOR
from graders.model.overrides import HEADER, Overrides, read_overrides, shown_path
from graders.model.questions import Homework
from graders.model.results import write_atomic
from graders.report.i18n import LANGUAGES
from graders.report.spreadsheet import row as spreadsheet_row
from graders.review.gradebook import BATCH_SETTINGS, FILE_NAME, OVERRIDES_SOURCE, Gradebook
from graders.runtime.data import DataShelf

COMMANDS = ("review", "overrides")


def add_commands(sub: Any, config: Mapping[str, Any]) -> None:
    """Add ``review`` and ``overrides`` to the ``grade.py`` subcommands."""
    review = sub.add_parser(
        "review",
        help="grade by question in a local web app (answers that need a person)",
        description=(
            "Serve the review app over RESULTS (the --out folder of an earlier `grade.py "
            "submissions/`) on 127.0.0.1 and print the URL to open. Grades go to "
            f"RESULTS/{FILE_NAME}; each save writes the student's page, the class page and "
            "grades.csv again, executing no notebook. Ctrl-C stops it."
        ),
    )
    review.add_argument("results", type=Path, help="the results folder of a graded batch")
    review.add_argument(
        "--port", type=int, default=0, help="port to listen on (default: a free one)"
    )
    review.add_argument(
        "--grader",
        metavar="NAME",
        help="your name, recorded with every change (default: asked once, or the login name "
        "when there is no terminal to ask on)",
    )
    review.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="language of the app (default: the batch's; the pages it writes again keep the "
        "batch's)",
    )
    review.add_argument(
        "--overrides",
        type=Path,
        metavar="CSV",
        help="the overrides file to import on the first start (default: the one the last "
        "batch read)",
    )
    review.add_argument(
        "--secret", type=Path, metavar="FILE", help="the course's secret, as the batch had it"
    )
    review.add_argument(
        "--data", type=Path, metavar="DIR", help="the --data folder, as the batch had it"
    )
    review.add_argument(
        "--reference",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a course's own homework file, as the batch had it (default: the files the last "
        "batch loaded with --reference); may be given more than once",
    )
    overrides = sub.add_parser(
        "overrides",
        help="export the review app's grades as an overrides CSV",
        description="`grade.py overrides export RESULTS` writes every grade of RESULTS's "
        "gradebook as rows of an overrides file (assignment,student,item,points,comment).",
    )
    overrides.add_argument("action", choices=("export",))
    overrides.add_argument("results", type=Path, help="the results folder with the gradebook")
    overrides.add_argument(
        "--to",
        type=Path,
        metavar="CSV",
        help="where to write (default: RESULTS/overrides.csv; the course's own overrides file "
        "is never overwritten unless named here)",
    )


def run_command(
    args: argparse.Namespace,
    parser: argparse.ArgumentParser,
    catalogue: Callable[[], Mapping[str, Homework]],
) -> int:
    if not args.results.is_dir():
        parser.error(f"{args.results} is not a results folder")
    if args.command == "overrides":
        return export(args.results, args.to)
    if not args.reference:  # the course's own homeworks the batch graded, where it noted them
        batch = json.loads(Gradebook.of(args.results).meta(BATCH_SETTINGS) or "{}")
        args.reference = [Path(p) for p in batch.get("references") or ()]
    return serve(args, parser, catalogue())


def export(results: Path, to: Path | None) -> int:
    if not (results / FILE_NAME).is_file():
        print(f"grade.py: {results} has no {FILE_NAME} (no grade given yet)", file=sys.stderr)
        return 1
    book = Gradebook.of(results)
    # into the results folder unless --to says where: never over the course's own file unasked
    target = to or results / "overrides.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    rows = book.export_rows()
    for line in rows:
        writer.writerow(spreadsheet_row(line))
    write_atomic(target, buffer.getvalue())
    print(f"wrote {len(rows)} grades to {target}")
    return 0


def _grader(given: str | None) -> str:
    if given:
        return given
    if sys.stdin.isatty():
        name = input("Your name (recorded with each grade): ").strip()
        if name:
            return name
    return getpass.getuser()


def _question_names(catalogue: Mapping[str, Homework]) -> dict[str, str]:
    """``assignment/question id`` -> the variable of each single-item question."""
    return {
        f"{hw.id}/{q.id}": q.items[0].variable
        for hw in catalogue.values()
        for q in hw.questions
        if len(q.items) == 1
    }


def _read_csv(book: Gradebook, given: Path | None) -> Overrides:
    """The overrides file to import on the first start: ``--overrides``, else the one the last
    batch read (noted in its settings; ``overrides_source`` in a gradebook of an older batch)."""
    batch = json.loads(book.meta(BATCH_SETTINGS) or "{}")
    noted = batch.get("overrides") or book.meta(OVERRIDES_SOURCE)
    path = given or (Path(noted) if noted else None)
    if path is None or not path.is_file():
        return Overrides()
    found = read_overrides(path)
    return Overrides(found.by_key, found.problems, shown_path(path))


def serve(
    args: argparse.Namespace, parser: argparse.ArgumentParser, catalogue: Mapping[str, Homework]
) -> int:
    import uvicorn

    from graders.pipeline import Settings
    from graders.review.app import Review, application
    from graders.review.render import Renderer
    from graders.review.views import seed_rubrics

    out: Path = args.results
    book = Gradebook.of(out)
    batch = json.loads(book.meta(BATCH_SETTINGS) or "{}")
    grader = _grader(args.grader)
    overrides = _read_csv(book, args.overrides)
    for problem in overrides.problems:
        print(f"overrides: {problem} (line skipped)")
    imported = book.import_overrides(overrides, _question_names(catalogue), grader)
    if imported:
        print(f"Imported {imported} grades from {overrides.source} into {out / FILE_NAME}")
    secret = ""
    if args.secret is not None:
        secret = args.secret.read_text(encoding="utf-8").strip()
    data = args.data or (Path(batch["data"]) if batch.get("data") else None)
    pages = str(batch.get("lang") or "en")  # the pages stay in the batch's language
    lang = args.lang or pages
    settings = Settings(
        out=out,
        cell_timeout=batch.get("cell_timeout"),
        notebook_timeout=batch.get("notebook_timeout"),
        wall_factor=float(batch.get("wall_factor") or WALL_FACTOR),
        secret=secret,
        lang=pages,
        data=DataShelf(data),
    )
    renderer = Renderer(out, catalogue, book, settings, overrides)
    token = secrets.token_urlsafe(24)
    review = Review(out, catalogue, book, renderer, grader, lang, token)
    for assignment in review.assignments():  # on the first start; an edited rubric stays
        seed_rubrics(catalogue[assignment], book, grader)
    warm = threading.Thread(target=renderer.warm, args=(review.assignments(),), daemon=True)
    warm.start()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", args.port))
    except OSError as exc:
        parser.error(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror}")
    listener.listen(128)  # connections made before the server starts wait for it
    port = listener.getsockname()[1]
    print(f"Review app for {out}, grading as {grader}. Open:", flush=True)
    print(f"http://127.0.0.1:{port}/?token={token}", flush=True)
    config = uvicorn.Config(application(review), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    # uvicorn stops on Ctrl-C, then raises the signal again for the caller: here, the end
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[listener])
    print(f"Stopped; every grade saved is in {out / FILE_NAME}.", flush=True)
    return 0
