"""Helpers for tests and benchmarks: start the real servers on free local ports."""
