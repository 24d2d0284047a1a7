"""Late: the deadline, the declared late policy, and what it takes from a late hand-in.

In:  ``--deadline`` (an ISO time, ``2026-12-01T23:59+03:30``; without a zone, UTC) and
     ``--late-policy`` (``10%/day``: a tenth of the points for each day or part of one past the
     deadline; ``10%/day,max=50%`` caps the loss; ``2%/hour`` counts hours; ``none`` marks late
     hand-ins without taking points), and the time the platform recorded for a hand-in.
Out: ``Lateness`` — how late, the fraction of the points taken, and the sentence that says so
     on the student's page and the class page.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from graders.model.results import SubmissionResult

_POLICY = re.compile(
    r"^\s*(?P<rate>\d+(?:\.\d+)?)\s*%\s*/\s*(?P<unit>day|hour)\s*"
    r"(?:,\s*max\s*=\s*(?P<cap>\d+(?:\.\d+)?)\s*%)?\s*$"
)
_SECONDS = {"day": 86_400, "hour": 3_600}


@dataclass(frozen=True)
class LatePolicy:
    """A deadline and what each started unit past it costs."""

    deadline: datetime
    rate: float = 0.0  # fraction of the points per started unit
    unit: str = "day"
    cap: float = 1.0  # the most that is taken, as a fraction
    text: str = "none"

    def lateness(self, submitted: datetime | None) -> Lateness | None:
        """How late a hand-in made at ``submitted`` is, or None when it is on time or the
        platform recorded no time."""
        if submitted is None:
            return None
        when = submitted if submitted.tzinfo else submitted.replace(tzinfo=UTC)
        seconds = (when - self.deadline).total_seconds()
        if seconds <= 0:
            return None
        units = math.ceil(seconds / _SECONDS[self.unit])
        fraction = min(self.cap, self.rate * units)
        return Lateness(when.isoformat(timespec="seconds"), seconds, units, fraction, self)


@dataclass(frozen=True)
class Lateness:
    """One late hand-in."""

    submitted: str
    seconds: float
    units: int
    fraction: float
    policy: LatePolicy

    def penalty(self, points: float) -> float:
        """The points taken from a score of ``points``."""
        return round(points * self.fraction, 2)

    def sentence(self, points: float) -> str:
        late = _duration(self.seconds)
        deadline = self.policy.deadline.isoformat(timespec="minutes")
        if not self.fraction:
            return f"handed in {self.submitted}, {late} after the deadline {deadline}"
        return (
            f"handed in {self.submitted}, {late} after the deadline {deadline}: the late policy "
            f"({self.policy.text}) takes {self.fraction:.0%} of the score for {self.units} "
            f"started {self.policy.unit}{'s' if self.units > 1 else ''}: "
            f"−{self.penalty(points):g} points"
        )


def _duration(seconds: float) -> str:
    hours = seconds / 3600
    if hours < 1:
        return f"{math.ceil(seconds / 60)} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


def parse_deadline(text: str) -> datetime:
    """An ISO time; without a zone it is UTC. Raises ``ValueError``."""
    when = datetime.fromisoformat(text.strip())
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def parse_policy(deadline: datetime, text: str) -> LatePolicy:
    """``--late-policy`` (module docstring) for ``deadline``. Raises ``ValueError``."""
    if text.strip().lower() in ("", "none"):
        return LatePolicy(deadline)
    match = _POLICY.match(text.lower())
    if match is None:
        raise ValueError(
            f"late policy {text!r}: expected PERCENT%/day or PERCENT%/hour, optionally "
            "followed by ,max=PERCENT% (for example 10%/day,max=50%), or none"
        )
    cap = float(match["cap"]) / 100 if match["cap"] else 1.0
    return LatePolicy(deadline, float(match["rate"]) / 100, match["unit"], cap, text.strip())


def apply_late(
    result: SubmissionResult, submitted: str, policy: LatePolicy | None
) -> SubmissionResult:
    """``result`` with its hand-in time and, when it is late under ``policy``, the points the
    policy takes and a note saying so (the score is the score after the penalty)."""
    result = replace(result, submitted=submitted)
    if policy is None or not submitted:
        return result
    try:
        when = datetime.fromisoformat(submitted)
    except ValueError:
        return result
    late = policy.lateness(when)
    if late is None:
        return result
    raw = result.score
    note = "Late: " + late.sentence(raw)
    return replace(result, late_penalty=late.penalty(raw), notes=(*result.notes, note))
