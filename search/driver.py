"""A whole search: checks, workers, then front, held-out re-scoring and output files.

``run_search(settings)`` is what ``python -m search.run`` calls. With ``workers > 1`` it
spawns that many processes on the same storage (each runs :func:`search.study.arun_worker`)
and waits for them; the outputs are written once, by this process, from the storage.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import multiprocessing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archon import register_prices
from archon.errors import SearchError
from search.pareto import arescore_front, pareto_document, pick_winner
from search.study import (
    SearchSettings,
    arun_worker,
    check_keys,
    counted_trials,
    load_examples,
    open_study,
    search_spend,
)

__all__ = ["SearchOutcome", "arun_search", "run_search"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchOutcome:
    output_dir: Path
    n_trials: int
    points: list[dict[str, Any]]
    winner: int | None
    files: dict[str, Path]
    spend_usd: float
    made_calls: int


def _worker_process(settings: SearchSettings, log_level: int) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("search")
    log.addHandler(handler)
    log.setLevel(log_level)
    log.propagate = False
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    asyncio.run(arun_worker(settings))


def _spawn_workers(settings: SearchSettings) -> None:
    ctx = multiprocessing.get_context("spawn")
    level = logging.getLogger("search").getEffectiveLevel()
    procs = [
        ctx.Process(
            target=_worker_process,
            args=(dataclasses.replace(settings, worker=i), level),
            name=f"search-worker-{i}",
        )
        for i in range(settings.workers)
    ]
    for p in procs:
        p.start()
    try:
        for p in procs:
            p.join()
    except KeyboardInterrupt:
        for p in procs:
            p.terminate()
        raise
    bad = [p.name for p in procs if p.exitcode != 0]
    if bad:
        raise SearchError(f"worker process(es) {', '.join(bad)} failed; see their messages above")


async def arun_search(settings: SearchSettings) -> SearchOutcome:
    """Run (or resume) the study, then write the outputs. See :func:`run_search`."""
    # imported here so that ``python -m search.export`` does not find itself pre-imported
    from search.export import write_outputs

    space = settings.load_space()
    check_keys(space, settings.api_keys)
    register_prices(space.price_table())
    bench, dev, held = load_examples(settings)  # fails early on missing data
    if not dev:
        raise SearchError("the dev slice is empty: raise --limit or lower --holdout")
    if settings.workers > 1:
        open_study(settings, space)  # create the schema and the study once, before the workers race
        await asyncio.to_thread(_spawn_workers, settings)
    else:
        await arun_worker(settings)
    study = open_study(settings, space)
    n = len(counted_trials(study))
    points = await arescore_front(study, settings, bench, held)
    winner = pick_winner(points)
    doc = pareto_document(points, winner, settings, study, n_dev=len(dev), n_holdout=len(held))
    files = write_outputs(study, settings.output_dir, points, doc, storage=settings.storage)
    usd, calls = search_spend(study)
    for p in points:  # re-scoring the front on held-out questions is search spend too
        usd += (p["holdout"] or {}).get("spend_usd", 0.0)
        calls += (p["holdout"] or {}).get("made_calls", 0)
    return SearchOutcome(Path(settings.output_dir), n, points, winner, files, usd, calls)


def run_search(settings: SearchSettings) -> SearchOutcome:
    """Run or resume a search and write ``best_config.json``, ``pareto.json``, ``pareto/``,
    ``trials.csv`` and ``pareto.png`` into ``settings.output_dir``."""
    return asyncio.run(arun_search(settings))
