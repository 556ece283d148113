"""In-process llama.cpp on the embedded SmolLM2-135M-Instruct, and path resolution."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from archon.errors import ConfigError, ContextLengthError, MissingExtraError
from archon.providers._base import ChatRequest
from archon.providers.llama_cpp import LlamaCppProvider, resolve_model_path, smollm2_gguf_path
from archon.providers.pairrm import PairRMProvider


def _req(
    model: str = "smollm2", content: str = "What is 2 + 2? Answer briefly.", **kw: object
) -> ChatRequest:
    return ChatRequest.build(
        provider="llama_cpp",
        model=model,
        messages=[{"role": "user", "content": content}],
        max_tokens=kw.pop("max_tokens", 24),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def test_smollm2_short_names_resolve_to_the_packaged_gguf() -> None:
    path = smollm2_gguf_path()
    assert path.suffix == ".gguf" and path.is_file()
    for name in ["smollm2", "SmolLM2-135M", "smollm2-135m-instruct", "SmolLM2-135M-Instruct"]:
        assert resolve_model_path(name) == path


async def test_missing_gguf_path_is_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "model.gguf"
    with pytest.raises(ConfigError) as info:
        await LlamaCppProvider(name="llama_cpp").generate(_req(str(missing)), api_key=None)
    assert str(missing) in str(info.value)
    assert ".gguf" in str(info.value) and "smollm2" in str(info.value)


async def test_pairrm_explains_what_to_install() -> None:
    req = ChatRequest.build(provider="pairrm", model="llm-blender/PairRM",
                            messages=[{"role": "user", "content": "x"}])  # fmt: skip
    with pytest.raises(MissingExtraError, match="llm-blender.*LLM ranker"):
        await PairRMProvider(name="pairrm").generate(req, api_key=None)


@pytest.mark.slow
async def test_smollm2_generates_with_token_counts() -> None:
    provider = LlamaCppProvider(name="llama_cpp")
    resp = await provider.generate(_req(temperature=0.0, params={"seed": 1}), api_key=None)
    assert resp.text.strip()
    assert resp.input_tokens > 0 and 0 < resp.output_tokens <= 24
    assert resp.finish_reason in {"stop", "length"}
    # Same seed -> same sample; concurrent calls are serialised on the worker thread.
    again, other = await asyncio.gather(
        provider.generate(_req(temperature=0.0, params={"seed": 1}), api_key=None),
        provider.generate(_req(max_tokens=4), api_key=None),
    )
    assert again.text == resp.text
    assert other.output_tokens <= 4 and other.finish_reason in {"stop", "length"}


@pytest.mark.slow
async def test_smollm2_prompt_over_context_is_context_length_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    long_prompt = "hello " * 6000  # > the default n_ctx of 4096 tokens
    with pytest.raises(ContextLengthError, match="context window"):
        await LlamaCppProvider(name="llama_cpp").generate(_req(content=long_prompt), api_key=None)
