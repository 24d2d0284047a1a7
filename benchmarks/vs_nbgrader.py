#!/usr/bin/env python3
"""Grade N equivalent trivial submissions with nbgrader and with this grader, from cold.

    python benchmarks/vs_nbgrader.py --n 20 [--workers K] [--rounds R] [--json FILE]
                                     [--homework HW] [--keep-setup] [--venv DIR] [--keep]
    python benchmarks/vs_nbgrader.py --regrade 500   # only the cached re-grade of 500

Writes N copies of one assignment (HW4 by default) in both formats with the same student code:
every automatically graded answer whose reference is a plain number or string is answered with
it, each written question with a sentence; what the grader measures in the kernel (a trained
model) is left as released. Ours are the released notebooks filled in
(``<tmp>/ours/<hw>/sNNN.ipynb``); nbgrader's are a course folder (``nbgrader_config.py``,
``source/ps1/ps1.ipynb`` with one autograded answer cell and one autograder test cell asserting
the same answers, ``nbgrader generate_assignment``, N copies in ``submitted/sNNN/ps1/``, the class
list imported into the gradebook). The course's set-up cell of the released notebook (seeds and
imports of numpy and torch, for homeworks with training questions) is dropped unless
``--keep-setup``, in which case both graders run it. nbgrader is installed in a virtual
environment of its own (created on first use, then reused), so its dependencies never touch
this project's environment; its kernels run this interpreter, like ours.

After one untimed warm-up submission through each grader (and writing this project's compiled
bytecode, which pip writes for nbgrader's packages), it times, each as a whole command
started from cold:

- ``nbgrader autograde ps1 --force`` (one notebook at a time, its only mode);
- ``grade.py <ours> --workers K --rerun --kernels cold`` into a fresh report folder (no cache),
  K = cores (today's path: a new interpreter per kernel);
- the same with ``--workers 1``;
- both again with ``--kernels warm`` (kernels forked from a warm parent, same isolation);
- the cached re-grade: the first command again without ``--rerun``, into the same folder;
- the floor: a bare kernel per notebook running the same cells through nbclient, with no
  sandbox, harvest, checks or reports (what executing the student's code costs at least);

then, apart, ``grade.py`` on an empty folder (start-up) and a kernel started and stopped, bare
and through our sandboxed runner. Both graders must give full marks on the answers given (ours
in every result JSON, nbgrader in its gradebook); the script fails loudly otherwise. It prints
seconds per submission, the throughput ratio, the cached re-grade time and where our time per
submission goes, with processor seconds beside wall-clock ones where a control group can
measure them (root, cgroup v1 cpuacct or v2) and the load average around each measurement;
``--json FILE`` writes every figure.

Measured on 2 cores (``benchmarks/README.md`` has every run): ``--n 20`` at load 0.3 to 1.0,
nbgrader 0.875 to 1.02 s per submission, ours with warm kernels and 2 workers 0.26 to 0.30 s
(3.4x; 0.32 to 0.39 processor seconds per submission against nbgrader's 0.58); ``--n 200``
6.6x under light load (0.27 processor seconds against 0.60); a cached re-grade of 500 takes
4.6 to 5.1 s on a quiet machine (17 to 19 s before its per-batch caches).
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import csv
import importlib.metadata as metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

from graders import __version__
from graders.execute import ExecutionJob, NbclientRunner, Outcome
from graders.model.parts import TextPart
from graders.model.questions import Homework, Probing
from graders.runtime.sandbox import choose_mode
from graders.runtime.warm import runner_for
from graders.student.release import PLACEHOLDER, fill_answers, release_notebook
from reference import catalogue

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_HOMEWORK = "hw4"
NBGRADER_ASSIGNMENT = "ps1"
NBGRADER_VERSION = "0.9.6"  # `pip index versions nbgrader`: the newest, and it works here
DEFAULT_VENV = Path.home() / ".cache" / "dl-autograder-bench" / "nbgrader-venv"
HIGH_LOAD = 0.5  # load average per core above which the figures are flagged as disturbed
STUDENT_TEXT = (
    "Adaptive optimisers converge faster and need less tuning; SGD with momentum and a good "
    "learning-rate schedule often generalises better."
)


@dataclass(frozen=True)
class Assignment:
    """What every student of the benchmark hands in, and what both graders must make of it.

    The student answers every item whose reference is a plain number or string with that
    reference (their code is one assignment per answer), and every written question with a
    sentence; items the grader measures in the kernel (a trained model) are left as released.
    """

    homework: Homework
    answers: dict[str, str]  # answer variable -> the student's source for it
    references: dict[str, Any]  # the automatically graded answers given -> reference value
    points: float  # what those are worth: full marks in both graders
    setup: str  # the course's set-up cell, run first in both formats ("" when dropped)
    drop_unanswered: bool = False  # what-if: no `name = ...` line left for unanswered items

    @property
    def student_code(self) -> str:
        return "".join(f"{name} = {source}\n" for name, source in self.answers.items())


def plan_assignment(
    homework: Homework, *, keep_setup: bool, drop_unanswered: bool = False
) -> Assignment:
    answers: dict[str, str] = {}
    references: dict[str, Any] = {}
    points = 0.0
    for question in homework.questions:
        for part in question.parts:
            if isinstance(part, Probing):
                continue  # measured by a probe in the kernel: left unanswered
            if isinstance(part, TextPart):
                answers |= {item.variable: repr(STUDENT_TEXT) for item in part.items}
                continue
            solved = part.solve(homework.params)
            for item in part.items:
                value = solved.get(item.variable)
                if isinstance(value, bool) or not isinstance(value, int | float | str):
                    continue
                answers[item.variable] = repr(value)
                references[item.variable] = value
                points += item.points
    if not references:
        raise SystemExit(f"{homework.id} has no automatically graded item to answer")
    setup = homework.setup if keep_setup else ""
    return Assignment(homework, answers, references, points, setup, drop_unanswered)


# --- the submissions, in both formats -------------------------------------------------------


def student_ids(n: int) -> list[str]:
    width = max(3, len(str(n)))
    return [f"s{i:0{width}d}" for i in range(1, n + 1)]


def write_ours(assignment: Assignment, students: Sequence[str], folder: Path) -> list[Path]:
    """``folder/<homework>/<student>.ipynb``: the released notebook with the answers filled in
    (and without the course's set-up cell when it is dropped, and without the placeholder lines
    of the unanswered items when ``drop_unanswered``)."""
    homework = assignment.homework
    filled = fill_answers(release_notebook(homework), assignment.answers)
    if homework.setup and not assignment.setup:
        filled.cells = [c for c in filled.cells if c.source != homework.setup]
    if assignment.drop_unanswered:
        for cell in filled.cells:
            if cell.cell_type == "code" and "grader" in cell.metadata:
                cell.source = _PLACEHOLDER_LINE.sub("", cell.source)
    paths = []
    for student in students:
        nb = nbformat.from_dict(filled)
        nb.metadata["grader"]["student"] = student
        for n, cell in enumerate(nb.cells):
            cell.id = f"cell-{n}"
        path = folder / homework.id / f"{student}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(path))
        paths.append(path)
    return paths


_PLACEHOLDER_LINE = re.compile(rf"^\w+\s*=\s*{re.escape(PLACEHOLDER)}(?:\s*#.*)?\n?", re.MULTILINE)


def _nbgrader_cell(source: str, **flags: Any) -> Any:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"schema_version": 3, "task": False, "locked": False} | flags
    return cell


def test_cell_source(references: Mapping[str, Any]) -> str:
    """nbgrader's autograder test: one assert per answer, on the reference value."""
    lines = ["import math", ""]
    for name, value in references.items():
        if isinstance(value, str):
            lines.append(f"assert {name} == {value!r}")
        else:
            lines.append(f"assert math.isclose({name}, {value!r}, rel_tol=1e-9, abs_tol=1e-12)")
    return "\n".join(lines)


