"""Show that two runs over the same submissions gave the same results, file by file.

    python tools/same_results.py BEFORE_DIR AFTER_DIR

Each folder is the ``--out`` of a ``grade.py`` run (for example the demo folder graded at two
commits, to show that a refactor changed no behaviour). Every ``<assignment>/<student>.json``
and ``<assignment>/grades.csv`` is compared; what describes the run rather than the grading
(the time it took, when, the grader's version) is left out. Prints one line per difference and
a summary; exits 0 when the results are identical, 1 otherwise.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path

RUN_FIELDS = frozenset({"seconds", "graded_at", "grader_version", "cached"})
"""Fields of a results JSON that describe the run, not the grading."""


def _graded(value: object) -> object:
    """``value`` without the run's own fields, at any depth."""
    if isinstance(value, dict):
        return {k: _graded(v) for k, v in value.items() if k not in RUN_FIELDS}
    if isinstance(value, list):
        return [_graded(v) for v in value]
    return value


def _differences(path: str, before: object, after: object) -> Iterator[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(before.keys() | after.keys()):
            if key not in after:
                yield f"{path}.{key}: only before"
            elif key not in before:
                yield f"{path}.{key}: only after"
            else:
                yield from _differences(f"{path}.{key}", before[key], after[key])
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (b, a) in enumerate(zip(before, after, strict=True)):
            yield from _differences(f"{path}[{index}]", b, a)
    elif before != after:
        yield f"{path}: {before!r:.120} -> {after!r:.120}"


def _records(root: Path) -> dict[str, object]:
    records: dict[str, object] = {}
    for path in sorted(root.glob("*/*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "tests" in data:
            records[str(path.relative_to(root))] = _graded(data)
    for path in sorted(root.glob("*/grades.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            records[str(path.relative_to(root))] = list(csv.reader(handle))
    return records


def compare(before_root: Path, after_root: Path) -> list[str]:
    """Every difference between the two runs' results, as one line each."""
    before, after = _records(before_root), _records(after_root)
    lines = [f"{name}: only in {before_root}" for name in sorted(before.keys() - after.keys())]
    lines += [f"{name}: only in {after_root}" for name in sorted(after.keys() - before.keys())]
    for name in sorted(before.keys() & after.keys()):
        lines += _differences(name, before[name], after[name])
    return lines


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    before_root, after_root = Path(argv[0]), Path(argv[1])
    lines = compare(before_root, after_root)
    for line in lines:
        print(line)
    count = len(_records(before_root))
    print(
        f"{count} result files compared: "
        + ("identical" if not lines else f"{len(lines)} differences")
    )
    return 0 if not lines else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
