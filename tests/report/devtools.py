"""A tiny Chrome DevTools Protocol client over ``--remote-debugging-pipe``, for the page tests.

It starts Debian's headless Chromium with the flags this machine needs (no background
networking), opens pages from disk at a given window width, evaluates JavaScript, records every
request the page makes, and takes full-page screenshots. No network, no extra packages.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from system import need

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class DevToolsError(RuntimeError):
    pass


class Browser:
    """One Chromium process and one page (tab) driven through the pipe."""

    def __init__(self, process: subprocess.Popen[bytes], to_chrome: int, from_chrome: int) -> None:
        self.process = process
        self.to_chrome = to_chrome
        self.from_chrome = from_chrome
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session = ""

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DevToolsError("timed out waiting for Chromium")
            ready, _, _ = select.select([self.from_chrome], [], [], left)
            if ready:
                chunk = os.read(self.from_chrome, 1 << 20)
                if not chunk:
                    raise DevToolsError("Chromium closed the pipe")
                self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(self, method: str, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
        """Send one command (to the page's session once attached) and wait for its result."""
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if self.session and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise DevToolsError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, event: str, timeout: float = 30.0) -> dict[str, Any]:
        for seen in self.events:
            if seen.get("method") == event:
                self.events.remove(seen)
                return seen
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("method") == event:
                return reply
            if "method" in reply:
                self.events.append(reply)

    def open_page(self) -> None:
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Network", "Runtime", "DOM", "CSS"):
            self.send(f"{domain}.enable")

    def load(self, path: Path, width: int = 1366, height: int = 900) -> list[str]:
        """Open ``path`` at ``width`` CSS pixels; return every URL the page requested."""
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.events = [e for e in self.events if e.get("method") != "Network.requestWillBeSent"]
        self.send("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")
        self.evaluate("document.fonts.ready.then(() => true)")
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (promises are awaited)."""
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression!r} raised {result['exceptionDetails']}")
        return result["result"].get("value")

    def fonts_for(self, selector: str) -> list[str]:
        """The platform fonts Chromium used to draw the text of the first ``selector`` match."""
        root = self.send("DOM.getDocument")["root"]["nodeId"]
        node = self.send("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
        if not node:
            raise DevToolsError(f"nothing matches {selector!r}")
        fonts = self.send("CSS.getPlatformFontsForNode", nodeId=node)["fonts"]
        return [f["familyName"] for f in fonts if f.get("glyphCount", 0) > 0]

    def screenshot(self, path: Path) -> None:
        """A PNG of the whole page (not only the window)."""
        width = self.evaluate("document.documentElement.scrollWidth")
        height = self.evaluate("document.documentElement.scrollHeight")
        shot = self.send(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": width, "height": min(height, 16000), "scale": 1},
            timeout=60.0,
        )
        path.write_bytes(base64.b64decode(shot["data"]))

    def pdf(self, path: Path) -> None:
        """The page printed to PDF through the browser (A4, its print stylesheet)."""
        printed = self.send(
            "Page.printToPDF",
            printBackground=True,
            preferCSSPageSize=True,
            paperWidth=8.27,
            paperHeight=11.69,
            timeout=120.0,
        )
        path.write_bytes(base64.b64decode(printed["data"]))

    def media(self, media: str) -> None:
        """Lay the page out for ``media`` ("print", "screen"; "" for the default)."""
        self.send("Emulation.setEmulatedMedia", media=media)

    def close(self) -> None:
        with suppress(DevToolsError, OSError):
            self.send("Browser.close", timeout=5.0)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)


@contextmanager
def browser(profile: Path) -> Iterator[Browser]:
    """A headless Chromium with a fresh profile under ``profile``, closed afterwards."""
    need("chromium")  # skips the test, naming the package, where it is missing
    executable = chromium_path()
    if executable is None:
        raise DevToolsError("chromium is not installed")
    commands_r, commands_w = os.pipe()  # we write commands, Chromium reads them on fd 3
    replies_r, replies_w = os.pipe()  # Chromium writes replies on fd 4
    # the child's ends are moved above 10 first, so that placing them on 3 and 4 cannot clobber
    for low in (commands_r, replies_w):
        high = fcntl.fcntl(low, fcntl.F_DUPFD, 10)
        os.close(low)
        if low == commands_r:
            commands_r = high
        else:
            replies_w = high
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import os, sys; os.dup2({commands_r}, 3); os.dup2({replies_w}, 4); "
            "os.execv(sys.argv[1], sys.argv[1:])",
            executable,
            *FLAGS,
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ],
        pass_fds=(commands_r, replies_w),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(commands_r)
    os.close(replies_w)
    chrome = Browser(process, commands_w, replies_r)
    try:
        chrome.open_page()
        yield chrome
    finally:
        chrome.close()
