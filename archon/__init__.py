"""archon: run layered LLM architectures (Archon configs) on real providers.

Public API::

    from archon import Archon, load_config
    archon = Archon("configs/local-smollm2.json")
    print(archon.generate("What is the capital of France?"))
"""

from archon._archon import Archon
from archon.cache import Cache
from archon.config import ArchonConfig, ComponentConfig, load_config
from archon.errors import (
    ArchonError,
    ComponentError,
    ConfigError,
    DataError,
    MissingAPIKeyError,
    MissingExtraError,
    ProviderError,
)
from archon.executor import LayerTrace, Result
from archon.providers._keys import KeyRing
from archon.providers._stack import CallStack, RetryPolicy
from archon.usage import CallRecord, Usage, register_prices

__version__ = "0.1.0"

__all__ = [
    "Archon",
    "ArchonConfig",
    "ArchonError",
    "Cache",
    "CallRecord",
    "CallStack",
    "ComponentConfig",
    "ComponentError",
    "ConfigError",
    "DataError",
    "KeyRing",
    "LayerTrace",
    "MissingAPIKeyError",
    "MissingExtraError",
    "ProviderError",
    "Result",
    "RetryPolicy",
    "Usage",
    "__version__",
    "load_config",
    "register_prices",
]
