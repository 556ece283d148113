"""What each adapter puts on the wire: roles, system prompt, sampling params, model quirks."""

from __future__ import annotations

from typing import Any

import pytest

from archon.errors import ConfigError
from archon.providers._base import ChatRequest
from archon.providers.anthropic import AnthropicProvider
from archon.providers.google import GoogleProvider
from archon.providers.openai_compat import BASE_URL_ENV, OpenAICompatibleProvider, OpenAIProvider

KEY = "sk-SENTINEL-123"
MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello"},
    {"role": "user", "content": "Capital of France?"},
]
OPENAI_OK = {
    "id": "c",
    "object": "chat.completion",
    "created": 0,
    "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Paris"},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
}  # fmt: skip


def _req(model: str, **kw: Any) -> ChatRequest:
    return ChatRequest.build(
        provider="x", model=model, messages=MESSAGES, temperature=0.3, max_tokens=50, **kw
    )


async def _run(provider: Any, request: ChatRequest, api_key: str | None = KEY) -> Any:
    try:
        return await provider.generate(request, api_key=api_key)
    finally:
        await provider.aclose()


async def test_openai_passes_sampling_params(fake_server: Any) -> None:
    fake_server.respond(200, OPENAI_OK)
    provider = OpenAIProvider(name="openai", base_url=f"{fake_server.url}/v1")
    resp = await _run(provider, _req("gpt-4o", params={"top_p": 0.9, "seed": 7, "stop": ["\n"]}))
    assert resp.finish_reason == "stop"
    body = fake_server.requests[0].body
    assert body["messages"] == MESSAGES
    assert (body["temperature"], body["max_tokens"]) == (0.3, 50)
    assert (body["top_p"], body["seed"], body["stop"]) == (0.9, 7, ["\n"])


@pytest.mark.parametrize("model", ["o1-mini", "o3", "gpt-5-mini"])
async def test_openai_reasoning_models_use_max_completion_tokens(
    fake_server: Any, model: str
) -> None:
    fake_server.respond(200, OPENAI_OK)
    await _run(OpenAIProvider(name="openai", base_url=f"{fake_server.url}/v1"), _req(model))
    body = fake_server.requests[0].body
    assert body["max_completion_tokens"] == 50
    assert "temperature" not in body and "max_tokens" not in body


async def test_openai_compatible_sends_empty_key_when_none(fake_server: Any) -> None:
    fake_server.respond(200, OPENAI_OK)
    provider = OpenAICompatibleProvider(name="vllm", base_url=f"{fake_server.url}/v1")
    resp = await _run(provider, _req("local-model"), api_key=None)
    assert resp.text == "Paris" and (resp.input_tokens, resp.output_tokens) == (5, 1)
    assert fake_server.requests[0].headers["authorization"] == "Bearer EMPTY"


async def test_openai_compatible_base_url_from_env(fake_server: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv(BASE_URL_ENV, f"{fake_server.url}/v1")
    fake_server.respond(200, OPENAI_OK)
    resp = await _run(OpenAICompatibleProvider(name="openai_compatible"), _req("m"), api_key=None)
    assert resp.text == "Paris"


async def test_openai_compatible_without_base_url_is_config_error(monkeypatch: Any) -> None:
    monkeypatch.delenv(BASE_URL_ENV, raising=False)
    with pytest.raises(ConfigError, match=f"base_url.*{BASE_URL_ENV}"):
        await _run(OpenAICompatibleProvider(name="openai_compatible"), _req("m"), api_key=None)


async def test_tgi_legacy_model_is_the_server_url(fake_server: Any) -> None:
    fake_server.respond(200, OPENAI_OK)
    await _run(OpenAICompatibleProvider(name="tgi"), _req(fake_server.url), api_key=None)
    [sent] = fake_server.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.body["model"] == "tgi"


async def test_anthropic_separates_system_and_maps_stop(fake_server: Any) -> None:
    fake_server.respond(200, {
        "id": "msg", "type": "message", "role": "assistant", "model": "claude",
        "content": [{"type": "text", "text": "Par"}, {"type": "text", "text": "is"}],
        "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 2, "cache_read_input_tokens": 4},
    })  # fmt: skip
    provider = AnthropicProvider(name="anthropic", base_url=fake_server.url)
    resp = await _run(provider, _req("claude-3-5-haiku", params={"stop": "\n\n", "seed": 1}))
    assert (resp.text, resp.input_tokens, resp.output_tokens) == ("Paris", 14, 2)
    assert resp.finish_reason == "stop"
    [sent] = fake_server.requests
    assert KEY in (sent.headers.get("x-api-key", "") + sent.headers.get("authorization", ""))
    assert sent.body["system"] == "Be brief."
    assert sent.body["messages"] == MESSAGES[1:]
    assert sent.body["stop_sequences"] == ["\n\n"]
    assert sent.body["temperature"] == 0.3 and sent.body["max_tokens"] == 50
    assert "seed" not in sent.body


async def test_google_maps_roles_and_system_instruction(fake_server: Any) -> None:
    fake_server.respond(200, {
        "candidates": [{"content": {"role": "model", "parts": [
            {"text": "thinking...", "thought": True}, {"text": "Paris"}]},
            "finishReason": "SAFETY"}],
        "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": 1,
                          "thoughtsTokenCount": 4},
    })  # fmt: skip
    provider = GoogleProvider(name="google", base_url=fake_server.url)
    resp = await _run(provider, _req("gemini-2.0-flash", params={"top_p": 0.5, "unknown": 1}))
    assert (resp.text, resp.input_tokens, resp.output_tokens) == ("Paris", 9, 5)
    assert resp.finish_reason == "content_filter"
    body = fake_server.requests[0].body
    assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
    assert body["systemInstruction"]["parts"][0]["text"] == "Be brief."
    config = body["generationConfig"]
    assert (config["temperature"], config["maxOutputTokens"], config["topP"]) == (0.3, 50, 0.5)


async def test_google_retry_delay_from_error_details(fake_server: Any) -> None:
    from archon.errors import RateLimitError

    fake_server.respond(429, {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED",
                                        "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                                     "retryDelay": "7s"}]}})  # fmt: skip
    with pytest.raises(RateLimitError) as info:
        await _run(GoogleProvider(name="google", base_url=fake_server.url), _req("gemini-x"))
    assert info.value.retry_after == 7.0
