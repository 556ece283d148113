"""AWS Bedrock's Converse API via boto3 (``model_type`` ``Bedrock_API``); needs the ``bedrock`` extra.

boto3 is synchronous, so each call runs in a worker thread (:func:`asyncio.to_thread`).
Credentials: the API key handed in is ``AWS_ACCESS_KEY_ID``; ``AWS_SECRET_ACCESS_KEY``,
``AWS_SESSION_TOKEN`` and the region (``AWS_REGION_NAME``, ``AWS_REGION`` or
``AWS_DEFAULT_REGION``) come from the environment. ``ARCHON_BEDROCK_ENDPOINT_URL``
overrides the endpoint (a proxy, or a loopback server in tests).
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

from archon.errors import (
    AuthenticationError,
    BadRequestError,
    ContextLengthError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    ServerError,
)
from archon.providers._base import ChatRequest, ChatResponse, require
from archon.providers._translate import (
    is_context_length_message,
    normalize_finish_reason,
    parse_retry_after,
    redact,
)

__all__ = ["BedrockProvider"]

ENDPOINT_ENV = "ARCHON_BEDROCK_ENDPOINT_URL"
_REGION_ENVS = ("AWS_REGION_NAME", "AWS_REGION", "AWS_DEFAULT_REGION")

_THROTTLE = {"ThrottlingException", "TooManyRequestsException", "ServiceQuotaExceededException"}
_AUTH = {
    "AccessDeniedException",
    "AccessDenied",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "ExpiredTokenException",
    "MissingAuthenticationTokenException",
    "SignatureDoesNotMatch",
}
_SERVER = {"InternalServerException", "ServiceUnavailableException", "ModelNotReadyException"}
_TIMEOUT = {"ModelTimeoutException"}

_clients: dict[tuple[Any, ...], Any] = {}
_clients_lock = threading.Lock()


def _region() -> str:
    for name in _REGION_ENVS:
        if os.environ.get(name):
            return os.environ[name]
    return "us-east-1"


def _client(api_key: str | None, timeout_s: float) -> Any:
    boto3 = require("boto3", extra="bedrock", package="boto3")
    config_mod = require("botocore.config", extra="bedrock", package="boto3")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY")
    token = os.environ.get("AWS_SESSION_TOKEN")
    endpoint = os.environ.get(ENDPOINT_ENV) or None
    region = _region()
    key = (api_key, secret, token, endpoint, region, timeout_s)
    with _clients_lock:  # boto3 clients are thread-safe, but building one is not
        client = _clients.get(key)
        if client is None:
            config = config_mod.Config(
                retries={"total_max_attempts": 1, "mode": "standard"},  # the stack retries
                read_timeout=timeout_s,
                connect_timeout=min(timeout_s, 60.0),
            )
            credentials: dict[str, Any] = {}
            if api_key:
                credentials = {
                    "aws_access_key_id": api_key,
                    "aws_secret_access_key": secret,
                    "aws_session_token": token,
                }
            client = boto3.session.Session().client(
                "bedrock-runtime",
                region_name=region,
                endpoint_url=endpoint,
                config=config,
                **credentials,
            )
            _clients[key] = client
    return client


def _model_id(model: str) -> str:
    return model.removeprefix("bedrock/")


def _translate(exc: BaseException, *, provider: str, api_key: str | None) -> ProviderError | None:
    botocore_exc = require("botocore.exceptions", extra="bedrock", package="boto3")
    if isinstance(exc, botocore_exc.ClientError):
        error = exc.response.get("Error", {})
        meta = exc.response.get("ResponseMetadata", {})
        code = str(error.get("Code", ""))
        status = meta.get("HTTPStatusCode")
        msg = redact(f"{provider}: {code} (HTTP {status}): {error.get('Message', '')}", api_key)
        headers = {k.lower(): v for k, v in (meta.get("HTTPHeaders") or {}).items()}
        if code in _THROTTLE or status == 429:
            return RateLimitError(
                msg, retry_after=parse_retry_after(headers), status=status, provider=provider
            )
        if code in _AUTH or status in (401, 403):
            return AuthenticationError(
                f"{msg} (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and model access)",
                status=status,
                provider=provider,
            )
        if code in _TIMEOUT or status == 408:
            return ProviderTimeoutError(msg, status=status, provider=provider)
        if code in _SERVER or (status is not None and status >= 500):
            return ServerError(msg, status=status, provider=provider)
        if code == "ValidationException" and (
            "too long" in msg.lower() or is_context_length_message(msg) or "context" in msg.lower()
        ):
            return ContextLengthError(
                f"{msg} (the prompt is too long for the model: shorten it or lower max_tokens)",
                status=status,
                provider=provider,
            )
        return BadRequestError(msg, status=status, provider=provider)
    if isinstance(exc, botocore_exc.NoCredentialsError | botocore_exc.PartialCredentialsError):
        return AuthenticationError(
            f"{provider}: no usable AWS credentials ({type(exc).__name__}): set "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
            provider=provider,
        )
    if isinstance(
        exc,
        botocore_exc.ReadTimeoutError
        | botocore_exc.ConnectTimeoutError
        | botocore_exc.EndpointConnectionError
        | botocore_exc.ConnectionClosedError,
    ):
        return ProviderTimeoutError(
            redact(f"{provider}: {type(exc).__name__}: {exc}", api_key), provider=provider
        )
    return None


class BedrockProvider:
    """Models on AWS Bedrock through the model-agnostic Converse API.

    Archon configs name models ``bedrock/meta.llama3-70b-instruct-v1:0``; the ``bedrock/``
    prefix is stripped.
    """

    def __init__(self, *, name: str = "bedrock", base_url: str | None = None) -> None:
        self.name = name
        self.base_url = base_url  # unused: the endpoint comes from ARCHON_BEDROCK_ENDPOINT_URL

    def _call(self, request: ChatRequest, api_key: str | None) -> dict[str, Any]:
        client = _client(api_key, request.timeout_s)
        inference: dict[str, Any] = {
            "maxTokens": request.max_tokens,
            "temperature": request.temperature,
        }
        params = dict(request.params)
        if "top_p" in params:
            inference["topP"] = params.pop("top_p")
        if "stop" in params:
            stop = params.pop("stop")
            inference["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
        kwargs: dict[str, Any] = {
            "modelId": _model_id(request.model),
            "messages": [
                {"role": m["role"], "content": [{"text": m["content"]}]} for m in request.non_system
            ],
            "inferenceConfig": inference,
        }
        if request.system:
            kwargs["system"] = [{"text": request.system}]
        params.pop("seed", None)  # Converse has no seed
        if params:
            kwargs["additionalModelRequestFields"] = params
        return client.converse(**kwargs)

    async def generate(self, request: ChatRequest, *, api_key: str | None) -> ChatResponse:
        try:
            result = await asyncio.to_thread(self._call, request, api_key)
        except Exception as exc:
            err = _translate(exc, provider=self.name, api_key=api_key)
            if err is None:
                raise
            raise err from exc
        content = result.get("output", {}).get("message", {}).get("content", [])
        usage = result.get("usage", {})
        return ChatResponse(
            text="".join(block.get("text", "") for block in content if "text" in block),
            input_tokens=int(usage.get("inputTokens", 0)),
            output_tokens=int(usage.get("outputTokens", 0)),
            finish_reason=normalize_finish_reason(result.get("stopReason")),
            raw_model=_model_id(request.model),
        )
