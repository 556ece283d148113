"""The provider contract: turn one chat request into one chat response.

Lifecycle of a call (see :mod:`archon.providers._stack`)::

    ChatRequest ─> cache ─> retry + key rotation ─> concurrency limit ─> Provider.generate

A provider does exactly one thing: send the request with the API key it is given and
return a :class:`ChatResponse` with the text and exact token counts, or raise one of the
:class:`archon.errors.ProviderError` subclasses. It never retries, caches or counts; those
are wrappers. SDKs are imported inside the provider module, lazily, so a missing SDK is an
error only when that provider is used (:func:`require`).

Providers are registered by name in :data:`PROVIDERS` (name -> "module:Class") and built
once per (name, base_url) by :func:`get_provider`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from archon.errors import ConfigError, MissingExtraError

__all__ = [
    "ChatRequest",
    "ChatResponse",
    "Message",
    "Provider",
    "ProviderSpec",
    "PROVIDERS",
    "get_provider",
    "provider_spec",
    "require",
]

Message = Mapping[str, str]


@dataclass(frozen=True)
class ChatRequest:
    """One semantic model call.

    ``provider``, ``model``, ``messages``, ``temperature``, ``max_tokens`` and ``params`` make
    up the cache key (plus a sample index added by the stack); ``base_url``, ``timeout_s``
    and ``key_env`` (the environment variable holding the key, when not the provider's
    default) do not.
    """

    provider: str
    model: str
    messages: tuple[tuple[str, str], ...]
    temperature: float = 0.7
    max_tokens: int = 2048
    params: tuple[tuple[str, Any], ...] = ()
    base_url: str | None = None
    timeout_s: float = 600.0
    key_env: str | None = None

    @staticmethod
    def build(
        *,
        provider: str,
        model: str,
        messages: Sequence[Message],
        temperature: float = 0.7,
        max_tokens: int = 2048,
        params: Mapping[str, Any] | None = None,
        base_url: str | None = None,
        timeout_s: float = 600.0,
        key_env: str | None = None,
    ) -> ChatRequest:
        return ChatRequest(
            provider=provider,
            model=model,
            messages=tuple((str(m["role"]), str(m["content"])) for m in messages),
            temperature=float(temperature),
            max_tokens=int(max_tokens),
            params=tuple(sorted((params or {}).items())),
            base_url=base_url,
            timeout_s=timeout_s,
            key_env=key_env,
        )

    @property
    def message_dicts(self) -> list[dict[str, str]]:
        return [{"role": r, "content": c} for r, c in self.messages]

    @property
    def system(self) -> str:
        """All system messages joined (for APIs that take the system prompt apart)."""
        return "\n\n".join(c for r, c in self.messages if r == "system")

    @property
    def non_system(self) -> list[dict[str, str]]:
        return [{"role": r, "content": c} for r, c in self.messages if r != "system"]


@dataclass(frozen=True)
class ChatResponse:
    """What a provider returns: text, exact token counts and why generation stopped.

    ``finish_reason`` is normalised to ``"stop"``, ``"length"`` (hit max_tokens),
    ``"refusal"``/``"content_filter"`` or ``None`` when unknown.
    """

    text: str
    input_tokens: int = 0
    output_tokens: int = 0
    finish_reason: str | None = "stop"
    raw_model: str | None = None


@runtime_checkable
class Provider(Protocol):
    """A model back end. Implementations live one per file in this package."""

    name: str

    async def generate(self, request: ChatRequest, *, api_key: str | None) -> ChatResponse:
        """Send one request; raise :class:`archon.errors.ProviderError` subclasses on failure."""
        ...


@dataclass(frozen=True)
class ProviderSpec:
    """Static facts about a provider.

    Attributes:
        name: canonical provider name used in cache keys and price tables.
        target: ``"module:Class"`` implementing :class:`Provider`.
        key_env: environment variable holding its API key (``None``: needs no key).
        default_concurrency: per-provider limit on calls in flight.
        extra: pip extra that installs its SDK, for error messages.
    """

    name: str
    target: str
    key_env: str | None
    default_concurrency: int = 16
    extra: str | None = None
    default_base_url: str | None = None
    aliases: tuple[str, ...] = field(default_factory=tuple)


PROVIDERS: dict[str, ProviderSpec] = {
    spec.name: spec
    for spec in [
        ProviderSpec(
            "openai",
            "archon.providers.openai_compat:OpenAIProvider",
            "OPENAI_API_KEY",
            aliases=("OpenAI_API",),
        ),
        ProviderSpec(
            "anthropic",
            "archon.providers.anthropic:AnthropicProvider",
            "ANTHROPIC_API_KEY",
            aliases=("Anthropic_API",),
        ),
        ProviderSpec(
            "together",
            "archon.providers.together:TogetherProvider",
            "TOGETHER_API_KEY",
            aliases=("Together_API",),
        ),
        ProviderSpec(
            "groq", "archon.providers.groq:GroqProvider", "GROQ_API_KEY", aliases=("Groq_API",)
        ),
        ProviderSpec(
            "google",
            "archon.providers.google:GoogleProvider",
            "GOOGLE_API_KEY",
            extra="google",
            aliases=("Google_API",),
        ),
        ProviderSpec(
            "bedrock",
            "archon.providers.bedrock:BedrockProvider",
            "AWS_ACCESS_KEY_ID",
            extra="bedrock",
            aliases=("Bedrock_API",),
        ),
        ProviderSpec(
            "openai_compatible",
            "archon.providers.openai_compat:OpenAICompatibleProvider",
            None,
            default_concurrency=8,
            aliases=("openai_compatible", "OpenAI_Compatible"),
        ),
        ProviderSpec(
            "tgi",
            "archon.providers.openai_compat:OpenAICompatibleProvider",
            None,
            default_concurrency=8,
            aliases=("tgi", "TGI"),
        ),
        ProviderSpec(
            "vllm",
            "archon.providers.openai_compat:OpenAICompatibleProvider",
            None,
            default_concurrency=8,
            default_base_url="http://localhost:8000/v1",
            aliases=("vLLM", "vllm"),
        ),
        ProviderSpec(
            "llama_cpp",
            "archon.providers.llama_cpp:LlamaCppProvider",
            None,
            default_concurrency=1,
            extra="local",
            aliases=("llama_cpp", "llama.cpp"),
        ),
        ProviderSpec(
            "pairrm",
            "archon.providers.pairrm:PairRMProvider",
            None,
            default_concurrency=1,
            aliases=(),
        ),
        ProviderSpec(
            "scripted",
            "archon.providers.scripted:ScriptedProvider",
            None,
            default_concurrency=64,
            aliases=("scripted",),
        ),
    ]
}

_ALIASES: dict[str, str] = {}
for _spec in PROVIDERS.values():
    _ALIASES[_spec.name] = _spec.name
    for _alias in _spec.aliases:
        _ALIASES[_alias] = _spec.name


def model_types() -> list[str]:
    """Every accepted ``model_type`` spelling."""
    return sorted(_ALIASES)


def canonical_provider(model_type: str) -> str | None:
    """Map an Archon ``model_type`` (``Together_API``) or our name to a provider name."""
    return _ALIASES.get(model_type)


def provider_spec(name: str) -> ProviderSpec:
    canon = canonical_provider(name)
    if canon is None:
        raise ConfigError(f"unknown provider {name!r}; known: {', '.join(model_types())}")
    return PROVIDERS[canon]


_INSTANCES: dict[tuple[str, str | None], Provider] = {}


def get_provider(name: str, *, base_url: str | None = None) -> Provider:
    """Return the (process-wide, cached) provider instance for ``name``."""
    spec = provider_spec(name)
    key = (spec.name, base_url)
    inst = _INSTANCES.get(key)
    if inst is None:
        module_name, _, cls_name = spec.target.partition(":")
        module = importlib.import_module(module_name)
        cls = getattr(module, cls_name)
        inst = cls(name=spec.name, base_url=base_url or spec.default_base_url)
        _INSTANCES[key] = inst
    return inst


async def aclose_providers() -> None:
    """Close the HTTP clients every provider opened on the running event loop."""
    for inst in list(_INSTANCES.values()):
        close = getattr(inst, "aclose", None)
        if close is not None:
            await close()


def register_provider_instance(
    name: str, provider: Provider, *, base_url: str | None = None
) -> None:
    """Install a ready provider instance (used for custom generators and tests)."""
    _INSTANCES[(name, base_url)] = provider


def require(module: str, *, extra: str, package: str | None = None) -> Any:
    """Import an optional SDK or raise :class:`MissingExtraError` naming the pip command."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        pkg = package or module.split(".")[0]
        raise MissingExtraError(
            f"the {module!r} module is not installed (needed for this provider); "
            f'install it with: pip install -e ".[{extra}]"  (or: pip install {pkg})'
        ) from exc
