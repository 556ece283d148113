"""Studies: budgets, dedupe, cache reuse, resume, workers, samplers, pruning."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.trial import TrialState

from search import open_storage, open_study, run_search
from search.study import counted_trials


def _study(settings: Any) -> optuna.Study:
    return open_study(settings, settings.load_space())


def _fixed(space_dict: dict[str, Any], **generation: Any) -> dict[str, Any]:
    """A space with exactly one architecture: one generator, no blocks."""
    space_dict["generation"] |= {"n_models": 1, "samples": 1, "temperature": 0.5} | generation
    space_dict["blocks"] = {"count": 0}
    space_dict["final_fuser"] = {"use": "never"}
    return space_dict


def test_over_budget_config_makes_zero_provider_calls(
    make_settings: Any, space_dict: dict[str, Any], scripted: Any
) -> None:
    _fixed(space_dict, samples=3)
    space_dict["constraints"] = {"max_calls_per_query": 2}
    outcome = run_search(make_settings(trials=3))
    assert scripted.requests == []
    trials = _study(make_settings()).get_trials()
    assert [t.state for t in trials] == [TrialState.PRUNED] * 3
    assert all(
        t.user_attrs["over_budget"] and "calls/query" in t.user_attrs["reason"] for t in trials
    )
    assert all(t.values is None for t in trials)  # excluded, not scored -1
    assert outcome.winner is None and outcome.points == []


def test_cost_constraint_uses_space_prices(
    make_settings: Any, space_dict: dict[str, Any], scripted: Any
) -> None:
    _fixed(space_dict)
    space_dict["constraints"] = {"max_cost_per_query": 1e-9}
    run_search(make_settings(trials=1))
    assert scripted.requests == []
    t = _study(make_settings()).get_trials()[0]
    assert t.user_attrs["over_budget"] and "$" in t.user_attrs["reason"]


def test_same_config_is_evaluated_once(
    make_settings: Any, space_dict: dict[str, Any], scripted: Any
) -> None:
    _fixed(space_dict)
    settings = make_settings(trials=3, holdout=0)
    run_search(settings)
    trials = _study(settings).get_trials()
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 3
    assert [t.user_attrs.get("duplicate_of") for t in trials] == [None, 0, 0]
    assert trials[1].values == trials[0].values
    assert len(scripted.requests) == settings.limit  # one call per question, once


def test_cache_reuse_across_trials(
    make_settings: Any, space_dict: dict[str, Any], scripted: Any
) -> None:
    space_dict = _fixed(space_dict, samples=[2, 3])
    settings = make_settings(trials=2, holdout=0)
    study = _study(settings)
    study.enqueue_trial({"gen_samples": 3})
    study.enqueue_trial({"gen_samples": 2})
    run_search(settings)
    first, second = _study(settings).get_trials()
    q = settings.limit
    assert first.user_attrs["requested_calls"] == 3 * q and first.user_attrs["made_calls"] == 3 * q
    # the 2-sample config reuses sample indexes 0 and 1 of the 3-sample one
    assert second.user_attrs["requested_calls"] == 2 * q and second.user_attrs["made_calls"] == 0
    assert second.user_attrs["spend_usd"] == 0.0
    # deployment cost still counts the cached calls
    assert second.user_attrs["cost_per_query"] > 0
    assert len(scripted.requests) == 3 * q


def test_resume_runs_only_missing_trials(make_settings: Any, scripted: Any) -> None:
    run_search(make_settings(trials=2))
    outcome = run_search(make_settings(trials=3))
    trials = _study(make_settings()).get_trials()
    assert len(trials) == 3 and outcome.n_trials == 3
    assert all(t.state.is_finished() for t in trials)
    again = run_search(make_settings(trials=3))  # nothing left to do
    assert again.n_trials == 3 and len(_study(make_settings()).get_trials()) == 3


def test_max_calls_budget_stops_claiming(
    make_settings: Any, space_dict: dict[str, Any], scripted: Any
) -> None:
    space_dict["generation"]["samples"] = 1
    outcome = run_search(make_settings(trials=5, max_calls=1, holdout=0))
    assert outcome.n_trials == 1
    assert outcome.made_calls >= 1


def test_front_picks_winner_on_holdout(
    make_settings: Any, space_dict: dict[str, Any], scripted: Any
) -> None:
    _fixed(space_dict, n_models=[1, 2])
    space_dict["generation"]["models"] = ["b", "a"]  # 1 model: b (always wrong); 2: b and a
    settings = make_settings(trials=2, holdout=3, sampler="grid")
    outcome = run_search(settings)
    assert outcome.winner is not None
    best = outcome.points[outcome.winner]
    assert best["params"]["gen_models"] in (1, 2)
    assert best["holdout"]["n"] == 3 and best["dev"]["n"] == settings.limit
    # first candidate is model-b's (wrong) in both configs: accuracy 0, so the cheaper one wins
    assert best["params"]["gen_models"] == 1


@pytest.mark.parametrize("sampler", ["random", "nsga2", "grid", "tpe"])
def test_samplers(make_settings: Any, sampler: str, scripted: Any) -> None:
    outcome = run_search(make_settings(trials=4, sampler=sampler, holdout=0))
    assert outcome.n_trials == 4


def test_grid_covers_distinct_configs(
    make_settings: Any, space_dict: dict[str, Any], scripted: Any
) -> None:
    _fixed(space_dict, samples=[1, 2], temperature=[0.5, 0.9])
    run_search(make_settings(trials=4, sampler="grid", holdout=0))
    hashes = {
        t.user_attrs["config_hash"] for t in _study(make_settings(sampler="grid")).get_trials()
    }
    assert len(hashes) == 4


def test_single_objective_prunes_on_growing_subsets(
    make_settings: Any, space_dict: dict[str, Any], scripted: Any
) -> None:
    space_dict["pruning"] = {"stages": [0.5, 1.0]}
    settings = make_settings(trials=8, objective="accuracy", limit=4, holdout=0, sampler="random")
    run_search(settings)
    study = _study(settings)
    assert len(study.directions) == 1
    evaluated = [
        t
        for t in study.get_trials()
        if not t.user_attrs.get("over_budget") and t.user_attrs.get("duplicate_of") is None
    ]
    assert any(t.intermediate_values for t in evaluated)  # reported after the first half
    for t in study.get_trials(states=(TrialState.PRUNED,)):
        if not t.user_attrs.get("over_budget"):
            assert t.user_attrs["pruned_at"] == 2


def test_two_workers_share_one_journal(make_settings: Any) -> None:
    # spawned workers use the default scripted provider (no script to pickle)
    settings = make_settings(trials=8, workers=2, holdout=0)
    outcome = run_search(settings)
    trials = _study(settings).get_trials()
    assert outcome.n_trials == 8
    counted = counted_trials(_study(settings))
    assert len(counted) == 8 and sorted(t.number for t in counted) == list(range(8))
    assert all(t.state.is_finished() for t in trials)
    assert len({t.user_attrs.get("worker") for t in counted if t.user_attrs.get("worker")}) == 2


@pytest.mark.postgres
def test_two_workers_share_postgres(make_settings: Any, tmp_path: Path) -> None:
    url = os.environ.get("ARCHON_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(
                "CI=true but ARCHON_TEST_POSTGRES_URL is not set: CI must provide PostgreSQL"
            )
        pytest.skip("set ARCHON_TEST_POSTGRES_URL to run against PostgreSQL")
    name = f"pg-{tmp_path.name}-{os.getpid()}"
    settings = make_settings(trials=6, workers=2, holdout=0, storage=url, study_name=name)
    try:
        outcome = run_search(settings)
        assert outcome.n_trials == 6
        counted = counted_trials(_study(settings))
        assert sorted(t.number for t in counted) == list(range(6))
        assert all(t.state.is_finished() for t in _study(settings).get_trials())
    finally:
        optuna.delete_study(study_name=name, storage=open_storage(url))


def test_trial_of_a_killed_worker_is_reaped_and_its_slot_runs_again(
    make_settings: Any, scripted: Any
) -> None:
    import socket
    import subprocess
    import sys

    run_search(make_settings(trials=1))
    study = _study(make_settings())
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    orphan = study.ask()  # left RUNNING by a worker that was SIGKILLed
    orphan.set_user_attr("worker", f"{socket.gethostname()}:{int(dead.stdout)}")
    outcome = run_search(make_settings(trials=3))
    trials = _study(make_settings()).get_trials()
    finished = [t for t in trials if t.state.is_finished() and not t.user_attrs.get("uncounted")]
    assert outcome.n_trials == 3 and len(finished) == 3
    reaped = next(t for t in trials if t.number == orphan.number)
    assert reaped.state.name == "FAIL" and reaped.user_attrs["uncounted"] == "worker died"
