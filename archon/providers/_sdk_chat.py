"""One adapter for the SDKs generated from OpenAI-style specs (groq, together): same client
shape (``Async<Name>(api_key, base_url, max_retries, timeout)``), same
``chat.completions.create`` call, same exception classes."""

from __future__ import annotations

import importlib
import os
from typing import ClassVar

from archon.errors import MissingAPIKeyError
from archon.providers._base import ChatRequest, ChatResponse
from archon.providers._translate import ClientCache, parse_chat_completion, translate_stainless


class ChatCompletionsSDKProvider:
    """Subclasses name the SDK module, its async client class and the key variable."""

    sdk: ClassVar[str]
    client_class: ClassVar[str]
    key_env: ClassVar[str]

    def __init__(self, *, name: str, base_url: str | None = None) -> None:
        self.name = name
        self.base_url = base_url
        self._clients = ClientCache()

    async def generate(self, request: ChatRequest, *, api_key: str | None) -> ChatResponse:
        sdk = importlib.import_module(self.sdk)  # core dependency, imported lazily like every SDK
        if not api_key and not os.environ.get(self.key_env):
            raise MissingAPIKeyError(
                f"no API key for provider {self.name!r}: set {self.key_env} (or pass api_keys)"
            )
        base_url = request.base_url or self.base_url
        try:
            client = self._clients.get(
                (base_url, api_key, request.timeout_s),
                lambda: getattr(sdk, self.client_class)(
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
            err = translate_stainless(exc, sdk, provider=self.name, api_key=api_key)
            if err is None:
                raise
            raise err from exc
        return parse_chat_completion(completion, provider=self.name)

    async def aclose(self) -> None:
        """Close the HTTP clients this provider opened on the running event loop."""
        await self._clients.aclose()
