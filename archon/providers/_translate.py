"""Shared helpers for provider adapters: HTTP failures -> :mod:`archon.errors`, finish reasons.

Every SDK reports failures differently; they all end up here so that a 429 is a
:class:`RateLimitError` with ``retry_after`` whichever SDK raised it, a prompt that is too
long is a :class:`ContextLengthError` (never retried), and no message carries the API key.
"""

from __future__ import annotations

import asyncio
import email.utils
import re
import sys
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from archon.errors import (
    AuthenticationError,
    BadRequestError,
    ContextLengthError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    ServerError,
)

__all__ = [
    "ClientCache",
    "error_for_status",
    "is_context_length_message",
    "normalize_finish_reason",
    "parse_chat_completion",
    "parse_retry_after",
    "redact",
    "translate_stainless",
    "translate_transport",
]

# Phrases providers use when the prompt (plus max_tokens) does not fit the model.
_CONTEXT_RE = re.compile(
    r"context[ _-]?(length|window)"
    r"|maximum context"
    r"|too many (input )?tokens"
    r"|prompt is too long"
    r"|input is too long"
    r"|(input|prompt) (token count|tokens?) .*exceed"
    r"|exceeds? the (model'?s? )?(maximum|max)(imum)? (number of )?(context|input|tokens)"
    r"|reduce the length of the messages"
    r"|tokens \+ `?max_new_tokens`? must be",
    re.IGNORECASE,
)

_FINISH = {
    "stop": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "eos": "stop",
    "eos_token": "stop",
    "tool_calls": "stop",
    "tool_use": "stop",
    "function_call": "stop",
    "finish_reason_stop": "stop",
    "length": "length",
    "max_tokens": "length",
    "model_length": "length",
    "model_context_window_exceeded": "length",
    "content_filter": "content_filter",
    "content_filtered": "content_filter",
    "guardrail_intervened": "content_filter",
    "safety": "content_filter",
    "recitation": "content_filter",
    "blocklist": "content_filter",
    "prohibited_content": "content_filter",
    "spii": "content_filter",
    "image_safety": "content_filter",
    "refusal": "refusal",
}


def normalize_finish_reason(reason: Any) -> str | None:
    """Map any SDK's stop reason to ``"stop"``, ``"length"``, ``"content_filter"``, ``"refusal"`` or None."""
    if reason is None:
        return None
    value = getattr(reason, "value", reason)  # enums (google-genai FinishReason)
    return _FINISH.get(str(value).lower())


def is_context_length_message(message: str) -> bool:
    return bool(_CONTEXT_RE.search(message or ""))


def redact(message: str, api_key: str | None) -> str:
    """Remove the API key (and obvious prefixes of it) from a message."""
    if api_key:
        message = message.replace(api_key, "***")
        if len(api_key) > 12:
            # Some servers echo a truncated key ("sk-abc...xyz"); drop the distinctive head too.
            message = message.replace(api_key[:12], "***")
    return message


def _header(headers: Any, name: str) -> str | None:
    if headers is None:
        return None
    getter = getattr(headers, "get", None)
    if getter is None:
        return None
    value = getter(name)
    if value is None and isinstance(headers, Mapping):
        lowered = name.lower()
        for key, val in headers.items():
            if str(key).lower() == lowered:
                return str(val)
    return None if value is None else str(value)


def parse_retry_after(headers: Any) -> float | None:
    """Seconds to wait, from ``retry-after-ms`` or ``Retry-After`` (seconds or HTTP date)."""
    ms = _header(headers, "retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = _header(headers, "retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, parsed.timestamp() - time.time())


def error_for_status(
    status: int | None,
    message: str,
    *,
    provider: str,
    headers: Any = None,
    api_key: str | None = None,
    context_length: bool | None = None,
) -> ProviderError:
    """Build the right :class:`ProviderError` for an HTTP status and server message."""
    msg = redact(str(message), api_key)
    text = f"{provider}: HTTP {status}: {msg}"
    if context_length is None:
        context_length = is_context_length_message(msg)
    if status in (401, 403):
        return AuthenticationError(
            f"{text} (check the API key for provider {provider!r})",
            status=status,
            provider=provider,
        )
    if status == 429:
        return RateLimitError(
            text, retry_after=parse_retry_after(headers), status=status, provider=provider
        )
    if status == 408:
        return ProviderTimeoutError(text, status=status, provider=provider)
    if status is not None and status >= 500:
        return ServerError(
            text, retry_after=parse_retry_after(headers), status=status, provider=provider
        )
    if status == 413 or context_length:
        return ContextLengthError(
            f"{text} (the prompt is too long for the model: shorten it or lower max_tokens)",
            status=status,
            provider=provider,
        )
    return BadRequestError(text, status=status, provider=provider)


