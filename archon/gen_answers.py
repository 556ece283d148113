"""Run a config over a benchmark, grade every answer, record exact usage.

``python -m archon.gen_answers --benchmark gsm8k --config configs/local-smollm2.json --limit 3``

Writes ``<output-dir>/<benchmark>/<config name>.jsonl``: one JSON object per question,
appended (and flushed) as soon as the question is done, so an interrupted run loses at most
the questions in flight. Running the same command again resumes: ids already in the file
are skipped (``--force`` redoes them). ``summary.json`` is written beside the records:
``<config name>.summary.json``. Failed model calls are counted apart from wrong answers.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import json
import logging
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archon._archon import Archon
from archon._meta import run_info
from archon.cache import Cache
from archon.config import ArchonConfig, load_config
from archon.usage import Usage

logger = logging.getLogger(__name__)

__all__ = ["RunSummary", "arun_benchmark", "read_records", "run_benchmark"]


@dataclass
class RunSummary:
    """Totals of one benchmark run (over every record of the run's questions)."""

    benchmark: str
    benchmark_version: str
    config_name: str
    config_hash: str
    n: int
    accuracy: float
    failures: dict[str, int]
    n_call_failed: int
    usage: Usage
    mean_latency_s: float
    records: list[dict[str, Any]] = field(default_factory=list, repr=False)
    n_resumed: int = 0
    output_path: str | None = None

    @property
    def cost_per_query(self) -> float:
        """Deployment dollars per question (cache hits priced as if made)."""
        return self.usage.full_cost_usd / self.n if self.n else 0.0

    @property
    def calls_per_query(self) -> float:
        return self.usage.calls / self.n if self.n else 0.0

    @property
    def tokens_per_query(self) -> float:
        return (self.usage.input_tokens + self.usage.output_tokens) / self.n if self.n else 0.0

    @property
    def failure_rate(self) -> float:
        return sum(self.failures.values()) / self.n if self.n else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "benchmark_version": self.benchmark_version,
            "config_name": self.config_name,
            "config_hash": self.config_hash,
            "n": self.n,
            "accuracy": self.accuracy,
            "failures": self.failures,
            "n_call_failed": self.n_call_failed,
            "usage": self.usage.to_dict(),
            "cost_per_query": self.cost_per_query,
            "calls_per_query": self.calls_per_query,
            "tokens_per_query": self.tokens_per_query,
            "mean_latency_s": self.mean_latency_s,
            "n_resumed": self.n_resumed,
            **run_info(),
        }

    def line(self) -> str:
        fails = ", ".join(f"{k}={v}" for k, v in sorted(self.failures.items())) or "none"
        u = self.usage
        return (
            f"{self.benchmark} / {self.config_name}: accuracy {self.accuracy:.3f} on {self.n} questions"
            + (f" ({self.n_resumed} already in the file)" if self.n_resumed else "")
            + "; "
            f"failures: {fails}; calls {u.calls} ({u.cached_calls} cached, {u.failed_calls} failed); "
            f"tokens {u.input_tokens} in / {u.output_tokens} out; "
            f"${u.cost_usd:.4f} billed, ${u.full_cost_usd:.4f} at list price "
            f"(${self.cost_per_query:.5f}/question)"
        )


