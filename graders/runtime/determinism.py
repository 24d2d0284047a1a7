"""Reproducible training: what a kernel runs before the student's first cell.

In: a seed and a thread count. Out: the source of a silent cell that seeds Python's ``random``,
numpy's legacy global generator and torch (each only where the notebook loaded it), pins torch
to ``threads`` threads and asks torch for deterministic algorithms (``warn_only``: an operation
without one still runs, with a warning on stderr, which never costs points).

The same notebook then measures the same accuracy run after run, whatever ``--workers`` is and
whatever else the machine runs: floating-point sums over a fixed number of threads add in a fixed
order, and the random initial weights and batch orders are the same. ``PYTHONHASHSEED`` and the
OMP/MKL/OpenBLAS thread counts are set in the kernel's environment (``graders.runtime.sandbox``).
"""

from __future__ import annotations

DEFAULT_SEED = 0


def preamble(seed: int = DEFAULT_SEED, threads: int = 1) -> str:
    """The cell's source; it binds no name in the student's namespace and prints nothing."""
    return f"""\
def __grader_determinism(seed={int(seed)}, threads={max(1, int(threads))}):
    import random, sys
    random.seed(seed)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        try:
            numpy.random.seed(seed)
        except Exception:
            pass
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            torch.manual_seed(seed)
            torch.set_num_threads(threads)
            torch.use_deterministic_algorithms(True, warn_only=True)
        except Exception:
            pass
        try:
            torch.set_num_interop_threads(threads)
        except Exception:
            pass
__grader_determinism()
del __grader_determinism
"""
