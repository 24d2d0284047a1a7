"""Each run's temporary folder: what a grader killed with ``kill -9`` leaves is removed at the
next start (only its own folders, and only once their owner is gone), and a kernel starts in
bwrap mode even when the grader's Python is a virtual environment kept in ``/tmp``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fakes import ROOT
from system import need

from graders.runtime.sandbox import (
    RUN_FOLDER_PREFIX,
    _interpreter_folders,
    _owner,
    remove_stale_run_folders,
    run_folder,
)


def _gone_process() -> dict[str, object]:
    """The owner record of a process that ran on this machine and has exited."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        record = _owner(child.pid)
    finally:
        child.kill()
        child.wait()
    assert record["started"], "a live child has a start time"
    return record


def _folder(parent: Path, name: str, owner: object | None) -> Path:
    folder = parent / name
    (folder / "submission").mkdir(parents=True)
    (folder / "submission" / "hw4.ipynb").write_text("{}")
    if owner is not None:
        (folder / "owner.json").write_text(json.dumps(owner))
    return folder


def test_a_run_folder_records_its_owner_and_is_removed_when_the_run_ends() -> None:
    with run_folder() as folder:
        assert folder.name.startswith(RUN_FOLDER_PREFIX)
        owner = json.loads((folder / "owner.json").read_text())
        assert owner["pid"] == os.getpid() and owner == _owner(os.getpid())
        assert folder.is_dir()
    assert not folder.exists()


def test_only_the_folders_of_graders_that_are_gone_are_removed(tmp_path: Path) -> None:
    gone = _gone_process()
    me = _owner(os.getpid())
    stale = _folder(tmp_path, f"{RUN_FOLDER_PREFIX}stale", gone)
    kept = {
        "alive": _folder(tmp_path, f"{RUN_FOLDER_PREFIX}alive", me),
        "other machine": _folder(
            tmp_path, f"{RUN_FOLDER_PREFIX}other-host", {**gone, "host": "elsewhere"}
        ),
        "other container": _folder(
            tmp_path, f"{RUN_FOLDER_PREFIX}container", {**gone, "pid_namespace": "pid:[1]"}
        ),
        "no record": _folder(tmp_path, f"{RUN_FOLDER_PREFIX}new", None),
        "bad record": _folder(tmp_path, f"{RUN_FOLDER_PREFIX}bad", "not a record"),
        "other prefix": _folder(tmp_path, "grader-tests-x", gone),
    }
    link = tmp_path / f"{RUN_FOLDER_PREFIX}link"
    link.symlink_to(stale / "submission")
    assert remove_stale_run_folders(tmp_path) == [stale]
    assert not stale.exists()
    for why, folder in kept.items():
        assert (folder / "submission" / "hw4.ipynb").is_file(), why
    assert link.is_symlink()


def test_a_pid_now_used_by_another_process_does_not_keep_a_folder(tmp_path: Path) -> None:
    me = _owner(os.getpid())
    earlier = _folder(tmp_path, f"{RUN_FOLDER_PREFIX}earlier", {**me, "started": "1"})
    before_boot = _folder(tmp_path, f"{RUN_FOLDER_PREFIX}boot", {**me, "boot": "an-old-boot"})
    assert sorted(remove_stale_run_folders(tmp_path)) == sorted([earlier, before_boot])


# --- a virtual environment in /tmp ------------------------------------------------------------

_RUN_ONE_CELL = textwrap.dedent(
    """
    import json, sys
    import nbformat
    from graders.execute import ExecutionJob, NbclientRunner
    from graders.runtime.sandbox import choose_mode

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import sys, ipykernel\\nprint(sys.prefix)")]
    job = ExecutionJob(nb, "print('harvested')", cell_timeout=60, notebook_timeout=120)
    execution = NbclientRunner(choose_mode("bwrap")).run(job)
    print(json.dumps({
        "prefix": sys.prefix,
        "outcome": execution.outcome.value,
        "message": execution.message,
        "isolation": execution.isolation,
        "printed": [cell.output for cell in execution.cells],
        "harvest": execution.harvest_output,
    }))
    """
)


@pytest.mark.slow
def test_a_bwrap_kernel_starts_from_a_virtual_environment_in_tmp(tmp_path: Path) -> None:
    need("bubblewrap")
    assert str(tmp_path).startswith("/tmp/")
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        check=True,
        timeout=120,
    )
    python = venv / "bin" / "python"
    # --system-site-packages shows the base interpreter's packages, not those of a virtual
    # environment this test may itself run in: a .pth file adds the running one's
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = [entry for entry in sys.path if Path(entry).name in ("site-packages", "dist-packages")]
    (Path(site) / "outer.pth").write_text("".join(f"{entry}\n" for entry in ours))
    done = subprocess.run(
        [str(python), "-c", _RUN_ONE_CELL],
        cwd=ROOT,  # where the grader's packages are found, as `python grade.py` finds them
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["prefix"] == str(venv)  # the grader ran from the virtual environment
    assert result["isolation"] == "bwrap"
    assert result["outcome"] == "completed", result["message"]
    assert result["printed"] == [f"{venv}\n"]  # and so did the kernel, in the sandbox
    assert result["harvest"] == "harvested\n"


def test_site_folders_on_the_path_are_bound_but_never_a_plain_folder(tmp_path: Path) -> None:
    site = tmp_path / "outer" / "lib" / "python3.11" / "site-packages"
    project = tmp_path / "project"
    site.mkdir(parents=True)
    project.mkdir()
    folders = _interpreter_folders([str(site), str(project), ""])
    assert site in folders  # a virtual environment's packages, added by a .pth file
    assert project not in folders and Path.cwd() not in folders