def write_nbgrader_source(course: Path, assignment: Assignment) -> None:
    """The course folder: ``nbgrader_config.py`` and ``source/ps1/ps1.ipynb`` (the set-up
    cell, locked, if kept; one autograded answer cell; one autograder test cell)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {assignment.homework.title}")]
    if assignment.setup:
        nb.cells.append(
            _nbgrader_cell(
                assignment.setup, grade=False, solution=False, locked=True, grade_id="setup"
            )
        )
    nb.cells += [
        _nbgrader_cell(
            f"### BEGIN SOLUTION\n{assignment.student_code}### END SOLUTION",
            grade=False,
            solution=True,
            grade_id="answers",
        ),
        _nbgrader_cell(
            test_cell_source(assignment.references),
            grade=True,
            solution=False,
            locked=True,
            grade_id="test_answers",
            points=assignment.points,
        ),
    ]
    source = course / "source" / NBGRADER_ASSIGNMENT / f"{NBGRADER_ASSIGNMENT}.ipynb"
    source.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(source))
    (course / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        'c.CourseDirectory.course_id = "benchmark"\n'
        "c.Execute.timeout = 30\n",
        encoding="utf-8",
    )


def write_nbgrader_submissions(
    course: Path, assignment: Assignment, students: Sequence[str]
) -> None:
    """``submitted/<student>/ps1/ps1.ipynb``: the generated release, the student code filled
    into its answer cell; and the class list the gradebook imports."""
    release = course / "release" / NBGRADER_ASSIGNMENT / f"{NBGRADER_ASSIGNMENT}.ipynb"
    nb = nbformat.read(str(release), as_version=4)
    answer = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    if len(answer) != 1 or "raise NotImplementedError()" not in answer[0].source:
        raise SystemExit(f"unexpected release from nbgrader generate_assignment: {release}")
    answer[0].source = assignment.student_code
    for student in students:
        path = course / "submitted" / student / NBGRADER_ASSIGNMENT / release.name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(path))
    with (course / "students.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "last_name", "first_name", "email"])
        writer.writerows([s, s, "Student", f"{s}@example.org"] for s in students)


def write_kernelspec(folder: Path) -> Path:
    """A ``python3`` kernel spec running this interpreter, for nbgrader's kernels: both graders'
    kernels then start the same Python with the same packages (a course's set-up cell needs
    them). Returns the folder to put on ``JUPYTER_PATH``."""
    spec = folder / "kernels" / "python3" / "kernel.json"
    spec.parent.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.write_text(
        json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"}),
        encoding="utf-8",
    )
    return folder


# --- nbgrader's environment -----------------------------------------------------------------


def _run(
    command: Sequence[object], cwd: Path, log: Path, *, ok: tuple[int, ...] = (0,), **kwargs: Any
) -> None:
    """Run ``command``; its output goes to ``log``; fail loudly, with the log's tail, when its
    exit status is not in ``ok``."""
    argv = [str(part) for part in command]
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"$ {' '.join(argv)}\n")
        handle.flush()
        done = subprocess.run(argv, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, **kwargs)
    if done.returncode not in ok:
        tail = "\n".join(log.read_text(encoding="utf-8").splitlines()[-30:])
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{tail}")


def _venv_nbgrader_version(venv: Path) -> str | None:
    python = venv / "bin" / "python"
    if not (venv / "bin" / "nbgrader").exists():
        return None
    done = subprocess.run(
        [python, "-c", "import nbgrader; print(nbgrader.__version__)"],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def ensure_nbgrader(venv: Path, version: str, log: Path) -> None:
    """nbgrader ``version`` in its own virtual environment at ``venv``, installed if missing."""
    installed = _venv_nbgrader_version(venv)
    if installed == version:
        print(f"nbgrader {version}: reusing {venv}")
        return
    print(f"nbgrader {version}: installing into {venv} (once; see {log})")
    if not (venv / "bin" / "python").exists():
        _run([sys.executable, "-m", "venv", venv], Path.cwd(), log)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "-q"]
    _run([*pip, f"nbgrader=={version}"], Path.cwd(), log)


def venv_versions(venv: Path) -> dict[str, str]:
    code = (
        "import sys, nbgrader, nbclient, ipykernel, jupyter_client; "
        "print(sys.version.split()[0], nbgrader.__version__, nbclient.__version__, "
        "ipykernel.__version__, jupyter_client.__version__)"
    )
    out = subprocess.run([venv / "bin" / "python", "-c", code], capture_output=True, text=True)
    names = ("python", "nbgrader", "nbclient", "ipykernel", "jupyter_client")
    return dict(zip(names, out.stdout.split(), strict=True))


def nbgrader_environment(venv: Path, jupyter_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["JUPYTER_PATH"] = str(jupyter_path)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    env.pop("PYTHONPATH", None)
    return env


# --- timing ---------------------------------------------------------------------------------

Load = tuple[float, float, float]


@dataclass(frozen=True)
class Timed:
    """One timed action: wall-clock seconds, processor seconds (when a ``CpuMeter`` works
    here) and the load average before and after it."""

    seconds: float
    cpu: float | None
    load_before: Load
    load_after: Load


class CpuMeter:
    """Processor time used by this process and everything it starts, sandboxed kernels
    included (their time never reaches ``getrusage``: they are reaped outside our process
    tree), read from a control group of its own. Needs root and a cgroup v1 ``cpuacct`` or a
    cgroup v2 hierarchy; elsewhere ``usage`` is None. Processor time is the figure least
    changed by other work on a shared machine. Use it as a context manager."""

    def __init__(self) -> None:
        self.group: Path | None = None
        self.home: Path | None = None  # the group this process came from
        self.usage_file = ""

    def __enter__(self) -> CpuMeter:
        for root, usage, hierarchy in (
            (Path("/sys/fs/cgroup/cpuacct"), "cpuacct.usage", "cpuacct"),
            (Path("/sys/fs/cgroup"), "cpu.stat", ""),
        ):
            home = _own_cgroup(hierarchy)
            if home is None or not (root / "cgroup.procs").exists() or not (root / usage).exists():
                continue
            group = root / f"vs-nbgrader-{os.getpid()}"
            try:
                group.mkdir()
                (group / "cgroup.procs").write_text(str(os.getpid()))
            except OSError:
                with contextlib.suppress(OSError):
                    group.rmdir()
                continue
            self.group, self.home, self.usage_file = group, root / home.lstrip("/"), usage
            break
        return self

    def usage(self) -> float | None:
        if self.group is None:
            return None
        text = (self.group / self.usage_file).read_text()
        if self.usage_file == "cpu.stat":
            fields = dict(line.split() for line in text.splitlines())
            return int(fields["usage_usec"]) / 1e6
        return int(text) / 1e9

    def __exit__(self, *exc: object) -> None:
        if self.group is None or self.home is None:
            return
        with contextlib.suppress(OSError):
            (self.home / "cgroup.procs").write_text(str(os.getpid()))
            for _ in range(50):  # the last processes started in it may still be exiting
                try:
                    self.group.rmdir()
                    return
                except OSError:
                    time.sleep(0.1)
            print(f"note: could not remove the control group {self.group}", file=sys.stderr)


def _own_cgroup(hierarchy: str) -> str | None:
    """This process's group in the v1 ``hierarchy`` (or, given "", in the v2 one)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        number, controllers, path = line.split(":", 2)
        if (hierarchy and hierarchy in controllers.split(",")) or (
            not hierarchy and number == "0" and not controllers
        ):
            return path
    return None


