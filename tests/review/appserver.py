"""The review app run as ``grade.py review`` in a child process, and a small HTTP client."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

from fakes import ROOT


@dataclass
class App:
    process: subprocess.Popen[str]
    url: str  # the printed one, with the token

    @property
    def base(self) -> str:
        return self.url.split("/?", 1)[0]

    @property
    def token(self) -> str:
        return self.url.split("token=", 1)[1]


def _pythonpath() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@contextmanager
def review_app(out: Path, *args: str, grader: str = "ta1") -> Iterator[App]:
    """``grade.py review OUT`` until the block ends (then Ctrl-C, as a person stops it)."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "grade.py"), "review", str(out), "--grader", grader, *args],
        cwd=ROOT,
        env=_pythonpath(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = ""
    lines = []
    assert process.stdout is not None
    deadline = time.monotonic() + 120
    while not url and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        found = re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", line)
        url = found.group(0) if found else ""
    assert url, "".join(lines)
    app = App(process, url)
    try:
        yield app
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.stdout.close()


@dataclass
class Session:
    """One browser-like client: its own cookie jar, the token sent as the app's script does."""

    app: App
    jar: CookieJar = field(default_factory=CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def open(self) -> str:
        return self.get(self.app.url)[1]

    def get(self, url: str) -> tuple[int, str]:
        target = url if url.startswith("http") else self.app.base + url
        try:
            with self.opener.open(target, timeout=60) as reply:
                return reply.status, reply.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(self, path: str, data: dict[str, Any], token: bool = True) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["X-Review-Token"] = self.app.token
        request = urllib.request.Request(
            self.app.base + path, json.dumps(data).encode(), headers, method="POST"
        )
        try:
            with self.opener.open(request, timeout=120) as reply:
                return reply.status, json.loads(reply.read().decode())
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
