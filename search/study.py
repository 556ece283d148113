"""The study: Optuna ask/tell around :func:`search.objective.aevaluate`.

Lifecycle of one worker (several may share one storage, on one machine or many)::

    claim ──> suggest ──> build_config ──> estimate ──over budget──> tell PRUNED (never run)
      │                                       │
      │                              same config done before ──> tell its metrics again
      │                                       │
      └── until --trials counted,      aevaluate on the dev slice ──> tell values (or PRUNED)
          or the search budget is spent

Counting: a trial counts toward ``--trials`` when it is COMPLETE, PRUNED, FAIL or RUNNING and
not marked ``uncounted`` (a surplus claim, an interrupted trial, or a RUNNING trial whose
worker on this machine has died, e.g. SIGKILL: :func:`reap_dead_trials`). Claims are serialised by
a file lock for file storages; across machines, a claim whose position among counted trials
(by trial number, which the storage hands out atomically) is past the total marks itself
surplus and steps back, so the total never overshoots whatever the interleaving.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import optuna
from optuna.trial import FrozenTrial, Trial, TrialState

from archon import KeyRing, register_prices
from archon._meta import run_info
from archon.errors import MissingAPIKeyError, SearchError
from archon.providers._base import provider_spec
from search.budget import estimate, over_budget
from search.build import build_config, enumerate_params, suggest
from search.objective import TrialMetrics, aevaluate
from search.space import METRICS, SearchSpace, load_space

__all__ = [
    "SearchSettings",
    "arun_worker",
    "check_keys",
    "counted",
    "counted_trials",
    "load_examples",
    "make_sampler",
    "open_storage",
    "open_study",
    "search_spend",
]

logger = logging.getLogger(__name__)

SAMPLERS = ("tpe", "gp", "random", "nsga2", "grid")
_COUNTED_STATES = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL, TrialState.RUNNING)
METRIC_KEYS = tuple(TrialMetrics.__dataclass_fields__)


@dataclass(frozen=True)
class SearchSettings:
    """Everything a worker needs (picklable, so spawned worker processes get a copy)."""

    space: str | dict[str, Any]
    benchmark: str
    study_name: str
    storage: str
    output_dir: str
    trials: int
    limit: int
    holdout: int = 0
    sampler: Literal["tpe", "gp", "random", "nsga2", "grid"] = "tpe"
    seed: int = 0
    parallel: int = 4
    workers: int = 1
    max_spend: float | None = None
    max_calls: int | None = None
    data_dir: str | None = None
    split: str | None = None
    objective: Literal["multi", "accuracy"] = "multi"
    cache: bool = True
    api_keys: Any = None
    worker: int = 0  # index of this worker process: its sampler gets seed + worker

    def load_space(self) -> SearchSpace:
        return load_space(self.space)

    def objectives(self, space: SearchSpace) -> tuple[str, ...]:
        return ("accuracy",) if self.objective == "accuracy" else space.objectives


# -- storage and study ---------------------------------------------------------------------


def _with_driver(url: str) -> str:
    """``postgresql://`` with the driver that is installed (SQLAlchemy 2.1 defaults to
    psycopg 3; the ``postgres`` extra installs psycopg2)."""
    if not url.startswith(("postgresql://", "postgres://")):
        return url
    import importlib.util

    rest = url.split("://", 1)[1]
    for module, dialect in (("psycopg", "psycopg"), ("psycopg2", "psycopg2")):
        if importlib.util.find_spec(module) is not None:
            return f"postgresql+{dialect}://{rest}"
    raise SearchError(
        'a PostgreSQL storage needs a driver: pip install -e ".[postgres]" (psycopg2-binary)'
    )


def open_storage(storage: str) -> optuna.storages.BaseStorage:
    """A storage URL (``sqlite:///x.db``, ``postgresql://...``) or a journal file path."""
    if "://" in storage:
        # Several workers (or machines) starting on an empty database race to create the
        # schema; the loser sees a unique-constraint error. The tables exist by then: retry.
        import sqlalchemy.exc

        for attempt in range(5):
            try:
                return optuna.storages.RDBStorage(_with_driver(storage))
            except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError):
                if attempt == 4:
                    raise
                time.sleep(0.5 * (attempt + 1))
    from optuna.storages.journal import JournalFileBackend

    Path(storage).parent.mkdir(parents=True, exist_ok=True)
    return optuna.storages.JournalStorage(JournalFileBackend(str(storage)))