def timed(action: Callable[[], object], meter: CpuMeter | None = None) -> Timed:
    before, cpu = os.getloadavg(), meter.usage() if meter else None
    started = time.perf_counter()
    action()
    seconds = time.perf_counter() - started
    after = meter.usage() if meter else None
    used = round(after - cpu, 3) if after is not None and cpu is not None else None
    return Timed(round(seconds, 3), used, _rounded(before), _rounded(os.getloadavg()))


def best_of(times: int, action: Callable[[], object], meter: CpuMeter | None = None) -> Timed:
    return min((timed(action, meter) for _ in range(times)), key=lambda t: t.seconds)


def _rounded(load: tuple[float, float, float]) -> Load:
    a, b, c = (round(x, 2) for x in load)
    return (a, b, c)


# --- the graders' runs and their checks -----------------------------------------------------


def nbgrader_autograde(course: Path, venv: Path, env: Mapping[str, str], *only: str) -> None:
    shutil.rmtree(course / "autograded", ignore_errors=True)
    command: list[object] = [venv / "bin" / "nbgrader", "autograde", NBGRADER_ASSIGNMENT]
    command += ["--force", *(f"--student={s}" for s in only)]
    _run(command, course, course / "nbgrader.log", env=env)


def check_nbgrader_grades(
    course: Path, venv: Path, env: Mapping[str, str], students: Sequence[str], points: float
) -> None:
    """Every student has full marks in nbgrader's gradebook (exported as CSV)."""
    grades = course / "grades.csv"
    command = [venv / "bin" / "nbgrader", "export", "--to", grades]
    _run(command, course, course / "nbgrader.log", env=env)
    with grades.open(encoding="utf-8") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    if set(rows) != set(students):
        raise SystemExit(f"nbgrader graded {len(rows)} students, not the {len(students)} given")
    for student, row in rows.items():
        score, top = float(row["score"]), float(row["max_score"])
        if top != points or score != top:
            raise SystemExit(f"nbgrader gave {student} {score}/{top}, not full marks ({points})")


