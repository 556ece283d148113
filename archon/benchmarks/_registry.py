"""Benchmarks by name. Built-in benchmarks register themselves on import; users register theirs
with the same decorator."""

from __future__ import annotations

import difflib
import importlib
from typing import TypeVar

from archon.benchmarks._base import Benchmark
from archon.errors import DataError

__all__ = ["get_benchmark", "list_benchmarks", "register_benchmark"]

_REGISTRY: dict[str, type[Benchmark]] = {}

# Built-in benchmarks, imported on first use so that e.g. math-verify loads only for `math`.
_BUILTIN_MODULES = {
    "gsm8k": "archon.benchmarks.gsm8k",
    "math": "archon.benchmarks.math",
    "humaneval": "archon.benchmarks.humaneval",
    "mt_bench": "archon.benchmarks.mt_bench",
    "arena_hard": "archon.benchmarks.arena_hard",
    "alpaca_eval": "archon.benchmarks.alpaca_eval",
}

B = TypeVar("B", bound=type[Benchmark])


def register_benchmark(cls: B) -> B:
    """Register a Benchmark subclass under its ``name``; usable as a class decorator.

    Example:
        >>> @register_benchmark
        ... class Echo(Benchmark):
        ...     name = "echo"
        ...     VERSION = "1"
        ...     def read_examples(self, split, data_dir): ...
        ...     def grade(self, example, response_text, *, finish_reason=None): ...
    """
    if not (isinstance(cls, type) and issubclass(cls, Benchmark)):
        raise TypeError(f"register_benchmark expects a Benchmark subclass, got {cls!r}")
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls.__name__} needs a class attribute `name` (a non-empty str)")
    if not isinstance(getattr(cls, "VERSION", None), str):
        raise TypeError(f"{cls.__name__} needs a class attribute `VERSION` (a str)")
    _REGISTRY[name] = cls
    return cls


def list_benchmarks() -> list[str]:
    """Names of all known benchmarks (built-in and registered), sorted."""
    return sorted(set(_REGISTRY) | set(_BUILTIN_MODULES))


def get_benchmark(name: str) -> Benchmark:
    """A new instance of the benchmark called ``name``.

    Raises:
        DataError: unknown name (the message suggests the closest names).
    """
    if name not in _REGISTRY and name in _BUILTIN_MODULES:
        importlib.import_module(_BUILTIN_MODULES[name])
    cls = _REGISTRY.get(name)
    if cls is None:
        known = list_benchmarks()
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise DataError(f"unknown benchmark {name!r}; {hint}known benchmarks: {', '.join(known)}")
    return cls()
