"""Search spaces: a YAML file of models, axes, constraints and objectives, validated by pydantic.

A space describes architectures in the Archon paper's shape::

    layer 1          generators: the top ``n`` models of ``generation.models``, ``samples`` each
    blocks 1..B      each one of the block types below (B itself is an axis)
    last layer       an optional single final fuser

Block types and the layers each adds (the paper's ordering rules hold by construction):

    fuse          [fuser x F]                      F = ``blocks.fuse.fusers`` axis
    critic_fuse   [critic] [fuser x F]             a critic always comes before a fuser ...
    rank          [ranker]                         ranker alone in its layer, top_k axis
    critic_rank   [critic] [ranker]                ... or before a ranker
    verify        [verifier]                       alone in its layer
    unit_test     [unit_test_generator] [unit_test_evaluator]   generator followed by evaluator

Generators appear only in the first layer. Axes are given as a scalar (fixed), a list
(categorical choice) or, for integer counts, ``{min: a, max: b}``. See ``search_spaces/*.yaml``.

Errors raise :class:`archon.errors.SpaceError` naming the file and the key
(``search_spaces/x.yaml: blocks.rank.top_k: ...``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from archon.errors import SpaceError
from archon.providers._base import canonical_provider, model_types

__all__ = [
    "BLOCK_TYPES",
    "METRICS",
    "SearchSpace",
    "load_space",
    "resolve_space_path",
]

BLOCK_TYPES: tuple[str, ...] = ("critic_fuse", "critic_rank", "fuse", "rank", "unit_test", "verify")
# metrics an objective may name, with the direction that is better
METRICS: dict[str, Literal["maximize", "minimize"]] = {
    "accuracy": "maximize",
    "cost_per_query": "minimize",
    "calls_per_query": "minimize",
    "tokens_per_query": "minimize",
    "latency_s": "minimize",
}

SPACES_DIR = Path(__file__).resolve().parent.parent / "search_spaces"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IntAxis(_Strict):
    """An integer axis: ``3`` (fixed), ``[1, 2, 4]`` (choices) or ``{min: 1, max: 4}``."""

    min: int = Field(ge=0)
    max: int = Field(ge=0)
    choices: tuple[int, ...] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        if isinstance(v, bool):
            raise ValueError("expected an integer, a list of integers or {min, max}")
        if isinstance(v, int):
            return {"min": v, "max": v}
        if isinstance(v, list | tuple):
            if not v or not all(isinstance(x, int) and not isinstance(x, bool) for x in v):
                raise ValueError("a list axis must be a non-empty list of integers")
            return {"min": min(v), "max": max(v), "choices": tuple(sorted(set(v)))}
        return v

    @model_validator(mode="after")
    def _ordered(self) -> IntAxis:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is larger than max ({self.max})")
        return self

    @property
    def values(self) -> tuple[int, ...]:
        return self.choices if self.choices is not None else tuple(range(self.min, self.max + 1))

    @property
    def fixed(self) -> bool:
        return len(self.values) == 1


def _float_choices(v: Any) -> tuple[float, ...]:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return (float(v),)
    if isinstance(v, list | tuple) and v and all(isinstance(x, int | float) for x in v):
        return tuple(float(x) for x in v)
    raise ValueError("expected a number or a non-empty list of numbers")


class ModelSpec(_Strict):
    """A model the space may use. ``price`` is USD per 1M (input, output) tokens; when left
    out, :func:`archon.usage.price_for` is asked (free for local providers)."""

    model: str
    model_type: str
    price: tuple[float, float] | None = None
    base_url: str | None = None
    max_tokens: int | None = Field(None, ge=1)

    @field_validator("model_type")
    @classmethod
    def _known_type(cls, v: str) -> str:
        if canonical_provider(v) is None:
            raise ValueError(
                f"unknown model_type {v!r}; expected one of: {', '.join(model_types())}"
            )
        return v

    @property
    def provider(self) -> str:
        return canonical_provider(self.model_type) or self.model_type


class Defaults(_Strict):
    max_tokens: int = Field(512, ge=1)
    temperature: float = Field(0.7, ge=0.0, le=2.0)


class Generation(_Strict):
    """The first layer: the top ``n_models`` of ``models`` (an ordered list), ``samples`` each."""

    models: tuple[str, ...] = Field(min_length=1)
    n_models: IntAxis = IntAxis(min=1, max=1)
    samples: IntAxis = IntAxis(min=1, max=1)
    temperature: tuple[float, ...] | None = None

    @field_validator("temperature", mode="before")
    @classmethod
    def _temps(cls, v: Any) -> tuple[float, ...] | None:
        return None if v is None else _float_choices(v)

    @model_validator(mode="after")
    def _n_models_fit(self) -> Generation:
        if self.n_models.min < 1:
            raise ValueError("n_models: at least one generator model is needed (min >= 1)")
        if self.n_models.max > len(self.models):
            raise ValueError(
                f"n_models: max {self.n_models.max} exceeds the {len(self.models)} models listed"
            )
        if self.samples.min < 1:
            raise ValueError("samples: min must be >= 1")
        return self


class Role(_Strict):
    """Models for one role (critic, ranker, verifier, unit tests). Several models: an axis."""

    models: tuple[str, ...] = Field(min_length=1)


class FuseBlock(Role):
    fusers: IntAxis = IntAxis(min=1, max=1)
    samples: IntAxis = IntAxis(min=1, max=1)


class RankBlock(Role):
    top_k: IntAxis = IntAxis(min=1, max=1)


class VerifyBlock(Role):
    on_none_pass: Literal["keep_all", "keep_none"] = "keep_all"


class UnitTestBlock(Role):
    cap: int = Field(5, ge=1)
    mode: Literal["model", "execute"] = "model"
    top_k: int | None = Field(None, ge=1)


class Blocks(_Strict):
    """Layers after generation: ``count`` blocks, each of one of ``types``."""

    count: IntAxis = IntAxis(min=0, max=0)
    types: tuple[str, ...] = ()
    fuse: FuseBlock | None = None
    rank: RankBlock | None = None
    critic: Role | None = None
    verify: VerifyBlock | None = None
    unit_test: UnitTestBlock | None = None

    @field_validator("types")
    @classmethod
    def _known(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for t in v:
            if t not in BLOCK_TYPES:
                raise ValueError(
                    f"unknown block type {t!r}; expected one of: {', '.join(BLOCK_TYPES)}"
                )
        if len(set(v)) != len(v):
            raise ValueError("a block type is listed twice")
        return v

    @model_validator(mode="after")
    def _sections(self) -> Blocks:
        if self.count.max > 0 and not self.types:
            raise ValueError("types: blocks.count allows blocks but no block types are listed")
        needs = {
            "fuse": ("fuse",),
            "critic_fuse": ("critic", "fuse"),
            "rank": ("rank",),
            "critic_rank": ("critic", "rank"),
            "verify": ("verify",),
            "unit_test": ("unit_test",),
        }
        for t in self.types:
            for section in needs[t]:
                if getattr(self, section) is None:
                    raise ValueError(
                        f"{section}: block type {t!r} is listed but blocks.{section} is missing"
                    )
        return self


class FinalFuser(_Strict):
    use: Literal["always", "optional", "never"] = "optional"
    models: tuple[str, ...] | None = None


class Constraints(_Strict):
    max_calls_per_query: float | None = Field(None, gt=0)
    max_cost_per_query: float | None = Field(None, gt=0)


class Assumptions(_Strict):
    """Token counts for the static budget estimate (:mod:`search.budget`)."""

    prompt_tokens: int = Field(300, ge=0)
    output_tokens: int | None = Field(None, ge=1)  # None: max_tokens (an upper bound)


class Pruning(_Strict):
    """Single-objective runs report accuracy after each stage (fractions of the dev slice)."""

    stages: tuple[float, ...] = (0.34, 0.67, 1.0)

    @field_validator("stages")
    @classmethod
    def _growing(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if not v or any(not 0 < x <= 1 for x in v) or list(v) != sorted(v) or v[-1] != 1.0:
            raise ValueError("stages must be growing fractions in (0, 1] ending with 1.0")
        return v


class SearchSpace(_Strict):
    """A validated search space. Load one with :func:`load_space`."""

    name: str
    description: str = ""
    models: dict[str, ModelSpec] = Field(min_length=1)
    defaults: Defaults = Field(default_factory=lambda: Defaults.model_validate({}))
    generation: Generation
    blocks: Blocks = Field(default_factory=lambda: Blocks.model_validate({}))
    final_fuser: FinalFuser = Field(default_factory=lambda: FinalFuser.model_validate({}))
    constraints: Constraints = Field(default_factory=lambda: Constraints.model_validate({}))
    assumptions: Assumptions = Field(default_factory=lambda: Assumptions.model_validate({}))
    objectives: tuple[str, ...] = ("accuracy", "cost_per_query")
    pruning: Pruning = Field(default_factory=lambda: Pruning.model_validate({}))
    # run defaults that CLI flags override
    trials: int | None = Field(None, ge=1)
    limit: int | None = Field(None, ge=1)
    holdout: int | None = Field(None, ge=0)
    parallel: int | None = Field(None, ge=1)
    source: str = Field("<dict>", exclude=True)

    @field_validator("objectives")
    @classmethod
    def _objectives(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for m in v:
            if m not in METRICS:
                raise ValueError(f"unknown objective {m!r}; expected some of: {', '.join(METRICS)}")
        if not v or v[0] != "accuracy":
            raise ValueError("the first objective must be 'accuracy'")
        if len(set(v)) != len(v):
            raise ValueError("an objective is listed twice")
        return v

    @model_validator(mode="after")
    def _model_refs(self) -> SearchSpace:
        refs: list[tuple[str, tuple[str, ...]]] = [("generation.models", self.generation.models)]
        for section in ("fuse", "rank", "critic", "verify", "unit_test"):
            role = getattr(self.blocks, section)
            if role is not None:
                refs.append((f"blocks.{section}.models", role.models))
        if self.final_fuser.models is not None:
            refs.append(("final_fuser.models", self.final_fuser.models))
        for where, names in refs:
            for i, name in enumerate(names):
                if name not in self.models:
                    raise ValueError(
                        f"{where}[{i}]: unknown model {name!r}; define it under 'models' "
                        f"(defined: {', '.join(self.models)})"
                    )
        if (
            self.final_fuser.use != "never"
            and self.final_fuser.models is None
            and self.blocks.fuse is None
        ):
            raise ValueError(
                "final_fuser.models: name the final fuser's models (or add blocks.fuse)"
            )
        return self

    # -- helpers --------------------------------------------------------------------------
    @property
    def final_fuser_models(self) -> tuple[str, ...]:
        if self.final_fuser.models is not None:
            return self.final_fuser.models
        return self.blocks.fuse.models if self.blocks.fuse is not None else ()

    def used_models(self) -> list[str]:
        """Every model a config of this space may call (for key checks before the first trial)."""
        uses = {
            "fuse": ("fuse", "critic_fuse"),
            "rank": ("rank", "critic_rank"),
            "critic": ("critic_fuse", "critic_rank"),
            "verify": ("verify",),
            "unit_test": ("unit_test",),
        }
        names: list[str] = list(self.generation.models)
        if self.blocks.count.max > 0:
            for section, kinds in uses.items():
                role = getattr(self.blocks, section)
                if role is not None and set(kinds) & set(self.blocks.types):
                    names += role.models
        if self.final_fuser.use != "never":
            names += self.final_fuser_models
        return list(dict.fromkeys(names))

    def max_tokens_for(self, name: str) -> int:
        return self.models[name].max_tokens or self.defaults.max_tokens

    def price_table(self) -> dict[str, tuple[float, float] | list[float]]:
        """Explicit prices of this space as ``{"provider/model": (in, out)}``."""
        return {
            f"{m.provider}/{m.model}": m.price for m in self.models.values() if m.price is not None
        }


def resolve_space_path(value: str | os.PathLike[str]) -> Path:
    """``search_spaces/x.yaml``, ``spaces/x.yaml``, ``x`` and ``x.yaml`` all name the same file.

    An existing path is used as is; otherwise the stem is looked up in ``search_spaces/``
    (relative to the working directory, then to the project).
    """
    path = Path(value)
    if path.is_file():
        return path
    stem = path.stem if path.suffix in (".yaml", ".yml") else path.name
    for base in (Path("search_spaces"), SPACES_DIR):
        for suffix in (".yaml", ".yml"):
            cand = base / f"{stem}{suffix}"
            if cand.is_file():
                return cand
    known = sorted(p.stem for p in SPACES_DIR.glob("*.yaml"))
    raise SpaceError(f"{value}: no such search space; known spaces: {', '.join(known) or 'none'}")


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-", "union[", "tagged-union[")):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def load_space(source: str | os.PathLike[str] | dict[str, Any]) -> SearchSpace:
    """Read and validate a search space from a YAML file (path or bare name) or a dict.

    Raises:
        SpaceError: naming the file and the key, e.g.
            ``search_spaces/x.yaml: blocks.rank.top_k: min (3) is larger than max (1)``.
    """
    if isinstance(source, dict):
        data, where = dict(source), "<dict>"
    else:
        path = resolve_space_path(source)
        where = str(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
            raise SpaceError(
                f"{where}:{at} malformed YAML ({getattr(exc, 'problem', exc)})"
            ) from None
        if not isinstance(data, dict):
            raise SpaceError(
                f"{where}: the top level must be a mapping with 'models' and 'generation'"
            )
        data.setdefault("name", path.stem)
    try:
        space = SearchSpace.model_validate({**data, "source": where})
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            key = _loc(tuple(err["loc"]))
            msg = (
                "unknown key; remove it or check its spelling"
                if err["type"] == "extra_forbidden"
                else err["msg"]
            )
            msg = msg.removeprefix("Value error, ")
            parts.append(f"{key}: {msg}" if key else msg)
        raise SpaceError(f"{where}: " + "; ".join(parts)) from None
    return space
