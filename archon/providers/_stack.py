"""The call stack every model call goes through::

    CallStack.call ─> Cache ─> Retry (+ key rotation) ─> Limit ─> ProviderCall ─> Provider

Each layer is a small wrapper with one job and is tested on its own. The stack returns a
:class:`~archon.usage.CallRecord` for every requested call (served, cached or failed) and
hands it to the caller's usage sink; failures are re-raised as :class:`ProviderError` after
being recorded, never turned into text.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from archon.cache import Cache
from archon.errors import (
    ArchonError,
    MissingAPIKeyError,
    MissingExtraError,
    ProviderError,
    RateLimitError,
)
from archon.providers._base import (
    PROVIDERS,
    ChatRequest,
    ChatResponse,
    Provider,
    get_provider,
    provider_spec,
)
from archon.providers._keys import KeyRing
from archon.usage import CallRecord, cost_of

logger = logging.getLogger(__name__)

__all__ = ["CallStack", "Limit", "ProviderCall", "Retry", "RetryPolicy"]

Resolver = Callable[[ChatRequest], Provider]


def default_resolver(request: ChatRequest) -> Provider:
    return get_provider(request.provider, base_url=request.base_url)


class ProviderCall:
    """Bottom layer: find the provider and send the request with the given key."""

    def __init__(self, resolver: Resolver = default_resolver):
        self.resolver = resolver

    async def __call__(self, request: ChatRequest, api_key: str | None) -> ChatResponse:
        provider = self.resolver(request)
        try:
            return await asyncio.wait_for(
                provider.generate(request, api_key=api_key), timeout=request.timeout_s
            )
        except TimeoutError:
            from archon.errors import ProviderTimeoutError

            raise ProviderTimeoutError(
                f"{request.provider}/{request.model}: no answer within {request.timeout_s:.0f} s",
                provider=request.provider,
            ) from None


class Limit:
    """At most ``limits[provider]`` calls in flight per provider (per event loop)."""

    def __init__(self, inner: ProviderCall, limits: dict[str, int] | None = None):
        self.inner = inner
        self.limits = dict(limits or {})
        self._sems: dict[tuple[int, str], asyncio.Semaphore] = {}

    def _sem(self, provider: str) -> asyncio.Semaphore:
        key = (id(asyncio.get_running_loop()), provider)
        sem = self._sems.get(key)
        if sem is None:
            n = self.limits.get(provider)
            if n is None:
                n = PROVIDERS[provider].default_concurrency if provider in PROVIDERS else 8
            sem = self._sems[key] = asyncio.Semaphore(n)
        return sem

    async def __call__(self, request: ChatRequest, api_key: str | None) -> ChatResponse:
        async with self._sem(request.provider):
            return await self.inner(request, api_key)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter; ``Retry-After`` wins when the server sends it."""

    max_attempts: int = 6
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0
    jitter: float = 0.25

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(float(retry_after), self.max_delay_s)
        d = min(self.base_delay_s * (2 ** (attempt - 1)), self.max_delay_s)
        return d * (1 + random.uniform(-self.jitter, self.jitter))


class Retry:
    """Retries 429, 5xx and timeouts; never auth, bad-request or context-length errors.

    On a 429 with several keys for the provider, it rotates to the next key first.
    """

    def __init__(self, inner: Limit, keys: KeyRing, policy: RetryPolicy | None = None):
        self.inner = inner
        self.keys = keys
        self.policy = policy or RetryPolicy()
        self.sleep = asyncio.sleep

    def _key_env(self, request: ChatRequest) -> str | None:
        if request.key_env:
            return request.key_env
        spec = PROVIDERS.get(request.provider)
        return spec.key_env if spec else None

    async def __call__(self, request: ChatRequest) -> tuple[ChatResponse, int]:
        key_env = self._key_env(request)
        api_key = self.keys.get(key_env) if key_env else None
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self.inner(request, api_key), attempt
            except ProviderError as exc:
                if not exc.retryable or attempt >= self.policy.max_attempts:
                    exc.attempts = attempt  # type: ignore[attr-defined]
                    raise
                if isinstance(exc, RateLimitError) and key_env and len(self.keys.keys(key_env)) > 1:
                    api_key = self.keys.rotate(key_env, api_key)
                    logger.info(
                        "%s: rate limited; rotating to the next %s key", request.provider, key_env
                    )
                delay = self.policy.delay(attempt, getattr(exc, "retry_after", None))
                logger.info(
                    "%s/%s: %s (attempt %d/%d); retrying in %.1f s",
                    request.provider,
                    request.model,
                    exc.kind,
                    attempt,
                    self.policy.max_attempts,
                    delay,
                )
                await self.sleep(delay)


