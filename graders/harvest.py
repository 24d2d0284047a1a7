"""Harvest: copy the answers out of the kernel as plain data, and read them back safely.

In:  the homework's answer variables (the harvest contract) and a fresh random ``nonce``.
Out: ``harvest_source`` — the grader-written cell run in the student's kernel, which prints one
     line, ``<nonce><json>``; and ``read_answers`` — which takes that cell's printed text and
     returns one ``Answer`` per variable.

Nothing from the kernel is unpickled or evaluated: the grader reads JSON with a size limit and
validates every field. Only the harvest cell's own output is read, so text a student printed
earlier cannot pose as answers. The cell writes its JSON itself (ASCII only), so a student's
``json`` (patched, replaced in ``sys.modules`` or refused) is never used; a student who tampers
with the rest of the kernel (``print``, ``sys.stdout``, ``builtins``) at worst makes their own
answers unreadable.
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from graders.model.answers import ABSENT, Answer, Kind
from graders.model.questions import Probe
from graders.runtime import in_kernel
from graders.runtime.sources import source_of

MAX_PAYLOAD = 8 * 2**20  # characters of harvest output the grader will read
MAX_TEXT = 20_000  # characters of one text answer
MAX_ELEMENTS = 300_000  # numbers in one array answer (its JSON fits in MAX_PAYLOAD)
MAX_LIST = 1_000  # entries of one list answer

KERNEL_NAME = "__grader_harvest"  # what the cell binds while it runs, then deletes


def harvest_source(names: Sequence[str], nonce: str) -> str:
    """The grader-written cell that prints ``nonce`` + JSON of the named variables: the source
    of ``graders.runtime.in_kernel.harvest``, called once and deleted."""
    body = source_of(in_kernel.harvest).replace("def harvest(", f"def {KERNEL_NAME}(", 1)
    call = f"{KERNEL_NAME}({list(names)!r}, {nonce!r}, {MAX_TEXT}, {MAX_ELEMENTS}, {MAX_LIST})"
    return f"{body.strip()}\n\n\n{call}\ndel {KERNEL_NAME}"


def probe_source(probes: Sequence[Probe]) -> str:
    """The probes' code, each guarded so that one that raises leaves only its variables absent."""
    blocks = []
    for n, probe in enumerate(probes):
        body = textwrap.indent(probe.source.strip() or "pass", "    ")
        blocks.append(
            f"try:\n{body}\nexcept Exception as __grader_error:\n"
            f"    import sys as __grader_sys\n"
            f"    print('grader probe {n} failed:', type(__grader_error).__name__, "
            f"__grader_error, file=__grader_sys.stderr)\n"
        )
    return "\n".join(blocks)


class HarvestError(ValueError):
    """The harvest output could not be read (the whole submission's answers are affected)."""


def read_answers(output: str, nonce: str, names: Sequence[str]) -> dict[str, Answer]:
    """Parse the harvest cell's printed text into one ``Answer`` per variable.

    Raises ``HarvestError`` with a reason when the output is missing, too large or malformed.
    """
    if len(output) > MAX_PAYLOAD:
        raise HarvestError(f"harvest output exceeds {MAX_PAYLOAD} characters")
    lines = [line for line in output.splitlines() if line.startswith(nonce)]
    if len(lines) != 1:
        raise HarvestError("the answer-collection cell printed no readable result")
    try:
        data = json.loads(lines[0][len(nonce) :], parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise HarvestError(f"the answer-collection result is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise HarvestError("the answer-collection result is not a JSON object")
    return {name: _answer(data.get(name)) for name in names}


def _reject_constant(token: str) -> float:
    raise ValueError(f"bare {token} is not allowed")


def _unsupported(note: str) -> Answer:
    return Answer(Kind.UNSUPPORTED, note=note)


def _answer(item: Any, depth: int = 0) -> Answer:
    if item is None:
        return ABSENT
    if not isinstance(item, Mapping):
        return _unsupported("malformed harvest entry")
    kind = item.get("kind")
    reader = _READERS.get(kind) if isinstance(kind, str) else None
    if reader is None:
        return _unsupported(f"unknown answer kind {kind!r}")
    return reader(item, depth)


def _number_value(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        try:
            return float(raw)
        except OverflowError:  # a JSON integer beyond any float
            return None
    if raw in ("nan", "inf", "-inf"):
        return float(raw)
    return None


def _read_number(item: Mapping[str, Any], depth: int) -> Answer:
    value = _number_value(item.get("value"))
    text = item.get("text", "")
    if value is None or not isinstance(text, str) or len(text) > 64:
        return _unsupported("malformed number")
    return Answer(Kind.NUMBER, value, text=text)


def _read_bool(item: Mapping[str, Any], depth: int) -> Answer:
    value = item.get("value")
    if not isinstance(value, bool):
        return _unsupported("malformed boolean")
    return Answer(Kind.BOOL, value, text=str(value))


def _read_text(item: Mapping[str, Any], depth: int) -> Answer:
    value = item.get("value")
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        return _unsupported("malformed text")
    note = f"text was cut at {MAX_TEXT} characters" if item.get("truncated") else ""
    kind = Kind.EXPR if item.get("kind") == "expr" else Kind.TEXT
    return Answer(kind, value, text=value, note=note)


def _read_array(item: Mapping[str, Any], depth: int) -> Answer:
    shape, data = item.get("shape"), item.get("data")
    if (
        not isinstance(shape, list)
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
        or not isinstance(data, list)
        or len(data) > MAX_ELEMENTS
        or math.prod(shape) != len(data)
    ):
        return _unsupported("malformed array")
    values = [_number_value(x) for x in data]
    if any(v is None for v in values):
        return _unsupported("array holds non-numbers")
    try:
        array = np.asarray(values, dtype=float).reshape(shape)
    except ValueError:  # more dimensions, or a larger size, than numpy allows
        return _unsupported("malformed array")
    array.setflags(write=False)
    return Answer(Kind.ARRAY, array, text=np.array2string(array, threshold=50, precision=6))


def _read_list(item: Mapping[str, Any], depth: int) -> Answer:
    items = item.get("items")
    if not isinstance(items, list) or len(items) > MAX_LIST or depth >= 2:
        return _unsupported("malformed list")
    answers = tuple(_answer(x, depth + 1) for x in items)
    return Answer(Kind.LIST, answers, text=", ".join(a.text or a.kind.value for a in answers))


def _read_marker(kind: Kind) -> Any:
    def reader(item: Mapping[str, Any], depth: int) -> Answer:
        note = item.get("note", "")
        return Answer(kind, note=note[:500] if isinstance(note, str) else "")

    return reader


_READERS: Mapping[str, Any] = MappingProxyType(
    {
        "number": _read_number,
        "bool": _read_bool,
        "text": _read_text,
        "expr": _read_text,
        "array": _read_array,
        "list": _read_list,
        "absent": lambda item, depth: ABSENT,
        "placeholder": _read_marker(Kind.PLACEHOLDER),
        "unsupported": _read_marker(Kind.UNSUPPORTED),
    }
)
