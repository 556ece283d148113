"""Generator: samples answers to the conversation."""

from __future__ import annotations

from archon.components._base import Component, LayerContext, State


class Generator(Component):
    """Makes ``samples`` concurrent calls to its model on the conversation and appends each
    answer to ``candidates``. Failed samples are recorded and left out; if every sample
    fails, the error is raised (the question fails, it is never given a placeholder)."""

    async def arun(self, ctx: LayerContext, prev: State) -> State:
        texts = await ctx.sample(self.config, ctx.conversation, self.config.samples)
        return {"candidates": [t.strip() for t in texts]}
