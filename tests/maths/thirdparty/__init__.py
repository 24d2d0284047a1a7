"""Equivalence cases taken from other autograders' and computer-algebra projects' test suites.

Each ``*.toml`` file here holds the cases of one public test file (its repository, path and
commit are in the file's ``[source]`` table) and says what was left out and why.
``accepted.toml`` lists every case where this project's verdict differs from the source's,
with the reason the difference is accepted. ``load_cases`` and ``run_case`` are shared by
``tests/maths/test_thirdparty.py`` and ``benchmarks/symbolic_bench.py``.
"""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import sympy
from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

from graders.checks.symbolic import check_expression
from graders.maths.expressions import ParseError, parse_expression
from graders.model.answers import Answer, Kind, Status

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Case:
    """One third-party case: the text, the expected expression (sympy syntax), the verdict."""

    suite: str
    answer: str
    reference: str
    expected: str  # equal, different or invalid
    variables: tuple[str, ...]
    repository: str
    path: str


@dataclass(frozen=True)
class Outcome:
    """What this project made of a case, and how long the check took."""

    case: Case
    got: str  # equal, different, invalid or another status
    seconds: float
    detail: str

    @property
    def agrees(self) -> bool:
        return self.got == self.case.expected


def load_cases() -> list[Case]:
    """Every case of every suite file, in file order."""
    cases = []
    for path in sorted(HERE.glob("*.toml")):
        if path.name == "accepted.toml":
            continue
        source = tomllib.loads(path.read_text(encoding="utf-8"))["source"]
        for answer, reference, expected in source["cases"]:
            cases.append(
                Case(
                    path.stem,
                    answer,
                    reference,
                    expected,
                    tuple(source.get("variables", ())),
                    source["repository"],
                    source["path"],
                )
            )
    return cases


def load_accepted() -> dict[tuple[str, str], str]:
    """(suite, answer) -> the reason a disagreement with the source is accepted."""
    data = tomllib.loads((HERE / "accepted.toml").read_text(encoding="utf-8"))
    return {(row["suite"], row["answer"]): row["reason"] for row in data["disagreement"]}


def reference_expression(text: str) -> sympy.Expr:
    """A case's expected expression (trusted test data, written in sympy syntax; ^ is a
    power)."""
    names = {name: sympy.Symbol(name) for name in ("test", "TEST", "C")}  # not sympy's own
    return parse_expr(
        text, local_dict=names, transformations=(*standard_transformations, convert_xor)
    )


def run_case(case: Case, seed: int = 0, symbolic_timeout: float = 5.0) -> Outcome:
    """Judge one case with the project's parser and symbolic check.

    The suites test verdicts, so the proof is given more time than in grading (a busy
    machine must not change a verdict); the benchmark passes the grading time limit."""
    start = time.perf_counter()
    if case.expected == "invalid":
        try:
            parse_expression(case.answer, case.variables or None)
        except ParseError as error:
            got, detail = ("invalid" if error.message else "no message"), error.message
        else:
            got, detail = "read", "the text was read as a formula"
        return Outcome(case, got, time.perf_counter() - start, detail)
    reference = reference_expression(case.reference)
    variables = case.variables or tuple(
        sorted(s.name for s in reference.free_symbols if isinstance(s, sympy.Symbol))
    )
    verdict = check_expression(
        Answer(Kind.TEXT, case.answer, text=case.answer),
        reference,
        variables=variables,
        seed=seed,
        symbolic_timeout=symbolic_timeout,
    )
    got = {Status.CORRECT: "equal", Status.INCORRECT: "different", Status.INVALID: "invalid"}
    detail = f"{verdict.details.get('read_as', '')}: {verdict.feedback}"
    return Outcome(
        case, got.get(verdict.status, verdict.status.value), time.perf_counter() - start, detail
    )