@dataclass(frozen=True)
class OurRun:
    """One run of ``grade.py``: its time, and what its summary line and JSON files say."""

    timed: Timed
    executed: int
    cached: int
    isolation: str
    execution_seconds: tuple[float, ...]  # each result's kernel-side time (JSON ``seconds``)
    kernels: str = ""  # the summary's "Kernels:" line: which path started each kernel


def compile_project() -> None:
    """Write this project's compiled bytecode, as a first run does on most machines. pip
    compiles nbgrader's installed packages, but not an editable install, and where
    PYTHONDONTWRITEBYTECODE is set no run writes it: every ``grade.py`` would then compile the
    project's modules again (about 0.3 s of its start-up)."""
    for package in ("graders", "reference"):
        if not compileall.compile_dir(ROOT / package, quiet=1):
            raise SystemExit(f"could not compile {ROOT / package}")


def grade_ours(
    submissions: Path,
    out: Path,
    workers: int,
    *,
    rerun: bool,
    log: Path,
    meter: CpuMeter | None = None,
    kernels: str = "cold",
) -> tuple[Timed, str]:
    """Time ``grade.py`` as a user runs it (``--kernels kernels``); return the time and what
    it printed."""
    command: list[object] = [sys.executable, ROOT / "grade.py", submissions, "--out", out]
    command += ["--workers", str(workers)] + (["--rerun"] if rerun else [])
    command += ["--kernels", kernels]
    start = log.stat().st_size if log.exists() else 0
    took = timed(lambda: _run(command, ROOT, log), meter)
    with log.open(encoding="utf-8") as handle:
        handle.seek(start)
        return took, handle.read()


def check_ours(
    output: str, out: Path, assignment: Assignment, students: Sequence[str], took: Timed
) -> OurRun:
    """Every student's results JSON gives full marks on every automatic item answered."""
    summary = re.search(r"Graded (\d+) submissions .*\((\d+) executed, (\d+) from the", output)
    isolation = re.search(r"^Isolation: (\S+)", output, re.MULTILINE)
    if summary is None or isolation is None or int(summary.group(1)) != len(students):
        raise SystemExit(f"grade.py did not grade {len(students)} submissions:\n{output}")
    seconds = []
    for student in students:
        path = out / assignment.homework.id / f"{student}.json"
        record = json.loads(path.read_text(encoding="utf-8"))
        answered = [t for t in record["tests"] if t["variable"] in assignment.references]
        lost = [t["name"] for t in answered if t["score"] != t["max_score"]]
        if not record["ran"] or len(answered) != len(assignment.references) or lost:
            raise SystemExit(f"{path}: not full marks on the answered automatic items: {lost}")
        if sum(t["score"] for t in answered) != assignment.points:
            raise SystemExit(f"{path}: the answered items are not worth {assignment.points}")
        seconds.append(float(record["seconds"]))
    kernels = re.search(r"^Kernels: .*$", output, re.MULTILINE)
    return OurRun(
        took,
        int(summary.group(2)),
        int(summary.group(3)),
        isolation.group(1),
        tuple(seconds),
        kernels.group(0) if kernels else "",
    )


def bare_kernel(nb: Any, cwd: Path, timeout: int) -> None:
    """Run ``nb``'s cells in a fresh kernel through nbclient: no sandbox, harvest or grading."""
    client = NotebookClient(nb, kernel_name="python3", timeout=timeout, allow_errors=False)
    client.execute(cwd=str(cwd), stderr=subprocess.DEVNULL)


def bare_kernel_floor(notebooks: Sequence[Path], timeout: int) -> None:
    """Each notebook in its own bare kernel, one at a time."""
    for path in notebooks:
        bare_kernel(nbformat.read(str(path), as_version=4), path.parent, timeout)


def sandboxed_empty_run(runner: NbclientRunner) -> None:
    """Start and stop one kernel the way ``grade.py`` does, with no cell to run."""
    empty = nbformat.v4.new_notebook()
    execution = runner.run(ExecutionJob(empty, "", cell_timeout=10, notebook_timeout=60))
    if execution.outcome is not Outcome.COMPLETED:
        raise SystemExit(f"a sandboxed kernel did not run: {execution.message}")


