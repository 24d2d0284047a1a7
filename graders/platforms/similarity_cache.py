"""The similarity check done once per set of notebooks: a re-grade of the same submissions
writes the ``similarity.json`` it wrote before, without comparing every pair again.

In:  the assignment's folder, its submissions and ``Homework`` (as ``write_similarity`` takes
     them) and the batch's cache folder (``<out>/.cache``).
Out: ``write_similarity_once``: ``<folder>/similarity.json``, the same bytes
     ``graders.platforms.similarity.write_similarity`` writes.

Why. Comparing every pair of 500 notebooks, and importing copydetect (which imports
matplotlib's pyplot), was a sixth of a cached re-grade of 500 submissions. The file depends
only on what the key below digests: every submission's student, path and notebook, in order,
the homework's released notebook, the comparison's code (``similarity.py``) and copydetect's
version. An entry is sealed as the execution cache's entries are (``graders.runtime.cache``:
an HMAC keyed by the cache folder's own random key), so an edited one is a miss, and a failed
comparison (its ``problem`` said in the file) is not kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from graders.discover import Submission
from graders.model.questions import Homework
from graders.model.results import write_atomic
from graders.platforms import similarity
from graders.runtime.cache import _seal, _seal_key

FOLDER = "similarity"  # under the batch's cache folder


def similarity_key(submissions: Sequence[Submission], homework: Homework) -> str:
    """A digest of everything ``write_similarity`` reads."""
    digest = hashlib.sha256()

    def feed(label: str, data: bytes) -> None:
        digest.update(f"{label}:{len(data)}:".encode())
        digest.update(data)

    feed("code", Path(similarity.__file__).read_bytes())
    with contextlib.suppress(metadata.PackageNotFoundError):
        feed("copydetect", metadata.version("copydetect").encode())
    feed("template", json.dumps(similarity._template_cells(homework)).encode())
    for sub in submissions:
        feed("student", sub.student.encode())
        feed("path", str(sub.path).encode())
        notebook = json.dumps(sub.notebook, sort_keys=True, ensure_ascii=False)
        feed("notebook", notebook.encode())
    return digest.hexdigest()


def write_similarity_once(
    folder: Path, submissions: Sequence[Submission], homework: Homework, cache: Path
) -> None:
    """``write_similarity(folder, submissions, homework)``, or the file it wrote for the same
    inputs, from ``cache / FOLDER``."""
    try:
        key = similarity_key(submissions, homework)
    except (OSError, TypeError, ValueError):
        similarity.write_similarity(folder, submissions, homework)
        return
    entries = cache / FOLDER
    kept = _load(entries, key)
    if kept is not None:
        write_atomic(folder / similarity.SIMILARITY, kept)
        return
    similarity.write_similarity(folder, submissions, homework)
    with contextlib.suppress(OSError, ValueError):
        text = (folder / similarity.SIMILARITY).read_text(encoding="utf-8")
        if json.loads(text).get("problem"):
            return  # a comparison that failed is tried again next time
        secret = _seal_key(entries, create=True)
        if secret is not None:
            entry = {"seal": _seal(secret, key, text), "body": text}
            write_atomic(entries / f"{key}.json", json.dumps(entry))


def _load(entries: Path, key: str) -> str | None:
    """The sealed file kept under ``key``, or None (absent, unreadable or not sealed)."""
    try:
        entry = json.loads((entries / f"{key}.json").read_text(encoding="utf-8"))
        body, seal = entry["body"], entry["seal"]
        secret = _seal_key(entries, create=False)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(body, str) or not isinstance(seal, str) or secret is None:
        return None
    return body if hmac.compare_digest(seal, _seal(secret, key, body)) else None
