"""Attacks on what a bwrap kernel shares with the grader and with other kernels, graded in one
batch through the command line: reading the grader's environment, command line and open files
through ``/proc``; finding the answer-collection marker in the kernel's own memory and files and
printing a forged full-marks result with it; and two students' kernels meeting through an
abstract Unix socket or ``/dev/shm``.

The two sharing students run at the same time (``--workers 2``, first in the batch) and each
records when it looked, so the test can tell that they overlapped.
"""

from __future__ import annotations

import contextlib
import io
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hostile_corpus import full_marks_harvest, notebook, q2_variables, record, verdicts, write

from graders.cli import main
from graders.model.questions import Homework
from graders.runtime.sandbox import choose_mode

pytestmark = pytest.mark.slow

SHARE_SECONDS = 12  # how long each sharing student waits for the other
SECRET_VARIABLE = "GRADER_TEST_SECRET"


@dataclass
class Batch:
    out: Path
    status: int
    secret: str  # in the grader's environment and in the name of its output folder
    tag: str  # names the sharing students' socket and files

    def record(self, student: str) -> dict[str, Any]:
        return record(self.out, student)

    def given(self, student: str) -> Any:
        test = next(t for t in self.record(student)["tests"] if t["variable"] == "q1_answer")
        return json.loads(test["given"])


def _reads_proc(secret: str) -> str:
    """Every process the kernel can see: what of its environment, command line and open files
    mentions the secret, the harvest's marker, the grader or the test."""
    return (
        "import json, os, re\n"
        f"needles = [{secret!r}, '@@grader-', 'pytest', 'grade.py', 'reports']\n"
        "seen, hits = [], []\n"
        "for pid in [p for p in os.listdir('/proc') if p.isdigit()]:\n"
        "    seen.append(pid)\n"
        "    texts = []\n"
        "    for name in ('environ', 'cmdline'):\n"
        "        try:\n"
        "            with open(f'/proc/{pid}/{name}', 'rb') as handle:\n"
        "                texts.append((name, handle.read().decode('utf-8', 'replace')))\n"
        "        except OSError:\n"
        "            pass\n"
        "    try:\n"
        "        for fd in os.listdir(f'/proc/{pid}/fd'):\n"
        "            try:\n"
        "                texts.append(('fd', os.readlink(f'/proc/{pid}/fd/{fd}')))\n"
        "            except OSError:\n"
        "                pass\n"
        "    except OSError:\n"
        "        pass\n"
        "    for name, text in texts:\n"
        "        hits += [f'{pid}/{name}: {n}' for n in needles if n in text]\n"
        "q1_answer = json.dumps({'seen': seen, 'hits': hits})"
    )


_FINDS_MARKER = (
    "import gc, linecache, os, re\n"
    "pattern = re.compile(r'@@grader-[0-9a-f]{32}@@')\n"
    "found = set()\n"
    "for text in [*(''.join(lines) for _, _, lines, _ in\n"
    "               [v for v in linecache.cache.values() if len(v) == 4]),\n"
    "             *(o for o in gc.get_objects() if isinstance(o, str))]:\n"
    "    found.update(pattern.findall(text))\n"
    "for folder in ('/tmp', '.', os.path.expanduser('~')):\n"
    "    for base, _, names in os.walk(folder):\n"
    "        for name in names:\n"
    "            try:\n"
    "                with open(os.path.join(base, name), errors='replace') as handle:\n"
    "                    found.update(pattern.findall(handle.read(2**20)))\n"
    "            except OSError:\n"
    "                pass\n"
    "with open('/proc/self/maps') as maps, open('/proc/self/mem', 'rb', 0) as mem:\n"
    "    for line in maps:\n"
    "        span, perms = line.split()[:2]\n"
    "        start, end = (int(x, 16) for x in span.split('-'))\n"
    "        if 'r' in perms and 'w' in perms and end - start < 2**28:\n"
    "            try:\n"
    "                mem.seek(start)\n"
    "                found.update(m.decode() for m in\n"
    "                             re.findall(rb'@@grader-[0-9a-f]{32}@@', mem.read(end - start)))\n"
    "            except (OSError, ValueError, OverflowError):\n"
    "                pass\n"
    "markers = sorted(found)\n"
    "print('markers found:', len(markers))"
)


def _forges(forged_json: str) -> str:
    """Print the forged result with every marker found, now and after every later cell."""
    return (
        f"forged = {forged_json!r}\n"
        "def forge():\n"
        "    for marker in markers:\n"
        "        print(marker + forged)\n"
        "forge()\n"
        "get_ipython().events.register('post_execute', forge)\n"
        "get_ipython().events.register('pre_run_cell', lambda info: forge())"
    )


def _touches_cache(out: Path) -> str:
    """List, read and write the execution cache and the results folder."""
    cache = out / ".cache" / "executions"
    targets = [str(cache), str(cache / "seal-key"), str(out / "hw4")]
    return (
        "import json, os\n"
        "results = {}\n"
        f"for path in {targets!r}:\n"
        "    for action in ('list', 'read', 'write'):\n"
        "        try:\n"
        "            if action == 'list':\n"
        "                os.listdir(path)\n"
        "            elif action == 'read':\n"
        "                open(path).read()\n"
        "            else:\n"
        "                open(os.path.join(path, 'forged.json'), 'w').write('{}')\n"
        "            results[path + ' ' + action] = 'done'\n"
        "        except OSError as error:\n"
        "            results[path + ' ' + action] = type(error).__name__\n"
        "q1_answer = json.dumps(results)"
    )


