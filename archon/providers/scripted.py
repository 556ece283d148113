"""A scripted provider: answers from a Python function, without any model.

For unit tests of our own logic and for dry runs of a pipeline (``"model_type":
"scripted"``): it records every request it receives. The default script answers each
role's prompt in the format that role expects, so a whole config can be exercised for free.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from archon.providers._base import ChatRequest, ChatResponse

__all__ = ["ScriptedProvider", "default_script"]

Script = Callable[[ChatRequest], "str | ChatResponse | BaseException"]


def default_script(request: ChatRequest) -> str:
    """A plausible reply for each component prompt (see ``archon.components.prompts``)."""
    last = request.messages[-1][1]
    n = len(re.findall(r"^\[(\d+)\]", last, flags=re.M))
    if "RANKING" in last:
        return " > ".join(f"[{i}]" for i in range(1, n + 1)) or "[1]"
    if "STRENGTHS" in last:
        return "Strengths: it answers the question.\nWeaknesses: it could be shorter."
    if "VERDICT" in last:
        return "[Correct]"
    if "UNIT TESTS" in last and "Test 1" in last:
        k = len(re.findall(r"^Test \d+:", last, flags=re.M))
        return "\n".join(f"Test {i}: [Passed]" for i in range(1, k + 1))
    if "UNIT TESTS" in last:
        return "- The answer states a final result.\n- The answer is consistent."
    return f"Answer from {request.model}: 42"


class ScriptedProvider:
    """Replies with ``script(request)``; an exception returned by the script is raised.

    Args:
        script: maps a request to text, a :class:`ChatResponse` or an exception to raise.
        latency_s: simulated latency per call (to test concurrency).
    """

    def __init__(
        self,
        name: str = "scripted",
        base_url: str | None = None,
        *,
        script: Script | None = None,
        latency_s: float = 0.0,
    ):
        self.name = name
        self.base_url = base_url
        self.script = script or default_script
        self.latency_s = latency_s
        self.requests: list[ChatRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def generate(self, request: ChatRequest, *, api_key: str | None) -> ChatResponse:
        self.requests.append(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency_s:
                await asyncio.sleep(self.latency_s)
            out: Any = self.script(request)
        finally:
            self.in_flight -= 1
        if isinstance(out, BaseException):
            raise out
        if isinstance(out, ChatResponse):
            return out
        text = str(out)
        n_in = sum(len(c.split()) for _, c in request.messages)
        return ChatResponse(text=text, input_tokens=n_in, output_tokens=len(text.split()))
