"""The Pareto front, re-scored on held-out questions, and the winner.

The front comes from ``study.best_trials`` (for a single objective: the best trial), one
point per distinct config. Each point is re-run on the held-out questions, which no trial
saw, and the winner is the point with the best held-out accuracy (ties: cheaper at
deployment, then better on dev). Dev and held-out metrics are reported side by side, so an
architecture that only fit the dev slice shows up as a drop. Held-out records are kept in
``<output-dir>/holdout/<config_hash>.jsonl``, so a rerun re-scores nothing twice.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from archon import load_config
from archon._meta import run_info
from search.objective import TrialMetrics, aevaluate
from search.study import METRIC_KEYS, SearchSettings, counted

__all__ = ["FrontPoint", "arescore_front", "front_trials", "pick_winner"]

FrontPoint = dict[str, Any]


def front_trials(study: optuna.Study) -> list[FrozenTrial]:
    """Trials on the front, one per distinct config, by trial number."""
    done = [
        t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)) if counted(t)
    ]
    if not done:
        return []
    if len(study.directions) == 1:
        best = (
            max(done, key=lambda t: (t.values[0], -t.number))
            if study.directions[0].name == "MAXIMIZE"
            else min(done, key=lambda t: (t.values[0], t.number))
        )
        front = [best]
    else:
        numbers = {t.number for t in study.best_trials}
        front = [t for t in done if t.number in numbers]
    seen: set[str] = set()
    out = []
    for t in sorted(front, key=lambda t: t.number):
        h = t.user_attrs.get("config_hash", str(t.number))
        if h not in seen:
            seen.add(h)
            out.append(t)
    return out


def _dev_metrics(t: FrozenTrial) -> dict[str, Any]:
    return {k: t.user_attrs[k] for k in METRIC_KEYS if k in t.user_attrs}


async def arescore_front(
    study: optuna.Study,
    settings: SearchSettings,
    bench: Any,
    holdout: list[Any],
) -> list[FrontPoint]:
    """Front points with their dev metrics and, when there are held-out questions, held-out ones."""
    points: list[FrontPoint] = []
    out = Path(settings.output_dir) / "holdout"
    for t in front_trials(study):
        cfg = load_config(t.user_attrs["config"])
        held: dict[str, Any] | None = None
        if holdout:
            out.mkdir(parents=True, exist_ok=True)
            ev = await aevaluate(
                cfg,
                bench,
                holdout,
                parallel=settings.parallel,
                cache=settings.cache,
                data_dir=settings.data_dir,
                api_keys=settings.api_keys,
                records_path=out / f"{cfg.config_hash()}.jsonl",
            )
            held = ev.metrics.as_dict()
        points.append(
            {
                "trial": t.number,
                "config_hash": cfg.config_hash(),
                "params": t.user_attrs.get("params", t.params),
                "values": list(t.values),
                "dev": _dev_metrics(t),
                "holdout": held,
                "config": cfg.archon_dict(),
            }
        )

    def cheap(p: FrontPoint) -> tuple[float, float, float, int]:
        d = p["dev"]
        return (
            d.get("cost_per_query", 0.0),
            d.get("calls_per_query", 0.0),
            d.get("tokens_per_query", 0.0),
            p["trial"],
        )

    for i, p in enumerate(sorted(points, key=cheap)):
        p["index"] = i
    points.sort(key=lambda p: p["index"])
    return points


def pick_winner(points: list[FrontPoint]) -> int | None:
    """Index of the winner: best held-out accuracy (dev when none), then cheaper, then dev."""
    if not points:
        return None

    def key(p: FrontPoint) -> tuple[float, ...]:
        dev = p["dev"]
        acc = (p["holdout"] or dev).get("accuracy", 0.0)
        # ties: cheaper, then fewer calls and tokens (what a free local model costs), then dev
        return (
            acc,
            -dev.get("cost_per_query", 0.0),
            -dev.get("calls_per_query", 0.0),
            -dev.get("tokens_per_query", 0.0),
            dev.get("accuracy", 0.0),
        )

    return max(points, key=key)["index"]


def pareto_document(
    points: list[FrontPoint],
    winner: int | None,
    settings: SearchSettings,
    study: optuna.Study,
    n_dev: int,
    n_holdout: int,
) -> dict[str, Any]:
    """The content of ``pareto.json``."""
    return {
        "study": study.study_name,
        "benchmark": settings.benchmark,
        "objectives": study.user_attrs.get("objectives"),
        "seed": settings.seed,
        "n_dev": n_dev,
        "n_holdout": n_holdout,
        "winner": winner,
        "chosen_on": "holdout" if n_holdout else "dev",
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        **run_info(),
        "points": [
            {k: v for k, v in p.items() if k != "config"}
            | {"config_file": f"pareto/{p['index']}.json", "winner": p["index"] == winner}
            for p in points
        ],
    }


def metrics_of(point: FrontPoint, which: str = "dev") -> TrialMetrics | None:
    data = point.get(which)
    return TrialMetrics.from_dict(data) if data else None
