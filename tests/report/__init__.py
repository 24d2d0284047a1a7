"""Tests of the reports: pages, their words, formulas, charts and the class analysis."""
