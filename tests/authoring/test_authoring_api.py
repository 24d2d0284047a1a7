"""The one authoring API: a reference module (the project's ``reference/hwN.py``, a course's
own file) imports from ``graders.authoring`` only, besides numpy, sympy, the standard library
and the project's other reference modules; ``graders.authoring`` lists what it offers in
``__all__``."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import graders.authoring as authoring

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(
    [*(ROOT / "reference").glob("*.py"), *(ROOT / "tests/authoring/course").glob("*.py")]
)
ALLOWED = {"graders.authoring", "reference", "numpy", "sympy", "__future__"}
CROSS_CHECKS = {"torch"}
"""An independent route to a reference (torch autograd), imported inside the check only."""


def _imports(tree: ast.Module) -> list[tuple[str, bool, tuple[str, ...]]]:
    """(module, at the top level, names taken from it) of every import of ``tree``."""
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in top, ()) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = tuple(a.name for a in node.names)
            found.append((node.module, id(node) in top, names))
    return found


def _allowed(module: str, top_level: bool) -> bool:
    root = module.split(".")[0]
    if module in ALLOWED or root in ALLOWED - {"graders.authoring"}:
        return True
    if root in CROSS_CHECKS:
        return not top_level
    return root in sys.stdlib_module_names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_a_reference_module_imports_only_the_authoring_api(path: Path) -> None:
    found = _imports(ast.parse(path.read_text(encoding="utf-8")))
    assert [m for m, top, _ in found if not _allowed(m, top)] == []
    taken = {name for m, _, names in found if m == "graders.authoring" for name in names}
    assert taken and sorted(taken - set(authoring.__all__)) == []


def test_the_authoring_api_lists_exactly_what_it_offers() -> None:
    public = {name for name in vars(authoring) if not name.startswith("_")}
    modules = {name for name in public if isinstance(getattr(authoring, name), type(sys))}
    assert sorted(public - modules - set(authoring.__all__)) == []
    assert all(hasattr(authoring, name) for name in authoring.__all__)
    assert len(set(authoring.__all__)) == len(authoring.__all__)
