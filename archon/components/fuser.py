"""Fuser: writes new answers from all the candidates (and their critiques)."""

from __future__ import annotations

from archon.components._base import Component, LayerContext, State, messages_for, numbered


class Fuser(Component):
    """Reads the query with every candidate (and its critique, when critiques are aligned
    with candidates) and writes ``samples`` new candidates. Several fusers in one layer each
    contribute their outputs, in config order. The fused candidates carry no critiques.
    ``length_control`` asks for an answer about as long as the typical candidate."""

    requires = ("candidates",)

    async def arun(self, ctx: LayerContext, prev: State) -> State:
        self.check_inputs(prev)
        cands = list(prev["candidates"])
        crits = list(prev.get("critiques") or [])
        shown = crits if len(crits) == len(cands) else None
        note = ""
        if self.config.length_control:
            words = sorted(len(c.split()) for c in cands)[len(cands) // 2]
            note = self.template("FUSER_LENGTH_NOTE").format(words=words)
        prompt = self.template("FUSER_PROMPT").format(
            query=ctx.query, candidates=numbered(cands, shown), length_note=note
        )
        messages = messages_for(ctx, self.template("FUSER_SYSTEM"), prompt)
        texts = await ctx.sample(self.config, messages, self.config.samples)
        return {"candidates": [t.strip() for t in texts], "critiques": []}
