"""``python -m graders ...``: the same command line as ``grade.py`` (for an installed grader)."""

from graders.cli import main

raise SystemExit(main())
