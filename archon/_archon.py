"""The :class:`Archon` front door: load a config, build its layers, answer questions."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from archon.cache import Cache
from archon.components import BUILTIN_COMPONENTS
from archon.config import ArchonConfig, ComponentConfig, CustomComponentConfig, load_config
from archon.errors import ArchonError, ConfigError
from archon.executor import Result, run_layers
from archon.providers._base import (
    ChatRequest,
    ChatResponse,
    Provider,
    aclose_providers,
    canonical_provider,
    get_provider,
)
from archon.providers._keys import KeyRing
from archon.providers._stack import CallStack, RetryPolicy

__all__ = ["Archon"]

DEFAULT_SYSTEM = "You are a helpful assistant."


class _FunctionProvider:
    """Wraps an Archon-style custom generator ``fn(model, messages, max_tokens, temperature)``."""

    def __init__(self, name: str, fn: Callable[..., Any]):
        self.name = name
        self.fn = fn

    async def generate(self, request: ChatRequest, *, api_key: str | None) -> ChatResponse:
        if asyncio.iscoroutinefunction(self.fn):
            out = await self.fn(
                model=request.model,
                messages=request.message_dicts,
                max_tokens=request.max_tokens,
                temperature=request.temperature,
            )
        else:
            out = await asyncio.to_thread(
                self.fn,
                model=request.model,
                messages=request.message_dicts,
                max_tokens=request.max_tokens,
                temperature=request.temperature,
            )
        if isinstance(out, ChatResponse):
            return out
        if out is None:
            from archon.errors import ProviderError

            raise ProviderError(f"custom generator {self.name!r} returned None", provider=self.name)
        return ChatResponse(text=str(out))


def run_sync(coro: Any) -> Any:
    """``asyncio.run`` that also works when called from inside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def normalise_messages(messages: str | Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """A string becomes a one-turn conversation; a system message is added when missing
    (as Archon does). Archon's ``{"content": {"content": ...}}`` nesting is unwrapped."""
    if isinstance(messages, str):
        return [
            {"role": "system", "content": DEFAULT_SYSTEM},
            {"role": "user", "content": messages},
        ]
    conv: list[dict[str, str]] = []
    for i, m in enumerate(messages):
        if not isinstance(m, Mapping) or "role" not in m or "content" not in m:
            raise ConfigError(f"messages[{i}] must be a dict with 'role' and 'content'")
        content = m["content"]
        if isinstance(content, Mapping) and "content" in content:
            content = content["content"]
        conv.append({"role": str(m["role"]), "content": str(content)})
    if not conv or conv[-1]["role"] != "user":
        raise ConfigError("the last message must be the user's question (role 'user')")
    if conv[0]["role"] != "system":
        conv.insert(0, {"role": "system", "content": DEFAULT_SYSTEM})
    return conv


class Archon:
    """Runs an Archon architecture.

    Args:
        config: a path to a config JSON file, a dict, or an :class:`ArchonConfig`.
        api_keys: ``None`` (environment and ``.env``; ``NAME``, ``NAME_2`` ... rotate), a dict
            ``{"OPENAI_API_KEY": ["sk-1", "sk-2"]}`` or a path to such a JSON file.
        cache: ``True`` (default disk cache), ``False``, a path, or a :class:`Cache`.
        limits: per-provider concurrency limits, e.g. ``{"openai": 32}``.
        retry: the backoff policy.
        stack: a ready :class:`CallStack` (overrides ``cache``, ``limits``, ``retry``).

    No API key is needed to construct it: a missing key is an error at the first call that
    needs it, naming the environment variable.

    Example:
        >>> archon = Archon("configs/local-smollm2.json")      # doctest: +SKIP
        >>> archon.generate("What is the capital of France?")  # doctest: +SKIP
        'The capital of France is Paris.'
    """

    def __init__(
        self,
        config: str | os.PathLike[str] | Mapping[str, Any] | ArchonConfig,
        api_keys: Mapping[str, Any] | str | os.PathLike[str] | None = None,
        *,
        cache: bool | str | os.PathLike[str] | Cache = True,
        limits: dict[str, int] | None = None,
        retry: RetryPolicy | None = None,
        stack: CallStack | None = None,
    ):
        self.config: ArchonConfig = load_config(config)
        self.custom_components: dict[str, Callable[..., Any]] = {}
        self.custom_generators: dict[str, Provider] = {}
        if stack is None:
            if isinstance(cache, Cache):
                cache_obj: Cache | None = cache
            elif cache is True:
                cache_obj = Cache()
            elif cache is False:
                cache_obj = None
            else:
                cache_obj = Cache(cache)
            stack = CallStack(
                cache=cache_obj,
                keys=KeyRing(api_keys),
                limits=limits,
                retry=retry,
                resolver=self._resolve,
            )
        else:
            base = stack.limit.inner.resolver
            stack.limit.inner.resolver = lambda req: (
                self.custom_generators.get(req.provider) or base(req)
            )
        self.stack = stack
        self.layers: list[list[Any]] = []
        self.initialized = False
        if not self.config.custom:
            self.initialize()

    def _resolve(self, request: ChatRequest) -> Provider:
        custom = self.custom_generators.get(request.provider)
        if custom is not None:
            return custom
        return get_provider(request.provider, base_url=request.base_url)

    def add_component(self, name: str, component: Callable[..., Any]) -> None:
        """Register a custom component class for configs with ``"type": name``.

        Either a subclass of :class:`archon.components.Component` (async ``arun``) or an
        Archon-style class with ``__init__(config)`` and ``run(conversation, prev_state,
        state)``. It may set any state keys; later layers see them.
        """
        self.custom_components[name] = component
        self.initialized = False

    def add_generator(self, name: str, generator: Callable[..., Any]) -> None:
        """Register a custom generator for configs with ``"model_type": name``:
        ``fn(model, messages, max_tokens, temperature) -> str`` (sync or async)."""
        self.custom_generators[name] = _FunctionProvider(name, generator)
        self.initialized = False

    def initialize(self) -> None:
        """Build the layers. Called by the constructor, or after adding custom parts."""
        layers: list[list[Any]] = []
        for i, layer in enumerate(self.config.layers):
            built: list[Any] = []
            for j, comp in enumerate(layer):
                built.append(self._build(comp, f"layers[{i}][{j}]"))
            layers.append(built)
        self.layers = layers
        self.initialized = True

    def _build(self, comp: ComponentConfig | CustomComponentConfig, at: str) -> Any:
        ctype = comp.type
        if ctype in self.custom_components:
            return self.custom_components[ctype](comp.archon_dict())
        if ctype not in BUILTIN_COMPONENTS or isinstance(comp, CustomComponentConfig):
            raise ConfigError(
                f"{self.config.name}: {at}.type {ctype!r} is not a built-in component and was not "
                "registered; call archon.add_component(name, cls) and then archon.initialize()"
            )
        assert isinstance(comp, ComponentConfig)
        mt = comp.model_type
        if canonical_provider(mt) is None and mt not in self.custom_generators:
            raise ConfigError(
                f"{self.config.name}: {at}.model_type {mt!r} is not a known provider and no custom "
                "generator of that name was added; call archon.add_generator(name, fn) first"
            )
        if canonical_provider(mt) == "llama_cpp":
            # a missing GGUF file is a config error now, not at the first call
            from archon.providers.llama_cpp import resolve_model_path

            try:
                resolve_model_path(comp.model)
            except ConfigError as exc:
                raise ConfigError(f"{self.config.name}: {at}.model: {exc}") from None
        return BUILTIN_COMPONENTS[ctype](comp)

    async def agenerate(self, messages: str | Sequence[Mapping[str, Any]]) -> Result:
        """Answer a question (a string or a message list); the full :class:`Result`.

        A failed model call or component is reported in ``Result.error``; configuration
        problems (missing key or extra, unknown component) raise.
        """
        if not self.initialized:
            self.initialize()
        return await run_layers(self.config, self.layers, normalise_messages(messages), self.stack)

    async def aclose(self) -> None:
        """Close the HTTP clients opened on the running event loop (call when done with a
        loop you manage; :meth:`run` and :meth:`generate` do it themselves)."""
        await aclose_providers()
        for custom in self.custom_generators.values():
            close = getattr(custom, "aclose", None)
            if close is not None:
                await close()

    def run(self, messages: str | Sequence[Mapping[str, Any]]) -> Result:
        """Synchronous twin of :meth:`agenerate` (also works inside a running event loop,
        e.g. a notebook, by running on a helper thread)."""

        async def answer_then_close() -> Result:
            try:
                return await self.agenerate(messages)
            finally:
                await self.aclose()

        return run_sync(answer_then_close())

    def generate(self, messages: str | Sequence[Mapping[str, Any]]) -> str:
        """Archon-compatible: the answer text; raises :class:`ArchonError` if there is none."""
        result = self.run(messages)
        if result.answer is None:
            raise ArchonError(
                f"{self.config.name}: no answer ({result.error_kind}): {result.error}"
            )
        return result.answer
