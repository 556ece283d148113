"""OpenAI and OpenAI-compatible servers (vLLM, TGI, llama.cpp server, Ollama) via ``openai.AsyncOpenAI``."""

from __future__ import annotations

import os
import re
from typing import Any

from archon.errors import ConfigError, MissingAPIKeyError
from archon.providers._base import ChatRequest, ChatResponse
from archon.providers._translate import ClientCache, parse_chat_completion, translate_stainless

__all__ = ["OpenAICompatibleProvider", "OpenAIProvider"]

BASE_URL_ENV = "ARCHON_OPENAI_COMPATIBLE_BASE_URL"

# Reasoning models reject ``temperature`` and ``max_tokens``; they take ``max_completion_tokens``.
_REASONING_MODEL = re.compile(r"^(openai/)?(o\d|gpt-5)", re.IGNORECASE)


class _OpenAIBase:
    """Common request/response handling for every server speaking OpenAI chat completions."""

    def __init__(self, *, name: str, base_url: str | None = None) -> None:
        self.name = name
        self.base_url = base_url
        self._clients = ClientCache()

    def _client(self, base_url: str | None, api_key: str | None, timeout_s: float) -> Any:
        import openai  # a core dependency, imported lazily like every SDK

        return self._clients.get(
            (base_url, api_key, timeout_s),
            lambda: openai.AsyncOpenAI(
                api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout_s
            ),
        )

    def _body(self, request: ChatRequest, model: str) -> dict[str, Any]:
        return {
            "model": model,
            "messages": request.message_dicts,
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        }

    async def _send(
        self, request: ChatRequest, *, model: str, base_url: str | None, api_key: str | None
    ) -> ChatResponse:
        import openai

        client = self._client(base_url, api_key, request.timeout_s)
        body = self._body(request, model)
        # Everything goes in the JSON body so extra sampling params (top_p, seed, stop, min_p)
        # reach servers that accept them without the SDK rejecting unknown keyword arguments.
        extra = {k: v for k, v in request.params}
        try:
            completion = await client.chat.completions.create(
                model=body.pop("model"), messages=body.pop("messages"), extra_body={**body, **extra}
            )
        except Exception as exc:
            err = translate_stainless(exc, openai, provider=self.name, api_key=api_key)
            if err is None:
                raise
            raise err from exc
        return parse_chat_completion(completion, provider=self.name)

    async def aclose(self) -> None:
        """Close the HTTP clients this provider opened on the running event loop."""
        await self._clients.aclose()


class OpenAIProvider(_OpenAIBase):
    """The OpenAI API (``model_type`` ``OpenAI_API``); ``base_url`` None means api.openai.com.

    Example:
        >>> provider = OpenAIProvider(name="openai")  # doctest: +SKIP
        >>> await provider.generate(request, api_key=os.environ["OPENAI_API_KEY"])  # doctest: +SKIP
    """

    def _body(self, request: ChatRequest, model: str) -> dict[str, Any]:
        if _REASONING_MODEL.match(model):
            return {
                "model": model,
                "messages": request.message_dicts,
                "max_completion_tokens": request.max_tokens,
            }
        return super()._body(request, model)

    async def generate(self, request: ChatRequest, *, api_key: str | None) -> ChatResponse:
        if not api_key and not os.environ.get("OPENAI_API_KEY"):
            raise MissingAPIKeyError(
                f"no API key for provider {self.name!r}: set OPENAI_API_KEY (or pass api_keys)"
            )
        return await self._send(
            request,
            model=request.model,
            base_url=request.base_url or self.base_url,
            api_key=api_key,
        )


class OpenAICompatibleProvider(_OpenAIBase):
    """Any OpenAI-compatible server: vLLM, TGI, llama.cpp server, Ollama.

    The server address comes from the request's ``base_url`` (set on the component), else
    the provider's, else ``$ARCHON_OPENAI_COMPATIBLE_BASE_URL``. For Archon's legacy ``tgi``
    configs the ``model`` field may itself be the server URL. Servers that need no key get
    ``"EMPTY"``.
    """

    def _resolve(self, request: ChatRequest) -> tuple[str, str]:
        model = request.model
        base_url = request.base_url or self.base_url
        if base_url is None and model.startswith(("http://", "https://")):
            base_url = model.rstrip("/")
            if not base_url.endswith("/v1"):
                base_url += "/v1"
            model = "tgi"
        base_url = base_url or os.environ.get(BASE_URL_ENV)
        if not base_url:
            raise ConfigError(
                f"provider {self.name!r} (model {request.model!r}) needs a server address: set "
                f'`base_url` on the component (e.g. "http://localhost:8000/v1") or the '
                f"environment variable {BASE_URL_ENV}"
            )
        return model, base_url

    async def generate(self, request: ChatRequest, *, api_key: str | None) -> ChatResponse:
        model, base_url = self._resolve(request)
        return await self._send(request, model=model, base_url=base_url, api_key=api_key or "EMPTY")
