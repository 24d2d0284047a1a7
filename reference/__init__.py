"""Reference solutions, one module per homework.

``catalogue()`` names every homework the grader knows; each module's ``homework()`` computes
its expected answers from the question's parameters (nothing is typed in). A homework is built
when first looked up, so a batch of one homework never computes the others' references.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator, Mapping

from graders.authoring import (
    Homework,
)

MODULES = ("hw1", "hw2", "hw3", "hw4", "hw6")  # each defines homework(), whose id is its name


class Catalogue(Mapping[str, Homework]):
    """Homeworks by id, each built on its first lookup (once, whichever thread asks)."""

    def __init__(self, modules: tuple[str, ...] = MODULES) -> None:
        self._modules = modules
        self._built: dict[str, Homework] = {}
        self._lock = threading.Lock()

    def __getitem__(self, key: str) -> Homework:
        if key not in self._modules:
            raise KeyError(key)
        with self._lock:
            if key not in self._built:
                homework = importlib.import_module(f"reference.{key}").homework()
                if homework.id != key:
                    raise RuntimeError(f"reference.{key}.homework() built {homework.id!r}")
                self._built[key] = homework
            return self._built[key]

    def __contains__(self, key: object) -> bool:  # Mapping's would build the homework
        return key in self._modules

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)


def catalogue() -> Catalogue:
    """Every homework the grader can release and grade, by id."""
    return Catalogue()
