"""Benchmarks: commands run as `python -m tests.bench.<name>`, not pytest tests (see README.md)."""