# --- the benchmark --------------------------------------------------------------------------


@dataclass(frozen=True)
class Round:
    """One measurement of each thing compared."""

    nbgrader: Timed
    ours_parallel: OurRun
    ours_single: OurRun
    cached: OurRun
    floor: Timed
    warm_parallel: OurRun  # the same two runs with --kernels warm
    warm_single: OurRun


@dataclass(frozen=True)
class Parts:
    """Costs measured apart, for the breakdown of our per-submission time (best of 3 each)."""

    startup: Timed  # grade.py on an empty folder: interpreter, imports, catalogue, index page
    bare_empty: Timed  # a bare kernel started and stopped, no cell
    sandboxed_empty: Timed  # the same through our runner and sandbox
    warm_empty: Timed  # the same forked from a warm parent (graders.runtime.warm)


@dataclass
class Bench:
    """Where the submissions are and how to grade them."""

    work: Path
    venv: Path
    assignment: Assignment
    students: list[str]
    workers: int
    meter: CpuMeter

    @property
    def homework(self) -> Homework:
        return self.assignment.homework

    @property
    def nbgrader_env(self) -> dict[str, str]:
        return nbgrader_environment(self.venv, self.work / "jupyter")

    @property
    def course(self) -> Path:
        return self.work / "nbgrader"

    @property
    def ours(self) -> Path:
        return self.work / "ours"

    @property
    def log(self) -> Path:
        return self.work / "ours.log"

    def prepare(self) -> None:
        """Write both graders' submissions, generate nbgrader's release, fill its gradebook."""
        write_ours(self.assignment, self.students, self.ours)
        write_nbgrader_source(self.course, self.assignment)
        write_kernelspec(self.work / "jupyter")
        env, nbgrader = self.nbgrader_env, self.venv / "bin" / "nbgrader"
        log = self.course / "nbgrader.log"
        generate = [nbgrader, "generate_assignment", NBGRADER_ASSIGNMENT, "--force"]
        _run(generate, self.course, log, env=env)
        write_nbgrader_submissions(self.course, self.assignment, self.students)
        _run([nbgrader, "db", "student", "import", "students.csv"], self.course, log, env=env)

    def warm_up(self) -> None:
        """One submission through each grader, untimed: compiled bytecode and the disk cache
        are then as warm for the first measurement as for the later ones."""
        compile_project()
        nbgrader_autograde(self.course, self.venv, self.nbgrader_env, self.students[0])
        one = self.work / "warm-up" / self.homework.id
        one.mkdir(parents=True)
        shutil.copy(self.ours / self.homework.id / f"{self.students[0]}.ipynb", one)
        grade_ours(one.parent, self.work / "reports-warm-up", 1, rerun=True, log=self.log)

    def our_cold_run(self, workers: int, label: str, kernels: str = "cold") -> OurRun:
        """Grade every submission again (``--rerun``: no cache), kernels started ``kernels``."""
        print(f"  grade.py --workers {workers} --rerun --kernels {kernels} ...", flush=True)
        out = self.work / f"reports-{label}"
        took, output = grade_ours(
            self.ours, out, workers, rerun=True, log=self.log, meter=self.meter, kernels=kernels
        )
        run = check_ours(output, out, self.assignment, self.students, took)
        if run.executed != len(self.students):
            raise SystemExit(f"a cold run executed {run.executed} of {len(self.students)}")
        if not run.kernels.startswith(f"Kernels: {len(self.students)} {kernels} "):
            raise SystemExit(f"not every kernel was started {kernels}: {run.kernels}")
        return run

    def one_round(self, k: int) -> Round:
        print("  nbgrader autograde --force ...", flush=True)
        env, points = self.nbgrader_env, self.assignment.points
        nb = timed(lambda: nbgrader_autograde(self.course, self.venv, env), self.meter)
        check_nbgrader_grades(self.course, self.venv, env, self.students, points)
        parallel = self.our_cold_run(self.workers, f"parallel-{k}")
        single = self.our_cold_run(1, f"single-{k}")
        warm_parallel = self.our_cold_run(self.workers, f"warm-parallel-{k}", "warm")
        warm_single = self.our_cold_run(1, f"warm-single-{k}", "warm")
        print(f"  grade.py --workers {self.workers} (cached re-grade) ...", flush=True)
        out = self.work / f"reports-parallel-{k}"
        took, output = grade_ours(
            self.ours, out, self.workers, rerun=False, log=self.log, meter=self.meter
        )
        cached = check_ours(output, out, self.assignment, self.students, took)
        if cached.cached != len(self.students):
            raise SystemExit(
                f"the re-grade took {cached.cached} of {len(self.students)} from cache"
            )
        print("  bare kernels through nbclient ...", flush=True)
        notebooks = sorted((self.ours / self.homework.id).glob("*.ipynb"))
        limit = int(self.homework.limits.cell)
        floor = timed(lambda: bare_kernel_floor(notebooks, limit), self.meter)
        return Round(nb, parallel, single, cached, floor, warm_parallel, warm_single)

    def parts(self) -> Parts:
        print("  start-up and kernel start/stop alone ...", flush=True)
        nothing = self.work / "no-submissions"
        nothing.mkdir(exist_ok=True)
        command = [sys.executable, ROOT / "grade.py", nothing, "--out", self.work / "reports-none"]
        none_found = (1,)
        startup = best_of(3, lambda: _run(command, ROOT, self.log, ok=none_found), self.meter)
        empty = nbformat.v4.new_notebook()
        bare = best_of(3, lambda: bare_kernel(nbformat.from_dict(empty), self.work, 10), self.meter)
        plan = choose_mode("auto", fallback=True)
        runner = NbclientRunner(plan)
        sandboxed = best_of(3, lambda: sandboxed_empty_run(runner), self.meter)
        with runner_for(plan, "warm") as warm:
            sandboxed_empty_run(warm)  # the parent's start, untimed
            forked = best_of(3, lambda: sandboxed_empty_run(warm), self.meter)
        return Parts(startup, bare, sandboxed, forked)


