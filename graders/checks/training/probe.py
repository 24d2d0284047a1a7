"""Probes: what the grader measures of a student's objects in their kernel.

In:  ``Measure``s (a model, a list or dict of models, augmentation transforms, an activation)
     and the files handed to the kernel beforehand (the grader's held-out inputs, never their
     labels).
Out: a ``Probe`` (``build_probe``) whose source is ``graders.runtime.in_kernel.probe`` and
     whose results land in plain kernel variables ``_grader_<tag><variable>[_<index>]_<result>``
     (``Measure.name``), read back by the harvest.

A probe first sets its variables to None, before it calls anything of the student's, so a value
planted under a probe's name is never read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graders.model.questions import Probe
from graders.runtime import in_kernel
from graders.runtime.sources import source_of

_RESULTS: Mapping[str, tuple[str, ...]] = {
    "model": (
        *("test", "train", "ends", "shape", "parameters", "norm", "l1", "kind", "flat", "error"),
    ),
    "transforms": ("changes", "error"),
    "activation": ("values", "error"),
}


@dataclass(frozen=True)
class Measure:
    """One thing a probe measures in the kernel. Its results land in the kernel variables
    ``_grader_<tag><variable>[_<index>]_<result>`` (see ``_RESULTS``)."""

    kind: str  # "model", "transforms" or "activation"
    variable: str
    index: int | None = None  # an entry of a list variable, or of a dict by ``key``
    key: float | None = None
    inputs: tuple[tuple[str, str], ...] = ()  # (role, handed file): "test", "train", "ends"
    invert: bool = False  # feed the test images followed by their inverted copies (255 - x)
    shape_input: tuple[int, ...] = ()  # a seeded uniform input the output shape is read on
    alphas: tuple[float, ...] = ()  # activation: the α values
    points: tuple[float, ...] = ()  # activation: the x values
    tag: str = ""  # keeps apart two probes' measures of one variable ("sanity_")

    @property
    def prefix(self) -> str:
        entry = "" if self.index is None else f"{self.index}_"
        return f"_grader_{self.tag}{self.variable}_{entry}"

    def name(self, result: str) -> str:
        return self.prefix + result

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(self.name(r) for r in _RESULTS[self.kind])

    def spec(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "variable": self.variable,
            "index": self.index,
            "key": self.key,
            "prefix": self.prefix,
            "inputs": [list(pair) for pair in self.inputs],
            "invert": self.invert,
            "shape_input": list(self.shape_input),
            "alphas": list(self.alphas),
            "points": list(self.points),
        }


def build_probe(measures: Sequence[Measure], files: Mapping[str, bytes]) -> Probe:
    """A probe running ``measures`` in the kernel, with ``files`` handed over beforehand."""
    variables = tuple(dict.fromkeys(v for m in measures for v in m.variables))
    blank = "\n".join(f"{name} = None" for name in variables)
    specs = [m.spec() for m in measures]
    kernel = source_of(in_kernel.probe).replace("def probe(", "def _grader_probe(", 1)
    source = (
        f"{blank}\n{kernel.strip()}\n\n"
        f"get_ipython().user_ns.update(_grader_probe({specs!r}))\n"
        "del _grader_probe\n"
    )
    return Probe(source, variables, dict(files))
