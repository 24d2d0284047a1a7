"""The source of the project's functions that are sent to a kernel as code, read once.

In:  a function defined in a module file (``graders.runtime.in_kernel``'s ``harvest`` and
     ``probe``, ``graders.runtime.data``'s readers).
Out: ``source_of(function)``: its source text, as ``inspect.getsource`` gives it.

``inspect.getsource`` checks the module file, reads and tokenises it on every call (about 3 ms
for ``in_kernel``); every submission's harvest cell and probe needs that text, so a cached
re-grade of 500 submissions spent a third of its time there. The files do not change while
the grader runs, so the text is kept for the process's life.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any


@functools.lru_cache(maxsize=64)
def source_of(function: Callable[..., Any]) -> str:
    """``inspect.getsource(function)``, read once per process."""
    return inspect.getsource(function)
