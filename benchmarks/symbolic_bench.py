"""Timing of the symbolic check: every accepted and rejected case, several rounds, then the
third-party equivalence suites (tests/maths/thirdparty) once.

Run: ``python benchmarks/symbolic_bench.py [--rounds N] [--no-suites]`` from the repository
root. Prints, per case, the median and the worst time of ``check_expression`` and the verdict,
then the same over all cases; then the median and worst time over the suites' cases (with the
grading time limit for proofs), the slowest of them, and whether a check is slowed by the
checks before it: a set of light cases is timed before and after the whole suites, and the
ratio of the two medians is printed (a proof left running would make it grow). The goal is a
median under 50 ms, a worst case under 1 s and a ratio near 1. Each round uses a new seed, so
the sample points (and sympy's caches for them) differ between rounds.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import sympy

from graders.checks.symbolic import SYMBOLIC_TIMEOUT, check_expression
from graders.maths.expressions import sigmoid, softplus
from graders.model.answers import Answer, Kind, Mistake, Status

x, u = sympy.Symbol("x"), sympy.Symbol("u")
SWISH = sigmoid(x) + x * sigmoid(x) * (1 - sigmoid(x))
MISH = sympy.tanh(softplus(x)) + x * sympy.sech(softplus(x)) ** 2 * sigmoid(x)
MISH_NO_SIGMA = sympy.tanh(softplus(x)) + x * sympy.sech(softplus(x)) ** 2
NO_SIGMA = Mistake("no-sigma-prime", "the factor σ(x) from softplus' derivative is missing", 0.5)


@dataclass(frozen=True)
class Case:
    """One benchmark case: the answer text, the reference and the verdict it should get."""

    answer: str
    reference: sympy.Expr
    expected: Status


CASES = [
    Case("sigmoid(x) + x*sigmoid(x)*(1-sigmoid(x))", SWISH, Status.CORRECT),
    Case("x*sigmoid(x) + sigmoid(x)*(1 - x*sigmoid(x))", SWISH, Status.CORRECT),
    Case("(1 + exp(-x) + x*exp(-x))/(1 + exp(-x))**2", SWISH, Status.CORRECT),
    Case(r"\sigma(x) + x\sigma(x)(1-\sigma(x))", SWISH, Status.CORRECT),
    Case(r"\frac{1+e^{-x}+xe^{-x}}{(1+e^{-x})^2}", SWISH, Status.CORRECT),
    Case("tanh(sp(x)) + x*sech(sp(x))**2*sigmoid(x)", MISH, Status.CORRECT),
    Case("x*tanh(sp(x))/x + x*sigmoid(x)*sech(sp(x))**2", MISH, Status.CORRECT),
    Case("tanh(softplus(x)) + x*(1 - tanh(softplus(x))**2)*sigmoid(x)", MISH, Status.CORRECT),
    Case(
        r"\tanh(\ln(1+e^x)) + x\,\operatorname{sech}^2(\ln(1+e^x))\,\sigma(x)", MISH, Status.CORRECT
    ),
    Case("1/cosh(u)**2", sympy.sech(u) ** 2, Status.CORRECT),
    Case("1 - tanh(u)**2", sympy.sech(u) ** 2, Status.CORRECT),
    Case("(1 + tanh(x/2))/2", sigmoid(x), Status.CORRECT),
    Case(r"\operatorname{sech}^2(x)", 1 / sympy.cosh(x) ** 2, Status.CORRECT),
    Case("σ(x)·(1−σ(x))", sigmoid(x) * (1 - sigmoid(x)), Status.CORRECT),
    Case("e^x", sympy.exp(x), Status.CORRECT),
    Case("sigmoid(x) - x*sigmoid(x)*(1-sigmoid(x))", SWISH, Status.INCORRECT),
    Case("x*sigmoid(x)*(1-sigmoid(x))", SWISH, Status.INCORRECT),
    Case(r"\frac{1+e^{-x}+xe^{x}}{(1+e^{-x})^2}", SWISH, Status.INCORRECT),
    Case("tanh(sp(x)) - x*sech(sp(x))**2*sigmoid(x)", MISH, Status.INCORRECT),
    Case("tanh(sp(x)) + x*sech(sp(x))**2", MISH, Status.INCORRECT),  # the named mistake
    Case("x*sech(sp(x))**2*sigmoid(x)", MISH, Status.INCORRECT),
    Case("1 + tanh(u)**2", sympy.sech(u) ** 2, Status.INCORRECT),
    Case("__import__('os').system('true')", SWISH, Status.INVALID),
    Case("9**9**9", SWISH, Status.INVALID),
    Case("(" * 5000 + "x" + ")" * 5000, SWISH, Status.INVALID),
]


def run_case(case: Case, seed: int) -> tuple[float, float, Status]:
    """Wall-clock and CPU seconds taken by one check of the case, and the verdict's status."""
    variables = sorted(symbol.name for symbol in case.reference.free_symbols)
    mistakes = [(NO_SIGMA, MISH_NO_SIGMA)] if case.reference is MISH else []
    start, cpu = time.perf_counter(), time.process_time()
    verdict = check_expression(
        Answer(Kind.TEXT, case.answer),
        case.reference,
        variables=variables,
        mistakes=mistakes,
        seed=seed,
    )
    return time.perf_counter() - start, time.process_time() - cpu, verdict.status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--no-suites", action="store_true", help="skip the third-party suites")
    arguments = parser.parse_args()
    rounds = arguments.rounds
    every: list[float] = []
    every_cpu: list[float] = []
    print(f"{'median ms':>10} {'worst ms':>9}  {'verdict':<10} case")
    for case in CASES:
        times = []
        for seed in range(rounds):
            elapsed, cpu, status = run_case(case, seed)
            if status is not case.expected:
                raise SystemExit(
                    f"{case.answer!r}: got {status.value}, expected {case.expected.value}"
                )
            times.append(elapsed)
            every_cpu.append(cpu)
        every.extend(times)
        label = case.answer if len(case.answer) <= 60 else case.answer[:57] + "..."
        print(
            f"{statistics.median(times) * 1e3:10.1f} {max(times) * 1e3:9.1f}  "
            f"{case.expected.value:<10} {label}"
        )
    print(f"\nall {len(CASES)} cases x {rounds} rounds, wall clock: {_summary(every)}")
    print(f"CPU time of this process (less sensitive to a busy machine): {_summary(every_cpu)}")
    if not arguments.no_suites:
        time_suites()


