"""Static cost estimate of an architecture, made before any provider call.

The estimate walks the layers, tracking how many candidates flow between them, and counts
the calls each component makes per question (an upper bound where the count depends on
model output: a verifier is assumed to keep every candidate, a ranker's retry is ignored).
Tokens use the space's assumptions: ``prompt_tokens`` for the question and instructions,
and ``output_tokens`` per reply (default: each component's ``max_tokens``, an upper bound);
a prompt that shows candidates or critiques adds their estimated length.

The study rejects a config whose estimate exceeds ``constraints`` before it is run.
"""

from __future__ import annotations

from dataclasses import dataclass

from archon import ArchonConfig
from archon.errors import SpaceError
from archon.providers._base import canonical_provider
from archon.usage import price_for
from search.space import SearchSpace

__all__ = ["Estimate", "estimate", "over_budget"]


@dataclass(frozen=True)
class Estimate:
    """Per-question estimate. ``unpriced`` lists ``provider/model`` without a known price."""

    calls_per_query: float
    input_tokens: float
    output_tokens: float
    cost_per_query: float
    unpriced: tuple[str, ...] = ()


def _price(space: SearchSpace | None, provider: str, model: str) -> tuple[float, float] | None:
    if space is not None:
        table = space.price_table()
        if f"{provider}/{model}" in table:
            pin, pout = table[f"{provider}/{model}"]
            return (pin, pout)
    return price_for(provider, model)


def estimate(config: ArchonConfig, space: SearchSpace | None = None) -> Estimate:
    """Estimate calls, tokens and $ per question of ``config`` under ``space``'s assumptions."""
    prompt = space.assumptions.prompt_tokens if space else 300
    assumed_out = space.assumptions.output_tokens if space else None
    calls = 0.0
    tin = tout = cost = 0.0
    unpriced: list[str] = []
    n = 0  # candidates
    cand_tok = 0.0  # estimated tokens per candidate
    crit_tok = 0.0  # estimated tokens per critique (0: no aligned critiques)
    test_tok = 0.0  # unit tests appended to the question

    def call(comp: object, n_calls: float, t_in: float) -> float:
        nonlocal calls, tin, tout, cost
        max_tokens = getattr(comp, "max_tokens", 2048)
        out = float(min(max_tokens, assumed_out) if assumed_out else max_tokens)
        provider = canonical_provider(str(getattr(comp, "model_type", ""))) or str(
            getattr(comp, "model_type", "")
        )
        model = str(getattr(comp, "model", ""))
        calls += n_calls
        tin += n_calls * t_in
        tout += n_calls * out
        price = _price(space, provider, model)
        if price is None:
            unpriced.append(f"{provider}/{model}")
        else:
            cost += n_calls * (t_in * price[0] + out * price[1]) / 1_000_000
        return out

    for layer in config.layers:
        new_n, new_tok, produced = 0, 0.0, False
        new_crit = crit_tok
        keep_n = n
        base = prompt + test_tok
        shown = cand_tok + crit_tok
        for comp in layer:
            t = comp.type
            samples = getattr(comp, "samples", 1) or 1
            if t == "generator":
                out = call(comp, samples, base)
                carried = n if not produced else 0  # generators append to the candidates
                new_n, new_tok, produced = new_n + carried + samples, out, True
            elif t == "fuser":
                out = call(comp, samples, base + n * shown)
                new_n, new_tok, produced = new_n + samples, out, True
                new_crit = 0.0
            elif t == "critic":
                new_crit = call(comp, n, base + cand_tok)
            elif t == "ranker":
                if n > 1:
                    use = getattr(comp, "use_critiques", False)
                    call(comp, 1, base + n * (cand_tok + (crit_tok if use else 0.0)))
                keep_n = min(n, getattr(comp, "top_k", None) or n)
            elif t == "verifier":
                out = call(comp, n, base + cand_tok)
                call(comp, n, base + cand_tok + out)
                first_k = getattr(comp, "first_k", None)
                keep_n = min(n, first_k) if first_k else n
            elif t == "unit_test_generator":
                test_tok = call(comp, 1, base)
            elif t == "unit_test_evaluator":
                if getattr(comp, "mode", "model") == "model":
                    call(comp, n, base + cand_tok + test_tok)
                k = getattr(comp, "top_k", None) or getattr(comp, "first_k", None)
                keep_n = min(n, k) if k else n
                new_crit = 0.0
            else:  # a custom component: unknown, assume one call
                call(comp, 1, base + n * shown)
        if produced:
            n, cand_tok = new_n, new_tok
        else:
            n = keep_n
        crit_tok = new_crit
    return Estimate(calls, tin, tout, cost, tuple(dict.fromkeys(unpriced)))


def over_budget(est: Estimate, space: SearchSpace) -> str | None:
    """Why ``est`` breaks the space's constraints, or ``None`` when it fits."""
    c = space.constraints
    if c.max_calls_per_query is not None and est.calls_per_query > c.max_calls_per_query:
        return f"estimated {est.calls_per_query:g} calls/query > max_calls_per_query {c.max_calls_per_query:g}"
    if c.max_cost_per_query is not None:
        if est.unpriced:
            raise SpaceError(
                f"{space.source}: no price for {', '.join(est.unpriced)}; give it a 'price: [in, out]' "
                "(USD per 1M tokens) under models, since constraints.max_cost_per_query is set"
            )
        if est.cost_per_query > c.max_cost_per_query:
            return (
                f"estimated ${est.cost_per_query:.5f}/query > max_cost_per_query "
                f"${c.max_cost_per_query:g}"
            )
    return None
