"""Pairwise judging against a baseline answer, in both presentation orders.

Shared by arena_hard and alpaca_eval. Each benchmark supplies a prompt template, a verdict
parser and a map from verdict to the candidate's score when it is shown first; the judge sees
(candidate, baseline) and (baseline, candidate) and the two scores are averaged, which cancels
the judge's position bias.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from archon.benchmarks import _judge
from archon.benchmarks._base import GenerateFn, Score


async def judge_both_orders(
    judge: GenerateFn,
    *,
    make_prompt: Callable[[str, str], str],
    parse: Callable[[str], str | None],
    first_score: Callable[[str], float],
    candidate: str,
    baseline: str,
) -> Score:
    """Score of ``candidate`` vs ``baseline``; ``first_score(label)`` is the score of the answer
    shown first. Any failed call or unparseable verdict makes the whole grade that error."""
    verdicts = await asyncio.gather(
        _judge.ask(judge, make_prompt(candidate, baseline)),
        _judge.ask(judge, make_prompt(baseline, candidate)),
    )
    labels = []
    for verdict in verdicts:
        if verdict is None:
            return _judge.judge_failed()
        label = parse(verdict)
        if label is None:
            return _judge.unparseable(verdict)
        labels.append(label)
    value = (first_score(labels[0]) + (1.0 - first_score(labels[1]))) / 2.0
    return Score(
        value,
        extracted=" | ".join(labels),
        detail=f"candidate first: {labels[0]}; baseline first: {labels[1]}",
    )
