"""Verifier: keeps the candidates its model judges correct."""

from __future__ import annotations

import asyncio

from archon.components._base import Component, LayerContext, State, messages_for
from archon.components._parse import parse_verdict


class Verifier(Component):
    """For each candidate, concurrently: one call reasons about the answer, a second gives
    a verdict, ``[Correct]`` or ``[Incorrect]``. A verdict that cannot be parsed (neither or
    both labels) counts as not verified, never as a pass.

    Kept: the verified candidates in their original order (with aligned critiques), at most
    ``first_k`` of them when set. When none passes, ``on_none_pass`` decides: ``keep_all``
    (default, Archon's behaviour) passes every candidate on, noting it in the trace;
    ``keep_none`` leaves no candidates, so the question ends without an answer.
    """

    requires = ("candidates",)

    async def _judge(self, ctx: LayerContext, candidate: str) -> bool | None:
        system = self.template("VERIFIER_SYSTEM")
        reasoning = await ctx.complete(
            self.config,
            messages_for(
                ctx,
                system,
                self.template("VERIFIER_REASONING_PROMPT").format(
                    query=ctx.query, candidate=candidate
                ),
            ),
        )
        verdict = await ctx.complete(
            self.config,
            messages_for(
                ctx,
                system,
                self.template("VERIFIER_VERDICT_PROMPT").format(
                    query=ctx.query, candidate=candidate, reasoning=reasoning.strip()
                ),
            ),
        )
        return parse_verdict(verdict)

    async def arun(self, ctx: LayerContext, prev: State) -> State:
        self.check_inputs(prev)
        cands = list(prev["candidates"])
        crits = list(prev.get("critiques") or [])
        aligned = len(crits) == len(cands)
        verdicts = await asyncio.gather(*(self._judge(ctx, c) for c in cands))
        unparsed = sum(v is None for v in verdicts)
        if unparsed:
            ctx.note(
                f"verifier: {unparsed} verdict(s) could not be parsed; counted as not verified"
            )
        keep = [i for i, v in enumerate(verdicts) if v is True]
        if self.config.first_k:
            keep = keep[: self.config.first_k]
        if not keep:
            if self.config.on_none_pass == "keep_all":
                ctx.note("verifier: no candidate verified; passing all on (on_none_pass=keep_all)")
                keep = list(range(len(cands)))
            else:
                ctx.note("verifier: no candidate verified; none kept (on_none_pass=keep_none)")
        update: State = {"candidates": [cands[i] for i in keep]}
        if aligned:
            update["critiques"] = [crits[i] for i in keep]
        return update
