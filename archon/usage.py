"""Usage accounting: one :class:`CallRecord` per model call, summed into :class:`Usage`.

Two dollar figures are kept apart:

- ``cost_usd``: what was billed now (cache hits cost nothing);
- ``full_cost_usd``: what the architecture costs when deployed, i.e. every requested call
  priced as if it had been made. The search optimises this one, so a trial that reuses
  another trial's cached samples is not made to look cheap.

Prices are USD per million tokens, from :data:`DEFAULT_PRICES`, extended by the user with
:func:`register_prices` or a JSON/YAML file named by ``ARCHON_PRICES``.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

__all__ = ["CallRecord", "Usage", "price_for", "register_prices"]

# (input, output) USD per 1M tokens. Public list prices; extend with register_prices().
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "openai/gpt-4o": (2.50, 10.00),
    "openai/gpt-4o-2024-05-13": (5.00, 15.00),
    "openai/gpt-4o-2024-08-06": (2.50, 10.00),
    "openai/gpt-4o-mini": (0.15, 0.60),
    "openai/gpt-4-turbo": (10.00, 30.00),
    "openai/gpt-4-turbo-2024-04-09": (10.00, 30.00),
    "openai/gpt-4.1": (2.00, 8.00),
    "openai/gpt-4.1-mini": (0.40, 1.60),
    "openai/o1-mini-2024-09-12": (3.00, 12.00),
    "openai/o1-preview-2024-09-12": (15.00, 60.00),
    "anthropic/claude-3-5-sonnet-20240620": (3.00, 15.00),
    "anthropic/claude-3-5-sonnet-20241022": (3.00, 15.00),
    "anthropic/claude-3-opus-20240229": (15.00, 75.00),
    "anthropic/claude-3-haiku-20240307": (0.25, 1.25),
    "anthropic/claude-3-5-haiku-20241022": (0.80, 4.00),
    "google/gemini-1.5-pro": (1.25, 5.00),
    "google/gemini-1.5-flash": (0.075, 0.30),
    "google/gemini-2.0-flash": (0.10, 0.40),
    "together/meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo": (3.50, 3.50),
    "together/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo": (0.88, 0.88),
    "together/meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo": (0.18, 0.18),
    "together/meta-llama/Llama-3-70b-chat-hf": (0.90, 0.90),
    "together/Qwen/Qwen2-72B-Instruct": (0.90, 0.90),
    "together/Qwen/Qwen1.5-110B-Chat": (1.80, 1.80),
    "together/Qwen/Qwen1.5-72B-Chat": (0.90, 0.90),
    "together/microsoft/WizardLM-2-8x22B": (1.20, 1.20),
    "together/mistralai/Mixtral-8x22B-Instruct-v0.1": (1.20, 1.20),
    "together/databricks/dbrx-instruct": (1.20, 1.20),
    "together/deepseek-ai/deepseek-llm-67b-chat": (0.90, 0.90),
    "together/google/gemma-2-9b-it": (0.30, 0.30),
    "groq/llama-3.1-70b-versatile": (0.59, 0.79),
    "groq/llama-3.1-8b-instant": (0.05, 0.08),
}
_FREE_PROVIDERS = {"llama_cpp", "openai_compatible", "tgi", "vllm", "pairrm", "scripted"}
_USER_PRICES: dict[str, tuple[float, float]] = {}
_WARNED: set[str] = set()
_FILE_LOADED = False


def register_prices(prices: dict[str, tuple[float, float] | list[float]]) -> None:
    """Add or override prices: ``{"provider/model": (input_per_M, output_per_M)}``.

    A bare model name (no ``provider/``) matches that model on any provider.
    """
    for key, value in prices.items():
        _USER_PRICES[key] = (float(value[0]), float(value[1]))


def _load_price_file() -> None:
    global _FILE_LOADED
    if _FILE_LOADED:
        return
    _FILE_LOADED = True
    path = os.environ.get("ARCHON_PRICES")
    if not path:
        return
    text = Path(path).read_text(encoding="utf-8")
    if path.endswith((".yaml", ".yml")):
        import yaml

        data = yaml.safe_load(text)
    else:
        data = json.loads(text)
    register_prices(data)


def price_for(provider: str, model: str) -> tuple[float, float] | None:
    """USD per 1M (input, output) tokens, or ``None`` when unknown."""
    _load_price_file()
    for table in (_USER_PRICES, DEFAULT_PRICES):
        for key in (f"{provider}/{model}", model):
            if key in table:
                return table[key]
    if provider in _FREE_PROVIDERS:
        return (0.0, 0.0)
    return None


def cost_of(provider: str, model: str, input_tokens: int, output_tokens: int) -> float | None:
    price = price_for(provider, model)
    if price is None:
        key = f"{provider}/{model}"
        if key not in _WARNED:
            _WARNED.add(key)
            logger.warning(
                "no price for %s; its calls are counted as $0 (add one with "
                "archon.usage.register_prices or the ARCHON_PRICES file)",
                key,
            )
        return None
    return (input_tokens * price[0] + output_tokens * price[1]) / 1_000_000


@dataclass(frozen=True)
class CallRecord:
    """One requested model call: served, cached or failed."""

    provider: str
    model: str
    ok: bool
    cached: bool = False
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0  # billed now
    full_cost_usd: float = 0.0  # as deployed (cache hits priced too)
    latency_s: float = 0.0
    attempts: int = 1
    sample_index: int = 0
    finish_reason: str | None = None
    error_kind: str | None = None
    error: str | None = None
    priced: bool = True


@dataclass
class Usage:
    """Summed usage. ``+=`` a :class:`CallRecord` or another :class:`Usage`."""

    calls: int = 0
    cached_calls: int = 0
    failed_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    full_cost_usd: float = 0.0
    unpriced_calls: int = 0
    by_model: dict[str, dict[str, float]] = field(default_factory=dict)

    def add(self, rec: CallRecord) -> None:
        self.calls += 1
        self.cached_calls += int(rec.cached)
        self.failed_calls += int(not rec.ok)
        self.input_tokens += rec.input_tokens
        self.output_tokens += rec.output_tokens
        self.cost_usd += rec.cost_usd
        self.full_cost_usd += rec.full_cost_usd
        self.unpriced_calls += int(not rec.priced)
        m = self.by_model.setdefault(
            f"{rec.provider}/{rec.model}",
            {"calls": 0, "input_tokens": 0, "output_tokens": 0, "full_cost_usd": 0.0},
        )
        m["calls"] += 1
        m["input_tokens"] += rec.input_tokens
        m["output_tokens"] += rec.output_tokens
        m["full_cost_usd"] += rec.full_cost_usd

    def merge(self, other: Usage) -> None:
        for f in fields(self):
            if f.name == "by_model":
                continue
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        for key, m in other.by_model.items():
            mine = self.by_model.setdefault(key, dict.fromkeys(m, 0))
            for k, v in m.items():
                mine[k] = mine.get(k, 0) + v

    def __iadd__(self, other: CallRecord | Usage) -> Usage:
        if isinstance(other, CallRecord):
            self.add(other)
        else:
            self.merge(other)
        return self

    @property
    def made_calls(self) -> int:
        """Calls that reached a provider (not served from the cache)."""
        return self.calls - self.cached_calls

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["cost_usd"] = round(self.cost_usd, 8)
        d["full_cost_usd"] = round(self.full_cost_usd, 8)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Usage:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})
