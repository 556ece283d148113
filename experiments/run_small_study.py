"""Run a small architecture search end to end and print its figures.

    python experiments/run_small_study.py                       # embedded model, ~5 minutes on 2 cores
    python experiments/run_small_study.py --trials 4 --limit 3  # smaller still

Writes the usual outputs into ``experiments/small-study/`` (git-ignored) and prints the
front (dev and held-out side by side), the winner and what the search itself spent. With
``--record`` it also writes ``experiments/results/small_study.json`` (kept in git), with the
seed, package version and git commit, so the numbers can be reproduced.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archon._meta import run_info  # noqa: E402
from search import SearchSettings, run_search  # noqa: E402
from search.analysis import load_results  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--space", default="local")
    p.add_argument("--benchmark", default="gsm8k")
    p.add_argument("--trials", type=int, default=6)
    p.add_argument("--limit", type=int, default=5)
    p.add_argument("--holdout", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--data-dir", default=None, help="benchmark data (else ARCHON_DATA_DIR or download)"
    )
    p.add_argument("--output-dir", default=str(ROOT / "experiments" / "small-study"))
    p.add_argument(
        "--record", action="store_true", help="write experiments/results/small_study.json"
    )
    a = p.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("search").setLevel(logging.INFO)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    settings = SearchSettings(
        space=a.space,
        benchmark=a.benchmark,
        study_name=f"small-{a.space}-{a.benchmark}",
        storage=str(Path(a.output_dir) / "study.journal"),
        output_dir=a.output_dir,
        trials=a.trials,
        limit=a.limit,
        holdout=a.holdout,
        seed=a.seed,
        data_dir=a.data_dir,
    )
    start = time.monotonic()
    outcome = run_search(settings)
    elapsed = time.monotonic() - start

    res = load_results(a.output_dir)
    print(
        f"\n{outcome.n_trials} trials in {elapsed:.0f}s; search spent ${outcome.spend_usd:.4f} "
        f"in {outcome.made_calls} calls (the rest came from the cache)\n"
    )
    states = res.trials["state"].value_counts().to_dict() if not res.trials.empty else {}
    print("trial states:", states)
    print("\nfront (dev vs held-out):")
    print(res.front_table().to_string(index=False))
    if outcome.winner is not None:
        print(f"\nwinner: front point {outcome.winner} -> {outcome.files['best_config']}")
    if a.record:
        out = ROOT / "experiments" / "results" / "small_study.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps(
                {
                    "command": " ".join(sys.argv),
                    "seconds": round(elapsed, 1),
                    "n_trials": outcome.n_trials,
                    "search_spend_usd": outcome.spend_usd,
                    "made_calls": outcome.made_calls,
                    "front": res.front_table().to_dict(orient="records"),
                    "seed": a.seed,
                    **run_info(),
                },
                indent=2,
                default=str,
            )
            + "\n"
        )
        print(f"recorded: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
