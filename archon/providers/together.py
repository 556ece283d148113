"""Together AI via the official ``together`` SDK's ``AsyncTogether`` (``model_type`` ``Together_API``)."""

from __future__ import annotations

from archon.providers._sdk_chat import ChatCompletionsSDKProvider

__all__ = ["TogetherProvider"]


class TogetherProvider(ChatCompletionsSDKProvider):
    """Open models hosted by Together (``meta-llama/Llama-3.3-70B-Instruct-Turbo`` ...).

    ``base_url`` (for tests or a proxy) is the server root: the SDK appends
    ``/v1/chat/completions`` when it is overridden.
    """

    sdk = "together"
    client_class = "AsyncTogether"
    key_env = "TOGETHER_API_KEY"

    def __init__(self, *, name: str = "together", base_url: str | None = None) -> None:
        super().__init__(name=name, base_url=base_url)
