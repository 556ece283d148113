"""Groq via the ``groq`` SDK's ``AsyncGroq`` (``model_type`` ``Groq_API``)."""

from __future__ import annotations

from archon.providers._sdk_chat import ChatCompletionsSDKProvider

__all__ = ["GroqProvider"]


class GroqProvider(ChatCompletionsSDKProvider):
    """Models served by Groq (``llama-3.3-70b-versatile`` ...).

    ``base_url`` (for tests or a proxy) is the server root: the SDK appends
    ``/openai/v1/chat/completions``.
    """

    sdk = "groq"
    client_class = "AsyncGroq"
    key_env = "GROQ_API_KEY"

    def __init__(self, *, name: str = "groq", base_url: str | None = None) -> None:
        super().__init__(name=name, base_url=base_url)
