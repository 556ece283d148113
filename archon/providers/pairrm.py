"""Placeholder for Archon's PairRM ranker (``"model": "llm-blender/PairRM"``, ``"model_type": ""``)."""

from __future__ import annotations

from archon.errors import MissingExtraError
from archon.providers._base import ChatRequest, ChatResponse

__all__ = ["PairRMProvider"]


class PairRMProvider:
    """Always fails with a clear message: the PairRM reward model is not bundled.

    Archon ranks with PairRM through the ``llm-blender`` package and its Hugging Face
    weights; neither is a dependency here. A config can rank with any LLM instead.
    """

    def __init__(self, *, name: str = "pairrm", base_url: str | None = None) -> None:
        self.name = name
        self.base_url = base_url

    async def generate(self, request: ChatRequest, *, api_key: str | None) -> ChatResponse:
        raise MissingExtraError(
            f"the PairRM ranker ({request.model!r}) needs `pip install llm-blender` and the "
            "llm-blender/PairRM weights from Hugging Face, which this project does not bundle; "
            "use an LLM ranker instead: give the ranker any chat model and its model_type "
            '(e.g. "model_type": "llama_cpp" or "Together_API")'
        )
