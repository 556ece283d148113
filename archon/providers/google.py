"""Gemini via ``google-genai`` (``model_type`` ``Google_API``); needs the ``google`` extra."""

from __future__ import annotations

import re
from typing import Any

from archon.providers._base import ChatRequest, ChatResponse, require
from archon.providers._translate import (
    ClientCache,
    error_for_status,
    normalize_finish_reason,
    translate_transport,
)

__all__ = ["GoogleProvider"]

_ROLES = {"user": "user", "assistant": "model", "model": "model"}
_RENAME = {"stop": "stop_sequences", "max_completion_tokens": "max_output_tokens"}


async def _close(client: Any) -> None:
    client.close()
    await client.aio.aclose()


def _retry_delay(details: Any) -> float | None:
    """Seconds from a ``google.rpc.RetryInfo`` detail (``"retryDelay": "30s"``) if any."""
    error = details.get("error", details) if isinstance(details, dict) else None
    for item in (error or {}).get("details", []) if isinstance(error, dict) else []:
        delay = item.get("retryDelay") if isinstance(item, dict) else None
        if isinstance(delay, str) and (m := re.fullmatch(r"([\d.]+)s", delay)):
            return float(m.group(1))
    return None


class GoogleProvider:
    """Gemini models through the Gemini API.

    Roles ``user``/``assistant`` become ``user``/``model``; system messages become the
    ``system_instruction``. ``output_tokens`` includes thinking tokens (they are billed as
    output).
    """

    def __init__(self, *, name: str = "google", base_url: str | None = None) -> None:
        self.name = name
        self.base_url = base_url
        self._clients = ClientCache(close=_close)

    def _client(self, genai: Any, types: Any, api_key: str | None, request: ChatRequest) -> Any:
        base_url = request.base_url or self.base_url

        def make() -> Any:
            options = types.HttpOptions(
                base_url=base_url,
                timeout=int(request.timeout_s * 1000),
                # attempts=1 also switches off the SDK's implicit connection-error retries.
                retry_options=types.HttpRetryOptions(attempts=1),
            )
            return genai.Client(api_key=api_key, http_options=options)

        return self._clients.get((base_url, api_key, request.timeout_s), make)

    def _config(self, types: Any, request: ChatRequest) -> Any:
        fields: dict[str, Any] = {
            "temperature": request.temperature,
            "max_output_tokens": request.max_tokens,
        }
        if request.system:
            fields["system_instruction"] = request.system
        known = set(types.GenerateContentConfig.model_fields)
        for key, value in request.params:
            key = _RENAME.get(key, key)
            if key == "stop_sequences" and isinstance(value, str):
                value = [value]
            if key in known:
                fields[key] = value
        return types.GenerateContentConfig(**fields)

    async def generate(self, request: ChatRequest, *, api_key: str | None) -> ChatResponse:
        genai = require("google.genai", extra="google", package="google-genai")
        types = require("google.genai.types", extra="google", package="google-genai")
        errors = require("google.genai.errors", extra="google", package="google-genai")
        contents = [
            {"role": _ROLES.get(m["role"], "user"), "parts": [{"text": m["content"]}]}
            for m in request.non_system
        ]
        try:
            client = self._client(genai, types, api_key, request)
            response = await client.aio.models.generate_content(
                model=request.model, contents=contents, config=self._config(types, request)
            )
        except errors.APIError as exc:
            headers = getattr(getattr(exc, "response", None), "headers", None)
            err = error_for_status(
                exc.code,
                f"{exc.status}: {exc.message}",
                provider=self.name,
                headers=headers,
                api_key=api_key,
            )
            if getattr(err, "retry_after", "absent") is None:
                err.retry_after = _retry_delay(exc.details)  # type: ignore[attr-defined]
            raise err from exc
        except Exception as exc:
            terr = translate_transport(exc, provider=self.name, api_key=api_key)
            if terr is None:
                raise
            raise terr from exc
        return self._response(response)

    def _response(self, response: Any) -> ChatResponse:
        usage = response.usage_metadata
        input_tokens = int(getattr(usage, "prompt_token_count", None) or 0)
        output_tokens = int(getattr(usage, "candidates_token_count", None) or 0) + int(
            getattr(usage, "thoughts_token_count", None) or 0
        )
        candidates = response.candidates or []
        if not candidates:
            feedback = getattr(response, "prompt_feedback", None)
            blocked = getattr(feedback, "block_reason", None)
            return ChatResponse(
                text="",
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                finish_reason="content_filter" if blocked else None,
                raw_model=getattr(response, "model_version", None),
            )
        candidate = candidates[0]
        parts = (getattr(candidate.content, "parts", None) if candidate.content else None) or []
        text = "".join(
            p.text for p in parts if getattr(p, "text", None) and not getattr(p, "thought", False)
        )
        return ChatResponse(
            text=text,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            finish_reason=normalize_finish_reason(candidate.finish_reason),
            raw_model=getattr(response, "model_version", None),
        )

    async def aclose(self) -> None:
        """Close the HTTP clients this provider opened on the running event loop."""
        await self._clients.aclose()
