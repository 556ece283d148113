"""The objective: run a config on the development slice and measure it.

Two kinds of dollars are kept apart (see :mod:`archon.usage`): ``cost_per_query`` is what
deployment would pay (cache hits priced as if made), the number the search optimises;
``spend_usd`` and ``made_calls`` are what this evaluation actually cost the search (cache
hits are free), the numbers the whole-search budget (``--max-spend``, ``--max-calls``) sums.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from archon import ArchonConfig, Cache, Usage

__all__ = ["Evaluation", "TrialMetrics", "aevaluate", "metrics_from_records"]


@dataclass(frozen=True)
class TrialMetrics:
    """What one evaluation measured, per question unless named otherwise."""

    accuracy: float
    cost_per_query: float
    calls_per_query: float
    tokens_per_query: float
    latency_s: float
    failure_rate: float
    n: int
    spend_usd: float
    made_calls: int
    requested_calls: int
    cached_calls: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrialMetrics:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Evaluation:
    metrics: TrialMetrics
    pruned: bool
    records: list[dict[str, Any]]


def metrics_from_records(records: Sequence[dict[str, Any]]) -> TrialMetrics:
    """Sum gen_answers records (each with ``score``, ``error``, ``usage``, ``latency_s``)."""
    usage = Usage()
    for r in records:
        usage.merge(Usage.from_dict(r.get("usage") or {}))
    n = len(records)
    per = (lambda x: x / n) if n else (lambda x: 0.0)
    return TrialMetrics(
        accuracy=per(sum(float(r.get("score") or 0.0) for r in records)),
        cost_per_query=per(usage.full_cost_usd),
        calls_per_query=per(usage.calls),
        tokens_per_query=per(usage.input_tokens + usage.output_tokens),
        latency_s=per(sum(float(r.get("latency_s") or 0.0) for r in records)),
        failure_rate=per(sum(1 for r in records if r.get("error"))),
        n=n,
        spend_usd=usage.cost_usd,
        made_calls=usage.made_calls,
        requested_calls=usage.calls,
        cached_calls=usage.cached_calls,
    )


async def aevaluate(
    config: ArchonConfig,
    benchmark: Any,
    examples: Sequence[Any],
    *,
    stages: Sequence[float] = (1.0,),
    report: Callable[[int, float], bool] | None = None,
    parallel: int = 4,
    cache: bool | Cache = True,
    data_dir: str | os.PathLike[str] | None = None,
    api_keys: Any = None,
    records_path: str | os.PathLike[str] | None = None,
) -> Evaluation:
    """Run ``config`` on ``examples`` in growing stages (fractions of the slice).

    After each stage but the last, ``report(n_questions_so_far, accuracy_so_far)`` is called;
    when it returns True the evaluation stops there (pruned) with the metrics so far.
    """
    from archon.gen_answers import arun_benchmark

    records: list[dict[str, Any]] = []
    done = 0
    total = len(examples)
    cuts = sorted({max(1, round(f * total)) for f in stages} | {total}) if total else [0]
    for i, cut in enumerate(cuts):
        chunk = list(examples[done:cut])
        if chunk:
            summary = await arun_benchmark(
                config,
                benchmark,
                examples=chunk,
                parallel=parallel,
                cache=cache,
                data_dir=data_dir,
                api_keys=api_keys,
                output_path=Path(records_path) if records_path else None,
            )
            records += summary.records
        done = cut
        last = i == len(cuts) - 1
        if report is not None and not last:
            so_far = metrics_from_records(records)
            if report(done, so_far.accuracy):
                return Evaluation(so_far, True, records)
    return Evaluation(metrics_from_records(records), False, records)