def _shares(tag: str, me: str, other: str) -> str:
    """Listen on an abstract socket and leave a file in /dev/shm; look for the other's."""
    return (
        "import json, os, socket, time\n"
        f"mine, theirs = '\\0{tag}-{me}', '\\0{tag}-{other}'\n"
        "server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
        "server.bind(mine)\n"
        "server.listen(4)\n"
        "server.setblocking(False)\n"
        f"with open('/dev/shm/{tag}-{me}', 'w') as handle:\n"
        "    handle.write('hello')\n"
        "met, started = [], time.time()\n"
        f"while time.time() - started < {SHARE_SECONDS} and len(set(met)) < 3:\n"
        "    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
        "    try:\n"
        "        client.connect(theirs)\n"
        "        met.append('connected')\n"
        "    except OSError:\n"
        "        pass\n"
        "    finally:\n"
        "        client.close()\n"
        "    try:\n"
        "        server.accept()[0].close()\n"
        "        met.append('accepted')\n"
        "    except OSError:\n"
        "        pass\n"
        f"    if os.path.exists('/dev/shm/{tag}-{other}'):\n"
        "        met.append('shm')\n"
        "    time.sleep(0.2)\n"
        "q1_answer = json.dumps({'met': sorted(set(met)), 'window': [started, time.time()]})"
    )


@pytest.fixture(scope="module")
def batch(hw4: Homework, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Batch]:
    plan = choose_mode("auto", fallback=True)
    if plan.mode != "bwrap":
        pytest.skip(f"bwrap cannot start a sandbox here: {plan.reason}")
    secret, tag = secrets.token_hex(16), secrets.token_hex(6)
    root = tmp_path_factory.mktemp("hostile-kernels")
    submissions, out = root / "submissions", root / f"reports-{secret}"
    forged = full_marks_harvest(hw4, "")
    cases = {
        "aa-shares": notebook(hw4, after=[_shares(tag, "a", "b")]),
        "ab-shares": notebook(hw4, after=[_shares(tag, "b", "a")]),
        "reads-proc": notebook(hw4, after=[_reads_proc(secret)]),
        "touches-cache": notebook(hw4, padding=3, after=[_touches_cache(out)]),
        "forges-marker": notebook(hw4, answered=False, before=[_FINDS_MARKER, _forges(forged)]),
    }
    for student, nb in cases.items():
        write(submissions / "hw4" / f"{student}.ipynb", nb)
    status = -1
    with contextlib.redirect_stdout(io.StringIO()), pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv(SECRET_VARIABLE, secret)
        limits = ["--cell-timeout", str(SHARE_SECONDS + 10), "--notebook-timeout", "90"]
        status = main(
            [str(submissions), "--out", str(out), "--sandbox", "bwrap", "--workers", "2", *limits]
        )
    try:
        yield Batch(out, status, secret, tag)
    finally:
        for name in ("a", "b"):
            Path("/dev/shm", f"{tag}-{name}").unlink(missing_ok=True)


def test_the_batch_finishes(batch: Batch) -> None:
    assert batch.status == 0
    for student in ("aa-shares", "ab-shares", "reads-proc", "forges-marker", "touches-cache"):
        assert batch.record(student)["isolation"] == "bwrap"


def test_proc_shows_nothing_of_the_grader(batch: Batch, hw4: Homework) -> None:
    found = batch.given("reads-proc")
    assert found["hits"] == [], found
    assert 0 < len(found["seen"]) < 10  # the sandbox's own processes only
    assert {verdicts(batch.record("reads-proc"))[v] for v in q2_variables(hw4)} == {"correct"}


def test_a_marker_found_in_the_kernel_forges_nothing(batch: Batch, hw4: Homework) -> None:
    data = batch.record("forges-marker")
    page = (batch.out / "hw4" / "forges-marker.html").read_text("utf-8")
    assert "markers found: " in page and "markers found: 0" not in page  # it found the marker
    assert data["score"] == 0
    got = {verdicts(data)[v] for v in q2_variables(hw4)}
    assert got <= {"missing", "invalid"}, got


def test_two_kernels_share_no_abstract_socket_or_shared_memory(batch: Batch) -> None:
    a, b = batch.given("aa-shares"), batch.given("ab-shares")
    assert a["met"] == [] and b["met"] == [], (a, b)
    assert not Path("/dev/shm", f"{batch.tag}-a").exists()
    (a_start, a_end), (b_start, b_end) = a["window"], b["window"]
    assert max(a_start, b_start) < min(a_end, b_end)  # they looked at the same time


def test_the_cache_and_the_results_are_out_of_the_kernels_sight(batch: Batch) -> None:
    found = batch.given("touches-cache")
    assert len(found) == 9 and set(found.values()) == {"FileNotFoundError"}, found
    assert not list(batch.out.rglob("forged.json"))
    assert list((batch.out / ".cache" / "executions").glob("*.json"))  # there was a cache
