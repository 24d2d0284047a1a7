"""Third-party equivalence suites: this project's verdicts against other projects' own tests.

The cases (tests/maths/thirdparty/*.toml, each with its source repository and path) come
from STACK's answer tests, sympy's parser tests and PrairieLearn's symbolic-input tests. The
agreement is printed; it must be at least BAR, and every disagreement must be one listed,
with its reason, in tests/maths/thirdparty/accepted.toml.
"""

from __future__ import annotations

from tests.maths.thirdparty import load_accepted, load_cases, run_case

BAR = 0.97


def test_third_party_suites_agree() -> None:
    cases = load_cases()
    assert len(cases) >= 300
    outcomes = [run_case(case) for case in cases]
    agreeing = sum(outcome.agrees for outcome in outcomes)
    share = agreeing / len(outcomes)
    print(f"\nthird-party equivalence cases: {agreeing}/{len(outcomes)} agree ({share:.1%})")
    accepted = load_accepted()
    unexplained = [
        f"{o.case.suite}: {o.case.answer!r} expected {o.case.expected}, got {o.got} ({o.detail})"
        for o in outcomes
        if not o.agrees and (o.case.suite, o.case.answer) not in accepted
    ]
    disagreeing = {(o.case.suite, o.case.answer) for o in outcomes if not o.agrees}
    stale = sorted(set(accepted) - disagreeing)
    assert not unexplained, "\n".join(unexplained)
    assert not stale, f"accepted disagreements that now agree: {stale}"
    assert share >= BAR


def test_every_case_names_its_source() -> None:
    for case in load_cases():
        assert case.repository.count("/") == 1 and case.path
        assert case.expected in ("equal", "different", "invalid")
