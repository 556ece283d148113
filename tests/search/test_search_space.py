"""Search space files: validation errors name the file and the key; shipped spaces load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from archon.errors import SpaceError
from search import load_space, resolve_space_path

ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, data: Any, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


@pytest.mark.parametrize("name", ["local", "open", "frontier"])
def test_shipped_spaces_load(name: str) -> None:
    space = load_space(ROOT / "search_spaces" / f"{name}.yaml")
    assert space.name == name
    assert space.objectives[0] == "accuracy"


@pytest.mark.parametrize(
    "given", ["spaces/local.yaml", "local", "local.yaml", "search_spaces/local.yaml"]
)
def test_space_names_resolve_to_search_spaces(given: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert resolve_space_path(given).resolve() == (ROOT / "search_spaces" / "local.yaml").resolve()


def test_unknown_space_lists_known_ones() -> None:
    with pytest.raises(SpaceError, match="no such search space.*local"):
        resolve_space_path("nope")


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (lambda d: d.update(colour="red"), "colour", "unknown key"),
        (
            lambda d: d["generation"].update(models=["a", "zz"]),
            "generation.models[1]",
            "unknown model 'zz'",
        ),
        (
            lambda d: d["blocks"]["rank"].update(top_k={"min": 3, "max": 1}),
            "blocks.rank.top_k",
            "larger than max",
        ),
        (
            lambda d: d["blocks"].update(types=["fuse", "shuffle"]),
            "blocks.types",
            "unknown block type 'shuffle'",
        ),
        (lambda d: d["blocks"].pop("critic"), "blocks", "blocks.critic is missing"),
        (
            lambda d: d["models"]["a"].update(model_type="Togther_API"),
            "models.a.model_type",
            "unknown model_type",
        ),
        (
            lambda d: d.update(objectives=["cost_per_query"]),
            "objectives",
            "first objective must be 'accuracy'",
        ),
        (
            lambda d: d["generation"].update(n_models={"min": 1, "max": 5}),
            "generation",
            "exceeds the 2 models",
        ),
        (
            lambda d: d["constraints"].update(max_calls_per_query=-1),
            "constraints.max_calls_per_query",
            "greater than 0",
        ),
    ],
)
def test_validation_errors_name_file_and_key(
    tmp_path: Path, space_dict: dict[str, Any], change: Any, key: str, message: str
) -> None:
    change(space_dict)
    path = _write(tmp_path, space_dict)
    with pytest.raises(SpaceError) as err:
        load_space(path)
    text = str(err.value)
    assert text.startswith(str(path)), text
    assert key in text and message in text, text


def test_malformed_yaml_names_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: x\nmodels: [a, b\ngeneration: {}\n")
    with pytest.raises(SpaceError, match=r"s\.yaml: line \d+, column \d+: malformed YAML"):
        load_space(path)


def test_axis_shorthands(space_dict: dict[str, Any]) -> None:
    space_dict["generation"]["samples"] = 2
    space_dict["blocks"]["fuse"]["fusers"] = [1, 3]
    space = load_space(space_dict)
    assert space.generation.samples.values == (2,)
    assert space.blocks.fuse is not None and space.blocks.fuse.fusers.values == (1, 3)
    assert space.blocks.count.values == (0, 1, 2)


def test_used_models_cover_every_role(space_dict: dict[str, Any]) -> None:
    space_dict["models"]["c"] = {"model": "model-c", "model_type": "OpenAI_API"}
    space_dict["blocks"]["critic"] = {"models": ["c"]}
    assert "c" in load_space(space_dict).used_models()
    space_dict["blocks"]["types"] = ["fuse", "rank"]  # no critic block: c is never called
    assert "c" not in load_space(space_dict).used_models()
