"""Execution cache: run each notebook once, re-grade as often as the rubric changes.

In:  an ``ExecutionJob`` (what would be run) and the folder of the cache.
Out: ``job_key`` — a digest of everything that decides what a run produces: the notebook and
     its files, the answers the harvest reads and the probes, the time limits, the isolation
     mode and ``EXECUTION_VERSION``; ``load`` and ``store`` of the ``Execution`` (with the
     harvest marker it printed) under that key.

Points, tolerances, named mistakes, overrides and templates are not in the key, so changing
them re-executes no notebook. Entries are JSON, written atomically, each sealed with an HMAC
(keyed by a random key the cache folder keeps in ``SEAL_FILE``, readable by its owner only) over
its key and content: an entry that is damaged, edited, renamed or copied from another cache
fails the seal and is a miss, so the notebook is executed again rather than trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from graders.execute import CellRun, CellStatus, Execution, ExecutionJob, Outcome
from graders.model.results import write_atomic

EXECUTION_VERSION = "3"  # bump when execution or harvest changes what a run produces
SEAL_FILE = "seal-key"  # in the cache folder: the random key of the entries' HMAC


def job_key(job: ExecutionJob, nonce: str, isolation: str) -> str:
    """A digest of what decides the outcome of running ``job`` (its random ``nonce`` aside)."""
    digest = hashlib.sha256()

    def feed(label: str, data: bytes) -> None:
        digest.update(f"{label}:{len(data)}:".encode())
        digest.update(data)

    feed("version", EXECUTION_VERSION.encode())
    feed("notebook", json.dumps(job.notebook, sort_keys=True, ensure_ascii=False).encode())
    for path in job.files:
        feed("file-name", path.name.encode())
        feed("file", path.read_bytes() if path.is_file() and not path.is_symlink() else b"")
    feed("harvest", job.harvest_source.replace(nonce, "").encode())
    feed("final", job.final_source.replace(nonce, "").encode())
    for name, data in sorted(job.handed.items()):
        feed("handed-name", name.encode())
        feed("handed", data)
    feed("limits", f"{job.cell_timeout}:{job.notebook_timeout}:{job.harvest_timeout}".encode())
    feed("isolation", isolation.split(" ")[0].encode())
    feed("determinism", f"{job.seed}:{job.threads}:{job.wall_factor}".encode())
    return digest.hexdigest()


def store(folder: Path, key: str, execution: Execution, nonce: str) -> None:
    data = {
        "version": EXECUTION_VERSION,
        "nonce": nonce,
        "outcome": execution.outcome.value,
        "message": execution.message,
        "seconds": execution.seconds,
        "isolation": execution.isolation,
        "kernel": execution.kernel,
        "harvest_output": execution.harvest_output,
        "cells": [
            {
                "index": c.index,
                "source": c.source,
                "status": c.status.value,
                "output": c.output,
                "error": c.error,
            }
            for c in execution.cells
        ],
    }
    body = json.dumps(data, ensure_ascii=False, sort_keys=True)
    secret = _seal_key(folder, create=True)
    if secret is None:  # an empty key file: a cache that can seal nothing stores nothing
        return
    seal = _seal(secret, key, body)
    write_atomic(folder / f"{key}.json", json.dumps({"seal": seal, "body": body}))


def load(folder: Path, key: str) -> tuple[Execution, str] | None:
    """The cached execution and its harvest marker, or None (also when the seal fails)."""
    try:
        entry = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        body, seal = entry["body"], entry["seal"]
        secret = _seal_key(folder, create=False)
        if not isinstance(body, str) or not isinstance(seal, str) or secret is None:
            return None
        if not hmac.compare_digest(seal, _seal(secret, key, body)):
            return None
        data = json.loads(body)
        return _execution(data), str(data["nonce"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _seal(secret: bytes, key: str, body: str) -> str:
    return hmac.new(secret, f"{key}\0{body}".encode(), hashlib.sha256).hexdigest()


def _seal_key(folder: Path, *, create: bool) -> bytes | None:
    """The cache folder's sealing key; made (owner-only) on first ``store`` when ``create``.

    The key is written to a file of this process's own and then linked into place, which
    fails if another worker linked first: nobody ever reads a key file that is still being
    written (an empty key seals nothing, and the entry would not be stored)."""
    path = folder / SEAL_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip()) or None
    except FileNotFoundError:
        if not create:
            return None
    folder.mkdir(parents=True, exist_ok=True)
    fd, draft = tempfile.mkstemp(dir=folder, prefix=f".{SEAL_FILE}.")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:  # another worker made it first
            pass
        except OSError:  # a file system without hard links: the narrow race is back
            if not path.exists():
                os.replace(draft, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(draft)
    return bytes.fromhex(path.read_text(encoding="ascii").strip()) or None


def _execution(data: dict[str, Any]) -> Execution:
    if data["version"] != EXECUTION_VERSION:
        raise ValueError("cache entry of another version")
    cells = tuple(
        CellRun(int(c["index"]), str(c["source"]), CellStatus(c["status"]), c["output"], c["error"])
        for c in data["cells"]
    )
    harvest = data["harvest_output"]
    return Execution(
        cells,
        harvest if isinstance(harvest, str) else None,
        Outcome(data["outcome"]),
        str(data["message"]),
        float(data["seconds"]),
        str(data["isolation"]),
        str(data.get("kernel", "")),
    )
