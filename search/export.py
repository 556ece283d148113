"""Output files of a search, and ``python -m search.export`` to write a chosen config.

Files written into the output directory::

    best_config.json   the winner (an Archon config; load_config accepts it)
    pareto.json        the front: per point trial, params, dev and held-out metrics, config file
    pareto/<i>.json    one config per front point, cheapest first
    trials.csv         one row per trial: number, state, params_*, every metric
    pareto.png         accuracy against cost per query, front and winner marked
    study.json         where the study lives (name, storage) for later exports

Usage::

    python -m search.export --output-dir D --trial 7
    python -m search.export --output-dir D --front-point 2
    python -m search.export --output-dir D --max-cost-per-query 0.002 [--out my.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import optuna
import pandas as pd

from archon import ArchonError, load_config
from archon.errors import SearchError
from search.objective import TrialMetrics
from search.study import counted, open_storage

__all__ = ["main", "plot_pareto", "trials_frame", "write_outputs"]

_METRICS = tuple(TrialMetrics.__dataclass_fields__)
_EXTRA = (
    "est_calls_per_query",
    "est_cost_per_query",
    "over_budget",
    "reason",
    "duplicate_of",
    "pruned_at",
    "error",
    "config_hash",
    "benchmark",
    "benchmark_version",
    "seed",
    "package_version",
    "git_commit",
)


def trials_frame(study: optuna.Study) -> pd.DataFrame:
    """One row per counted trial: number, state, params_*, values_*, every metric."""
    rows = []
    objectives = study.user_attrs.get("objectives") or [
        f"value_{i}" for i in range(len(study.directions))
    ]
    for t in study.get_trials(deepcopy=False):
        if not counted(t):
            continue
        row: dict[str, Any] = {"number": t.number, "state": t.state.name}
        params = t.user_attrs.get("params") or t.params
        row |= {f"params_{k}": v for k, v in params.items()}
        for i, name in enumerate(objectives):
            row[f"value_{name}"] = t.values[i] if t.values else None
        row |= {k: t.user_attrs.get(k) for k in _METRICS + _EXTRA}
        row["duration_s"] = t.duration.total_seconds() if t.duration else None
        rows.append(row)
    df = pd.DataFrame(rows)
    if not df.empty:
        first = ["number", "state"] + sorted(c for c in df.columns if c.startswith("params_"))
        df = df[first + [c for c in df.columns if c not in first]]
    return df


def draw_front(
    ax: Any,
    df: pd.DataFrame,
    points: list[dict[str, Any]],
    *,
    winner: int | None = None,
    x: str = "cost_per_query",
) -> Any:
    """Draw accuracy against ``x`` on ``ax``: completed trials, the front (dev) joined, its
    held-out scores, and the winner. Shared by ``pareto.png`` and the notebook."""
    done = df[df["state"] == "COMPLETE"] if not df.empty and "state" in df else df
    if not done.empty and x in done and "accuracy" in done:
        ax.scatter(done[x], done["accuracy"], c="0.6", s=25, label="trials (dev)")
    if points:
        xs = [p["dev"].get(x, 0.0) for p in points]
        ys = [p["dev"].get("accuracy", 0.0) for p in points]
        ax.plot(xs, ys, "o-", c="C0", label="front (dev)")
        held = [
            (p["dev"].get(x, 0.0), p["holdout"]["accuracy"]) for p in points if p.get("holdout")
        ]
        if held:
            hx, hy = zip(*held, strict=True)
            ax.scatter(hx, hy, marker="s", c="C1", label="front (held-out)", zorder=3)
        for p in points:
            ax.annotate(
                str(p["index"]),
                (p["dev"].get(x, 0.0), p["dev"].get("accuracy", 0.0)),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=8,
            )
        if winner is not None:
            w = points[winner]
            ax.scatter(
                [w["dev"].get(x, 0.0)],
                [(w["holdout"] or w["dev"])["accuracy"]],
                marker="*",
                s=220,
                c="C3",
                label="winner",
                zorder=4,
            )
    ax.set_xlabel(
        "cost per query (USD, deployment)" if x == "cost_per_query" else x.replace("_", " ")
    )
    ax.set_ylabel("accuracy")
    ax.set_ylim(-0.03, 1.03)  # accuracy is a fraction: keep the scale honest
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize=8)
    else:
        ax.text(0.5, 0.5, "no completed trial", ha="center", va="center", transform=ax.transAxes)
    return ax


def plot_pareto(
    df: pd.DataFrame,
    points: list[dict[str, Any]],
    path: str | Path,
    *,
    winner: int | None = None,
    title: str = "",
    x: str = "cost_per_query",
) -> Path:
    """Write ``pareto.png``: :func:`draw_front` on a new figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    draw_front(ax, df, points, winner=winner, x=x)
    ax.set_title(title or "accuracy vs cost")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, format="png", dpi=110)
    plt.close(fig)
    return path


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_outputs(
    study: optuna.Study,
    output_dir: str | Path,
    points: list[dict[str, Any]],
    document: dict[str, Any],
    *,
    storage: str,
) -> dict[str, Path]:
    """Write every output file; returns their paths by name."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    winner = document.get("winner")
    if winner is not None:
        paths["best_config"] = out / "best_config.json"
        _write_json(paths["best_config"], points[winner]["config"])
    pareto_dir = out / "pareto"
    for old in pareto_dir.glob("*.json") if pareto_dir.exists() else []:
        old.unlink()
    for p in points:
        _write_json(pareto_dir / f"{p['index']}.json", p["config"])
    paths["pareto"] = out / "pareto.json"
    _write_json(paths["pareto"], document)
    df = trials_frame(study)
    paths["trials"] = out / "trials.csv"
    df.to_csv(paths["trials"], index=False)
    objectives = document.get("objectives") or []
    x = objectives[1] if len(objectives) > 1 else "cost_per_query"
    paths["plot"] = plot_pareto(
        df, points, out / "pareto.png", winner=winner, title=study.study_name, x=x
    )
    # a URL may carry a password: keep only file storages
    _write_json(
        out / "study.json",
        {"study_name": study.study_name, "storage": storage if "://" not in storage else None},
    )
    return paths


# -- CLI -----------------------------------------------------------------------------------


def _choose(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    out = Path(args.output_dir)
    if args.trial is not None:
        info = json.loads((out / "study.json").read_text()) if (out / "study.json").exists() else {}
        storage = args.storage or info.get("storage")
        if not storage:
            raise SearchError(f"{out}: no storage recorded; pass --storage URL")
        study = optuna.load_study(
            study_name=args.study or info.get("study_name"), storage=open_storage(storage)
        )
        for t in study.get_trials(deepcopy=False):
            if t.number == args.trial:
                if "config" not in t.user_attrs:
                    raise SearchError(
                        f"trial {args.trial} has no config (it failed before building one)"
                    )
                return t.user_attrs["config"], f"trial_{args.trial}.json"
        raise SearchError(f"{out}: no trial {args.trial} in study {study.study_name!r}")
    doc_path = out / "pareto.json"
    if not doc_path.exists():
        raise SearchError(f"{doc_path}: not found; run python -m search.run first")
    doc = json.loads(doc_path.read_text())
    points = doc["points"]
    if args.front_point is not None:
        match = [p for p in points if p["index"] == args.front_point]
        if not match:
            raise SearchError(
                f"{doc_path}: no front point {args.front_point} (0..{len(points) - 1})"
            )
        point, name = match[0], f"front_{args.front_point}.json"
    else:
        cap = args.max_cost_per_query

        def acc(p: dict[str, Any]) -> float:
            return (p.get("holdout") or p["dev"]).get("accuracy", 0.0)

        fits = [p for p in points if p["dev"].get("cost_per_query", 0.0) <= cap]
        if not fits:
            cheapest = min(
                (p["dev"].get("cost_per_query", 0.0) for p in points), default=float("nan")
            )
            raise SearchError(f"no front point costs <= ${cap:g}/query (cheapest: ${cheapest:.6f})")
        point = max(fits, key=lambda p: (acc(p), -p["dev"].get("cost_per_query", 0.0)))
        name = f"best_under_{cap:g}.json"
    config = json.loads((out / point["config_file"]).read_text())
    return config, name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m search.export", description="Write the config of a chosen trial."
    )
    parser.add_argument("--output-dir", required=True, help="a search output directory")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--trial", type=int, help="trial number (needs the study storage)")
    which.add_argument("--front-point", type=int, help="index of a point in pareto.json")
    which.add_argument(
        "--max-cost-per-query", type=float, help="best front point at or under this $/query"
    )
    parser.add_argument("--out", help="file to write (default: in the output directory)")
    parser.add_argument("--storage", help="study storage URL when not a journal file")
    parser.add_argument("--study", help="study name (default: from study.json)")
    args = parser.parse_args(argv)
    try:
        config, name = _choose(args)
        load_config(config)  # the file we write must load
        path = Path(args.out) if args.out else Path(args.output_dir) / name
        _write_json(path, config)
    except (ArchonError, OSError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
