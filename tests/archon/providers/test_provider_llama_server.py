"""OpenAI SDK adapters against a real OpenAI-compatible server: llama.cpp serving SmolLM2."""

from __future__ import annotations

import pytest

from archon.providers._base import ChatRequest
from archon.providers.openai_compat import OpenAICompatibleProvider, OpenAIProvider

pytestmark = pytest.mark.slow


def _req() -> ChatRequest:
    return ChatRequest.build(
        provider="openai_compatible",
        model="smollm2",
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Name one colour."},
        ],
        temperature=0.7,
        max_tokens=16,
        params={"seed": 3, "top_p": 0.9},
        timeout_s=120,
    )


@pytest.mark.parametrize("cls", [OpenAICompatibleProvider, OpenAIProvider])
async def test_real_openai_compatible_server(llama_server_url: str, cls: type) -> None:
    provider = cls(name="openai_compatible", base_url=llama_server_url)
    try:
        resp = await provider.generate(_req(), api_key="EMPTY")
    finally:
        await provider.aclose()
    assert resp.text.strip()
    assert resp.input_tokens > 0 and 0 < resp.output_tokens <= 16
    assert resp.finish_reason in {"stop", "length"}
