"""search: Optuna-driven search over Archon architectures.

Space (YAML) -> :func:`suggest` / pure :func:`build_config` -> objective on a dev slice ->
Optuna study (ask/tell) -> Pareto front re-scored on held-out questions -> output files.

Example::

    from search import SearchSettings, run_search
    outcome = run_search(SearchSettings(space="local", benchmark="gsm8k", study_name="s",
                                        storage="out/study.journal", output_dir="out",
                                        trials=6, limit=5))
"""

from search.budget import Estimate, estimate, over_budget
from search.build import build_config, check_rules, enumerate_params, suggest
from search.driver import SearchOutcome, arun_search, run_search
from search.objective import Evaluation, TrialMetrics, aevaluate, metrics_from_records
from search.pareto import arescore_front, front_trials, pick_winner
from search.space import SearchSpace, load_space, resolve_space_path
from search.study import SearchSettings, arun_worker, open_storage, open_study

__all__ = [
    "Estimate",
    "Evaluation",
    "SearchOutcome",
    "SearchSettings",
    "SearchSpace",
    "TrialMetrics",
    "aevaluate",
    "arescore_front",
    "arun_search",
    "arun_worker",
    "build_config",
    "check_rules",
    "enumerate_params",
    "estimate",
    "front_trials",
    "load_space",
    "metrics_from_records",
    "open_storage",
    "open_study",
    "over_budget",
    "pick_winner",
    "resolve_space_path",
    "run_search",
    "suggest",
]
