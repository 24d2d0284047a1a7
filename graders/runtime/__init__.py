"""Runtime: what runs the students' kernels and the batch around them.

``sandbox`` (isolation and limits of one kernel), ``data`` (the datasets a kernel is given),
``cache`` (executions keyed by content), ``cluster`` (Dask) and ``progress`` (the terminal's
status line).
"""
