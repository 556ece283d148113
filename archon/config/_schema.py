"""Pydantic schema of an Archon config.

A config is ``{"name": str, "layers": [[component, ...], ...], "custom": bool?}``. Each
component is a :class:`ComponentConfig`. Legacy shapes are turned into this one shape by
:mod:`archon.config._legacy` before validation, so this module only knows the current form.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

BUILTIN_TYPES: tuple[str, ...] = (
    "critic",
    "fuser",
    "generator",
    "ranker",
    "unit_test_evaluator",
    "unit_test_generator",
    "verifier",
)

# Types that read candidates produced by an earlier layer.
NEEDS_CANDIDATES = frozenset({"critic", "fuser", "ranker", "verifier", "unit_test_evaluator"})
# Types that put candidates into the state.
PRODUCES_CANDIDATES = frozenset({"generator", "fuser"})


class ComponentConfig(BaseModel):
    """One component of a layer.

    Keys shared by all components: ``type``, ``model``, ``model_type``, ``temperature``,
    ``max_tokens``, ``samples``. The others apply to some types only and are ignored by the
    rest (Archon's configs carry e.g. ``top_k: 1`` on generators).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    model: str
    model_type: str
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    max_tokens: int = Field(2048, ge=1)
    samples: int = Field(1, ge=1)
    top_k: int | None = Field(None, ge=1)
    # ranker / fuser / verifier
    use_critiques: bool = False
    ranker_batch_size: int | None = Field(None, ge=1)
    length_control: bool = False
    first_k: int | None = Field(None, ge=1)
    first_pass: bool | None = None
    batch_num: int | None = Field(None, ge=1)
    on_none_pass: Literal["keep_all", "keep_none"] = "keep_all"
    # unit tests
    unit_test_cap: int | None = Field(None, ge=1)
    remove_unit_tests_from_prompt: bool = False
    mode: Literal["model", "execute"] = "model"
    # provider routing
    base_url: str | None = None
    api_key_env: str | None = None
    no_system: bool = False
    params: dict[str, Any] = Field(default_factory=dict)
    prompts: dict[str, str] = Field(default_factory=dict)
    # legacy keys kept so a round trip does not lose them; ignored at run time
    checkpoint: str | None = None
    max_context_length: int | None = None
    top_k_generations: int | None = None
    fuse_generations_count: int | None = None
    ranker_config: dict[str, Any] | None = None

    @field_validator("model")
    @classmethod
    def _model_not_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty: name the model to call, e.g. 'gpt-4o'")
        return v

    def archon_dict(self) -> dict[str, Any]:
        """The component as Archon JSON: defaults that Archon needs are written out."""
        data = self.model_dump(exclude_defaults=True)
        for key in ("type", "model", "model_type", "temperature", "max_tokens", "samples"):
            data[key] = getattr(self, key)
        order = ["type", "model", "model_type", "temperature", "max_tokens", "samples"]
        return {k: data[k] for k in order} | {k: v for k, v in data.items() if k not in order}


class CustomComponentConfig(BaseModel):
    """A component of a type registered with ``Archon.add_component``: any extra keys."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str
    model: str | None = None
    model_type: str | None = None

    def archon_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class ArchonConfig(BaseModel):
    """A validated Archon config: ``name`` and ``layers`` (a list of lists of components)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    layers: list[list[ComponentConfig | CustomComponentConfig]]
    custom: bool = False

    def archon_dict(self) -> dict[str, Any]:
        """The config as Archon JSON (the format :func:`archon.load_config` reads)."""
        out: dict[str, Any] = {
            "name": self.name,
            "layers": [[c.archon_dict() for c in layer] for layer in self.layers],
        }
        if self.custom:
            out["custom"] = True
        return out

    def config_hash(self) -> str:
        """A short stable hash of the architecture (the name is not part of it)."""
        body = json.dumps(self.archon_dict()["layers"], sort_keys=True)
        return hashlib.sha256(body.encode()).hexdigest()[:16]

    def components(self) -> list[ComponentConfig | CustomComponentConfig]:
        return [c for layer in self.layers for c in layer]
