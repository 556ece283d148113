"""Critic: one critique (strengths and weaknesses) per candidate."""

from __future__ import annotations

import asyncio

from archon.components._base import Component, LayerContext, State, messages_for


class Critic(Component):
    """Writes one critique per candidate, aligned with ``candidates``, into ``critiques``.

    Unlike Archon, which asks for all critiques in one reply and then splits the text, this
    makes one call per candidate, concurrently: the alignment cannot break on a reply that
    numbers its sections oddly, and latency stays that of one call. Candidates are unchanged.
    """

    requires = ("candidates",)

    async def arun(self, ctx: LayerContext, prev: State) -> State:
        self.check_inputs(prev)
        system = self.template("CRITIC_SYSTEM")
        prompt = self.template("CRITIC_PROMPT")
        critiques = await asyncio.gather(
            *(
                ctx.complete(
                    self.config,
                    messages_for(ctx, system, prompt.format(query=ctx.query, candidate=c)),
                )
                for c in prev["candidates"]
            )
        )
        return {"critiques": [c.strip() for c in critiques]}
