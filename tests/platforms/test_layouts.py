"""Each platform's layout, built from the demo submissions, is recognised, named, and graded
to the same grades as the plain layout; the roster maps platform ids and names (Persian, with
spaces) to the course's ids, and nobody is dropped."""

from __future__ import annotations

import json
import stat
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from fakes import FakeRunner
from layouts_support import (
    NOT_HANDED_IN,
    PEOPLE,
    answer_namespace,
    classroom,
    gradescope,
    moodle_zip,
    nbgrader,
    plain,
    write_roster,
)

from graders.model.questions import Homework
from graders.pipeline import Settings, grade_batch
from graders.platforms.archive import MAX_STUDENT_MEMBERS
from graders.platforms.intake import Intake, take_in, write_ledgers
from graders.platforms.late import parse_deadline, parse_policy
from graders.platforms.roster import Roster, read_roster

ROOT = Path(__file__).resolve().parents[2]
HW4_PEOPLE = set(PEOPLE) - {"seed-student"}  # hw1's, handed in for hw1 only
BUILDERS: Mapping[str, Callable[[Path], Path]] = {
    "moodle": moodle_zip,
    "github-classroom": classroom,
    "nbgrader": nbgrader,
    "gradescope": gradescope,
}


def _grades(
    intake: Intake, books: Mapping[str, Homework], out: Path, settings: Settings | None = None
) -> dict[str, float]:
    settings = settings or Settings(out)
    write_ledgers(out, intake)
    runner = FakeRunner(answer_namespace)
    summary = grade_batch(intake.submissions, books, runner, settings, lambda line: None)
    return {r.student: r.score for r in summary.results}