@dataclass
class Figures:
    """What the benchmark reports (also written by ``--json``); seconds throughout."""

    n: int
    cores: int
    workers: int
    homework: str
    setup_cell: bool  # the course's set-up cell was run
    answers: int  # automatically graded answers per notebook
    placeholders_removed: bool  # the --drop-unanswered what-if
    versions: dict[str, Any]
    totals: dict[str, float] = field(default_factory=dict)
    per_submission: dict[str, float] = field(default_factory=dict)
    # processor seconds per submission, every process included (None: not measurable here)
    cpu_per_submission: dict[str, float | None] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)
    overhead: dict[str, dict[str, Any]] = field(default_factory=dict)
    load_high: bool = False
    rounds: list[dict[str, Any]] = field(default_factory=list)
    parts: dict[str, Any] = field(default_factory=dict)


def summarise(rounds: Sequence[Round], parts: Parts, figures: Figures) -> None:
    """The best of the rounds for each measurement (the least disturbed by other load), and
    the breakdown of our per-submission time with one worker."""
    n = figures.n

    picks: dict[str, Callable[[Round], Timed]] = {
        "nbgrader": lambda r: r.nbgrader,
        "ours_parallel": lambda r: r.ours_parallel.timed,
        "ours_single": lambda r: r.ours_single.timed,
        "ours_cached": lambda r: r.cached.timed,
        "bare_kernel_floor": lambda r: r.floor,
        "ours_warm_parallel": lambda r: r.warm_parallel.timed,
        "ours_warm_single": lambda r: r.warm_single.timed,
    }
    totals = {k: min(pick(r).seconds for r in rounds) for k, pick in picks.items()}
    figures.totals = totals
    figures.per_submission = {k: round(v / n, 3) for k, v in totals.items()}
    for key, pick in picks.items():
        cpus = [t.cpu for t in map(pick, rounds) if t.cpu is not None]
        figures.cpu_per_submission[key] = round(min(cpus) / n, 3) if cpus else None
    figures.ratios = {
        "ours_parallel_vs_nbgrader": round(totals["nbgrader"] / totals["ours_parallel"], 2),
        "ours_single_vs_nbgrader": round(totals["nbgrader"] / totals["ours_single"], 2),
        "ours_warm_parallel_vs_nbgrader": round(
            totals["nbgrader"] / totals["ours_warm_parallel"], 2
        ),
        "ours_warm_single_vs_nbgrader": round(totals["nbgrader"] / totals["ours_warm_single"], 2),
    }
    single = min(rounds, key=lambda r: r.ours_single.timed.seconds).ours_single
    execution = sum(single.execution_seconds) / n
    cpu = figures.cpu_per_submission
    figures.overhead = {
        "wall": _breakdown(
            totals["ours_single"] / n,
            totals["bare_kernel_floor"] / n,
            totals["ours_cached"] / n,
            parts.startup.seconds / n,
            execution,
        ),
        "parts_wall": {
            "startup": parts.startup.seconds,
            "kernel_start_stop_bare": parts.bare_empty.seconds,
            "kernel_start_stop_sandboxed": parts.sandboxed_empty.seconds,
            "kernel_start_stop_warm": parts.warm_empty.seconds,
        },
    }
    single_cpu, floor_cpu, cached_cpu = (
        cpu["ours_single"],
        cpu["bare_kernel_floor"],
        cpu["ours_cached"],
    )
    startup_cpu = parts.startup.cpu
    if None not in (single_cpu, floor_cpu, cached_cpu, startup_cpu):
        assert single_cpu is not None and floor_cpu is not None and cached_cpu is not None
        assert startup_cpu is not None
        figures.overhead["cpu"] = _breakdown(single_cpu, floor_cpu, cached_cpu, startup_cpu / n)
        figures.overhead["parts_cpu"] = {
            "startup": startup_cpu,
            "kernel_start_stop_bare": parts.bare_empty.cpu,
            "kernel_start_stop_sandboxed": parts.sandboxed_empty.cpu,
            "kernel_start_stop_warm": parts.warm_empty.cpu,
        }
    limit = HIGH_LOAD * figures.cores
    figures.load_high = any(
        max(t.load_before[0], t.load_after[0]) > limit
        for r in rounds
        for t in (
            r.nbgrader,
            r.ours_parallel.timed,
            r.ours_single.timed,
            r.floor,
            r.warm_parallel.timed,
            r.warm_single.timed,
        )
    )
    figures.rounds = [asdict(r) for r in rounds]
    figures.parts = asdict(parts)


