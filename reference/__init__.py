"""Reference solutions, one module per homework.

``catalogue()`` names every homework the grader knows; each module's ``homework()`` computes
its expected answers from the question's parameters (nothing is typed in). A homework is built
when first looked up, so a batch of one homework never computes the others' references.

A course adds a homework of its own without changing the project: a Python file that defines
``homework()`` the way the modules here do (importing only from ``graders.authoring``), named
after the homework's id (``hw5.py`` for ``hw5``), given to ``grade.py --reference FILE`` (or
``references`` under ``[tool.grader]``): ``catalogue(files)``.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from graders.authoring import (
    Homework,
)

MODULES = ("hw1", "hw2", "hw3", "hw4", "hw6")  # each defines homework(), whose id is its name


class Catalogue(Mapping[str, Homework]):
    """Homeworks by id, each built on its first lookup (once, whichever thread asks).

    ``files`` are a course's own reference modules outside this package, each named after its
    homework's id; an id that is already a homework here is refused."""

    def __init__(self, modules: tuple[str, ...] = MODULES, files: Sequence[Path] = ()) -> None:
        self._modules = modules
        self._files = {Path(f).stem: Path(f) for f in files}
        clash = sorted(set(self._files) & set(modules))
        if clash:
            raise ValueError(f"{', '.join(clash)}: already a homework of the grader's own")
        missing = [str(f) for f in self._files.values() if not f.is_file()]
        if missing:
            raise ValueError(f"no such reference file: {', '.join(missing)}")
        self._built: dict[str, Homework] = {}
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as what it names (a Dask task): each process builds what it looks up."""
        return (Catalogue, (self._modules, tuple(self._files.values())))

    def __getitem__(self, key: str) -> Homework:
        if key not in self:
            raise KeyError(key)
        with self._lock:
            if key not in self._built:
                homework = self._module(key).homework()
                if homework.id != key:
                    raise RuntimeError(f"the reference module of {key} built {homework.id!r}")
                self._built[key] = homework
            return self._built[key]

    def _module(self, key: str) -> ModuleType:
        if key in self._modules:
            return importlib.import_module(f"reference.{key}")
        path = self._files[key]
        spec = importlib.util.spec_from_file_location(f"course_reference_{key}", path)
        if spec is None or spec.loader is None:
            raise RuntimeError(f"{path} cannot be loaded as a Python module")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def __contains__(self, key: object) -> bool:  # Mapping's would build the homework
        return key in self._modules or key in self._files

    def __iter__(self) -> Iterator[str]:
        return iter((*self._modules, *self._files))

    def __len__(self) -> int:
        return len(self._modules) + len(self._files)


def catalogue(files: Sequence[Path] = ()) -> Catalogue:
    """Every homework the grader can release and grade, by id, with a course's own reference
    modules ``files``."""
    return Catalogue(files=files)
