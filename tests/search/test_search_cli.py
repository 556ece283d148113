"""``python -m search.run`` and ``python -m search.export`` end to end on the scripted provider."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

import search
from archon import load_config
from search import export, run

DATA = Path(
    os.environ.get("ARCHON_DATA_DIR") or Path(__file__).resolve().parents[3] / "shared" / "data"
)


def _space_file(tmp_path: Path, space_dict: dict[str, Any]) -> Path:
    path = tmp_path / "scripted.yaml"
    path.write_text(yaml.safe_dump(space_dict))
    return path


def _argv(space: Path, out: Path, *extra: str) -> list[str]:
    return [
        "--space",
        str(space),
        "--benchmark",
        "gsm8k",
        "--limit",
        "2",
        "--study",
        "S",
        "--output-dir",
        str(out),
        "--seed",
        "0",
        "--data-dir",
        str(DATA),
        *extra,
    ]


def test_public_api_is_sorted_and_exported() -> None:
    assert search.__all__ == sorted(search.__all__)
    for name in search.__all__:
        assert hasattr(search, name), name


def test_run_then_resume_then_export(
    tmp_path: Path, space_dict: dict[str, Any], scripted: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    space, out = _space_file(tmp_path, space_dict), tmp_path / "D"
    assert run.main(_argv(space, out, "--trials", "2")) == 0
    assert run.main(_argv(space, out, "--trials", "3", "--holdout", "2")) == 0
    printed = capsys.readouterr()
    assert "3 trials in study 'S'" in printed.out
    assert printed.err.count("trial ") >= 3  # one progress line per finished trial
    load_config(out / "best_config.json")
    with (out / "trials.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3
    assert {
        "number",
        "state",
        "accuracy",
        "cost_per_query",
        "calls_per_query",
        "tokens_per_query",
        "latency_s",
        "failure_rate",
        "config_hash",
        "benchmark",
        "benchmark_version",
        "seed",
        "package_version",
        "git_commit",
    } <= set(rows[0])
    assert rows[0]["benchmark"] and rows[0]["package_version"]
    assert any(k.startswith("params_") for k in rows[0])
    doc = json.loads((out / "pareto.json").read_text())
    assert doc["n_holdout"] == 2 and doc["points"] and doc["winner"] is not None
    for p in doc["points"]:
        load_config(out / p["config_file"])
        assert "dev" in p and "holdout" in p
    assert (out / "pareto.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    assert export.main(["--output-dir", str(out), "--front-point", "0"]) == 0
    load_config(out / "front_0.json")
    assert (
        export.main(
            [
                "--output-dir",
                str(out),
                "--max-cost-per-query",
                "1",
                "--out",
                str(tmp_path / "x.json"),
            ]
        )
        == 0
    )
    load_config(tmp_path / "x.json")
    done = next(r for r in rows if r["state"] == "COMPLETE")
    assert export.main(["--output-dir", str(out), "--trial", done["number"]]) == 0
    load_config(out / f"trial_{done['number']}.json")
    assert export.main(["--output-dir", str(out), "--max-cost-per-query", "0.0000000001"]) == 2
    assert export.main(["--output-dir", str(out), "--front-point", "99"]) == 2


def test_missing_key_fails_before_first_trial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for var in ("TOGETHER_API_KEY", "TOGETHER_API_KEY_2"):
        monkeypatch.delenv(var, raising=False)
    out = tmp_path / "D"
    code = run.main(
        [
            "--space",
            "spaces/open.yaml",
            "--benchmark",
            "gsm8k",
            "--output-dir",
            str(out),
            "--data-dir",
            str(DATA),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error:") and err.count("\n") == 1
    assert "TOGETHER_API_KEY" in err and "search_spaces/local.yaml" in err
    assert not (out / "trials").exists()


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--space", "no-such-space", "--benchmark", "gsm8k"], "no such search space"),
        (
            ["--space", "local", "--benchmark", "no-such-bench", "--output-dir", "{tmp}/o"],
            "no-such-bench",
        ),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run.main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and needle in err and err.count("\n") == 1


def test_bad_space_file_exit_2(
    tmp_path: Path, space_dict: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    space_dict["blocks"]["rank"]["top_k"] = {"min": 3, "max": 1}
    code = run.main(_argv(_space_file(tmp_path, space_dict), tmp_path / "D"))
    err = capsys.readouterr().err
    assert code == 2 and "scripted.yaml: blocks.rank.top_k" in err


def test_changing_objective_of_existing_study_exit_2(
    tmp_path: Path, space_dict: dict[str, Any], scripted: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    space, out = _space_file(tmp_path, space_dict), tmp_path / "D"
    assert run.main(_argv(space, out, "--trials", "1", "--holdout", "0")) == 0
    code = run.main(_argv(space, out, "--trials", "2", "--holdout", "0", "--objective", "accuracy"))
    err = capsys.readouterr().err
    assert code == 2 and "--objective" in err
