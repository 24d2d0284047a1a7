"""The small rules of the platforms' intake, as properties: the late policy, name matching,
and which archive member names climb out of their folder."""

from __future__ import annotations

import tempfile
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graders.platforms.archive import climbs, unpack
from graders.platforms.late import parse_deadline, parse_policy
from graders.platforms.roster import Member, Roster, name_key

DEADLINE = datetime(2026, 12, 1, 23, 59, tzinfo=UTC)


@given(
    st.floats(min_value=1, max_value=30 * 86_400),
    st.floats(min_value=1, max_value=10 * 86_400),
    st.integers(min_value=1, max_value=50),
    st.integers(min_value=1, max_value=100),
)
def test_later_never_costs_less_and_never_more_than_the_cap(
    seconds: float, more: float, rate: int, cap: int
) -> None:
    policy = parse_policy(DEADLINE, f"{rate}%/day,max={cap}%")
    first = policy.lateness(DEADLINE + timedelta(seconds=seconds))
    later = policy.lateness(DEADLINE + timedelta(seconds=seconds + more))
    assert first is not None and later is not None
    assert first.fraction <= later.fraction <= cap / 100 + 1e-12
    days = -(-seconds // 86_400)  # started days
    assert first.fraction == pytest.approx(min(cap / 100, rate / 100 * days))
    assert 0 <= first.penalty(17) <= 17


@given(st.floats(min_value=0, max_value=365 * 86_400))
def test_on_time_is_not_late(seconds: float) -> None:
    policy = parse_policy(DEADLINE, "10%/hour")
    assert policy.lateness(DEADLINE - timedelta(seconds=seconds)) is None
    assert policy.lateness(None) is None


def test_policies_and_deadlines_are_read_or_refused_with_a_reason() -> None:
    assert parse_deadline("2026-12-01T23:59").tzinfo is UTC
    assert parse_deadline("2026-12-01T23:59+03:30").utcoffset() == timedelta(hours=3.5)
    policy = parse_policy(DEADLINE, "none")
    late = policy.lateness(DEADLINE + timedelta(days=3))
    assert late is not None and late.fraction == 0 and "after the deadline" in late.sentence(5)
    for bad in ("10 per day", "%/day", "10%/week", "10%/day,max=x"):
        with pytest.raises(ValueError, match="expected PERCENT"):
            parse_policy(DEADLINE, bad)


PERSIAN = st.text(alphabet="آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيكة", min_size=1, max_size=12)


@given(st.lists(PERSIAN, min_size=1, max_size=4), st.sampled_from([" ", "  ", "\u200c", ""]))
def test_a_name_matches_whatever_its_spaces_and_letter_forms(words: list[str], joiner: str) -> None:
    name = " ".join(words)
    written = joiner.join(words).replace("ی", "ي").replace("ک", "ك")
    assert name_key(written) == name_key(name)
    roster = Roster((Member("s1", name),))
    found = roster.match("unknown-id", "", written)
    assert found is not None and found.id == "s1"


def test_a_platform_id_wins_over_a_name_and_an_email_over_a_name() -> None:
    roster = Roster(
        (
            Member("a", "Ali Rezaei", "ali@example.org", {"moodle": "1001"}),
            Member("b", "Ali Rezaei", "other@example.org", {"moodle": "1002"}),
        )
    )
    assert roster.match("1002", "", "Ali Rezaei").id == "b"  # type: ignore[union-attr]
    assert roster.match("x", "OTHER@example.org", "Ali Rezaei").id == "b"  # type: ignore[union-attr]
    assert roster.match("x", "", "nobody") is None


@given(st.lists(st.sampled_from(["a", "b", "..", ".", "c d", "ع"]), min_size=1, max_size=6))
def test_a_member_climbs_exactly_when_a_part_is_dot_dot_or_it_is_absolute(
    parts: list[str],
) -> None:
    name = "/".join(parts)
    assert climbs(name) == (".." in parts)
    assert climbs("/" + name) and climbs("\\" + name) and climbs("C:" + name)


NAME_PART = st.sampled_from(["a", "b", "..", ".", "", "ع ب", "C:", "~", "x\\..\\y"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(NAME_PART, min_size=1, max_size=5), min_size=1, max_size=6))
def test_nothing_an_archive_holds_is_written_outside_its_folder(
    names: list[list[str]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        path = base / "in.zip"
        members = {("/" if p[0] == "~" else "") + "/".join(p) for p in names}
        with zipfile.ZipFile(path, "w") as archive:
            for name in sorted(m for m in members if m and not m.endswith("/")):
                archive.writestr(name, "x")
        dest = base / "dest"
        unpack(path, dest)
        written = [p for p in base.rglob("*") if p.is_file() and p != path]
        assert all(p.resolve().is_relative_to(dest.resolve()) for p in written)
