"""The layer loop: runs an :class:`~archon.config.ArchonConfig` on one conversation.

Layers run one after another; the components of a layer run concurrently (an
:class:`asyncio.TaskGroup`, so one failure cancels its siblings), and so do the samples of
a component. Every call goes through the :class:`~archon.providers._stack.CallStack`; its
records are summed per layer and per question. The final answer is the first remaining
candidate.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from archon.cache import SampleCounter
from archon.components import Component, LayerContext, State
from archon.components import prompts as _prompts
from archon.config import ArchonConfig
from archon.errors import AuthenticationError, ComponentError, ProviderError
from archon.providers._base import ChatRequest
from archon.providers._stack import CallStack
from archon.usage import CallRecord, Usage

logger = logging.getLogger(__name__)

__all__ = ["LayerTrace", "Result", "run_layers"]


@dataclass
class LayerTrace:
    """What one layer did."""

    index: int
    components: list[str]
    candidates: list[str] = field(default_factory=list)
    critiques: list[str] = field(default_factory=list)
    unit_tests: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    latency_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "components": self.components,
            "candidates": self.candidates,
            "critiques": self.critiques,
            "unit_tests": self.unit_tests,
            "usage": self.usage.to_dict(),
            "latency_s": round(self.latency_s, 4),
            "notes": self.notes,
            "failures": self.failures,
        }


@dataclass
class Result:
    """The outcome of one question.

    ``answer`` is ``None`` when the architecture failed; ``error_kind`` then says why
    (``call_failed`` for a model call that failed after retries, ``component`` for a
    component that could not do its job, ``no_candidates`` when none was left).
    """

    answer: str | None
    candidates: list[str]
    usage: Usage
    latency_s: float
    trace: list[LayerTrace]
    error: str | None = None
    error_kind: str | None = None
    finish_reason: str | None = None
    state: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.answer is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "candidates": self.candidates,
            "usage": self.usage.to_dict(),
            "latency_s": round(self.latency_s, 4),
            "error": self.error,
            "error_kind": self.error_kind,
            "finish_reason": self.finish_reason,
            "trace": [t.to_dict() for t in self.trace],
        }


class _QuestionRun:
    """Per-question bookkeeping: sample indexes, usage per layer, notes, finish reasons."""

    def __init__(self, stack: CallStack, n_layers: int, components: list[list[str]]):
        self.stack = stack
        self.counter = SampleCounter()
        self.traces = [LayerTrace(index=i, components=components[i]) for i in range(n_layers)]
        self.finish: dict[str, str | None] = {}

    async def complete(self, request: ChatRequest, layer_index: int) -> str:
        idx = self.counter.next_index(request)
        trace = self.traces[layer_index]

        def sink(rec: CallRecord) -> None:
            trace.usage.add(rec)
            if not rec.ok:
                trace.failures.append(f"{rec.provider}/{rec.model}: {rec.error_kind}: {rec.error}")

        response, _ = await self.stack.call(request, sample_index=idx, sink=sink)
        self.finish[response.text.strip()] = response.finish_reason
        return response.text

    def note(self, layer_index: int, message: str) -> None:
        self.traces[layer_index].notes.append(message)


def _with_unit_tests(conversation: list[dict[str, str]], tests: list[str]) -> list[dict[str, str]]:
    if not tests:
        return conversation
    conv = [dict(m) for m in conversation]
    listing = "\n".join(f"- {t}" for t in tests)
    conv[-1]["content"] = conv[-1]["content"] + _prompts.UNIT_TEST_QUERY_SUFFIX.format(
        tests=listing
    )
    return conv


async def _run_component(comp: Any, ctx: LayerContext, prev: State) -> State:
    if isinstance(comp, Component) or hasattr(comp, "arun"):
        return dict(await comp.arun(ctx, prev))
    # Archon-style custom component: synchronous run(conversation, prev_state, state)
    state: defaultdict[str, list[Any]] = defaultdict(list)
    conv = copy.deepcopy(ctx.conversation)
    prev_copy: defaultdict[str, list[Any]] = defaultdict(list, copy.deepcopy(prev))
    await asyncio.to_thread(comp.run, conv, prev_copy, state)
    return dict(state)


def _first_expected(eg: BaseExceptionGroup) -> BaseException:
    """The exception to act on: configuration errors first (they must reach the user),
    then call failures, then component failures; anything else as it is."""
    flat: list[BaseException] = []

    def walk(e: BaseException) -> None:
        if isinstance(e, BaseExceptionGroup):
            for sub in e.exceptions:
                walk(sub)
        else:
            flat.append(e)

    walk(eg)
    # a rejected key is a configuration problem for the whole run, not one question's failure
    unexpected = [
        e
        for e in flat
        if isinstance(e, AuthenticationError) or not isinstance(e, ProviderError | ComponentError)
    ]
    if unexpected:
        return unexpected[0]
    return next((e for e in flat if isinstance(e, ProviderError)), flat[0])


def _merge(prev: State, updates: list[State]) -> State:
    new: State = {}
    for upd in updates:
        for key, value in upd.items():
            if isinstance(value, list):
                new.setdefault(key, []).extend(value)
            else:
                new[key] = value
    if "candidates" in new and "critiques" not in new:
        new["critiques"] = []
    for key, value in prev.items():
        new.setdefault(key, value)
    return new


async def run_layers(
    config: ArchonConfig,
    layers: list[list[Any]],
    conversation: list[dict[str, str]],
    stack: CallStack,
) -> Result:
    """Run instantiated ``layers`` of ``config`` on ``conversation``; never raises for a
    failed call or component (the :class:`Result` says what failed)."""
    start = time.perf_counter()
    names = [
        [getattr(c, "type", None) or type(c).__name__ for c in layer] for layer in config.layers
    ]
    run = _QuestionRun(stack, len(layers), names)
    state: State = {"candidates": [], "critiques": [], "unit_tests": []}
    error: str | None = None
    error_kind: str | None = None
    for i, layer in enumerate(layers):
        t0 = time.perf_counter()
        ctx = LayerContext(
            conversation=_with_unit_tests(conversation, state.get("unit_tests") or []),
            base_conversation=conversation,
            runner=run,
            layer_index=i,
        )
        try:
            async with asyncio.TaskGroup() as tg:
                tasks = [tg.create_task(_run_component(c, ctx, state)) for c in layer]
        except BaseExceptionGroup as eg:
            exc = _first_expected(eg)
            if isinstance(exc, AuthenticationError):
                raise exc from None
            if isinstance(exc, ProviderError):
                error, error_kind = f"layer {i}: {exc}", "call_failed"
            elif isinstance(exc, ComponentError):
                error, error_kind = f"layer {i}: {exc}", "component"
            else:
                raise exc from None
        trace = run.traces[i]
        trace.latency_s = time.perf_counter() - t0
        if error is not None:
            break
        state = _merge(state, [t.result() for t in tasks])
        trace.candidates = list(state.get("candidates") or [])
        trace.critiques = list(state.get("critiques") or [])
        trace.unit_tests = list(state.get("unit_tests") or [])
        logger.debug("layer %d: %d candidates", i, len(trace.candidates))
    usage = Usage()
    for t in run.traces:
        usage.merge(t.usage)
    candidates = list(state.get("candidates") or [])
    answer = candidates[0] if (candidates and error is None) else None
    if error is None and answer is None:
        error, error_kind = "no candidates left after the last layer", "no_candidates"
    return Result(
        answer=answer,
        candidates=candidates,
        usage=usage,
        latency_s=time.perf_counter() - start,
        trace=run.traces,
        error=error,
        error_kind=error_kind,
        finish_reason=run.finish.get(answer.strip()) if answer else None,
        state=state,
    )
