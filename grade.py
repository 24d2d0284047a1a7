#!/usr/bin/env python3
"""Command line of the autograder: see `python grade.py --help`."""

import sys

from graders.cli import main

if __name__ == "__main__":
    sys.exit(main())
