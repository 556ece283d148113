"""Benchmarks: load questions, ask them, grade the answers.

Start with ``_base.py`` (the contract and its lifecycle). Built-in benchmarks: ``gsm8k``,
``math`` (MATH-500), ``humaneval``, ``mt_bench``, ``arena_hard``, ``alpaca_eval``.

Example:
    >>> bench = get_benchmark("gsm8k")
    >>> bench.grade(Example(id="x", turns=("1+17?",), reference="18"), "The answer is 18.").value
    1.0
"""

from archon.benchmarks._base import (
    Benchmark,
    ErrorKind,
    Example,
    GenerateFn,
    Score,
    split_dev_holdout,
)
from archon.benchmarks._registry import get_benchmark, list_benchmarks, register_benchmark

__all__ = [
    "Benchmark",
    "ErrorKind",
    "Example",
    "GenerateFn",
    "Score",
    "get_benchmark",
    "list_benchmarks",
    "register_benchmark",
    "split_dev_holdout",
]