def read_records(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Records of a JSONL results file; a torn last line (killed mid-write) is skipped."""
    p = Path(path)
    if not p.exists():
        return []
    out = []
    with p.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                logger.warning("%s: skipping a torn line (an interrupted write)", p)
    return out


def summarise(
    bench_name: str,
    bench_version: str,
    cfg: ArchonConfig,
    records: list[dict[str, Any]],
    n_resumed: int = 0,
    output_path: str | None = None,
) -> RunSummary:
    usage = Usage()
    failures: Counter[str] = Counter()
    lat = 0.0
    for r in records:
        usage.merge(Usage.from_dict(r.get("usage") or {}))
        if r.get("error"):
            failures[r["error"]] += 1
        lat += float(r.get("latency_s") or 0.0)
    n = len(records)
    return RunSummary(
        benchmark=bench_name,
        benchmark_version=bench_version,
        config_name=cfg.name,
        config_hash=cfg.config_hash(),
        n=n,
        accuracy=sum(float(r.get("score") or 0.0) for r in records) / n if n else 0.0,
        failures=dict(failures),
        n_call_failed=failures.get("call_failed", 0),
        usage=usage,
        mean_latency_s=lat / n if n else 0.0,
        records=records,
        n_resumed=n_resumed,
        output_path=output_path,
    )


class _Writer:
    """Appends one JSON line per record and flushes it at once."""

    def __init__(self, path: Path | None):
        self.path = path
        self.fh = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.fh = path.open("a", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        if self.fh is not None:
            self.fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            self.fh.flush()

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()


def _make_judge(judge: Any, cache: Any, api_keys: Any) -> Any:
    if judge is None:
        return None
    if callable(judge) and not isinstance(judge, Archon):
        return judge
    judge_archon = judge if isinstance(judge, Archon) else Archon(judge, api_keys, cache=cache)

    async def ask(messages: list[dict[str, str]]) -> str | None:
        res = await judge_archon.agenerate(messages)
        return res.answer

    return ask


async def arun_benchmark(
    config: ArchonConfig | str | os.PathLike[str] | dict[str, Any],
    benchmark: Any,
    *,
    examples: list[Any] | None = None,
    split: str | None = None,
    limit: int | None = None,
    seed: int = 0,
    data_dir: str | os.PathLike[str] | None = None,
    parallel: int = 4,
    output_path: str | os.PathLike[str] | None = None,
    force: bool = False,
    cache: bool | Cache = True,
    progress: bool = False,
    judge: Any = None,
    api_keys: Any = None,
    archon: Archon | None = None,
) -> RunSummary:
    """Run ``config`` on a benchmark and grade every answer.

    Args:
        config: the architecture (path, dict or :class:`ArchonConfig`).
        benchmark: a name (``"gsm8k"``) or a benchmark instance.
        examples: explicit examples (overrides ``split``/``limit``/``seed``).
        output_path: JSONL file to append records to and resume from; ``None``: in memory.
        force: redo questions already in ``output_path``.
        cache: ``True`` (default disk cache), ``False`` or a :class:`Cache`.
        judge: for judged benchmarks, a judge config (path/dict), an :class:`Archon` or an
            async ``fn(messages) -> text``.
        archon: a ready :class:`Archon` to use instead of building one from ``config``.

    Returns:
        A :class:`RunSummary` over every question of this run (resumed ones included).
    """
    from archon.benchmarks import Score, get_benchmark

    cfg = load_config(config) if archon is None else archon.config
    bench = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
    if examples is None:
        examples = bench.load(
            split=split,
            limit=limit,
            seed=seed,
            data_dir=Path(data_dir) if data_dir is not None else None,
        )
    if archon is None:
        cache_obj: Cache | bool = cache
        archon = Archon(cfg, api_keys, cache=cache_obj)
    judge_fn = _make_judge(judge, cache, api_keys)
    if getattr(bench, "needs_judge", False) and judge_fn is None:
        from archon.errors import DataError

        raise DataError(
            f"benchmark {bench.name!r} is graded by a judge model: pass --judge PATH (an Archon config)"
        )

    path = Path(output_path) if output_path is not None else None
    wanted = [e.id for e in examples]
    done: dict[str, dict[str, Any]] = {}
    if path is not None and path.exists():
        existing = read_records(path)
        if force:
            redo = set(wanted)
            keep = [r for r in existing if r.get("id") not in redo]
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in keep), encoding="utf-8"
            )
            os.replace(tmp, path)
        else:
            done = {r["id"]: r for r in existing if "id" in r}
    todo = [e for e in examples if e.id not in done]
    n_resumed = len(wanted) - len(todo)
    info = run_info()
    meta = {
        "benchmark": bench.name,
        "benchmark_version": bench.VERSION,
        "config_name": cfg.name,
        "config_hash": cfg.config_hash(),
        "seed": seed,
        "split": split or getattr(bench, "default_split", None),
        **info,
    }

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(
            total=len(wanted),
            initial=n_resumed,
            desc=f"{bench.name}/{cfg.name}",
            unit="q",
            dynamic_ncols=True,
        )
    running = {"n": 0, "score": 0.0, "calls": 0, "usd": 0.0}
    writer = _Writer(path)
    sem = asyncio.Semaphore(max(1, parallel))
    new_records: dict[str, dict[str, Any]] = {}

    async def one(example: Any) -> None:
        async with sem:
            results: list[Any] = []

            async def generate(messages: list[dict[str, str]]) -> str | None:
                res = await archon.agenerate(messages)
                results.append(res)
                return res.answer

            responses = await bench.answer(example, generate)
            usage = Usage()
            for r in results:
                usage.merge(r.usage)
            failed = next((r for r in results if r.answer is None), None)
            if failed is not None:
                kind = (
                    "call_failed"
                    if failed.error_kind == "call_failed"
                    else (failed.error_kind or "call_failed")
                )
                score = Score(0.0, "call_failed", detail=f"{kind}: {failed.error}")
            else:
                finish = results[-1].finish_reason if results else None
                score = await bench.agrade(
                    example, list(responses), judge=judge_fn, finish_reason=finish
                )
            record = {
                "id": example.id,
                "answer": responses[-1] if responses else None,
                "answers": list(responses) if len(responses) > 1 else None,
                "score": score.value,
                "error": score.error,
                "extracted": score.extracted,
                "detail": score.detail,
                "reference": _jsonable(example.reference),
                "usage": usage.to_dict(),
                "latency_s": round(sum(r.latency_s for r in results), 4),
                "finish_reason": results[-1].finish_reason if results else None,
                "time": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                **meta,
            }
            writer.write(record)
            new_records[example.id] = record
            running["n"] += 1
            running["score"] += score.value
            running["calls"] += usage.calls
            running["usd"] += usage.cost_usd
            if bar is not None:
                bar.update(1)
                bar.set_postfix(
                    acc=f"{running['score'] / running['n']:.3f}",
                    calls=running["calls"],
                    usd=f"{running['usd']:.4f}",
                )

    try:
        tasks = [asyncio.create_task(one(e)) for e in todo]
        if tasks:
            await asyncio.gather(*tasks)
    finally:
        for t in locals().get("tasks", []):
            t.cancel()
        writer.close()
        if bar is not None:
            bar.close()

    records = [new_records.get(i) or done.get(i) for i in wanted]
    summary = summarise(
        bench.name,
        bench.VERSION,
        cfg,
        [r for r in records if r is not None],
        n_resumed=n_resumed,
        output_path=str(path) if path else None,
    )
    if path is not None:
        summary_path = path.with_name(path.stem + ".summary.json")
        summary_path.write_text(json.dumps(summary.to_dict(), indent=2), encoding="utf-8")
    return summary


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return str(value)


def run_benchmark(*args: Any, **kwargs: Any) -> RunSummary:
    """Synchronous twin of :func:`arun_benchmark` (closes the HTTP clients it opened)."""
    from archon._archon import run_sync
    from archon.providers._base import aclose_providers

    async def run_then_close() -> RunSummary:
        try:
            return await arun_benchmark(*args, **kwargs)
        finally:
            await aclose_providers()

    return run_sync(run_then_close())


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m archon.gen_answers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--benchmark",
        required=True,
        help="gsm8k, math, humaneval, mt_bench, arena_hard, alpaca_eval, ...",
    )
    p.add_argument("--config", required=True, help="Archon config JSON")
    p.add_argument("--limit", type=int, help="first N questions (after the seeded shuffle)")
    p.add_argument(
        "--parallel", type=int, default=4, help="questions in flight at once (default 4)"
    )
    p.add_argument("--split", help="data split (default: the benchmark's)")
    p.add_argument("--seed", type=int, default=0, help="shuffle seed (default 0)")
    p.add_argument(
        "--output-dir",
        default="outputs",
        help="where <benchmark>/<config>.jsonl goes (default outputs/)",
    )
    p.add_argument(
        "--data-dir",
        help="local data (layout of shared/data); else $ARCHON_DATA_DIR, else download",
    )
    p.add_argument("--judge", help="Archon config of the judge, for judged benchmarks")
    p.add_argument(
        "--force", action="store_true", help="redo questions already in the results file"
    )
    p.add_argument(
        "--no-cache", action="store_true", help="do not read or write the response cache"
    )
    p.add_argument("--api-keys", help="Archon-style JSON file of API keys")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument("--verbose", "-v", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    from archon._cli import setup_logging

    args = _parser().parse_args(argv)
    setup_logging(args.verbose)
    cfg = load_config(args.config)
    out = Path(args.output_dir) / args.benchmark / f"{cfg.name}.jsonl"
    try:
        summary = run_benchmark(
            cfg,
            args.benchmark,
            split=args.split,
            limit=args.limit,
            seed=args.seed,
            data_dir=args.data_dir,
            parallel=args.parallel,
            output_path=out,
            force=args.force,
            cache=not args.no_cache,
            progress=sys.stderr.isatty() or bool(os.environ.get("ARCHON_PROGRESS")),
            judge=args.judge,
            api_keys=args.api_keys,
        )
    except KeyboardInterrupt:
        n = len(read_records(out))
        print(
            f"interrupted: {n} records kept in {out}; run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    print(f"records: {out}")
    print(summary.line())
    return 0


if __name__ == "__main__":
    from archon._cli import run_cli

    run_cli(main)