def _breakdown(
    total: float, floor: float, cached: float, startup: float, execution: float | None = None
) -> dict[str, float | None]:
    """Our per-submission cost with one worker, in parts (seconds per submission).

    ``cached``: the cached re-grade, ``startup``: the start-up's share, ``execution``: the
    execution time recorded in the results (wall clock only). Without it, what happens inside
    the execution is what remains once the rest is taken away."""
    grading = max(cached - startup, 0.0)
    if execution is None:
        inside, unaccounted = total - floor - grading - startup, None
    else:
        inside, unaccounted = execution - floor, total - execution - grading - startup
    values = {
        "floor": floor,
        "inside_execution": inside,
        "checks_scores_reports": grading,
        "startup_share": startup,
        "unaccounted": unaccounted,
        "total": total,
        "beyond_floor": total - floor,
        "execution_recorded": execution,
    }
    return {k: None if v is None else round(v, 3) for k, v in values.items()}


def report(figures: Figures) -> str:
    """The table printed at the end."""
    per, tot, ratio = figures.per_submission, figures.totals, figures.ratios
    w = figures.workers
    rows = [
        ("nbgrader autograde (one at a time)", "nbgrader", 1.0),
        (f"ours, --workers {w}, cold", "ours_parallel", ratio["ours_parallel_vs_nbgrader"]),
        ("ours, --workers 1, cold", "ours_single", ratio["ours_single_vs_nbgrader"]),
        (
            f"ours, --workers {w}, warm",
            "ours_warm_parallel",
            ratio["ours_warm_parallel_vs_nbgrader"],
        ),
        ("ours, --workers 1, warm", "ours_warm_single", ratio["ours_warm_single_vs_nbgrader"]),
        (f"ours, --workers {w}, cached re-grade", "ours_cached", None),
        ("floor: bare kernel per notebook, no grader", "bare_kernel_floor", None),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [
        f"{figures.n} submissions of {figures.homework} ({figures.answers} automatic answers, "
        f"set-up cell {'run' if figures.setup_cell else 'dropped'}"
        f"{'; what-if: unanswered placeholders removed' if figures.placeholders_removed else ''}"
        f"), {figures.cores} cores, "
        f"best of {len(figures.rounds)} round(s)",
        f"{'':{width}}  {'total s':>8}  {'s/submission':>12}  {'throughput vs nbgrader':>22}"
        f"  {'CPU s/submission':>16}",
    ]
    for name, key, times in rows:
        shown = f"{times:.2f}x" if times is not None else ""
        cpu = figures.cpu_per_submission.get(key)
        lines.append(
            f"{name:{width}}  {tot[key]:8.2f}  {per[key]:12.3f}  {shown:>22}"
            f"  {'n/a' if cpu is None else f'{cpu:.3f}':>16}"
        )
    wall, cpu_parts = figures.overhead["wall"], figures.overhead.get("cpu")
    breakdown = [
        ("floor: a bare kernel running the same cells", "floor"),
        ("+ inside our execution: sandbox, harvest cells, clean-up", "inside_execution"),
        ("+ checks, scores and reports (cached re-grade)", "checks_scores_reports"),
        ("+ grade.py start-up (imports, catalogue), shared", "startup_share"),
        ("+ the rest (class pages, noise; < 0: next kernel started ahead)", "unaccounted"),
        ("= ours, --workers 1", "total"),
        ("overhead beyond the floor", "beyond_floor"),
    ]
    lines += [
        "",
        "where our time goes, per submission, one worker:" + " " * 18 + "wall s     CPU s",
    ]
    for name, key in breakdown:
        spent = cpu_parts.get(key) if cpu_parts else None
        lines.append(f"  {name:64} {_cell(wall.get(key))}  {_cell(spent)}")
    parts_wall, parts_cpu = figures.overhead["parts_wall"], figures.overhead.get("parts_cpu", {})
    for name, key in (
        ("a kernel started and stopped, bare", "kernel_start_stop_bare"),
        ("the same through our sandboxed runner", "kernel_start_stop_sandboxed"),
        ("the same forked from a warm parent (--kernels warm)", "kernel_start_stop_warm"),
        ("grade.py on an empty folder (once per batch)", "startup"),
    ):
        lines.append(f"  {name:64} {_cell(parts_wall[key])}  {_cell(parts_cpu.get(key))}")
    lines += [
        f"  (the execution time recorded in the results JSON: {wall['execution_recorded']:.3f} s)",
        "",
        "versions: "
        + ", ".join(f"{k} {v}" for k, v in figures.versions.items() if k != "nbgrader_venv"),
        "nbgrader's environment: "
        + ", ".join(f"{k} {v}" for k, v in figures.versions["nbgrader_venv"].items()),
    ]
    if figures.load_high:
        lines.append(
            f"WARNING: the load average went above {HIGH_LOAD:g} per core during a measurement; "
            "other work on this machine may have slowed some runs (repeat, or use --rounds 2)."
        )
    return "\n".join(lines)


def _cell(value: float | None) -> str:
    return f"{'n/a':>8}" if value is None else f"{value:8.3f}"


KERNEL_PACKAGES = ("nbclient", "ipykernel", "ipython", "jupyter_client")


def versions(venv: Path, isolation: str) -> dict[str, Any]:
    return {
        "dl-autograder": __version__,
        "python": platform.python_version(),
        # both graders' kernels run this interpreter: its IPython is theirs too
        **{name: metadata.version(name) for name in KERNEL_PACKAGES},
        "isolation": isolation,
        "nbgrader_venv": venv_versions(venv),
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vs_nbgrader.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--n", type=int, default=20, help="submissions (default: %(default)s)")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        metavar="K",
        help="our parallel workers (default: the cores, %(default)s)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        metavar="R",
        help="measure everything R times and keep the best of each (default: %(default)s)",
    )
    parser.add_argument(
        "--venv",
        type=Path,
        default=DEFAULT_VENV,
        metavar="DIR",
        help="nbgrader's virtual environment, created when missing (default: %(default)s)",
    )
    parser.add_argument(
        "--nbgrader-version",
        default=NBGRADER_VERSION,
        metavar="VERSION",
        help="the nbgrader release installed there (default: %(default)s)",
    )
    parser.add_argument(
        "--homework",
        default=DEFAULT_HOMEWORK,
        metavar="HW",
        help="the assignment, from the grader's catalogue (default: %(default)s)",
    )
    parser.add_argument(
        "--keep-setup",
        action="store_true",
        help="keep the course's set-up cell of the released notebook, and run it in both "
        "graders (by default it is dropped: the notebooks hold the student's answers only)",
    )
    parser.add_argument(
        "--drop-unanswered",
        action="store_true",
        help="what-if: remove the placeholder lines (`name = ...`) of the items left unanswered "
        "from our notebooks, as nbgrader's have none (a kernel probe then finds nothing to "
        "measure)",
    )
    parser.add_argument(
        "--regrade",
        type=int,
        metavar="N",
        help="measure only the cached re-grade of N submissions (no nbgrader): grade them once "
        "with warm kernels, then time grade.py again on the same folder",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    parser.add_argument(
        "--keep", action="store_true", help="keep the work folder (submissions, reports, logs)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.n < 1 or args.workers < 1 or args.rounds < 1:
        raise SystemExit("--n, --workers and --rounds must be at least 1")
    books = catalogue()
    if args.homework not in books:
        raise SystemExit(f"unknown homework {args.homework!r}; known: {', '.join(sorted(books))}")
    assignment = plan_assignment(
        books[args.homework], keep_setup=args.keep_setup, drop_unanswered=args.drop_unanswered
    )
    if args.regrade:
        return measure_regrade(assignment, args.regrade, args.workers, keep=args.keep)
    venv = args.venv.expanduser().absolute()
    venv.parent.mkdir(parents=True, exist_ok=True)
    ensure_nbgrader(venv, args.nbgrader_version, venv.parent / "install.log")
    work = Path(tempfile.mkdtemp(prefix="vs-nbgrader-"))
    print(f"work folder: {work}")
    print(
        f"{assignment.homework.id}: {len(assignment.references)} automatically graded answers "
        f"({assignment.points:g} points) in each notebook; course set-up cell "
        + ("kept" if assignment.setup else "dropped")
        + ("; unanswered placeholders removed (what-if)" if assignment.drop_unanswered else "")
    )
    meter = CpuMeter()
    bench = Bench(work, venv, assignment, student_ids(args.n), args.workers, meter)
    try:
        with meter:
            figures = measure(bench, args.rounds, venv)
        print()
        print(report(figures))
        if args.json:
            args.json.write_text(json.dumps(asdict(figures), indent=1) + "\n", encoding="utf-8")
            print(f"figures written to {args.json}")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def measure_regrade(assignment: Assignment, n: int, workers: int, *, keep: bool) -> int:
    """``--regrade N``: N submissions graded once (warm kernels), then the cached re-grade."""
    work = Path(tempfile.mkdtemp(prefix="vs-nbgrader-regrade-"))
    students = student_ids(n)
    try:
        write_ours(assignment, students, work / "ours")
        out, log = work / "reports", work / "ours.log"
        compile_project()
        print(f"{n} submissions, grading once (--kernels warm), load {_rounded(os.getloadavg())}")
        first, output = grade_ours(work / "ours", out, workers, rerun=True, log=log, kernels="warm")
        graded = check_ours(output, out, assignment, students, first)
        print(f"  graded in {first.seconds:.1f} s ({graded.kernels})")
        print(f"cached re-grade, load {_rounded(os.getloadavg())}")
        again, output = grade_ours(work / "ours", out, workers, rerun=False, log=log)
        cached = check_ours(output, out, assignment, students, again)
        if cached.cached != n:
            raise SystemExit(f"the re-grade took {cached.cached} of {n} from cache")
        print(
            f"  cached re-grade of {n} submissions: {again.seconds:.2f} s "
            f"({again.seconds / n * 1000:.1f} ms each), load {_rounded(os.getloadavg())}"
        )
    finally:
        if keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def measure(bench: Bench, rounds: int, venv: Path) -> Figures:
    """Prepare both graders' submissions, warm up, measure ``rounds`` times, then the parts."""
    bench.prepare()
    print(f"warming up, load {_rounded(os.getloadavg())}", flush=True)
    bench.warm_up()
    done = []
    for k in range(rounds):
        print(f"round {k + 1}/{rounds}, load {_rounded(os.getloadavg())}", flush=True)
        done.append(bench.one_round(k))
    parts = bench.parts()
    print(f"done, load {_rounded(os.getloadavg())}")
    assignment = bench.assignment
    figures = Figures(
        len(bench.students),
        os.cpu_count() or 1,
        bench.workers,
        assignment.homework.id,
        bool(assignment.setup),
        len(assignment.references),
        assignment.drop_unanswered,
        versions(venv, done[0].ours_parallel.isolation),
    )
    summarise(done, parts, figures)
    return figures


if __name__ == "__main__":
    sys.exit(main())
