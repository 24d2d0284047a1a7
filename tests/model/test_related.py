"""Related parts: a slip repeated across parts declared related is penalised once."""

from __future__ import annotations

from graders.model.answers import Mistake, Status, Verdict
from graders.model.related import once_per_slip

SLIP = Mistake("layer-label", "the weights carry the wrong layer's label.", 0.5)


def wrong(mistake: Mistake | None = None) -> Verdict:
    return Verdict(Status.INCORRECT, mistake.credit if mistake else 0.0, mistake=mistake)


def test_the_same_named_mistake_counts_once_at_its_first_item() -> None:
    verdicts = {"d1": wrong(SLIP), "d2": wrong(SLIP), "d3": wrong(SLIP)}
    out = once_per_slip(verdicts, {"d1": "δ1", "d2": "δ2", "d3": "δ3"})
    assert out["d1"] == verdicts["d1"]
    for name in ("d2", "d3"):
        assert out[name].status is Status.FOLLOW_THROUGH
        assert out[name].credit == 1.0
        assert out[name].mistake == SLIP
        assert "same slip as in δ1" in out[name].feedback


def test_other_verdicts_are_left_alone() -> None:
    other = Mistake("sign", "the sign is flipped.", 0.25)
    verdicts = {
        "d1": wrong(SLIP),
        "d2": wrong(other),
        "d3": wrong(),
        "d4": Verdict(Status.CORRECT, 1.0),
    }
    assert once_per_slip(verdicts, {}) == verdicts
