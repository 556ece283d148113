"""Bedrock Converse through boto3 against a loopback server (ARCHON_BEDROCK_ENDPOINT_URL)."""

from __future__ import annotations

from typing import Any

import pytest

from archon.errors import (
    AuthenticationError,
    BadRequestError,
    ContextLengthError,
    RateLimitError,
    ServerError,
)
from archon.providers._base import ChatRequest
from archon.providers.bedrock import ENDPOINT_ENV, BedrockProvider

KEY = "AKIASENTINEL123"

CONVERSE_OK = {
    "output": {"message": {"role": "assistant", "content": [{"text": "Paris."}]}},
    "stopReason": "max_tokens",
    "usage": {"inputTokens": 21, "outputTokens": 4, "totalTokens": 25},
    "metrics": {"latencyMs": 120},
}


@pytest.fixture
def aws_env(fake_server: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    monkeypatch.setenv(ENDPOINT_ENV, fake_server.url)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-SENTINEL")
    monkeypatch.setenv("AWS_REGION_NAME", "us-west-2")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    return fake_server


def _req() -> ChatRequest:
    return ChatRequest.build(
        provider="bedrock",
        model="bedrock/meta.llama3-70b-instruct-v1:0",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Capital of France?"},
        ],
        temperature=0.2,
        max_tokens=4,
        params={"top_p": 0.9, "stop": "\n"},
        timeout_s=10,
    )


async def test_converse_success(aws_env: Any) -> None:
    aws_env.respond(200, CONVERSE_OK)
    resp = await BedrockProvider(name="bedrock").generate(_req(), api_key=KEY)
    assert resp.text == "Paris."
    assert (resp.input_tokens, resp.output_tokens) == (21, 4)
    assert resp.finish_reason == "length"
    [sent] = aws_env.requests
    assert sent.path == "/model/meta.llama3-70b-instruct-v1%3A0/converse"  # prefix stripped
    assert (
        KEY in sent.headers["authorization"]
        and "us-west-2/bedrock" in sent.headers["authorization"]
    )
    assert sent.body["system"] == [{"text": "Be brief."}]
    assert sent.body["messages"] == [{"role": "user", "content": [{"text": "Capital of France?"}]}]
    assert sent.body["inferenceConfig"] == {
        "maxTokens": 4, "temperature": 0.2, "topP": 0.9, "stopSequences": ["\n"],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        (429, "ThrottlingException", "Too many requests, please wait.", RateLimitError),
        (403, "AccessDeniedException", "You don't have access to the model.", AuthenticationError),
        (400, "ValidationException", "Input is too long for requested model.", ContextLengthError),
        (400, "ValidationException", "temperature must be <= 1", BadRequestError),
        (503, "ServiceUnavailableException", "Service unavailable", ServerError),
    ],
)
async def test_converse_errors(
    aws_env: Any, status: int, code: str, message: str, expected: type
) -> None:
    aws_env.respond(
        status, {"message": f"{message} key={KEY}"}, {"x-amzn-ErrorType": f"{code}:http://x/"}
    )
    with pytest.raises(expected) as info:
        await BedrockProvider(name="bedrock").generate(_req(), api_key=KEY)
    assert info.value.status == status
    assert KEY not in str(info.value)
    assert len(aws_env.requests) == 1, "botocore must not retry on its own"
