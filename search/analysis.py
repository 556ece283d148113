"""Reading a search's output directory back, for notebooks and reports.

Example::

    from search.analysis import load_results, plot_front, plot_history, plot_importances
    res = load_results("experiments/local-gsm8k")
    res.front_table()          # dev and held-out metrics side by side
    plot_front(res); plot_history(res); plot_importances(res)
"""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import pandas as pd

from search.study import open_storage

__all__ = [
    "Results",
    "load_results",
    "param_importances",
    "plot_front",
    "plot_history",
    "plot_importances",
]

logger = logging.getLogger(__name__)


@dataclass
class Results:
    """What a search wrote: ``trials`` (trials.csv), ``pareto`` (pareto.json), the study."""

    output_dir: Path
    trials: pd.DataFrame
    pareto: dict[str, Any]
    study: optuna.Study | None

    def front_table(self) -> pd.DataFrame:
        """One row per front point: dev and held-out accuracy and cost side by side."""
        rows = []
        for p in self.pareto.get("points", []):
            held = p.get("holdout") or {}
            rows.append(
                {
                    "point": p["index"],
                    "trial": p["trial"],
                    "winner": p.get("winner", False),
                    "dev_accuracy": p["dev"].get("accuracy"),
                    "holdout_accuracy": held.get("accuracy"),
                    "dev_cost_per_query": p["dev"].get("cost_per_query"),
                    "holdout_cost_per_query": held.get("cost_per_query"),
                    "calls_per_query": p["dev"].get("calls_per_query"),
                    "config_file": p.get("config_file"),
                }
            )
        return pd.DataFrame(rows)


def load_results(output_dir: str | Path, *, storage: str | None = None) -> Results:
    """Load an output directory of ``python -m search.run`` (the study too when reachable)."""
    out = Path(output_dir)
    trials = pd.read_csv(out / "trials.csv") if (out / "trials.csv").exists() else pd.DataFrame()
    pareto = json.loads((out / "pareto.json").read_text()) if (out / "pareto.json").exists() else {}
    study = None
    info = json.loads((out / "study.json").read_text()) if (out / "study.json").exists() else {}
    where = storage or info.get("storage")
    if where and info.get("study_name"):
        study = optuna.load_study(study_name=info["study_name"], storage=open_storage(where))
    return Results(out, trials, pareto, study)


def _axes(ax: Any) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4))
    return ax


def plot_front(res: Results, ax: Any = None) -> Any:
    """Accuracy against the second objective (deployment $/query by default): trials, the
    front (dev), its held-out scores and the winner."""
    from search.export import draw_front

    objectives = res.pareto.get("objectives") or []
    x = objectives[1] if len(objectives) > 1 else "cost_per_query"
    return draw_front(
        _axes(ax), res.trials, res.pareto.get("points", []), winner=res.pareto.get("winner"), x=x
    )


def plot_history(res: Results, ax: Any = None) -> Any:
    """Dev accuracy per trial and the best so far."""
    ax = _axes(ax)
    df = res.trials
    if not df.empty and "accuracy" in df:
        done = df[df["state"] == "COMPLETE"].sort_values("number")
        ax.plot(done["number"], done["accuracy"], "o", label="trial")
        ax.plot(done["number"], done["accuracy"].cummax(), "-", label="best so far")
        ax.legend(fontsize=8)
    ax.set_xlabel("trial")
    ax.set_ylabel("dev accuracy")
    return ax


def param_importances(res: Results) -> dict[str, float]:
    """Importance of each parameter for dev accuracy (Optuna's default evaluator); empty when
    it cannot be computed (too few completed trials, or an evaluator's optional dependency,
    such as scikit-learn for fANOVA, is missing)."""
    if res.study is None:
        return {}
    try:
        with warnings.catch_warnings():
            # PedANOVA (the default) explains *low* targets and warns about it: we pass
            # -accuracy (accuracy is always the first objective), which is what we mean
            warnings.simplefilter("ignore", UserWarning)
            return optuna.importance.get_param_importances(res.study, target=lambda t: -t.values[0])
    except (ImportError, RuntimeError, ValueError, ZeroDivisionError) as exc:
        logger.warning("parameter importances unavailable: %s", exc)
        return {}


def plot_importances(res: Results, ax: Any = None) -> Any:
    ax = _axes(ax)
    imp = param_importances(res)
    if imp:
        names = list(imp)[::-1]
        ax.barh(names, [imp[n] for n in names])
        ax.set_xlabel("importance for accuracy")
    else:
        ax.text(
            0.5,
            0.5,
            "importances unavailable\n(too few completed trials)",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
    return ax
