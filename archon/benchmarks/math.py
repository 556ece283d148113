"""MATH-500: 500 competition problems from MATH (Hendrycks et al., 2021), as selected by
Lightman et al. (2023) "Let's Verify Step by Step".

Source: https://huggingface.co/datasets/HuggingFaceH4/MATH-500 (``test.jsonl``; fields
``problem``, ``answer``, ``solution``, ``subject``, ``level``, ``unique_id``). Data-dir
layout: ``math/test.jsonl``. Ids are the data set's ``unique_id`` (e.g.
``test/precalculus/807.json``).

Grading: `math-verify` parses the gold answer and the response (it prefers ``\\boxed{}``
and "final answer is" forms) and checks mathematical equivalence, so ``\\frac{1}{2}`` equals
``0.5``. math-verify's timeouts use ``signal.alarm``, which only works in the main thread;
elsewhere (e.g. ``asyncio.to_thread``) grading runs without a timeout.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, ClassVar

from archon.benchmarks._base import Benchmark, Example, Score, no_answer, precheck, refused
from archon.benchmarks._data import read_jsonl, require, resolve_file
from archon.benchmarks._registry import register_benchmark
from archon.benchmarks.extract import extract_boxed, is_refusal
from archon.errors import DataError, MissingExtraError

logger = logging.getLogger(__name__)

_URL = "https://huggingface.co/datasets/HuggingFaceH4/MATH-500/resolve/main/test.jsonl"

PROMPT_TEMPLATE = (
    "Solve the following math problem. Explain your reasoning briefly, then write the final "
    "answer in simplest form inside \\boxed{{}}.\n\n"
    "Problem: {problem}"
)


def _math_verify() -> Any:
    try:
        import math_verify
    except ImportError as exc:  # pragma: no cover - it is a core dependency
        raise MissingExtraError(
            "the math benchmark needs math-verify: pip install math-verify"
        ) from exc
    return math_verify


def _timeout() -> int | None:
    return 5 if threading.current_thread() is threading.main_thread() else None


def parse_answer(text: str) -> list[Any]:
    """math-verify's parse with a timeout only where signals work."""
    mv = _math_verify()
    return list(mv.parse(text, parsing_timeout=_timeout()))


def equivalent(gold: str, response: str) -> tuple[bool, str | None]:
    """(whether ``response``'s answer equals ``gold``, the extracted answer as text)."""
    mv = _math_verify()
    gold_parsed = parse_answer(f"${gold}$") or parse_answer(gold)
    if not gold_parsed:
        raise DataError(f"math-verify cannot parse the gold answer {gold!r}")
    pred = parse_answer(response)
    if not pred:
        return False, None
    extracted = str(pred[-1])
    return bool(mv.verify(gold_parsed, pred, timeout_seconds=_timeout())), extracted


@register_benchmark
class MATH500(Benchmark):
    """MATH-500, graded for mathematical equivalence with math-verify."""

    name: ClassVar[str] = "math"
    VERSION: ClassVar[str] = "1"
    default_split: ClassVar[str] = "test"
    prompt_template: str = PROMPT_TEMPLATE

    def read_examples(self, split: str, data_dir: Path | None) -> list[Example]:
        if split != "test":
            raise DataError(f"math (MATH-500) has only the 'test' split, not {split!r}")
        path = resolve_file("math/test.jsonl", _URL, data_dir)
        examples = []
        for index, record in read_jsonl(path):
            where = f"{path}:{index + 1}"
            examples.append(
                Example(
                    id=str(record.get("unique_id") or f"math-test-{index}"),
                    turns=(str(require(record, "problem", where)),),
                    reference=str(require(record, "answer", where)),
                    metadata={k: record[k] for k in ("subject", "level") if k in record},
                )
            )
        return examples

    def prompt(self, example: Example, turn: int = 0) -> str:
        return self.prompt_template.format(problem=example.turns[turn])

    def grade(
        self, example: Example, response_text: str | None, *, finish_reason: str | None = None
    ) -> Score:
        early = precheck(response_text)
        if early is not None:
            return early
        assert response_text is not None
        boxed = extract_boxed(response_text)
        if boxed is None and is_refusal(response_text):
            return refused(response_text)
        if boxed is None and finish_reason == "length":
            return no_answer(response_text, finish_reason)
        correct, extracted = equivalent(str(example.reference), response_text)
        if extracted is None:
            return no_answer(response_text, finish_reason)
        return Score(1.0 if correct else 0.0, extracted=boxed if boxed is not None else extracted)