def time_suites() -> None:
    """Median and worst time over the third-party suites, and the before/after ratio."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.maths.thirdparty import load_cases, run_case

    cases = load_cases()
    light = [case for case in cases if case.expected != "invalid"][:25]

    def cpu_of_light() -> float:
        """Median CPU seconds of the light cases, the proofs' child processes included."""
        times = []
        for case in light:
            start, children = time.process_time(), _children_cpu()
            run_case(case, symbolic_timeout=SYMBOLIC_TIMEOUT)
            times.append(time.process_time() - start + _children_cpu() - children)
        return statistics.median(times)

    before = cpu_of_light()
    outcomes = [run_case(case, symbolic_timeout=SYMBOLIC_TIMEOUT) for case in cases]
    after = cpu_of_light()
    seconds = [outcome.seconds for outcome in outcomes]
    print(f"\nthird-party suites, {len(cases)} cases once, wall clock: {_summary(seconds)}")
    for outcome in sorted(outcomes, key=lambda o: o.seconds, reverse=True)[:5]:
        label = outcome.case.answer if len(outcome.case.answer) <= 60 else outcome.case.answer[:57]
        print(f"{outcome.seconds * 1e3:10.1f} ms  {outcome.case.suite:<18} {label}")
    print(
        f"{len(light)} light cases, median CPU time (with proofs' child processes) before the "
        f"suites: {before * 1e3:.1f} ms, after: {after * 1e3:.1f} ms (ratio {after / before:.2f})"
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _summary(seconds: list[float]) -> str:
    return f"median {statistics.median(seconds) * 1e3:.1f} ms, worst {max(seconds) * 1e3:.1f} ms"


if __name__ == "__main__":
    main()
