"""The README's two commands and what they run: ``tools/install-system-packages.sh`` (run here
against fake package managers, never the machine's) and ``.ci/run`` (the README's test command,
step by step)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import system
from fakes import ROOT

SCRIPT = ROOT / "tools" / "install-system-packages.sh"
TOOLS = ("bash", "grep", "sed", "cat")  # what the script needs besides the fakes


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Two commands") : readme.index("## Using it")]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_the_readme_has_two_commands_that_both_install_system_packages() -> None:
    grading, tests = _readme_commands()
    assert grading.startswith("bash tools/install-system-packages.sh grading && ")
    assert grading.endswith("python grade.py submissions/")
    assert tests.startswith("bash tools/install-system-packages.sh tests && ")
    assert tests.endswith("bash tests/run.sh")


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    _, tests = _readme_commands()
    steps = [step.strip() for step in tests.split("&&")]
    ci = [
        line.replace(" -q ", " ")
        for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith(("#", "set ", "cd ", "export "))
    ]
    assert ci == steps


def _machine(tmp_path: Path, *, uid: int, present: tuple[str, ...] = (), apt: bool = True) -> Path:
    """A PATH holding the script's tools, fake ``id`` (as ``uid``) and ``apt-get`` (which logs
    its arguments), and fake commands for the packages ``present``."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, tool
        (bin_ / tool).symlink_to(found)

    def fake(name: str, body: str) -> None:
        (bin_ / name).write_text(f"#!{shutil.which('bash')}\n{body}\n")
        (bin_ / name).chmod(0o755)

    fake("id", f"echo {uid}")
    if apt:
        fake("apt-get", f'echo "$*" >> {tmp_path}/apt.log')
    for name in present:
        fake(name, "exit 0")
    return bin_


def _run(tmp_path: Path, bin_: Path, what: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_ / "bash"), str(SCRIPT), what],
        env={"PATH": str(bin_)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_as_root_it_installs_only_what_is_missing_with_apt_get(tmp_path: Path) -> None:
    bin_ = _machine(tmp_path, uid=0, present=("chromium",))
    done = _run(tmp_path, bin_, "tests")
    assert done.returncode == 0, done.stderr
    log = (tmp_path / "apt.log").read_text().splitlines()
    assert log[0] == "update -qq"
    installed = log[1].split()
    assert installed[:3] == ["install", "-y", "-qq"]
    assert "bubblewrap" in installed and "default-jre-headless" in installed
    assert "fonts-dejavu-extra" in installed  # fc-list is missing: the fonts are not there
    assert "chromium" not in installed  # present already


def test_grading_needs_only_bubblewrap(tmp_path: Path) -> None:
    bin_ = _machine(tmp_path, uid=0)
    assert _run(tmp_path, bin_, "grading").returncode == 0
    assert (tmp_path / "apt.log").read_text().splitlines()[1] == "install -y -qq bubblewrap"


def test_nothing_is_installed_when_everything_is_there(tmp_path: Path) -> None:
    bin_ = _machine(tmp_path, uid=0, present=("bwrap",))
    done = _run(tmp_path, bin_, "grading")
    assert done.returncode == 0
    assert "all present" in done.stdout
    assert not (tmp_path / "apt.log").exists()


def test_without_root_it_names_what_is_missing_and_carries_on(tmp_path: Path) -> None:
    bin_ = _machine(tmp_path, uid=1000, present=("bwrap", "chromium"))
    done = _run(tmp_path, bin_, "tests")
    assert done.returncode == 0  # the tests then skip, naming the package
    assert not (tmp_path / "apt.log").exists()
    assert "missing: DejaVu fonts (Persian and mathematics), a Java runtime" in done.stderr
    assert "sudo apt-get install fontconfig fonts-dejavu-core" in done.stderr
    assert "sudo dnf install fontconfig dejavu-sans-fonts" in done.stderr
    assert "bubblewrap" not in done.stderr.split("\n")[1]  # present: not asked for


def test_a_failed_install_fails(tmp_path: Path) -> None:
    bin_ = _machine(tmp_path, uid=0, apt=False)
    (bin_ / "apt-get").write_text(f"#!{shutil.which('bash')}\necho 'E: no network' >&2\nexit 100\n")
    (bin_ / "apt-get").chmod(0o755)
    done = _run(tmp_path, bin_, "grading")
    assert done.returncode == 1
    assert "apt-get could not install them" in done.stderr


@pytest.mark.parametrize("what", ["everything", "--all"])
def test_an_unknown_set_is_refused(tmp_path: Path, what: str) -> None:
    bin_ = _machine(tmp_path, uid=0)
    done = _run(tmp_path, bin_, what)
    assert done.returncode == 2 and "usage:" in done.stderr
    assert not (tmp_path / "apt.log").exists()


def test_a_missing_package_skips_a_test_and_fails_it_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(system, "missing", lambda package: "no chromium on PATH")
    monkeypatch.delenv(system.REQUIRE, raising=False)
    with pytest.raises(pytest.skip.Exception, match="needs the system package chromium"):
        system.need("chromium")
    monkeypatch.setenv(system.REQUIRE, "1")
    with pytest.raises(pytest.fail.Exception, match="chromium is unusable"):
        system.need("chromium")
