"""Shared translation helpers: Retry-After parsing, finish reasons, key redaction, missing keys."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from archon.errors import ContextLengthError, MissingAPIKeyError, RateLimitError
from archon.providers._base import ChatRequest
from archon.providers._translate import (
    error_for_status,
    normalize_finish_reason,
    parse_retry_after,
    redact,
)


def test_retry_after_forms() -> None:
    assert parse_retry_after(httpx.Headers({"Retry-After": "2"})) == 2.0
    assert parse_retry_after({"Retry-After": "1.5"}) == 1.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (parse_retry_after({"Retry-After": date}) or 0) <= 31
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("stop", "stop"), ("end_turn", "stop"), ("eos", "stop"), ("length", "length"),
     ("max_tokens", "length"), ("MAX_TOKENS", "length"), ("SAFETY", "content_filter"),
     ("content_filter", "content_filter"), ("refusal", "refusal"), (None, None), ("odd", None)],
)  # fmt: skip
def test_finish_reasons(raw: str | None, expected: str | None) -> None:
    assert normalize_finish_reason(raw) == expected


def test_error_for_status_redacts_and_classifies() -> None:
    err = error_for_status(429, "slow down sk-SENTINEL-123", provider="p", headers={"Retry-After": "3"},
                           api_key="sk-SENTINEL-123")  # fmt: skip
    assert isinstance(err, RateLimitError) and err.retry_after == 3.0
    assert "sk-SENTINEL-123" not in str(err)
    # A truncated echo of the key ("sk-SENTINEL-12...") is masked too.
    masked = redact("key sk-SENTINEL-123456789, echoed sk-SENTINEL-12...", "sk-SENTINEL-123456789")
    assert "SENTINEL" not in masked
    assert isinstance(error_for_status(413, "payload", provider="p"), ContextLengthError)


@pytest.mark.parametrize(
    ("module", "cls", "env"),
    [("archon.providers.anthropic", "AnthropicProvider", "ANTHROPIC_API_KEY"),
     ("archon.providers.together", "TogetherProvider", "TOGETHER_API_KEY"),
     ("archon.providers.groq", "GroqProvider", "GROQ_API_KEY"),
     ("archon.providers.openai_compat", "OpenAIProvider", "OPENAI_API_KEY")],
)  # fmt: skip
async def test_missing_key_names_the_variable(
    module: str, cls: str, env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    monkeypatch.delenv(env, raising=False)
    provider = getattr(importlib.import_module(module), cls)(name="x")
    req = ChatRequest.build(provider="x", model="m", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(MissingAPIKeyError, match=env):
        await provider.generate(req, api_key=None)
