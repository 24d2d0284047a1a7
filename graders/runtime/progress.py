"""Progress of a batch on the terminal.

In:  the number of submissions, the number of workers, and each finished submission's line.
Out: on a terminal, a status line kept at the bottom (done / failed / running / time left) with
     each finished submission printed above it; elsewhere (CI logs, pipes), plain lines only.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class Progress:
    """Counts finished submissions and says so; one per batch, used from one thread."""

    total: int
    workers: int
    echo: Callable[[str], None] = print  # where plain lines go
    stream: TextIO = field(default_factory=lambda: sys.stdout)  # where the live line goes
    live: bool | None = None  # None: live when echo prints to a terminal
    clock: Callable[[], float] = time.monotonic
    done: int = 0
    failed: int = 0
    started: float = 0.0

    def __post_init__(self) -> None:
        if self.live is None:
            self.live = self.echo is print and bool(getattr(self.stream, "isatty", bool)())
        self.started = self.clock()

    def status(self) -> str:
        running = min(self.workers, self.total - self.done)
        text = f"graded {self.done}/{self.total} · failed {self.failed} · running {running}"
        if self.done and self.done < self.total:
            per = (self.clock() - self.started) / self.done
            text += f" · about {per * (self.total - self.done):.0f} s left"
        return text

    def finished(self, line: str, failed: bool = False) -> None:
        """Record one finished submission and print its line."""
        self.done += 1
        self.failed += int(failed)
        if self.live:
            self.stream.write(f"\r\x1b[2K{line}\n{self.status()}")
            self.stream.flush()
        else:
            self.echo(line)

    def close(self) -> None:
        if self.live:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
