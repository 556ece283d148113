"""End to end with the real embedded model (SmolLM2-135M via llama.cpp): slow, tiny."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from archon import Archon, load_config
from search import load_space, run_search
from search.study import SearchSettings

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(
    os.environ.get("ARCHON_DATA_DIR") or Path(__file__).resolve().parents[3] / "shared" / "data"
)


@pytest.mark.slow
def test_search_with_embedded_model(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    space: dict[str, Any] = copy.deepcopy(
        load_space("local").model_dump(exclude={"source"}, exclude_none=True)
    )
    space["defaults"]["max_tokens"] = 32
    space["generation"]["samples"] = [1, 2]
    out = tmp_path / "out"
    settings = SearchSettings(
        space=space,
        benchmark="gsm8k",
        study_name="e2e",
        storage=str(out / "study.journal"),
        output_dir=str(out),
        trials=2,
        limit=1,
        holdout=1,
        data_dir=str(DATA),
        parallel=1,
    )
    outcome = run_search(settings)
    assert outcome.n_trials == 2
    assert (out / "pareto.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "trials.csv").read_text().count("\n") == 3
    doc = json.loads((out / "pareto.json").read_text())
    if doc["winner"] is not None:
        cfg = load_config(out / "best_config.json")
        assert cfg.layers[0][0].model_type == "llama_cpp"
        Archon(cfg)  # constructs
    assert outcome.made_calls >= 1
