"""Benchmarks, each runnable as `python -m bench NAME`; figures are recorded in docs/BENCHMARKS.md."""
