"""Shared fixtures: caches and outputs in a temp dir; a scripted provider; shared data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("ARCHON_DATA_DIR") or ROOT.parent / "shared" / "data")


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir = tmp_path_factory.mktemp("archon-cache")
    monkeypatch.setenv("ARCHON_CACHE_DIR", str(cache_dir))
    monkeypatch.setenv("ARCHON_OFFLINE", "1")
    monkeypatch.delenv("ARCHON_NO_CACHE", raising=False)
    monkeypatch.delenv("ARCHON_BASELINE_ANSWERS", raising=False)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data not found at {SHARED_DATA}; set ARCHON_DATA_DIR")
    return SHARED_DATA


@pytest.fixture
def scripted():
    """Install a ScriptedProvider for model_type 'scripted'; yields it; removes it after."""
    from archon.providers import _base
    from archon.providers.scripted import ScriptedProvider

    provider = ScriptedProvider()
    _base.register_provider_instance("scripted", provider)
    yield provider
    _base._INSTANCES.pop(("scripted", None), None)
