"""build_config per axis and the paper's ordering rules, with optuna.trial.FixedTrial."""

from __future__ import annotations

from typing import Any

import pytest
from optuna.trial import FixedTrial

from archon import load_config
from archon.errors import SpaceError
from search import build_config, check_rules, enumerate_params, load_space, suggest


def _types(cfg: Any) -> list[list[str]]:
    return [[c.type for c in layer] for layer in cfg.layers]


BASE = {
    "gen_models": 1,
    "gen_samples": 1,
    "gen_temperature": 0.5,
    "n_blocks": 0,
    "final_fuser": False,
}


def _build(space_dict: dict[str, Any], **params: Any) -> Any:
    space = load_space(space_dict)
    got = suggest(FixedTrial({**BASE, **params}), space)
    return build_config(got, space), got


def test_generation_axes(space_dict: dict[str, Any]) -> None:
    cfg, _ = _build(space_dict, gen_models=2, gen_samples=3, gen_temperature=0.9)
    assert _types(cfg) == [["generator", "generator"]]
    assert [c.model for c in cfg.layers[0]] == [
        "model-a",
        "model-b",
    ]  # the top 2 of the ordered list
    assert all(
        c.samples == 3 and c.temperature == 0.9 and c.max_tokens == 64 for c in cfg.layers[0]
    )


def test_fuse_block_and_final_fuser(space_dict: dict[str, Any]) -> None:
    cfg, _ = _build(
        space_dict, n_blocks=1, block_0="fuse", fusers_0=2, final_fuser=True, final_fuser_model="a"
    )
    assert _types(cfg) == [["generator"], ["fuser", "fuser"], ["fuser"]]
    assert [c.model for c in cfg.layers[1]] == ["model-a", "model-b"]


def test_last_fuse_block_without_final_fuser_keeps_one_fuser(space_dict: dict[str, Any]) -> None:
    cfg, _ = _build(space_dict, n_blocks=1, block_0="fuse", fusers_0=2, final_fuser=False)
    assert _types(cfg) == [["generator"], ["fuser"]]


def test_rank_block_top_k_is_conditional(space_dict: dict[str, Any]) -> None:
    cfg, params = _build(space_dict, n_blocks=1, block_0="rank", top_k_0=2, ranker_model="b")
    assert _types(cfg) == [["generator"], ["ranker"]]
    assert cfg.layers[1][0].top_k == 2 and cfg.layers[1][0].model == "model-b"
    _, no_rank = _build(space_dict, n_blocks=1, block_0="fuse", fusers_0=1)
    assert "top_k_0" in params and "top_k_0" not in no_rank and "ranker_model" not in no_rank


def test_critic_comes_before_ranker_or_fuser(space_dict: dict[str, Any]) -> None:
    cfg, _ = _build(
        space_dict,
        n_blocks=2,
        block_0="critic_rank",
        top_k_0=1,
        ranker_model="a",
        block_1="critic_fuse",
        fusers_1=2,
        final_fuser=True,
        final_fuser_model="a",
    )
    assert _types(cfg) == [
        ["generator"],
        ["critic"],
        ["ranker"],
        ["critic"],
        ["fuser", "fuser"],
        ["fuser"],
    ]
    assert cfg.layers[2][0].use_critiques


def test_verify_and_unit_test_blocks(space_dict: dict[str, Any]) -> None:
    cfg, _ = _build(space_dict, n_blocks=2, block_0="verify", block_1="unit_test", gen_samples=2)
    assert _types(cfg) == [
        ["generator"],
        ["verifier"],
        ["unit_test_generator"],
        ["unit_test_evaluator"],
    ]
    assert cfg.layers[2][0].unit_test_cap == 3


def test_every_built_config_follows_the_rules_and_loads(space_dict: dict[str, Any]) -> None:
    space = load_space(space_dict)
    seen = 0
    for params in enumerate_params(space, limit=400):
        cfg = build_config(params, space)
        check_rules(cfg)
        assert load_config(cfg.archon_dict()).config_hash() == cfg.config_hash()
        seen += 1
    assert seen == 400


def test_build_is_pure_and_duplicates_share_a_hash(space_dict: dict[str, Any]) -> None:
    space = load_space(space_dict)
    a = {**BASE, "n_blocks": 1, "block_0": "fuse", "fusers_0": 2, "fuser_samples_0": 1}
    b = {**a, "fusers_0": 1}  # last block without final fuser: cut to one fuser either way
    assert build_config(a, space).config_hash() == build_config(dict(a), space).config_hash()
    assert build_config(a, space).config_hash() == build_config(b, space).config_hash()


def test_missing_parameter_is_named(space_dict: dict[str, Any]) -> None:
    with pytest.raises(SpaceError, match="'gen_samples' is missing"):
        build_config({"gen_models": 1}, load_space(space_dict))


@pytest.mark.parametrize(
    ("layers", "rule"),
    [
        ([["generator"], ["generator"]], "generators are allowed only in the first layer"),
        (
            [["generator", "unit_test_generator"], ["unit_test_evaluator"]],
            "first layer may hold generators only",
        ),
        (
            [["generator"], ["critic"], ["verifier"]],
            "critic must be followed by a ranker or a fuser",
        ),
        ([["generator"], ["ranker", "fuser"], ["fuser"]], "ranker must be alone"),
        ([["generator"], ["unit_test_generator"], ["fuser"]], "followed by a unit_test_evaluator"),
        ([["generator"], ["fuser", "fuser"]], "final fuser layer must hold one fuser"),
    ],
)
def test_check_rules_rejects(layers: list[list[str]], rule: str) -> None:
    def comp(t: str) -> dict[str, Any]:
        return {
            "type": t,
            "model": "m",
            "model_type": "scripted",
            **({"top_k": 1} if t == "ranker" else {}),
        }

    cfg = load_config({"name": "bad", "layers": [[comp(t) for t in layer] for layer in layers]})
    with pytest.raises(SpaceError, match=rule):
        check_rules(cfg)


def test_local_space_grid_is_small() -> None:
    params = list(enumerate_params(load_space("local")))
    assert 5 <= len(params) <= 40
