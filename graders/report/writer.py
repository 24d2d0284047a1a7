"""Writing each student's files while the batch grades, on a core of their own where it can.

In:  each ``SubmissionResult`` as the batch keeps it, and the function that writes one student's
     files (``Reporter.write_student`` with that student's homework).
Out: those files on disk, the same bytes whichever way they were written; ``close()`` returns
     once every result handed over is written.

Rendering a student's page is the grader's largest piece of Python work per submission (about
3 ms for a HW4 page, more than its checks). In the grader's own process it shares one
interpreter lock with the checks and the kernels' clients, so a second core helps it nothing.
``page_writer`` therefore forks a writer child at the start of the batch, while the grader runs
no other thread (``threading.active_count() == 1``: no lock can be held by a thread that is not
copied), and sends it each result through a pipe. The child inherits the catalogue and the
reporter, writes each student's files exactly as the grader would, acknowledges each one and
never returns into the grader's code. Nothing is lost: whatever the child did not acknowledge
as written (it died, or writing raised) is written by the grader itself in ``close()``, where
the same error, if any, is raised as before. Where forking is not safe or not possible (other
threads, a platform without ``fork``, a batch of one), ``InlineWriter`` writes in the grader.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from graders.model.results import SubmissionResult

WriteOne = Callable[[SubmissionResult], None]

_HEADER = struct.Struct("<IQ")  # sequence number, pickled length
_ACK = struct.Struct("<I?")  # sequence number, written


class PageWriter(Protocol):
    """Writes each student's files; ``close`` once no more results come."""

    def write(self, result: SubmissionResult) -> None: ...

    def close(self) -> None: ...


@dataclass
class InlineWriter:
    """Writes in the grader's own process, as each result arrives."""

    write_one: WriteOne

    def write(self, result: SubmissionResult) -> None:
        self.write_one(result)

    def close(self) -> None:
        return None


def page_writer(write_one: WriteOne, count: int) -> PageWriter:
    """A writer for a batch of ``count`` results: a forked child where that is safe, else
    ``InlineWriter``."""
    if count < 2 or not hasattr(os, "fork") or threading.active_count() != 1:
        return InlineWriter(write_one)
    forked = ForkedWriter.start(write_one)
    return forked if forked is not None else InlineWriter(write_one)


@dataclass
class ForkedWriter:
    """Sends each result to a forked child that writes it; see the module's docstring."""

    write_one: WriteOne
    pid: int
    to_child: int  # the results pipe's writing end
    acks: int  # the acknowledgements pipe's reading end (non-blocking)
    pending: dict[int, SubmissionResult] = field(default_factory=dict)
    failed: list[SubmissionResult] = field(default_factory=list)
    sent: int = 0
    alive: bool = True
    _partial: bytes = b""

    @classmethod
    def start(cls, write_one: WriteOne) -> ForkedWriter | None:
        results_read, results_write = os.pipe()
        acks_read, acks_write = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no process to spare: the grader writes its pages itself
            for fd in (results_read, results_write, acks_read, acks_write):
                os.close(fd)
            return None
        if pid == 0:  # the child: never returns into the grader's code
            status = 1
            try:
                os.close(results_write)
                os.close(acks_read)
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle
                _serve(results_read, acks_write, write_one)
                status = 0
            finally:
                os._exit(status)
        os.close(results_read)
        os.close(acks_write)
        os.set_blocking(acks_read, False)
        return cls(write_one, pid, results_write, acks_read)

    def write(self, result: SubmissionResult) -> None:
        if not self.alive:
            self.write_one(result)
            return
        try:
            body = pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
        except Exception:  # a result that cannot travel is written here, as inline would
            self.write_one(result)
            return
        self.sent += 1
        self.pending[self.sent] = result
        try:
            self._send(_HEADER.pack(self.sent, len(body)) + body)
        except OSError:  # the child is gone: what it did not write is written in close()
            self.alive = False
        self._drain()

    def close(self) -> None:
        """Wait for the child to write everything sent, then write what it did not."""
        with contextlib.suppress(OSError):
            os.close(self.to_child)
        os.set_blocking(self.acks, True)
        while self._drain():
            pass
        os.close(self.acks)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        self.alive = False
        leftover = [*self.failed, *self.pending.values()]
        self.failed, self.pending = [], {}
        for result in leftover:  # raises here what raised in the child, as inline would
            self.write_one(result)

    def _send(self, message: bytes) -> None:
        view = memoryview(message)
        while view:
            writable, readable = [self.to_child], [self.acks]
            _, can_write, _ = select.select(readable, writable, [])
            if can_write:
                view = view[os.write(self.to_child, view[: 1 << 16]) :]
            else:  # acknowledgements waiting: read them so the child never blocks on them
                self._drain()

    def _drain(self) -> bool:
        """Read the acknowledgements there are; False once the child closed its end."""
        try:
            data = os.read(self.acks, 1 << 16)
        except BlockingIOError:
            return True
        if not data:
            return False
        data = self._partial + data
        whole = len(data) - len(data) % _ACK.size
        for sequence, written in _ACK.iter_unpack(data[:whole]):
            result = self.pending.pop(sequence, None)
            if result is not None and not written:
                self.failed.append(result)
        self._partial = data[whole:]
        return True


def _serve(results: int, acks: int, write_one: WriteOne) -> None:
    """The child's loop: read each result, write its files, acknowledge; end at end of input."""
    with os.fdopen(results, "rb") as stream:
        while header := stream.read(_HEADER.size):
            if len(header) < _HEADER.size:
                return
            sequence, length = _HEADER.unpack(header)
            body = stream.read(length)
            if len(body) < length:
                return
            written = True
            try:
                write_one(pickle.loads(body))
            except Exception:  # the grader writes it again itself, and meets the error there
                written = False
            _write_all(acks, _ACK.pack(sequence, written))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
