"""Fixtures for search tests: a free scripted space, settings in tmp_path, a counting provider."""

from __future__ import annotations

import copy
import functools
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from archon.providers._base import _INSTANCES, ChatRequest, register_provider_instance
from archon.providers.scripted import ScriptedProvider, default_script
from search import SearchSettings

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(
    os.environ.get("ARCHON_DATA_DIR") or Path(__file__).resolve().parents[3] / "shared" / "data"
)

SCRIPTED_SPACE: dict[str, Any] = {
    "name": "scripted",
    "defaults": {"max_tokens": 64},
    "models": {
        "a": {"model": "model-a", "model_type": "scripted", "price": [1.0, 2.0]},
        "b": {"model": "model-b", "model_type": "scripted", "price": [3.0, 4.0]},
    },
    "generation": {
        "models": ["a", "b"],
        "n_models": {"min": 1, "max": 2},
        "samples": [1, 2, 3],
        "temperature": [0.5, 0.9],
    },
    "blocks": {
        "count": {"min": 0, "max": 2},
        "types": ["fuse", "critic_fuse", "rank", "critic_rank", "verify", "unit_test"],
        "fuse": {"models": ["a", "b"], "fusers": {"min": 1, "max": 2}},
        "rank": {"models": ["a", "b"], "top_k": [1, 2]},
        "critic": {"models": ["b"]},
        "verify": {"models": ["a"]},
        "unit_test": {"models": ["a"], "cap": 3},
    },
    "final_fuser": {"use": "optional", "models": ["a"]},
    "constraints": {"max_calls_per_query": 12},
    "assumptions": {"prompt_tokens": 100, "output_tokens": 20},
}


@functools.cache
def _gold() -> dict[str, str]:
    out = {}
    for line in (DATA / "gsm8k" / "test.jsonl").read_text().splitlines():
        rec = json.loads(line)
        out[rec["question"].strip().splitlines()[0]] = rec["answer"].split("####")[-1].strip()
    return out


def gsm8k_script(request: ChatRequest) -> str:
    """GSM8K answers: ``model-a`` is right, other models are wrong; the other roles reply
    in their expected formats (see ``archon.providers.scripted.default_script``)."""
    text = default_script(request)
    if text.startswith("Answer from"):
        m = re.search(r"Problem: (.*)", request.messages[-1][1])
        gold = _gold().get(m.group(1).strip(), "0") if m else "0"
        answer = gold if request.model == "model-a" else "123456789"
        return f"Let me think. The answer is {answer}."
    return text


@pytest.fixture
def space_dict() -> dict[str, Any]:
    return copy.deepcopy(SCRIPTED_SPACE)


@pytest.fixture
def scripted() -> Any:
    """A counting scripted provider installed for model_type 'scripted' in this process."""
    provider = ScriptedProvider(script=gsm8k_script)
    old = _INSTANCES.get(("scripted", None))
    register_provider_instance("scripted", provider)
    yield provider
    if old is None:
        _INSTANCES.pop(("scripted", None), None)
    else:
        _INSTANCES[("scripted", None)] = old


@pytest.fixture
def make_settings(tmp_path: Path, space_dict: dict[str, Any]) -> Any:
    def make(**kw: Any) -> SearchSettings:
        out = kw.pop("output_dir", str(tmp_path / "out"))
        base: dict[str, Any] = dict(
            space=space_dict,
            benchmark="gsm8k",
            study_name="t",
            storage=str(Path(out) / "study.journal"),
            output_dir=out,
            trials=4,
            limit=3,
            holdout=2,
            data_dir=str(DATA),
            parallel=2,
        )
        base.update(kw)
        return SearchSettings(**base)

    return make
