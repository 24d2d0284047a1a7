"""An autograder for deep-learning homework notebooks.

The engine is a straight pipeline, one module per stage (see ``graders.pipeline``):
discover -> execute -> harvest -> check -> score -> report.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dl-autograder")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.1.0+source"
