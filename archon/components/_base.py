"""The component contract.

A layer runs its components concurrently. Each component reads the state the previous layer
left (``prev``: a dict of lists: ``candidates``, ``critiques`` aligned with candidates,
``unit_tests``, and any custom keys) and returns an *update*: a dict of the keys it sets.
The executor merges the updates of a layer in component order (so the result does not depend
on which call finished first): list values of the same key are concatenated. Keys no
component set are carried over from ``prev``; when a layer replaces ``candidates`` and no
component set ``critiques``, the critiques are dropped (they described other candidates).

A component makes model calls only through its :class:`LayerContext` (``ctx.complete``,
``ctx.sample``), which assigns sample indexes for the cache, records usage and failures.

Archon-style custom components (``__init__(config)`` and a synchronous
``run(conversation, prev_state, state)`` that extends ``state`` in place) are supported as
they are: the executor runs them in a worker thread.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from archon.config import ComponentConfig
from archon.errors import ComponentError, ProviderError
from archon.providers._base import ChatRequest, canonical_provider

State = dict[str, list[Any]]

__all__ = ["Component", "LayerContext", "State"]


class LayerContext:
    """What a component may use: the conversation and a way to call models.

    Attributes:
        conversation: the messages, with unit tests appended to the last user turn once a
            unit_test_generator has run (as Archon does).
        base_conversation: the messages as given.
    """

    def __init__(
        self,
        *,
        conversation: list[dict[str, str]],
        base_conversation: list[dict[str, str]],
        runner: Any,
        layer_index: int,
    ):
        self.conversation = conversation
        self.base_conversation = base_conversation
        self._runner = runner
        self.layer_index = layer_index

    @property
    def query(self) -> str:
        return self.conversation[-1]["content"]

    @property
    def history(self) -> list[dict[str, str]]:
        """Earlier turns of the conversation without system messages and the last query."""
        return [m for m in self.conversation[:-1] if m["role"] != "system"]

    def request(self, config: ComponentConfig, messages: Sequence[dict[str, str]]) -> ChatRequest:
        provider = canonical_provider(config.model_type) or config.model_type
        if config.no_system:
            messages = [m for m in messages if m["role"] != "system"]
        return ChatRequest.build(
            provider=provider,
            model=config.model,
            messages=messages,
            temperature=config.temperature,
            max_tokens=config.max_tokens,
            params=config.params,
            base_url=config.base_url,
            key_env=config.api_key_env,
        )

    async def complete(self, config: ComponentConfig, messages: Sequence[dict[str, str]]) -> str:
        """One call; raises :class:`ProviderError` (already recorded) when it fails."""
        return await self._runner.complete(self.request(config, messages), self.layer_index)

    async def sample(
        self, config: ComponentConfig, messages: Sequence[dict[str, str]], n: int
    ) -> list[str]:
        """``n`` concurrent samples of the same request. Failed samples are recorded and
        left out; if every sample fails the last error is raised."""
        req = self.request(config, messages)
        results = await asyncio.gather(
            *(self._runner.complete(req, self.layer_index) for _ in range(n)),
            return_exceptions=True,
        )
        texts = [r for r in results if isinstance(r, str)]
        errors = [r for r in results if isinstance(r, BaseException)]
        for e in errors:
            if not isinstance(e, ProviderError):
                raise e
        if not texts and errors:
            raise errors[-1]
        return texts

    def note(self, message: str) -> None:
        """Record something notable (an unparsed verdict, a fallback) in the layer trace."""
        self._runner.note(self.layer_index, message)


class Component(ABC):
    """A built-in or custom component. Subclasses document their semantics."""

    #: keys of ``prev`` the component needs non-empty
    requires: tuple[str, ...] = ()

    def __init__(self, config: ComponentConfig):
        self.config = config

    def template(self, name: str) -> str:
        from archon.components import prompts

        return self.config.prompts.get(name) or prompts.ALL[name]

    def check_inputs(self, prev: State) -> None:
        for key in self.requires:
            if not prev.get(key):
                raise ComponentError(
                    f"{self.config.type} ({self.config.model}) got no {key} from the previous layer"
                )

    @abstractmethod
    async def arun(self, ctx: LayerContext, prev: State) -> State:
        """Return the state keys this component sets."""


def numbered(candidates: Sequence[str], critiques: Sequence[str] | None = None) -> str:
    from archon.components import prompts

    blocks = []
    for i, text in enumerate(candidates, 1):
        if critiques and i - 1 < len(critiques):
            blocks.append(
                prompts.CANDIDATE_WITH_CRITIQUE_BLOCK.format(
                    index=i, text=text.strip(), critique=critiques[i - 1].strip()
                )
            )
        else:
            blocks.append(prompts.CANDIDATE_BLOCK.format(index=i, text=text.strip()))
    return "\n\n".join(blocks)


def messages_for(ctx: LayerContext, system: str, prompt: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": system},
        *ctx.history,
        {"role": "user", "content": prompt},
    ]
