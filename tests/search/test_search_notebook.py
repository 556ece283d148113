"""notebooks/pareto.ipynb executes on a small study."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from search import run_search
from search.analysis import load_results, param_importances

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_study(make_settings: Any, scripted: Any) -> Path:
    settings = make_settings(trials=6, holdout=2, sampler="random")
    run_search(settings)
    return Path(settings.output_dir)


def test_analysis_helpers(small_study: Path) -> None:
    res = load_results(small_study)
    assert len(res.trials) == 6 and res.study is not None
    table = res.front_table()
    assert {"dev_accuracy", "holdout_accuracy", "dev_cost_per_query"} <= set(table.columns)
    assert isinstance(param_importances(res), dict)


def test_notebook_executes(small_study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("SEARCH_OUTPUT_DIR", str(small_study))
    nb = nbformat.read(ROOT / "notebooks" / "pareto.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT / "notebooks")}},
    )
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)
