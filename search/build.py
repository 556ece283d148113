"""From trial parameters to an Archon config.

Three pieces, following Optuna's own split:

- :func:`suggest` asks a trial (``optuna.Trial`` or ``optuna.trial.FixedTrial``) for the
  parameters of one architecture. Axes that allow a single value are not asked for, and
  axes that only matter for some architectures are asked only then (``top_k_1`` only when
  block 1 is a ranker), so the sampler sees a conditional space.
- :func:`build_config` is pure: the same parameters always give the same config. Two
  parameter sets may give the same config (for instance a 3-fuser last block cut to one
  fuser); the study evaluates such a config once (dedupe by ``config.config_hash()``).
- :func:`check_rules` checks the Archon paper's ordering rules on any config.

Parameter names::

    gen_models  gen_samples  gen_temperature  n_blocks
    block_<i>   fusers_<i>  fuser_samples_<i>  top_k_<i>
    critic_model  ranker_model  verifier_model  unit_test_model  final_fuser  final_fuser_model
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from archon import ArchonConfig, ConfigError, load_config
from archon.errors import SpaceError
from search.space import IntAxis, SearchSpace

__all__ = ["build_config", "check_rules", "enumerate_params", "suggest"]

# block type -> roles whose model is chosen per trial
_BLOCK_ROLES: dict[str, tuple[str, ...]] = {
    "fuse": (),
    "critic_fuse": ("critic",),
    "rank": ("ranker",),
    "critic_rank": ("critic", "ranker"),
    "verify": ("verifier",),
    "unit_test": ("unit_test",),
}
_ROLE_SECTION = {
    "critic": "critic",
    "ranker": "rank",
    "verifier": "verify",
    "unit_test": "unit_test",
}


def _ask_int(trial: Any, name: str, axis: IntAxis) -> int:
    if axis.fixed:
        return axis.values[0]
    if axis.choices is not None and list(axis.choices) != list(range(axis.min, axis.max + 1)):
        return int(trial.suggest_categorical(name, list(axis.choices)))
    return int(trial.suggest_int(name, axis.min, axis.max))


def _ask_choice(trial: Any, name: str, choices: Sequence[Any]) -> Any:
    if len(choices) == 1:
        return choices[0]
    return trial.suggest_categorical(name, list(choices))


def _temperatures(space: SearchSpace) -> tuple[float, ...]:
    return space.generation.temperature or (space.defaults.temperature,)


def suggest(trial: Any, space: SearchSpace) -> dict[str, Any]:
    """Ask ``trial`` for one architecture of ``space``; returns every parameter, fixed ones too.

    Example:
        >>> from optuna.trial import FixedTrial
        >>> params = suggest(FixedTrial({"gen_samples": 2, "n_blocks": 0}), space)  # doctest: +SKIP
    """
    g, b = space.generation, space.blocks
    p: dict[str, Any] = {
        "gen_models": _ask_int(trial, "gen_models", g.n_models),
        "gen_samples": _ask_int(trial, "gen_samples", g.samples),
        "gen_temperature": float(_ask_choice(trial, "gen_temperature", _temperatures(space))),
        "n_blocks": _ask_int(trial, "n_blocks", b.count),
    }
    roles: list[str] = []
    for i in range(p["n_blocks"]):
        kind = _ask_choice(trial, f"block_{i}", b.types)
        p[f"block_{i}"] = kind
        if kind in ("fuse", "critic_fuse"):
            assert b.fuse is not None
            p[f"fusers_{i}"] = _ask_int(trial, f"fusers_{i}", b.fuse.fusers)
            p[f"fuser_samples_{i}"] = _ask_int(trial, f"fuser_samples_{i}", b.fuse.samples)
        if kind in ("rank", "critic_rank"):
            assert b.rank is not None
            p[f"top_k_{i}"] = _ask_int(trial, f"top_k_{i}", b.rank.top_k)
        roles += [r for r in _BLOCK_ROLES[kind] if r not in roles]
    for role in sorted(roles):
        section = getattr(b, _ROLE_SECTION[role])
        p[f"{role}_model"] = _ask_choice(trial, f"{role}_model", section.models)
    use = space.final_fuser.use
    p["final_fuser"] = (
        {"always": True, "never": False}.get(use)
        if use != "optional"
        else bool(trial.suggest_categorical("final_fuser", [True, False]))
    )
    if p["final_fuser"]:
        p["final_fuser_model"] = _ask_choice(trial, "final_fuser_model", space.final_fuser_models)
    return p


def _need(params: dict[str, Any], name: str, fallback: Sequence[Any] | None = None) -> Any:
    if name in params:
        return params[name]
    if fallback is not None and len(fallback) == 1:
        return fallback[0]
    raise SpaceError(f"parameter {name!r} is missing; pass it or let suggest() choose it")


def _component(space: SearchSpace, name: str, ctype: str, **extra: Any) -> dict[str, Any]:
    m = space.models[name]
    comp: dict[str, Any] = {
        "type": ctype,
        "model": m.model,
        "model_type": m.model_type,
        "temperature": space.defaults.temperature,
        "max_tokens": space.max_tokens_for(name),
        "samples": 1,
    }
    if m.base_url:
        comp["base_url"] = m.base_url
    comp.update(extra)
    return comp


def build_config(params: dict[str, Any], space: SearchSpace) -> ArchonConfig:
    """Build the Archon config of ``params`` (as returned by :func:`suggest`). Pure.

    Fixed axes may be left out of ``params``. When no final fuser follows, a fuse block in
    last position keeps a single fuser, so that one fuser writes the answer (the paper's rule).

    Raises:
        SpaceError: a parameter is missing or out of the space.
    """
    g, b = space.generation, space.blocks
    n_gen = int(_need(params, "gen_models", g.n_models.values))
    if not 1 <= n_gen <= len(g.models):
        raise SpaceError(f"gen_models={n_gen} is outside 1..{len(g.models)}")
    samples = int(_need(params, "gen_samples", g.samples.values))
    temp = float(_need(params, "gen_temperature", _temperatures(space)))
    layers: list[list[dict[str, Any]]] = [
        [
            _component(space, name, "generator", temperature=temp, samples=samples)
            for name in g.models[:n_gen]
        ]
    ]
    final = bool(
        _need(
            params, "final_fuser", {"always": [True], "never": [False]}.get(space.final_fuser.use)
        )
    )
    n_blocks = int(_need(params, "n_blocks", b.count.values))

    def role_model(role: str) -> str:
        return str(_need(params, f"{role}_model", getattr(b, _ROLE_SECTION[role]).models))

    for i in range(n_blocks):
        kind = _need(params, f"block_{i}", b.types)
        if kind not in b.types:
            raise SpaceError(
                f"block_{i}={kind!r} is not one of the space's block types {list(b.types)}"
            )
        if kind in ("critic_fuse", "critic_rank"):
            layers.append([_component(space, role_model("critic"), "critic")])
        if kind in ("fuse", "critic_fuse"):
            assert b.fuse is not None
            n_fusers = int(_need(params, f"fusers_{i}", b.fuse.fusers.values))
            if i == n_blocks - 1 and not final:
                n_fusers = 1
            fs = int(_need(params, f"fuser_samples_{i}", b.fuse.samples.values))
            models = [b.fuse.models[j % len(b.fuse.models)] for j in range(n_fusers)]
            layers.append(
                [
                    _component(
                        space, name, "fuser", samples=fs, use_critiques=kind == "critic_fuse"
                    )
                    for name in models
                ]
            )
        elif kind in ("rank", "critic_rank"):
            assert b.rank is not None
            top_k = int(_need(params, f"top_k_{i}", b.rank.top_k.values))
            extra: dict[str, Any] = {"top_k": top_k}
            if kind == "critic_rank":
                extra["use_critiques"] = True
            layers.append([_component(space, role_model("ranker"), "ranker", **extra)])
        elif kind == "verify":
            assert b.verify is not None
            layers.append(
                [
                    _component(
                        space,
                        role_model("verifier"),
                        "verifier",
                        on_none_pass=b.verify.on_none_pass,
                    )
                ]
            )
        elif kind == "unit_test":
            ut = b.unit_test
            assert ut is not None
            name = role_model("unit_test")
            layers.append([_component(space, name, "unit_test_generator", unit_test_cap=ut.cap)])
            extra = {"mode": ut.mode} | ({"top_k": ut.top_k} if ut.top_k else {})
            layers.append([_component(space, name, "unit_test_evaluator", **extra)])
    if final:
        name = str(_need(params, "final_fuser_model", space.final_fuser_models))
        layers.append([_component(space, name, "fuser")])
    try:
        cfg = load_config({"name": space.name, "layers": layers})
    except ConfigError as exc:  # a space that builds an invalid config is a space bug
        raise SpaceError(
            f"{space.source}: parameters {params} build an invalid config: {exc}"
        ) from None
    check_rules(cfg)
    return cfg.model_copy(update={"name": f"{space.name}-{cfg.config_hash()[:8]}"})


_ALONE = {"ranker", "critic", "verifier", "unit_test_generator", "unit_test_evaluator"}


def check_rules(config: ArchonConfig) -> None:
    """Check the Archon paper's ordering rules; raise :class:`SpaceError` naming the layer.

    1. generators only in the first layer, and the first layer only generators;
    2. a critic layer is followed by a ranker or a fuser;
    3. ranker, critic, verifier and unit-test layers are alone in their layer;
    4. a unit-test generator is followed by a unit-test evaluator;
    5. a last layer with a fuser holds exactly one fuser.
    """
    layers = [[c.type for c in layer] for layer in config.layers]
    for i, types in enumerate(layers):
        where = f"{config.name}: layers[{i}]"
        if i == 0 and any(t != "generator" for t in types):
            raise SpaceError(f"{where}: the first layer may hold generators only")
        if i > 0 and "generator" in types:
            raise SpaceError(f"{where}: generators are allowed only in the first layer")
        if len(types) > 1 and _ALONE & set(types):
            raise SpaceError(
                f"{where}: a {sorted(_ALONE & set(types))[0]} must be alone in its layer"
            )
        nxt = layers[i + 1] if i + 1 < len(layers) else []
        if "critic" in types and not {"ranker", "fuser"} & set(nxt):
            raise SpaceError(f"{where}: a critic must be followed by a ranker or a fuser")
        if "unit_test_generator" in types and "unit_test_evaluator" not in nxt:
            raise SpaceError(
                f"{where}: a unit_test_generator must be followed by a unit_test_evaluator"
            )
    if "fuser" in layers[-1] and len(layers[-1]) != 1:
        raise SpaceError(
            f"{config.name}: layers[{len(layers) - 1}]: the final fuser layer must hold one fuser"
        )


class _Enumerator:
    """A trial stand-in that walks every branch of :func:`suggest` (for the grid sampler)."""

    def __init__(self, prefix: list[Any]):
        self.prefix = prefix
        self.taken: list[tuple[Any, list[Any]]] = []

    def _pick(self, options: list[Any]) -> Any:
        i = len(self.taken)
        value = self.prefix[i] if i < len(self.prefix) else options[0]
        self.taken.append((value, options))
        return value

    def suggest_int(self, name: str, low: int, high: int, **_: Any) -> int:
        return int(self._pick(list(range(low, high + 1))))

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        return self._pick(list(choices))


def enumerate_params(space: SearchSpace, *, limit: int = 5000) -> Iterator[dict[str, Any]]:
    """Every parameter set of ``space`` whose config is distinct (at most ``limit`` of them)."""
    stack: list[list[Any]] = [[]]
    seen: set[str] = set()
    visited = 0
    while stack and len(seen) < limit:
        prefix = stack.pop()
        enum = _Enumerator(prefix)
        params = suggest(enum, space)
        visited += 1
        # queue the siblings of every choice made past the given prefix, deepest last
        for depth in range(len(prefix), len(enum.taken)):
            value, options = enum.taken[depth]
            head = [v for v, _ in enum.taken[:depth]]
            for other in reversed(options[options.index(value) + 1 :]):
                stack.append(head + [other])
        h = build_config(params, space).config_hash()
        if h not in seen:
            seen.add(h)
            yield params
