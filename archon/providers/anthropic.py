"""Anthropic's Messages API via ``anthropic.AsyncAnthropic`` (``model_type`` ``Anthropic_API``)."""

from __future__ import annotations

import os
from typing import Any

from archon.errors import MissingAPIKeyError
from archon.providers._base import ChatRequest, ChatResponse
from archon.providers._translate import ClientCache, normalize_finish_reason, translate_stainless

__all__ = ["AnthropicProvider"]

# Our generic sampling-param names -> the Messages API's; params it does not have are dropped.
_RENAME = {"stop": "stop_sequences"}
_UNSUPPORTED = {"seed", "frequency_penalty", "presence_penalty", "min_p", "n"}


class AnthropicProvider:
    """Claude models. System messages go in the ``system`` field, the rest in ``messages``.

    ``input_tokens`` counts every prompt token the API reports, cached ones included
    (``input_tokens + cache_creation_input_tokens + cache_read_input_tokens``).
    """

    def __init__(self, *, name: str = "anthropic", base_url: str | None = None) -> None:
        self.name = name
        self.base_url = base_url
        self._clients = ClientCache()

    async def generate(self, request: ChatRequest, *, api_key: str | None) -> ChatResponse:
        import anthropic  # core dependency, imported lazily like every SDK

        if not api_key and not os.environ.get("ANTHROPIC_API_KEY"):
            raise MissingAPIKeyError(
                f"no API key for provider {self.name!r}: set ANTHROPIC_API_KEY (or pass api_keys)"
            )

        base_url = request.base_url or self.base_url
        client = self._clients.get(
            (base_url, api_key, request.timeout_s),
            lambda: anthropic.AsyncAnthropic(
                api_key=api_key, base_url=base_url, max_retries=0, timeout=request.timeout_s
            ),
        )
        kwargs: dict[str, Any] = {
            "model": request.model,
            "messages": request.non_system,
            "max_tokens": request.max_tokens,
        }
        if request.system:
            kwargs["system"] = request.system
        # Recent SDKs have no ``temperature`` keyword; the API still takes it in the body.
        extra: dict[str, Any] = {"temperature": request.temperature}
        for key, value in request.params:
            if key in _UNSUPPORTED:
                continue
            key = _RENAME.get(key, key)
            if key == "stop_sequences" and isinstance(value, str):
                value = [value]
            extra[key] = value
        try:
            message = await client.messages.create(**kwargs, extra_body=extra)
        except Exception as exc:
            err = translate_stainless(exc, anthropic, provider=self.name, api_key=api_key)
            if err is None:
                raise
            raise err from exc
        text = "".join(
            getattr(block, "text", "") for block in message.content if block.type == "text"
        )
        usage = message.usage
        input_tokens = (
            usage.input_tokens
            + (getattr(usage, "cache_creation_input_tokens", None) or 0)
            + (getattr(usage, "cache_read_input_tokens", None) or 0)
        )
        return ChatResponse(
            text=text,
            input_tokens=int(input_tokens),
            output_tokens=int(usage.output_tokens),
            finish_reason=normalize_finish_reason(message.stop_reason),
            raw_model=message.model,
        )

    async def aclose(self) -> None:
        """Close the HTTP clients this provider opened on the running event loop."""
        await self._clients.aclose()
