"""Groq via the ``groq`` SDK's ``AsyncGroq`` (``model_type`` ``Groq_API``)."""

from __future__ import annotations

import os

from archon.errors import MissingAPIKeyError
from archon.providers._base import ChatRequest, ChatResponse
from archon.providers._translate import ClientCache, parse_chat_completion, translate_stainless

__all__ = ["GroqProvider"]


class GroqProvider:
    """Models served by Groq (``llama-3.3-70b-versatile`` ...).

    ``base_url`` (for tests or a proxy) is the server root: the SDK appends
    ``/openai/v1/chat/completions``.
    """

    def __init__(self, *, name: str = "groq", base_url: str | None = None) -> None:
        self.name = name
        self.base_url = base_url
        self._clients = ClientCache()

    async def generate(self, request: ChatRequest, *, api_key: str | None) -> ChatResponse:
        import groq  # core dependency, imported lazily like every SDK

        if not api_key and not os.environ.get("GROQ_API_KEY"):
            raise MissingAPIKeyError(
                f"no API key for provider {self.name!r}: set GROQ_API_KEY (or pass api_keys)"
            )

        base_url = request.base_url or self.base_url
        try:
            client = self._clients.get(
                (base_url, api_key, request.timeout_s),
                lambda: groq.AsyncGroq(
                    api_key=api_key, base_url=base_url, max_retries=0, timeout=request.timeout_s
                ),
            )
            completion = await client.chat.completions.create(
                model=request.model,
                messages=request.message_dicts,
                temperature=request.temperature,
                max_tokens=request.max_tokens,
                # extra_body: sampling params the SDK has no keyword for still reach the API.
                extra_body=dict(request.params) or None,
            )
        except Exception as exc:
            err = translate_stainless(exc, groq, provider=self.name, api_key=api_key)
            if err is None:
                raise
            raise err from exc
        return parse_chat_completion(completion, provider=self.name)

    async def aclose(self) -> None:
        """Close the HTTP clients this provider opened on the running event loop."""
        await self._clients.aclose()
