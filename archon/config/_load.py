"""``load_config``: read, normalise legacy shapes, validate, and report errors precisely.

Legacy shapes found in the published Archon configs are normalised here and only here:

- a layer given as ``{"models": [...], "branches": n}`` becomes the list of its models
  (``branches`` was never used by Archon's executor);
- a layer given as a single component dict becomes a one-element list;
- the misspelt key ``length_contorl`` becomes ``length_control`` (with a warning);
- ``model_type: ""`` with ``model: "llm-blender/PairRM"`` selects the PairRM ranker;
- keys Archon accepted and ignored (``checkpoint``, ``max_context_length``,
  ``top_k_generations``, ``fuse_generations_count``, ``ranker_config``) are kept.
"""

from __future__ import annotations

import copy
import difflib
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from archon.config._schema import (
    BUILTIN_TYPES,
    NEEDS_CANDIDATES,
    PRODUCES_CANDIDATES,
    ArchonConfig,
    ComponentConfig,
    CustomComponentConfig,
)
from archon.errors import ConfigError
from archon.providers._base import canonical_provider, model_types

logger = logging.getLogger(__name__)

MISSPELLINGS = {"length_contorl": "length_control"}
PAIRRM_MODEL = "llm-blender/PairRM"


def _did_you_mean(value: str, options: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    if not close:
        # case-insensitive second chance ("together_api" -> "Together_API")
        lowered = {o.lower(): o for o in options}
        if value.lower() in lowered:
            close = [lowered[value.lower()]]
    return f"; did you mean {close[0]!r}?" if close else f"; expected one of: {', '.join(options)}"


def _read(source: str | os.PathLike[str] | Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    if isinstance(source, Mapping):
        return copy.deepcopy(dict(source)), "<dict>"
    path = Path(source)
    where = str(path)
    if not path.is_file():
        raise ConfigError(
            f"{where}: no such config file; check the path (configs live in configs/)"
        )
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{where}: line {exc.lineno}, column {exc.colno}: malformed JSON ({exc.msg}); "
            "fix the syntax there (a missing comma or quote is the usual cause)"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the top level must be a JSON object with 'name' and 'layers'")
    return data, where


def normalise_legacy(data: dict[str, Any], where: str = "<dict>") -> dict[str, Any]:
    """Return ``data`` in the current shape (see module docstring). Does not validate."""
    layers = data.get("layers")
    if not isinstance(layers, list):
        return data
    new_layers: list[Any] = []
    misspelt: dict[str, list[str]] = {}
    for i, layer in enumerate(layers):
        if isinstance(layer, dict) and "models" in layer:
            extra = set(layer) - {"models", "branches"}
            if extra:
                raise ConfigError(
                    f"{where}: layers[{i}] has unknown keys {sorted(extra)} next to 'models'; "
                    "a legacy layer may only hold 'models' and 'branches'"
                )
            layer = layer["models"]
        elif isinstance(layer, dict):
            layer = [layer]
        if isinstance(layer, list):
            comps = []
            for comp in layer:
                if isinstance(comp, dict):
                    comp = dict(comp)
                    for wrong, right in MISSPELLINGS.items():
                        if wrong in comp:
                            misspelt.setdefault(wrong, []).append(f"layers[{i}]")
                            value = comp.pop(wrong)
                            comp.setdefault(right, value)
                    if comp.get("model_type") == "" and comp.get("model") == PAIRRM_MODEL:
                        comp["model_type"] = "pairrm"
                comps.append(comp)
            layer = comps
        new_layers.append(layer)
    for wrong, places in misspelt.items():
        logger.warning(
            "%s: key %r (in %s) is a misspelling of %r; reading it as %r",
            where,
            wrong,
            ", ".join(sorted(set(places))),
            MISSPELLINGS[wrong],
            MISSPELLINGS[wrong],
        )
    data = dict(data)
    data["layers"] = new_layers
    return data


def _loc_to_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("ComponentConfig", "CustomComponentConfig") or str(part).startswith(
            ("function-", "union[")
        ):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


_FIXES = {
    "extra_forbidden": "remove it (or check its spelling)",
    "missing": "add it",
}


def _validation_message(exc: ValidationError, where: str, prefix: tuple[Any, ...] = ()) -> str:
    lines = []
    seen = set()
    for err in exc.errors():
        loc = prefix + tuple(
            p for p in err["loc"] if p not in ("ComponentConfig", "CustomComponentConfig")
        )
        path = _loc_to_path(loc)
        if path in seen:
            continue
        seen.add(path)
        fix = _FIXES.get(err["type"], "")
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        lines.append(f"{path}: {msg}" + (f"; {fix}" if fix else ""))
    return f"{where}: invalid config: " + "; ".join(lines)


def _check_components(data: dict[str, Any], where: str) -> None:
    """Checks pydantic cannot express well: type, model_type, required keys, per component."""
    custom = bool(data.get("custom", False))
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers:
        raise ConfigError(
            f"{where}: 'layers' must be a non-empty list of layers (lists of components)"
        )
    for i, layer in enumerate(layers):
        if not isinstance(layer, list) or not layer:
            raise ConfigError(f"{where}: layers[{i}] must be a non-empty list of components")
        for j, comp in enumerate(layer):
            at = f"layers[{i}][{j}]"
            if not isinstance(comp, dict):
                raise ConfigError(f"{where}: {at} must be a JSON object")
            ctype = comp.get("type")
            if not isinstance(ctype, str):
                raise ConfigError(f'{where}: {at}.type is missing; add e.g. "type": "generator"')
            if ctype not in BUILTIN_TYPES:
                if custom:
                    continue
                raise ConfigError(
                    f"{where}: {at}.type: unknown component type {ctype!r}"
                    + _did_you_mean(ctype, BUILTIN_TYPES)
                    + ' (custom components need "custom": true and Archon.add_component)'
                )
            if "model" not in comp:
                raise ConfigError(
                    f"{where}: {at}.model is missing; name the model this {ctype} calls"
                )
            mt = comp.get("model_type")
            if mt is None:
                raise ConfigError(
                    f'{where}: {at}.model_type is missing; add e.g. "model_type": "OpenAI_API"'
                )
            if canonical_provider(str(mt)) is None and not custom:
                raise ConfigError(
                    f"{where}: {at}.model_type: unknown model_type {mt!r}"
                    + _did_you_mean(str(mt), model_types())
                    + ' (custom generators need "custom": true and Archon.add_generator)'
                )


def _check_flow(cfg: ArchonConfig, where: str) -> None:
    """Each component must have the inputs it reads from an earlier layer."""
    has_candidates = False
    has_tests = False
    for i, layer in enumerate(cfg.layers):
        produced = False
        made_tests = False
        for j, comp in enumerate(layer):
            if isinstance(comp, CustomComponentConfig):
                produced = True  # unknown: a custom component may add candidates
                continue
            if comp.type in NEEDS_CANDIDATES and not has_candidates:
                raise ConfigError(
                    f"{where}: layers[{i}][{j}]: a {comp.type} needs candidates, but no earlier "
                    "layer produces any; put a generator in an earlier layer"
                )
            if comp.type == "unit_test_evaluator" and not has_tests:
                raise ConfigError(
                    f"{where}: layers[{i}][{j}]: a unit_test_evaluator needs unit tests, but no "
                    "earlier layer has a unit_test_generator; add one before it"
                )
            if comp.type == "ranker" and comp.top_k is None:
                raise ConfigError(
                    f"{where}: layers[{i}][{j}].top_k is missing; a ranker keeps its top_k candidates"
                )
            if comp.type in PRODUCES_CANDIDATES or comp.type in (
                "ranker",
                "verifier",
                "unit_test_evaluator",
            ):
                produced = True
            if comp.type == "unit_test_generator":
                made_tests = True
        has_candidates = has_candidates or produced
        has_tests = has_tests or made_tests


def load_config(source: str | os.PathLike[str] | Mapping[str, Any] | ArchonConfig) -> ArchonConfig:
    """Load and validate an Archon config from a JSON file path or a dict.

    Legacy shapes of the published Archon configs are accepted (see module docstring).

    Raises:
        ConfigError: naming the file, the JSON path (``layers[2][0].top_k``) and the fix.

    Example:
        >>> cfg = load_config({"name": "one", "layers": [[{"type": "generator",
        ...     "model": "smollm2-135m", "model_type": "llama_cpp"}]]})
        >>> cfg.layers[0][0].samples
        1
    """
    if isinstance(source, ArchonConfig):
        return source
    data, where = _read(source)
    data = normalise_legacy(data, where)
    if "name" not in data:
        if where != "<dict>":
            data["name"] = Path(where).stem
        else:
            raise ConfigError(f'{where}: \'name\' is missing; add "name": "my-architecture"')
    _check_components(data, where)
    custom = bool(data.get("custom", False))
    layers: list[list[ComponentConfig | CustomComponentConfig]] = []
    for i, layer in enumerate(data["layers"]):
        built: list[ComponentConfig | CustomComponentConfig] = []
        for j, comp in enumerate(layer):
            model = (
                ComponentConfig
                if comp.get("type") in BUILTIN_TYPES or not custom
                else CustomComponentConfig
            )
            try:
                built.append(model.model_validate(comp))
            except ValidationError as exc:
                raise ConfigError(
                    _validation_message(exc, where, prefix=("layers", i, j))
                ) from None
        layers.append(built)
    top = {k: v for k, v in data.items() if k != "layers"}
    try:
        cfg = ArchonConfig.model_validate({**top, "layers": []}).model_copy(
            update={"layers": layers}
        )
    except ValidationError as exc:
        raise ConfigError(_validation_message(exc, where)) from None
    _check_flow(cfg, where)
    return cfg