@pytest.fixture(scope="module")
def plain_grades(books: Mapping[str, Homework], tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("plain")
    intake = take_in(plain(tmp / "subs"), books.keys(), Roster(), None, tmp / "work")
    assert intake.layout == "plain"
    grades = _grades(intake, books, tmp / "out")
    assert len(set(grades.values())) >= 4  # the demos differ: equal grades below mean something
    return grades


@pytest.mark.parametrize("layout", sorted(BUILDERS))
def test_layout_is_named_and_grades_as_the_plain_folder(
    layout: str, books: Mapping[str, Homework], plain_grades: dict[str, float], tmp_path: Path
) -> None:
    source = BUILDERS[layout](tmp_path / "source")
    roster = read_roster(write_roster(tmp_path / "roster.csv"))
    intake = take_in(source, books.keys(), roster, None, tmp_path / "out" / ".intake")
    assert intake.layout == layout
    assert intake.line.startswith(f"Layout: {layout} — ")
    assert _grades(intake, books, tmp_path / "out") == plain_grades
    ledger = json.loads((tmp_path / "out" / "hw4" / "intake.json").read_text("utf-8"))
    assert ledger["layout"] == layout
    missing = {m["student"]: m["name"] for m in ledger["missing"]}
    assert set(missing) == {NOT_HANDED_IN[0], "seed-student"}  # seed-student: hw1's demo
    assert missing[NOT_HANDED_IN[0]] == NOT_HANDED_IN[1]
    assert ledger["off_roster"] == []
    assert {s["submitted"][:10] for s in ledger["students"].values()} == {"2026-11-30"}


def test_moodle_names_with_persian_letters_and_spaces_find_their_roster_row(
    books: Mapping[str, Homework], tmp_path: Path
) -> None:
    source = moodle_zip(tmp_path / "source")
    with zipfile.ZipFile(source) as archive:
        assert any("علی رضایی_1001_" in n and " " in n for n in archive.namelist())
    roster_path = write_roster(tmp_path / "roster.csv")
    # matched by name only: the participant ids are taken out of the roster
    text = roster_path.read_text("utf-8").replace(",10", ",x10")
    roster = read_roster(_write(tmp_path / "by-name.csv", text))
    intake = take_in(source, books.keys(), roster, None, tmp_path / "work")
    assert {s.student for s in intake.submissions} == set(PEOPLE) - {"seed-student"}


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_hand_ins_off_the_roster_and_roster_students_without_one_are_listed(
    books: Mapping[str, Homework], tmp_path: Path
) -> None:
    source = nbgrader(tmp_path / "source")
    lines = write_roster(tmp_path / "roster.csv").read_text("utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("partial,")]
    roster = read_roster(_write(tmp_path / "roster.csv", "\n".join(kept) + "\n"))
    intake = take_in(source, books.keys(), roster, None, tmp_path / "work")
    out = tmp_path / "out"
    grades = _grades(intake, books, out)
    assert "partial" in grades  # graded under nbgrader's id, not dropped
    ledger = json.loads((out / "hw4" / "intake.json").read_text("utf-8"))
    assert ledger["off_roster"] == [{"student": "partial", "shown": "partial"}]
    assert [m["student"] for m in ledger["missing"]] == ["seed-student", NOT_HANDED_IN[0]]
    page = (out / "hw4" / "index.html").read_text("utf-8")
    assert "intake" in page and NOT_HANDED_IN[1] in page and "partial" in page


def test_a_hostile_moodle_zip_costs_only_its_students(
    books: Mapping[str, Homework], tmp_path: Path
) -> None:
    source = moodle_zip(tmp_path / "source")
    with zipfile.ZipFile(source, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Eve Climber_2001_assignsubmission_file_/../../escaped.txt", "x")
        archive.writestr("Bob Bomb_2002_assignsubmission_file_/big.ipynb", b"0" * (40 * 2**20))
        for n in range(MAX_STUDENT_MEMBERS + 1):
            archive.writestr(f"Carl Many_2003_assignsubmission_file_/f{n}.txt", "x")
        link = zipfile.ZipInfo("Dina Link_2004_assignsubmission_file_/hw4.ipynb")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    intake = take_in(source, books.keys(), Roster(), None, tmp_path / "work")
    assert not list(tmp_path.rglob("escaped.txt"))
    assert not any(p.is_symlink() for p in (tmp_path / "work").rglob("*"))
    problems = {s.student: s.problem for s in intake.submissions}
    assert "leaves its folder" in problems["2001"]
    assert "zip bomb" in problems["2002"]
    assert f"limit is {MAX_STUDENT_MEMBERS}" in problems["2003"]
    assert "symbolic links" in problems["2004"]  # the link was never made
    assert all(s.assignment == "hw4" for s in intake.submissions)  # the class's assignment
    assert sum(1 for p in problems.values() if not p) == len(HW4_PEOPLE) - 1  # not-a-notebook


def test_a_flat_moodle_download_and_a_zipped_gradescope_export(
    books: Mapping[str, Homework], tmp_path: Path
) -> None:
    flat = tmp_path / "flat"
    flat.mkdir()
    for student, (name, pid, _) in PEOPLE.items():
        demo = ROOT / "submissions" / "hw4" / f"{student}.ipynb"
        if demo.is_file():
            (flat / f"{name}_{pid}_assignsubmission_file_hw4.ipynb").write_bytes(demo.read_bytes())
    intake = take_in(flat, books.keys(), Roster(), None, tmp_path / "work")
    assert intake.layout == "moodle"
    assert {s.student for s in intake.submissions} == {PEOPLE[p][1] for p in HW4_PEOPLE}
    export = gradescope(tmp_path / "gs") / "assignment_777_export"
    archive_path = tmp_path / "export.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        for path in sorted(export.rglob("*")):
            archive.write(path, path.relative_to(export.parent).as_posix())
    intake = take_in(archive_path, books.keys(), Roster(), None, tmp_path / "work2")
    assert intake.layout == "gradescope"
    assert {s.student for s in intake.submissions} == {f"GS{PEOPLE[p][1]}" for p in HW4_PEOPLE}


def test_a_late_hand_in_loses_what_the_policy_says_and_the_page_says_why(
    books: Mapping[str, Homework], plain_grades: dict[str, float], tmp_path: Path
) -> None:
    late = {"correct": (2026, 12, 2, 13, 0, 0)}  # 37 hours after the deadline: 2 started days
    source = moodle_zip(tmp_path / "source", times=late)
    policy = parse_policy(parse_deadline("2026-12-01T00:00+00:00"), "10%/day,max=50%")
    roster = read_roster(write_roster(tmp_path / "roster.csv"))
    intake = take_in(source, books.keys(), roster, None, tmp_path / "work", policy.deadline.tzinfo)
    out = tmp_path / "out"
    grades = _grades(intake, books, out, Settings(out, late=policy))
    assert grades["correct"] == round(plain_grades["correct"] * 0.8, 2)
    assert {k: v for k, v in grades.items() if k != "correct"} == {
        k: v for k, v in plain_grades.items() if k != "correct"
    }
    record = json.loads((out / "hw4" / "correct.json").read_text("utf-8"))
    assert record["late_penalty"] == round(plain_grades["correct"] * 0.2, 2)
    assert any("late policy (10%/day,max=50%)" in n for n in record["notes"])
    assert "2 started days" in (out / "hw4" / "correct.html").read_text("utf-8")


def test_a_classroom_clone_without_commits_is_timed_by_its_files(
    books: Mapping[str, Homework], tmp_path: Path
) -> None:
    source = classroom(tmp_path / "source", commit=False)
    intake = take_in(source, books.keys(), Roster(), None, tmp_path / "work")
    assert intake.layout == "github-classroom"
    assert {s.student for s in intake.submissions} == {f"{p}-gh" for p in HW4_PEOPLE}
    assert all(s.submitted for s in intake.submissions)


def test_a_plain_batch_without_a_roster_drops_an_earlier_batchs_ledger(
    books: Mapping[str, Homework], tmp_path: Path
) -> None:
    roster = read_roster(write_roster(tmp_path / "roster.csv"))
    out = tmp_path / "out"
    write_ledgers(out, take_in(nbgrader(tmp_path / "nb"), books.keys(), roster, None, out))
    assert (out / "hw4" / "intake.json").is_file()
    write_ledgers(out, take_in(plain(tmp_path / "plain"), books.keys(), Roster(), None, out))
    assert not (out / "hw4" / "intake.json").exists()


def test_a_gradescope_metadata_key_never_leads_out_of_the_export(
    books: Mapping[str, Homework], tmp_path: Path
) -> None:
    root = gradescope(tmp_path / "gs") / "assignment_777_export"
    metadata = root / "submission_metadata.yml"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "hw4.ipynb").write_bytes((ROOT / "submissions/hw4/correct.ipynb").read_bytes())
    evil = "../../outside:\n  :submitters:\n  - :name: Eve\n    :sid: 'EVE'\n"
    metadata.write_text(metadata.read_text("utf-8") + evil, "utf-8")
    intake = take_in(root.parent, books.keys(), Roster(), None, tmp_path / "work")
    assert "EVE" not in {s.student for s in intake.submissions}
    assert not any("outside" in str(s.path) for s in intake.submissions)


def test_a_gradescope_group_submission_is_graded_for_each_member(
    books: Mapping[str, Homework], tmp_path: Path
) -> None:
    root = gradescope(tmp_path / "gs") / "assignment_777_export"
    metadata = root / "submission_metadata.yml"
    text = metadata.read_text("utf-8").replace(
        "    :email: ali@example.org\n",
        "    :email: ali@example.org\n  - :name: Partner\n    :sid: 'GS2000'\n",
    )
    metadata.write_text(text, "utf-8")
    intake = take_in(root.parent, books.keys(), Roster(), None, tmp_path / "work")
    by_student = {s.student: s.path for s in intake.submissions}
    assert by_student["GS2000"] == by_student["GS1001"]
