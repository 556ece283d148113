"""SDK adapters against a loopback HTTP server: success, 429, 500, 401 and context length.

Each provider is driven through its real SDK and HTTP stack; the server returns the JSON
shapes the real APIs return. The API key is a sentinel that the server echoes back in its
error bodies, so a leak into an error message would be caught.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from archon.errors import (
    AuthenticationError,
    ContextLengthError,
    ProviderError,
    RateLimitError,
    ServerError,
)
from archon.providers._base import ChatRequest
from archon.providers.anthropic import AnthropicProvider
from archon.providers.google import GoogleProvider
from archon.providers.groq import GroqProvider
from archon.providers.openai_compat import OpenAICompatibleProvider, OpenAIProvider
from archon.providers.together import TogetherProvider

KEY = "sk-SENTINEL-123"


def _openai_ok(model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Paris."},
                "finish_reason": "length",
            }
        ],
        "usage": {"prompt_tokens": 17, "completion_tokens": 3, "total_tokens": 20},
    }


def _openai_err(message: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "code": code}}


def _anthropic_ok(model: str) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": "Paris."}],
        "stop_reason": "max_tokens",
        "stop_sequence": None,
        "usage": {"input_tokens": 17, "output_tokens": 3},
    }


def _anthropic_err(message: str, code: str | None = None) -> dict[str, Any]:
    return {"type": "error", "error": {"type": code or "invalid_request_error", "message": message}}


def _google_ok(model: str) -> dict[str, Any]:
    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": "Paris."}]},
                "finishReason": "MAX_TOKENS",
                "index": 0,
            }
        ],
        "usageMetadata": {"promptTokenCount": 17, "candidatesTokenCount": 3, "totalTokenCount": 20},
        "modelVersion": model,
    }


def _google_err(message: str, code: str | None = None, status: int = 400) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "status": code or "INVALID_ARGUMENT"}}


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[str], Any]  # server url -> provider
    model: str
    ok: Callable[[str], dict[str, Any]]
    err: Callable[..., dict[str, Any]]
    context_message: str
    path: str  # expected request path suffix


CASES = [
    Case(
        "openai",
        lambda url: OpenAIProvider(name="openai", base_url=f"{url}/v1"),
        "gpt-4o-mini",
        _openai_ok,
        _openai_err,
        "This model's maximum context length is 8192 tokens. However, your messages resulted "
        "in 9000 tokens. Please reduce the length of the messages.",
        "/v1/chat/completions",
    ),
    Case(
        "openai_compatible",
        lambda url: OpenAICompatibleProvider(name="openai_compatible", base_url=f"{url}/v1"),
        "Qwen/Qwen2.5-7B-Instruct",
        _openai_ok,
        _openai_err,
        "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.",
        "/v1/chat/completions",
    ),
    Case(
        "together",
        lambda url: TogetherProvider(name="together", base_url=url),
        "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        _openai_ok,
        _openai_err,
        "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 8193. "
        "Given: 9000 `inputs` tokens and 512 `max_new_tokens`",
        "/v1/chat/completions",
    ),
    Case(
        "groq",
        lambda url: GroqProvider(name="groq", base_url=url),
        "llama-3.3-70b-versatile",
        _openai_ok,
        _openai_err,
        "Please reduce the length of the messages or completion.",
        "/openai/v1/chat/completions",
    ),
    Case(
        "anthropic",
        lambda url: AnthropicProvider(name="anthropic", base_url=url),
        "claude-3-5-sonnet-20241022",
        _anthropic_ok,
        _anthropic_err,
        "prompt is too long: 215000 tokens > 200000 maximum",
        "/v1/messages",
    ),
    Case(
        "google",
        lambda url: GoogleProvider(name="google", base_url=url),
        "gemini-1.5-flash",
        _google_ok,
        _google_err,
        "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
        "/models/gemini-1.5-flash:generateContent",
    ),
]


def _request(case: Case, **kw: Any) -> ChatRequest:
    return ChatRequest.build(
        provider=case.name,
        model=case.model,
        messages=[
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": "Capital of France?"},
            {"role": "assistant", "content": "Let me think."},
            {"role": "user", "content": "Just the city."},
        ],
        temperature=0.3,
        max_tokens=3,
        timeout_s=10,
        **kw,
    )


async def _call(case: Case, server: Any, **kw: Any) -> Any:
    provider = case.make(server.url)
    try:
        return await provider.generate(_request(case, **kw), api_key=KEY)
    finally:
        await provider.aclose()


async def _fail(case: Case, server: Any) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        await _call(case, server)
    err = info.value
    assert KEY not in str(err)
    assert err.provider == case.name
    assert len(server.requests) == 1, "the SDK must not retry on its own"
    return err


ids = [c.name for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=ids)
async def test_success_text_tokens_finish(case: Case, fake_server: Any) -> None:
    fake_server.respond(200, case.ok(case.model))
    resp = await _call(case, fake_server)
    assert resp.text == "Paris."
    assert (resp.input_tokens, resp.output_tokens) == (17, 3)
    assert resp.finish_reason == "length"
    [sent] = fake_server.requests
    assert sent.method == "POST"
    assert sent.path.split("?")[0].endswith(case.path)
    assert KEY in " ".join(sent.headers.values())  # the key went in a header, not the body
    assert KEY not in str(sent.body)


@pytest.mark.parametrize("case", CASES, ids=ids)
async def test_429_is_rate_limit_with_retry_after(case: Case, fake_server: Any) -> None:
    fake_server.respond(429, case.err(f"Rate limit reached for key {KEY}", "RESOURCE_EXHAUSTED")
                        if case.name == "google" else case.err(f"Rate limit reached for key {KEY}"),
                        {"Retry-After": "2"})  # fmt: skip
    err = await _fail(case, fake_server)
    assert isinstance(err, RateLimitError)
    assert err.retry_after == 2.0
    assert err.status == 429 and err.retryable


@pytest.mark.parametrize("case", CASES, ids=ids)
async def test_500_is_server_error(case: Case, fake_server: Any) -> None:
    fake_server.respond(500, case.err("internal error", "INTERNAL"))
    err = await _fail(case, fake_server)
    assert isinstance(err, ServerError)
    assert err.status == 500 and err.retryable


@pytest.mark.parametrize("case", CASES, ids=ids)
async def test_401_is_authentication_error(case: Case, fake_server: Any) -> None:
    fake_server.respond(401, case.err(f"Incorrect API key provided: {KEY}.", "UNAUTHENTICATED"))
    err = await _fail(case, fake_server)
    assert isinstance(err, AuthenticationError)
    assert err.status == 401 and not err.retryable


@pytest.mark.parametrize("case", CASES, ids=ids)
async def test_context_length_400(case: Case, fake_server: Any) -> None:
    fake_server.respond(400, case.err(case.context_message))
    err = await _fail(case, fake_server)
    assert isinstance(err, ContextLengthError)
    assert err.status == 400 and not err.retryable


@pytest.mark.parametrize("case", CASES, ids=ids)
async def test_other_400_is_bad_request_not_context(case: Case, fake_server: Any) -> None:
    fake_server.respond(400, case.err("temperature must be between 0 and 2"))
    err = await _fail(case, fake_server)
    assert type(err).__name__ == "BadRequestError"


@pytest.mark.parametrize("case", CASES, ids=ids)
async def test_connection_refused_is_timeout_error(case: Case, fake_server: Any) -> None:
    url = fake_server.url
    fake_server.stop()
    provider = case.make(url)
    try:
        with pytest.raises(ProviderError) as info:
            await provider.generate(_request(case), api_key=KEY)
    finally:
        await provider.aclose()
    assert info.value.kind == "timeout" and info.value.retryable
    assert KEY not in str(info.value)


@pytest.mark.parametrize("case", CASES, ids=ids)
async def test_through_the_stack_429_then_500_then_success(case: Case, fake_server: Any) -> None:
    """The whole call stack over the real SDK: Retry-After honoured, the 500 retried, and
    the final answer and usage are those of the successful call."""
    from archon import KeyRing, Usage
    from archon.providers._stack import CallStack, RetryPolicy

    err = (
        case.err("slow down", "RESOURCE_EXHAUSTED")
        if case.name == "google"
        else case.err("slow down")
    )
    fake_server.respond(429, err, {"Retry-After": "1"})
    fake_server.respond(500, case.err("internal error", "INTERNAL"))
    fake_server.respond(200, case.ok(case.model))
    provider = case.make(fake_server.url)
    spec_env = {
        "openai": "OPENAI_API_KEY",
        "anthropic": "ANTHROPIC_API_KEY",
        "together": "TOGETHER_API_KEY",
        "groq": "GROQ_API_KEY",
        "google": "GOOGLE_API_KEY",
    }.get(case.name)
    keys = KeyRing({spec_env: [KEY]} if spec_env else {})
    stack = CallStack(
        resolver=lambda r: provider,
        keys=keys,
        retry=RetryPolicy(max_attempts=4, base_delay_s=0.01, jitter=0.0),
    )
    slept: list[float] = []

    async def record_sleep(d: float) -> None:
        slept.append(d)

    stack.retry.sleep = record_sleep
    usage = Usage()
    req = ChatRequest.build(
        provider=case.name, model=case.model, messages=[{"role": "user", "content": "hi"}]
    )
    resp, rec = await stack.call(req, sink=usage.add)
    assert resp.text == "Paris." and rec.attempts == 3 and len(fake_server.requests) == 3
    assert slept[0] == 1.0  # Retry-After
    assert usage.calls == 1 and usage.input_tokens == 17 and usage.output_tokens == 3
    if hasattr(provider, "aclose"):
        await provider.aclose()
