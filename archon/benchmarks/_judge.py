"""Shared pieces of the LLM-as-judge benchmarks (mt_bench, arena_hard, alpaca_eval).

The judge is an async function from chat messages to text (``None`` when its call failed),
typically an Archon architecture given with ``--judge PATH``. A verdict that cannot be parsed
is the error ``unparseable``, never a number; a failed judge call is ``call_failed``.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from typing import ClassVar

from archon.benchmarks._base import Benchmark, Example, GenerateFn, Score
from archon.errors import DataError

JUDGE_SYSTEM = (
    "You are a careful, impartial evaluator of AI assistant answers. Judge substance: "
    "correctness, helpfulness, relevance, depth and clarity. Ignore answer length and the "
    "order in which answers are shown, and do not favour any assistant by name."
)

_RATING_RE = re.compile(r"\[\[\s*(\d+(?:\.\d+)?)\s*(?:/\s*10\s*)?\]\]")
_PAIR_RE = re.compile(r"\[\[\s*([AB])\s*(>>|>|=|<<|<)\s*([AB])\s*\]\]")


def require_judge(benchmark: str, judge: GenerateFn | None) -> GenerateFn:
    if judge is None:
        raise DataError(
            f"{benchmark} is graded by a judge model: pass one (gen_answers: --judge PATH to "
            "an Archon config; in code: agrade(..., judge=async_fn))"
        )
    return judge


def check_responses(responses: list[str | None]) -> Score | None:
    """Score for a failed call or an empty answer among ``responses``, else None."""
    if not responses or any(r is None for r in responses):
        return Score(0.0, "call_failed", detail="the architecture's call failed")
    if any(not r or not r.strip() for r in responses):
        return Score(0.0, "empty")
    return None


async def ask(judge: GenerateFn, prompt: str) -> str | None:
    return await judge(
        [{"role": "system", "content": JUDGE_SYSTEM}, {"role": "user", "content": prompt}]
    )


def parse_rating(verdict: str) -> float | None:
    """The last ``[[n]]`` rating in 1..10, or None."""
    matches = _RATING_RE.findall(verdict)
    if not matches:
        return None
    value = float(matches[-1])
    return value if 1.0 <= value <= 10.0 else None


def parse_pairwise(verdict: str) -> str | None:
    """The last ``[[A>B]]``-style label, normalised to one of A>>B, A>B, A=B, B>A, B>>A."""
    matches = _PAIR_RE.findall(verdict)
    if not matches:
        return None
    left, op, right = matches[-1]
    if left == right:
        return None
    if op in ("<", "<<"):
        left, right, op = right, left, op.replace("<", ">")
    if op == "=":
        return "A=B"
    return f"{left}{op}{right}"


def judge_failed() -> Score:
    return Score(0.0, "call_failed", detail="the judge's call failed")


def unparseable(verdict: str) -> Score:
    return Score(
        0.0, "unparseable", detail=f"judge verdict without a usable label: {verdict[-300:]}"
    )


def sync_grade_error(benchmark: str) -> DataError:
    return DataError(
        f"{benchmark} is graded by a judge model; use `await benchmark.agrade(example, "
        "responses, judge=...)` (gen_answers: --judge PATH)"
    )


class JudgedBenchmark(Benchmark):
    """Base of benchmarks graded by a judge model: only :meth:`agrade` (with ``judge``)
    can grade; :meth:`grade` can only tell an empty answer apart.

    :meth:`agrade` checks the judge and the responses once for every judged benchmark, then
    hands the answers to :meth:`judge_answers`, which subclasses implement.
    """

    needs_judge: ClassVar[bool] = True

    def check_example(self, example: Example) -> None:
        """Raise :class:`DataError` when ``example`` cannot be judged (e.g. no baseline)."""

    @abstractmethod
    async def judge_answers(self, example: Example, answers: list[str], judge: GenerateFn) -> Score:
        """Grade the (non-empty) answers of every turn with ``judge``."""

    async def agrade(
        self,
        example: Example,
        responses: list[str | None],
        *,
        judge: GenerateFn | None = None,
        finish_reason: str | None = None,
    ) -> Score:
        judge = require_judge(self.name, judge)
        self.check_example(example)
        early = check_responses(responses)
        if early is not None:
            return early
        return await self.judge_answers(example, [r for r in responses if r is not None], judge)

    def grade(
        self, example: Example, response_text: str | None, *, finish_reason: str | None = None
    ) -> Score:
        if response_text is None or not response_text.strip():
            return Score(0.0, "empty")
        raise sync_grade_error(self.name)