def translate_transport(
    exc: BaseException, *, provider: str, api_key: str | None
) -> ProviderError | None:
    """Timeouts and connection failures of httpx / httpx2 -> :class:`ProviderTimeoutError`."""
    for module_name in ("httpx", "httpx2"):
        module = sys.modules.get(module_name)
        transport_error = getattr(module, "TransportError", None) if module else None
        if transport_error is not None and isinstance(exc, transport_error):
            what = "timed out" if "Timeout" in type(exc).__name__ else "connection failed"
            return ProviderTimeoutError(
                f"{provider}: request {what}: {redact(str(exc) or type(exc).__name__, api_key)}",
                provider=provider,
            )
    return None


def translate_stainless(
    exc: BaseException, sdk: Any, *, provider: str, api_key: str | None
) -> ProviderError | None:
    """Translate an exception of a Stainless-generated SDK (openai, anthropic, groq, together).

    Returns None when ``exc`` is not an SDK/transport failure (a programming error, say).
    """
    if isinstance(exc, sdk.APIStatusError):
        return error_for_status(
            exc.status_code,
            getattr(exc, "message", None) or str(exc),
            provider=provider,
            headers=exc.response.headers,
            api_key=api_key,
        )
    if isinstance(exc, sdk.APITimeoutError):
        return ProviderTimeoutError(f"{provider}: request timed out", provider=provider)
    if isinstance(exc, sdk.APIConnectionError):
        cause = exc.__cause__ or exc
        return ProviderTimeoutError(
            f"{provider}: connection failed: {redact(str(cause) or type(cause).__name__, api_key)}",
            provider=provider,
        )
    return translate_transport(exc, provider=provider, api_key=api_key)


class ClientCache:
    """SDK clients keyed by (running event loop, key): created lazily, closable per loop.

    Async HTTP clients are bound to the loop they first ran on, so one client per
    (base_url, api_key) per loop keeps connection pooling without cross-loop errors.
    """

    def __init__(self, close: Callable[[Any], Awaitable[None]] | None = None) -> None:
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Any, Any]] = (
            weakref.WeakKeyDictionary()
        )
        self._close = close

    def get(self, key: Any, factory: Callable[[], Any]) -> Any:
        loop = asyncio.get_running_loop()
        clients = self._by_loop.setdefault(loop, {})
        client = clients.get(key)
        if client is None:
            client = clients[key] = factory()
        return client

    async def aclose(self) -> None:
        """Close every client created on the running loop."""
        loop = asyncio.get_running_loop()
        clients = self._by_loop.pop(loop, {})
        for client in clients.values():
            if self._close is not None:
                await self._close(client)
                continue
            close = getattr(client, "aclose", None) or getattr(client, "close", None)
            if close is not None:
                result = close()
                if asyncio.iscoroutine(result):
                    await result


def parse_chat_completion(completion: Any, *, provider: str) -> Any:
    """An OpenAI-style ``ChatCompletion`` (openai, groq, together) -> :class:`ChatResponse`."""
    from archon.providers._base import ChatResponse

    choices = getattr(completion, "choices", None) or []
    text = ""
    finish: str | None = None
    if choices:
        choice = choices[0]
        message = getattr(choice, "message", None)
        text = (getattr(message, "content", None) or "") if message is not None else ""
        finish = normalize_finish_reason(getattr(choice, "finish_reason", None))
        if message is not None and getattr(message, "refusal", None):
            finish = "refusal"
    usage = getattr(completion, "usage", None)
    return ChatResponse(
        text=text,
        input_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        output_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        finish_reason=finish,
        raw_model=getattr(completion, "model", None),
    )
