from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]


def _shared_data() -> Path:
    env = os.environ.get("ARCHON_DATA_DIR")
    return Path(env) if env else (REPO_ROOT / ".." / "shared" / "data").resolve()


@pytest.fixture
def shared_data() -> Path:
    path = _shared_data()
    if not (path / "gsm8k" / "test.jsonl").is_file():
        pytest.skip(f"shared data not found at {path} (set ARCHON_DATA_DIR)")
    return path


@pytest.fixture(autouse=True)
def _no_network_and_private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Benchmark tests never download: any missing file must be a DataError, not a fetch.
    monkeypatch.setenv("ARCHON_OFFLINE", "1")
    monkeypatch.setenv("ARCHON_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ARCHON_BASELINE_ANSWERS", raising=False)
