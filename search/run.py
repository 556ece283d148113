"""``python -m search.run``: search a space of architectures on a benchmark.

Example::

    python -m search.run --space search_spaces/local.yaml --benchmark gsm8k

Defaults for ``--trials``, ``--limit``, ``--holdout`` and ``--parallel`` come from the space
file, else 20, 20, 0 and 4. Running the same command again resumes the study: the total
number of trials becomes ``--trials``. Configuration and usage errors exit with status 2 and
a one-line message.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from archon import ArchonError
from search.driver import run_search
from search.space import load_space, resolve_space_path
from search.study import SAMPLERS, SearchSettings, default_storage

__all__ = ["main", "parse_args"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m search.run", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--space", required=True, help="search space YAML (a path, spaces/NAME.yaml or NAME)"
    )
    p.add_argument("--benchmark", required=True, help="benchmark name, e.g. gsm8k")
    p.add_argument(
        "--trials", type=int, help="total trials of the study (default: the space's, else 20)"
    )
    p.add_argument(
        "--limit", type=int, help="dev questions per trial (default: the space's, else 20)"
    )
    p.add_argument("--study", help="study name (default: <space>-<benchmark>)")
    p.add_argument(
        "--storage", help="Optuna storage URL (default: journal file <output-dir>/study.journal)"
    )
    p.add_argument("--output-dir", help="output directory (default: experiments/<study>/)")
    p.add_argument("--sampler", choices=SAMPLERS, default="tpe")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--parallel", type=int, help="questions run concurrently per trial")
    p.add_argument("--workers", type=int, default=1, help="worker processes sharing the study")
    p.add_argument("--holdout", type=int, help="held-out questions to re-score the front on")
    p.add_argument(
        "--max-spend", type=float, help="stop claiming trials once the search billed this many USD"
    )
    p.add_argument(
        "--max-calls", type=int, help="stop claiming trials once the search made this many calls"
    )
    p.add_argument("--data-dir", help="benchmark data directory (else ARCHON_DATA_DIR or download)")
    p.add_argument("--split", help="benchmark split (default: the benchmark's)")
    p.add_argument(
        "--objective",
        choices=("multi", "accuracy"),
        default="multi",
        help="multi: the space's objectives (accuracy up, cost down); accuracy: single, with pruning",
    )
    p.add_argument(
        "--no-cache", action="store_true", help="do not read or write the response cache"
    )
    p.add_argument("--api-keys", help="JSON file of API keys (default: environment and .env)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    return p


def _positive(
    parser: argparse.ArgumentParser, name: str, value: int | float | None, minimum: float = 1
) -> None:
    if value is not None and value < minimum:
        parser.error(f"--{name} must be >= {minimum:g}, got {value}")


def parse_args(argv: list[str] | None = None) -> SearchSettings:
    """Turn command-line arguments into :class:`SearchSettings` (reads the space for defaults)."""
    parser = _parser()
    a = parser.parse_args(argv)
    for name in ("trials", "limit", "parallel", "workers"):
        _positive(parser, name, getattr(a, name))
    _positive(parser, "holdout", a.holdout, 0)
    _positive(parser, "max-spend", a.max_spend, 0)
    _positive(parser, "max-calls", a.max_calls, 0)
    path = resolve_space_path(a.space)
    space = load_space(path)
    study = a.study or f"{path.stem}-{a.benchmark}"
    out = a.output_dir or str(Path("experiments") / study)
    return SearchSettings(
        space=str(path),
        benchmark=a.benchmark,
        study_name=study,
        storage=a.storage or default_storage(out),
        output_dir=out,
        trials=a.trials or space.trials or 20,
        limit=a.limit or space.limit or 20,
        holdout=a.holdout if a.holdout is not None else (space.holdout or 0),
        sampler=a.sampler,
        seed=a.seed,
        parallel=a.parallel or space.parallel or 4,
        workers=a.workers,
        max_spend=a.max_spend,
        max_calls=a.max_calls,
        data_dir=a.data_dir,
        split=a.split,
        objective=a.objective,
        cache=not a.no_cache,
        api_keys=a.api_keys,
    )


def _configure_logging(level: int) -> None:
    """Progress lines (one per finished trial) go to stderr, bare; library logs stay quiet."""
    log = logging.getLogger("search")
    for h in list(log.handlers):
        if getattr(h, "_search_cli", False):
            log.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler._search_cli = True  # type: ignore[attr-defined]
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False


def main(argv: list[str] | None = None) -> int:
    try:
        settings = parse_args(argv)
    except ArchonError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    quiet = _parser().parse_known_args(argv)[0].quiet
    _configure_logging(logging.WARNING if quiet else logging.INFO)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        outcome = run_search(settings)
    except ArchonError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    print(
        f"{outcome.n_trials} trials in study {settings.study_name!r}; search spent "
        f"${outcome.spend_usd:.4f} in {outcome.made_calls} calls"
    )
    for p in outcome.points:
        dev, held = p["dev"], p["holdout"]
        line = (
            f"  front {p['index']}: trial {p['trial']}  dev acc={dev.get('accuracy', 0):.3f} "
            f"$/q={dev.get('cost_per_query', 0):.6f} calls/q={dev.get('calls_per_query', 0):.2f}"
        )
        if held:
            line += f"  | held-out acc={held['accuracy']:.3f} $/q={held['cost_per_query']:.6f}"
        print(line + ("  <- winner" if p["index"] == outcome.winner else ""))
    if outcome.winner is None:
        print("no trial completed, so no winner (see trials.csv for why)")
    for name, path in outcome.files.items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