@contextlib.contextmanager
def _claim_lock(storage: str) -> Iterator[None]:
    """Serialise claims of the processes of this machine on a file storage."""
    path: str | None = None
    if "://" not in storage:
        path = storage
    elif storage.startswith("sqlite:///"):
        path = storage.removeprefix("sqlite:///")
    if path is None:
        yield
        return
    from filelock import FileLock

    with FileLock(f"{path}.claim.lock", timeout=120):
        yield


def make_sampler(
    name: str, *, seed: int, trials: int, workers: int, n_grid: int = 0
) -> optuna.samplers.BaseSampler:
    """``tpe`` (multivariate, grouped for the conditional space; constant liar with workers),
    ``gp``, ``random``, ``nsga2`` or ``grid`` (over the space's distinct architectures)."""
    if name == "tpe":
        with (
            warnings.catch_warnings()
        ):  # ``group`` is "experimental" but it is what a conditional space needs
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.TPESampler(
                seed=seed,
                multivariate=True,
                group=True,
                constant_liar=workers > 1,
                n_startup_trials=max(2, min(10, trials // 3)),
            )
    if name == "gp":
        try:
            import scipy  # noqa: F401
            import torch  # noqa: F401
        except ImportError:
            raise SearchError(
                "the gp sampler needs PyTorch and SciPy: pip install torch scipy"
            ) from None
        return optuna.samplers.GPSampler(seed=seed, n_startup_trials=max(2, min(10, trials // 3)))
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(
            seed=seed, population_size=max(4, min(50, trials // 3))
        )
    if name == "grid":
        return optuna.samplers.GridSampler({"grid_point": list(range(max(1, n_grid)))}, seed=seed)
    raise SearchError(f"unknown sampler {name!r}; choose one of {', '.join(SAMPLERS)}")


def open_study(settings: SearchSettings, space: SearchSpace, *, n_grid: int = 0) -> optuna.Study:
    """Create or load the study (same name, same storage: resume)."""
    objectives = settings.objectives(space)
    directions = [METRICS[m] for m in objectives]
    pruner = (
        optuna.pruners.MedianPruner(n_startup_trials=2)
        if len(directions) == 1
        else optuna.pruners.NopPruner()
    )
    study = optuna.create_study(
        study_name=settings.study_name,
        storage=open_storage(settings.storage),
        directions=directions,
        sampler=make_sampler(
            settings.sampler,
            seed=settings.seed + settings.worker,
            trials=settings.trials,
            workers=settings.workers,
            n_grid=n_grid,
        ),
        pruner=pruner,
        load_if_exists=True,
    )
    if [d.name.lower() for d in study.directions] != directions:
        raise SearchError(
            f"study {settings.study_name!r} exists with objectives of directions "
            f"{[d.name.lower() for d in study.directions]}, not {directions}; "
            "pick another --study name or the same --objective as before"
        )
    existing = study.user_attrs.get("objectives")
    if existing is None:
        study.set_user_attr("objectives", list(objectives))
        study.set_user_attr("benchmark", settings.benchmark)
        study.set_user_attr("space", space.name)
    elif list(existing) != list(objectives):
        raise SearchError(
            f"study {settings.study_name!r} optimises {existing}, not {list(objectives)}"
        )
    return study


# -- counting and budgets ------------------------------------------------------------------


def counted(t: FrozenTrial) -> bool:
    return t.state in _COUNTED_STATES and not t.user_attrs.get("uncounted")


def counted_trials(study: optuna.Study) -> list[FrozenTrial]:
    return [t for t in study.get_trials(deepcopy=False) if counted(t)]


def search_spend(study: optuna.Study) -> tuple[float, int]:
    """(dollars billed, calls made) by the search so far, over every trial in the storage."""
    usd, calls = 0.0, 0
    for t in study.get_trials(deepcopy=False):
        usd += float(t.user_attrs.get("spend_usd") or 0.0)
        calls += int(t.user_attrs.get("made_calls") or 0)
    return usd, calls


def _budget_left(study: optuna.Study, settings: SearchSettings) -> str | None:
    usd, calls = search_spend(study)
    if settings.max_spend is not None and usd >= settings.max_spend:
        return f"search spend ${usd:.4f} reached --max-spend ${settings.max_spend:g}"
    if settings.max_calls is not None and calls >= settings.max_calls:
        return f"search calls {calls} reached --max-calls {settings.max_calls}"
    return None


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_dead_trials(study: optuna.Study) -> int:
    """Mark RUNNING trials whose worker process on this machine is gone (killed, crashed) as
    FAIL and uncounted, so a resume runs their slot again. Workers on other machines cannot
    be checked from here and are left alone."""
    host = socket.gethostname()
    reaped = 0
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        w_host, _, pid = str(t.user_attrs.get("worker", "")).rpartition(":")
        if w_host != host or not pid.isdigit() or _pid_alive(int(pid)):
            continue
        handle = Trial(study, t._trial_id)  # Optuna's own stale-trial reaper does the same
        handle.set_user_attr("uncounted", "worker died")
        study.tell(t.number, state=TrialState.FAIL)
        logger.warning(
            "trial %d: its worker (%s) is gone; marked failed, its slot runs again",
            t.number,
            t.user_attrs.get("worker"),
        )
        reaped += 1
    return reaped


def _claim(study: optuna.Study, settings: SearchSettings) -> Trial | None:
    """Ask for a new trial unless the total is reached or the search budget is spent."""
    with _claim_lock(settings.storage):
        reap_dead_trials(study)
        if len(counted_trials(study)) >= settings.trials:
            return None
        why = _budget_left(study, settings)
        if why:
            logger.info("stopping: %s", why)
            return None
        trial = study.ask()
        trial.set_user_attr("worker", _worker_id())
    before = [t for t in counted_trials(study) if t.number < trial.number]
    if len(before) >= settings.trials:  # another machine claimed the last slot first
        trial.set_user_attr("uncounted", "surplus")
        study.tell(trial, state=TrialState.FAIL)
        return None
    return trial


# -- checks before the first trial ---------------------------------------------------------


def check_keys(space: SearchSpace, api_keys: Any = None) -> None:
    """Fail before any trial when a model of the space needs a key that is not set."""
    ring = KeyRing(api_keys)
    for name in space.used_models():
        env = provider_spec(space.models[name].model_type).key_env
        if env and not ring.has(env):
            raise MissingAPIKeyError(
                f"{space.source}: model {name!r} ({space.models[name].model_type}) needs {env}; "
                f"set it in the environment or .env, or search the embedded model with "
                "--space search_spaces/local.yaml (no key needed)"
            )


def load_examples(settings: SearchSettings) -> tuple[Any, list[Any], list[Any]]:
    """(benchmark, dev slice of ``limit`` questions, ``holdout`` held-out questions)."""
    from archon.benchmarks import get_benchmark, split_dev_holdout

    bench = get_benchmark(settings.benchmark)
    everything = bench.load(
        split=settings.split, limit=None, seed=settings.seed, data_dir=settings.data_dir
    )
    dev, held = split_dev_holdout(everything, holdout=settings.holdout, seed=settings.seed)
    return bench, dev[: settings.limit], held


# -- one trial -----------------------------------------------------------------------------


def _set_attrs(trial: Trial, attrs: dict[str, Any]) -> None:
    for k, v in attrs.items():
        trial.set_user_attr(k, v)


def _fail(study: optuna.Study, trial: Trial, attrs: dict[str, Any]) -> None:
    """Tell ``trial`` FAIL with ``attrs`` unless it was already told."""
    with contextlib.suppress(Exception):
        _set_attrs(trial, attrs)
        study.tell(trial, state=TrialState.FAIL)


def _done_with_hash(study: optuna.Study, config_hash: str, number: int) -> FrozenTrial | None:
    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        if (
            t.number != number
            and t.user_attrs.get("config_hash") == config_hash
            and not t.user_attrs.get("over_budget")
        ):
            return t
    return None


def _short(params: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in params.items())


async def _run_trial(
    study: optuna.Study,
    trial: Trial,
    settings: SearchSettings,
    space: SearchSpace,
    bench: Any,
    dev: list[Any],
    grid: list[dict[str, Any]] | None,
) -> str:
    objectives = settings.objectives(space)
    if grid is not None:
        params = dict(grid[int(trial.suggest_categorical("grid_point", list(range(len(grid)))))])
    else:
        params = suggest(trial, space)
    cfg = build_config(params, space)
    est = estimate(cfg, space)
    _set_attrs(
        trial,
        {
            "params": params,
            "config_hash": cfg.config_hash(),
            "config": cfg.archon_dict(),
            "est_calls_per_query": est.calls_per_query,
            "est_cost_per_query": est.cost_per_query,
            # reproducibility: what was measured, with what, from which code
            "benchmark": bench.name,
            "benchmark_version": bench.VERSION,
            "seed": settings.seed,
            **run_info(),
        },
    )
    reason = over_budget(est, space)
    if reason:
        _set_attrs(trial, {"over_budget": True, "reason": reason})
        study.tell(trial, state=TrialState.PRUNED)
        return f"over budget, not run ({reason})"
    twin = _done_with_hash(study, cfg.config_hash(), trial.number)
    if twin is not None:
        metrics = {k: twin.user_attrs[k] for k in METRIC_KEYS if k in twin.user_attrs}
        _set_attrs(
            trial,
            metrics
            | {
                "spend_usd": 0.0,
                "made_calls": 0,
                "requested_calls": 0,
                "cached_calls": 0,
                "duplicate_of": twin.number,
            },
        )
        study.tell(trial, list(twin.values))
        reused = TrialMetrics.from_dict(
            metrics | {"spend_usd": 0.0, "made_calls": 0, "requested_calls": 0, "cached_calls": 0}
        )
        return f"same config as trial {twin.number}, its metrics reused: " + _metrics_line(reused)

    def report(step: int, value: float) -> bool:
        trial.report(value, step)
        return trial.should_prune()

    records = Path(settings.output_dir) / "trials" / f"{trial.number}.jsonl"
    records.parent.mkdir(parents=True, exist_ok=True)
    ev = await aevaluate(
        cfg,
        bench,
        dev,
        stages=space.pruning.stages if len(objectives) == 1 else (1.0,),
        report=report if len(objectives) == 1 else None,
        parallel=settings.parallel,
        cache=settings.cache,
        data_dir=settings.data_dir,
        api_keys=settings.api_keys,
        records_path=records,
    )
    _set_attrs(trial, ev.metrics.as_dict())
    line = _metrics_line(ev.metrics)
    if ev.pruned:
        trial.set_user_attr("pruned_at", ev.metrics.n)
        study.tell(trial, state=TrialState.PRUNED)
        return f"pruned after {ev.metrics.n} questions: {line}"
    study.tell(trial, [getattr(ev.metrics, m) for m in objectives])
    return line


def _metrics_line(m: TrialMetrics) -> str:
    return (
        f"acc={m.accuracy:.3f} $/q={m.cost_per_query:.6f} calls/q={m.calls_per_query:.2f} "
        f"tok/q={m.tokens_per_query:.0f} lat={m.latency_s:.2f}s fail={m.failure_rate:.2f} "
        f"(made {m.made_calls}/{m.requested_calls} calls)"
    )


async def arun_worker(settings: SearchSettings) -> int:
    """Claim and run trials until the study holds ``settings.trials``; returns how many ran here."""
    space = settings.load_space()
    register_prices(space.price_table())
    bench, dev, _ = load_examples(settings)
    grid = list(enumerate_params(space)) if settings.sampler == "grid" else None
    study = open_study(settings, space, n_grid=len(grid) if grid else 0)
    ran = 0
    while (trial := _claim(study, settings)) is not None:
        try:
            outcome = await _run_trial(study, trial, settings, space, bench, dev, grid)
        except (KeyboardInterrupt, SystemExit, MissingAPIKeyError) as exc:
            # not the config's fault: the trial does not count and a resume runs it again
            _fail(study, trial, {"uncounted": f"interrupted: {type(exc).__name__}"})
            raise
        except Exception as exc:
            logger.exception("trial %d failed", trial.number)
            _fail(study, trial, {"error": f"{type(exc).__name__}: {exc}"[:500]})
            outcome = f"failed: {type(exc).__name__}: {exc}"
        ran += 1
        usd, calls = search_spend(study)
        done = len([t for t in counted_trials(study) if t.state != TrialState.RUNNING])
        params = trial.params if grid is None else {"grid_point": trial.params.get("grid_point")}
        logger.info(
            "trial %d [%d/%d] %s | %s | search spent $%.4f, %d calls",
            trial.number,
            done,
            settings.trials,
            _short(params) or "(fixed)",
            outcome,
            usd,
            calls,
        )
    return ran


def default_storage(output_dir: str | os.PathLike[str]) -> str:
    return str(Path(output_dir) / "study.journal")
