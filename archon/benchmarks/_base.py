"""The benchmark contract: what every benchmark provides and how callers use it.

Lifecycle (this is what ``archon.gen_answers`` and the search objective do)::

    bench = get_benchmark("gsm8k")                       # an instance, from the registry
    examples = bench.load(split="test", limit=50, seed=0, data_dir=None)
    dev, held_out = split_dev_holdout(examples, holdout=20, seed=0)
    for ex in dev:                                       # concurrently, in practice
        responses = await bench.answer(ex, generate)     # one text (or None) per user turn
        score = await bench.agrade(ex, responses, judge=judge, finish_reason=...)
        # score.value in [0, 1]; score.error says why it could not be graded

* ``load`` reads the data set (see ``archon.benchmarks._data`` for where from), then takes a
  seeded sample: examples are ordered by a hash of ``(seed, example id)`` and the first
  ``limit`` kept. The same seed always gives the same ids, a larger limit extends a smaller
  one, and ``seed=None`` keeps the data set's own order. Ids are stable across runs and
  machines.
* ``prompt`` turns an example's user turn into the message sent to the architecture, using
  the benchmark's template (our own wording).
* ``answer`` runs the conversation through ``generate`` (an async function from messages to
  text, ``None`` when the call failed). Multi-turn benchmarks condition each turn on the
  architecture's own earlier answers.
* ``grade`` scores one response without any model; ``agrade`` is the async entry point that
  judged benchmarks implement with a ``judge`` function (same shape as ``generate``).

Failures are data: an empty response, a truncated one (``finish_reason == "length"`` with no
answer in it), a refusal, an unparseable judge verdict and a failed call each get their own
``Score.error`` and are counted apart from wrong answers.

To add a benchmark, subclass :class:`Benchmark`, set ``name`` and ``VERSION``, implement
``read_examples`` and ``grade`` (and ``prompt`` if the user text needs a template), and
decorate the class with ``register_benchmark``.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from archon.benchmarks.extract import is_refusal
from archon.errors import DataError

__all__ = [
    "Benchmark",
    "ErrorKind",
    "Example",
    "GenerateFn",
    "Score",
    "split_dev_holdout",
]

ErrorKind = Literal["empty", "truncated", "refused", "unparseable", "call_failed"]

Messages = list[dict[str, str]]
GenerateFn = Callable[[Messages], Awaitable[str | None]]
"""An async function that sends chat messages and returns the text, or None if the call failed."""


@dataclass(frozen=True)
class Example:
    """One benchmark question.

    Attributes:
        id: stable across runs and machines (the data set's own id, or derived from the file).
        turns: the user turns (one for most benchmarks, two for MT-Bench).
        reference: gold answer, tests or baseline answer, as the benchmark needs.
        metadata: anything else from the data set (category, entry point, ...).
        system: optional system prompt.
    """

    id: str
    turns: tuple[str, ...]
    reference: Any = field(default=None, hash=False)
    metadata: Mapping[str, Any] = field(default_factory=dict, hash=False)
    system: str | None = None


@dataclass(frozen=True)
class Score:
    """The grade of one answer.

    Attributes:
        value: in [0, 1]; 1.0 is correct (or the best judge rating).
        error: why the answer could not be graded, else None. A wrong answer has
            ``value == 0`` and ``error is None``.
        extracted: what was extracted from the response (e.g. ``"18"``).
        detail: free text for humans (judge verdicts, sandbox output, ...).
    """

    value: float
    error: ErrorKind | None = None
    extracted: str | None = None
    detail: str | None = None


class Benchmark(ABC):
    """Base class of all benchmarks. See the module docstring for the lifecycle."""

    name: ClassVar[str]
    VERSION: ClassVar[str]
    default_split: ClassVar[str] = "test"
    needs_judge: ClassVar[bool] = False

    # -- data ---------------------------------------------------------------------------------

    @abstractmethod
    def read_examples(self, split: str, data_dir: Path | None) -> list[Example]:
        """Every example of ``split``, in the data set's order.

        ``data_dir`` is the ``--data-dir`` argument (or None); use
        ``archon.benchmarks._data.resolve_file`` to honour ``ARCHON_DATA_DIR``, the cache and
        downloads.
        """

    def load(
        self,
        *,
        split: str | None = None,
        limit: int | None = None,
        seed: int | None = 0,
        data_dir: str | Path | None = None,
    ) -> list[Example]:
        """Load examples: a seeded sample of ``limit`` examples of ``split``.

        Args:
            split: data split; defaults to ``default_split``.
            limit: keep at most this many (None: all).
            seed: examples are ordered by a hash of (seed, id); None keeps the file order.
            data_dir: a directory laid out like ``../shared/data`` (overrides ARCHON_DATA_DIR).

        Raises:
            DataError: the data is missing (offline) or malformed.
        """
        split = split or self.default_split
        examples = self.read_examples(split, Path(data_dir) if data_dir is not None else None)
        if seed is not None:
            examples = sorted(examples, key=lambda ex: _rank(ex.id, seed))
        if limit is not None:
            if limit < 0:
                raise DataError(f"limit must be >= 0, got {limit}")
            examples = examples[:limit]
        return examples

    # -- asking -------------------------------------------------------------------------------

    def prompt(self, example: Example, turn: int = 0) -> str:
        """The user message for ``turn``. The default sends the turn's text unchanged."""
        return example.turns[turn]

    async def answer(self, example: Example, generate: GenerateFn) -> list[str | None]:
        """Run every user turn through ``generate``; one response per turn.

        Each turn's conversation contains the earlier turns and the architecture's own earlier
        answers. If a call fails (None), the remaining turns are not asked and are None too.
        """
        messages: Messages = []
        if example.system:
            messages.append({"role": "system", "content": example.system})
        responses: list[str | None] = []
        for turn in range(len(example.turns)):
            messages.append({"role": "user", "content": self.prompt(example, turn)})
            text = await generate(list(messages))
            responses.append(text)
            if text is None:
                responses.extend([None] * (len(example.turns) - turn - 1))
                break
            messages.append({"role": "assistant", "content": text})
        return responses

    # -- grading ------------------------------------------------------------------------------

    @abstractmethod
    def grade(
        self, example: Example, response_text: str | None, *, finish_reason: str | None = None
    ) -> Score:
        """Grade one response without any model call."""

    def grade_failure(self, example: Example, reason: str | None = None) -> Score:
        """The score of an answer whose model call failed: counted apart from wrong answers."""
        return Score(0.0, "call_failed", detail=reason)

    async def agrade(
        self,
        example: Example,
        responses: list[str | None],
        *,
        judge: GenerateFn | None = None,
        finish_reason: str | None = None,
    ) -> Score:
        """Grade the responses of :meth:`answer`. ``None`` in ``responses`` is a failed call.

        The default grades the last response with :meth:`grade`. Judged benchmarks override
        this and require ``judge``.
        """
        if not responses or any(r is None for r in responses):
            return self.grade_failure(example)
        return self.grade(example, responses[-1], finish_reason=finish_reason)


def precheck(response_text: str | None) -> Score | None:
    """The score of an empty response (None or blank), else None: grade it normally."""
    if response_text is None or not response_text.strip():
        return Score(0.0, "empty")
    return None


def refused(response_text: str) -> Score:
    return Score(0.0, "refused", detail=response_text.strip()[:200])


def no_answer(response_text: str, finish_reason: str | None) -> Score:
    """The score when nothing could be extracted: truncated, refused or unparseable."""
    if finish_reason == "length":
        return Score(0.0, "truncated", detail="stopped at max_tokens before an answer")
    if is_refusal(response_text):
        return refused(response_text)
    return Score(0.0, "unparseable", detail="no answer found in the response")


def split_dev_holdout(
    examples: list[Example], *, holdout: int, seed: int = 0
) -> tuple[list[Example], list[Example]]:
    """Split examples into (dev, held-out), deterministically and disjointly.

    The ``holdout`` examples with the smallest hash of (seed, "holdout", id) are held out; the
    choice depends only on the ids and the seed, not on the order of ``examples``. Both lists
    keep the input order.

    Raises:
        DataError: ``holdout`` is negative or larger than the number of examples, or ids repeat.
    """
    ids = [ex.id for ex in examples]
    if len(set(ids)) != len(ids):
        raise DataError("split_dev_holdout: example ids are not unique")
    if not 0 <= holdout <= len(examples):
        raise DataError(f"split_dev_holdout: cannot hold out {holdout} of {len(examples)} examples")
    chosen = set(sorted(ids, key=lambda i: _rank(i, seed, salt="holdout"))[:holdout])
    dev = [ex for ex in examples if ex.id not in chosen]
    held = [ex for ex in examples if ex.id in chosen]
    return dev, held


def _rank(example_id: str, seed: int, salt: str = "order") -> str:
    return hashlib.sha256(f"{salt}:{seed}:{example_id}".encode()).hexdigest()
