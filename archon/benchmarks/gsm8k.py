"""GSM8K: grade-school math word problems (Cobbe et al., 2021).

Source: https://github.com/openai/grade-school-math (MIT). Files ``gsm8k/test.jsonl`` (1319)
and ``gsm8k/train.jsonl`` (7473), fields ``question`` and ``answer``; the gold number follows
``#### `` in ``answer``. Ids are ``gsm8k-{split}-{line index}``.

Grading: the final answer is extracted (``archon.benchmarks.extract``) and compared
numerically with the gold number. A response cut off at ``max_tokens`` without an explicit
final answer is ``truncated``; one that opens with a refusal and gives no answer is
``refused``.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from archon.benchmarks._base import Benchmark, Example, Score, no_answer, precheck, refused
from archon.benchmarks._data import read_jsonl, require, resolve_file
from archon.benchmarks._registry import register_benchmark
from archon.benchmarks.extract import (
    extract_final_answer,
    is_refusal,
    numbers_equal,
    parse_number,
)
from archon.errors import DataError

_URL = "https://raw.githubusercontent.com/openai/grade-school-math/master/grade_school_math/data/{split}.jsonl"

PROMPT_TEMPLATE = (
    "Solve this math word problem. Work through it step by step, then finish with a line "
    'of the form "The answer is N." where N is just the final number.\n\n'
    "Problem: {question}"
)


@register_benchmark
class GSM8K(Benchmark):
    """GSM8K with numeric final-answer grading."""

    name: ClassVar[str] = "gsm8k"
    VERSION: ClassVar[str] = "1"
    default_split: ClassVar[str] = "test"
    splits: ClassVar[tuple[str, ...]] = ("test", "train")
    prompt_template: str = PROMPT_TEMPLATE

    def read_examples(self, split: str, data_dir: Path | None) -> list[Example]:
        if split not in self.splits:
            raise DataError(f"gsm8k has no split {split!r}; choose one of {list(self.splits)}")
        path = resolve_file(f"gsm8k/{split}.jsonl", _URL.format(split=split), data_dir)
        examples = []
        for index, record in read_jsonl(path):
            where = f"{path}:{index + 1}"
            answer = str(require(record, "answer", where))
            gold = answer.split("####")[-1].strip()
            if parse_number(gold) is None:
                raise DataError(f"{where}: no '#### <number>' in the answer field")
            examples.append(
                Example(
                    id=f"gsm8k-{split}-{index}",
                    turns=(str(require(record, "question", where)),),
                    reference=gold,
                    metadata={"solution": answer},
                )
            )
        return examples

    def prompt(self, example: Example, turn: int = 0) -> str:
        return self.prompt_template.format(question=example.turns[turn])

    def grade(
        self, example: Example, response_text: str | None, *, finish_reason: str | None = None
    ) -> Score:
        early = precheck(response_text)
        if early is not None:
            return early
        assert response_text is not None
        explicit = extract_final_answer(response_text, fallback_last_number=False)
        if explicit is None and is_refusal(response_text):
            return refused(response_text)
        if explicit is None and finish_reason == "length":
            # The last number of a cut-off text is mid-reasoning, not an answer.
            return no_answer(response_text, finish_reason)
        extracted = explicit or extract_final_answer(response_text)
        if extracted is None:
            return no_answer(response_text, finish_reason)
        correct = numbers_equal(parse_number(extracted), parse_number(str(example.reference)))
        return Score(1.0 if correct else 0.0, extracted=extracted)