class CallStack:
    """Cache → retry/keys → limit → provider, with a usage record for every call.

    Args:
        cache: a :class:`~archon.cache.Cache` (``None`` or disabled: no caching).
        keys: the :class:`KeyRing`; default reads the environment and ``.env``.
        limits: per-provider concurrency limits overriding the defaults.
        retry: backoff policy.
        resolver: maps a request to a provider instance (tests and custom generators).
    """

    def __init__(
        self,
        *,
        cache: Cache | None = None,
        keys: KeyRing | None = None,
        limits: dict[str, int] | None = None,
        retry: RetryPolicy | None = None,
        resolver: Resolver = default_resolver,
    ):
        self.cache = cache
        self.keys = keys or KeyRing()
        self.limit = Limit(ProviderCall(resolver), limits)
        self.retry = Retry(self.limit, self.keys, retry)

    async def call(
        self,
        request: ChatRequest,
        *,
        sample_index: int = 0,
        sink: Callable[[CallRecord], None] | None = None,
    ) -> tuple[ChatResponse, CallRecord]:
        """Make (or replay) one call. Records it in ``sink``; raises ProviderError on failure."""
        start = time.perf_counter()
        cached = self.cache.get(request, sample_index) if self.cache is not None else None
        if cached is not None:
            rec = self._record(request, cached, sample_index, start, cached=True, attempts=0)
            if sink:
                sink(rec)
            return cached, rec
        try:
            response, attempts = await self.retry(request)
        except (MissingAPIKeyError, MissingExtraError):
            raise
        except ProviderError as exc:
            rec = CallRecord(
                provider=request.provider,
                model=request.model,
                ok=False,
                latency_s=time.perf_counter() - start,
                attempts=getattr(exc, "attempts", 1),
                sample_index=sample_index,
                error_kind=exc.kind,
                error=self.keys.redact(str(exc))[:500],
            )
            if sink:
                sink(rec)
            exc.args = (self.keys.redact(str(exc)),)
            raise
        except ArchonError:
            raise
        if self.cache is not None:
            self.cache.put(request, sample_index, response)
        rec = self._record(request, response, sample_index, start, cached=False, attempts=attempts)
        if sink:
            sink(rec)
        return response, rec

    @staticmethod
    def _record(
        request: ChatRequest,
        response: ChatResponse,
        sample_index: int,
        start: float,
        *,
        cached: bool,
        attempts: int,
    ) -> CallRecord:
        cost = cost_of(
            request.provider, request.model, response.input_tokens, response.output_tokens
        )
        return CallRecord(
            provider=request.provider,
            model=request.model,
            ok=True,
            cached=cached,
            input_tokens=response.input_tokens,
            output_tokens=response.output_tokens,
            cost_usd=0.0 if cached or cost is None else cost,
            full_cost_usd=cost or 0.0,
            latency_s=time.perf_counter() - start,
            attempts=attempts,
            sample_index=sample_index,
            finish_reason=response.finish_reason,
            priced=cost is not None,
        )


def key_env_for(model_type: str) -> str | None:
    return provider_spec(model_type).key_env
