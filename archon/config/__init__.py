"""Archon config: schema and the one loader (with the legacy normaliser)."""

from archon.config._load import load_config, normalise_legacy
from archon.config._schema import (
    BUILTIN_TYPES,
    ArchonConfig,
    ComponentConfig,
    CustomComponentConfig,
)

__all__ = [
    "BUILTIN_TYPES",
    "ArchonConfig",
    "ComponentConfig",
    "CustomComponentConfig",
    "load_config",
    "normalise_legacy",
]
