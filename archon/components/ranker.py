"""Ranker: orders the candidates and keeps the best ``top_k``."""

from __future__ import annotations

from archon.components._base import Component, LayerContext, State, messages_for, numbered
from archon.components._parse import parse_ranking


class Ranker(Component):
    """Asks its model for an order of all candidates (with their critiques when
    ``use_critiques`` is set and critiques exist) and keeps the ``top_k`` best, with their
    critiques still aligned.

    Parsing: bracketed numbers in order of appearance; candidates the model left out follow
    in their original order. A reply naming no valid candidate is retried once (a new
    sample); if that fails too, the original order is kept and the fallback is noted in the
    trace. A single candidate is passed through without a call.
    """

    requires = ("candidates",)

    async def arun(self, ctx: LayerContext, prev: State) -> State:
        self.check_inputs(prev)
        cands = list(prev["candidates"])
        crits = list(prev.get("critiques") or [])
        aligned = len(crits) == len(cands)
        k = self.config.top_k or len(cands)
        order = list(range(len(cands)))
        if len(cands) > 1:
            shown = crits if (self.config.use_critiques and aligned) else None
            prompt = self.template("RANKER_PROMPT").format(
                query=ctx.query, n=len(cands), candidates=numbered(cands, shown)
            )
            messages = messages_for(ctx, self.template("RANKER_SYSTEM"), prompt)
            parsed: list[int] | None = None
            for _ in range(2):
                parsed = parse_ranking(await ctx.complete(self.config, messages), len(cands))
                if parsed is not None:
                    break
            if parsed is None:
                ctx.note("ranker: no ranking could be parsed; kept the original order")
            else:
                order = parsed
        update: State = {"candidates": [cands[i] for i in order[:k]]}
        if aligned:
            update["critiques"] = [crits[i] for i in order[:k]]
        return update
