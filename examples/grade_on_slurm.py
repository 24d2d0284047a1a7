#!/usr/bin/env python3
"""Grade a folder of submissions on a SLURM cluster through dask-jobqueue.

Run it on the cluster's login node, from a checkout where the grader is installed with the
dask extra (the same install command on every node, or a shared environment):

    python examples/grade_on_slurm.py submissions/ --jobs 10 --out reports/ -- --data /shared/data

Each SLURM job runs one Dask worker with one thread (one submission at a time, in its own
sandboxed kernel); the scheduler runs here. Everything after ``--`` goes to ``grade.py``.
``--print-script`` only prints the job script that would be submitted.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def slurm_cluster(
    queue: str | None = None,
    cores: int = 2,
    memory: str = "8GB",
    walltime: str = "02:00:00",
    account: str | None = None,
) -> Any:
    """A SLURMCluster whose workers each grade one submission at a time."""
    from dask_jobqueue import SLURMCluster

    return SLURMCluster(
        queue=queue,
        account=account,
        cores=cores,
        processes=1,
        memory=memory,
        walltime=walltime,
        worker_extra_args=["--nthreads", "1"],
        job_name="grader",
        scheduler_options={"dashboard_address": ":0"},  # any free port
    )


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    ours, _, rest = (
        (args_in[: args_in.index("--")], "--", args_in[args_in.index("--") + 1 :])
        if ("--" in args_in)
        else (args_in, "", [])
    )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions")
    parser.add_argument("--jobs", type=int, default=4, help="SLURM jobs (one worker each)")
    parser.add_argument("--queue")
    parser.add_argument("--account")
    parser.add_argument("--memory", default="8GB")
    parser.add_argument("--walltime", default="02:00:00")
    parser.add_argument("--out", default="reports")
    parser.add_argument("--print-script", action="store_true")
    args = parser.parse_args(ours)
    cluster = slurm_cluster(
        args.queue, memory=args.memory, walltime=args.walltime, account=args.account
    )
    if args.print_script:
        print(cluster.job_script())
        cluster.close()
        return 0
    from graders.cli import main as grade

    cluster.scale(jobs=args.jobs)
    try:
        return grade(
            [args.submissions, "--out", args.out, "--dask", cluster.scheduler_address, *rest]
        )
    finally:
        cluster.close()


if __name__ == "__main__":
    sys.exit(main())
