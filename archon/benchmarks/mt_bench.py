"""MT-Bench: 80 two-turn questions in 8 categories (Zheng et al., 2023).

Source: lm-sys FastChat, ``fastchat/llm_judge/data/mt_bench/question.jsonl`` (Apache-2.0);
fields ``question_id``, ``category``, ``turns`` (two strings). Data-dir layout:
``mt_bench/question.jsonl``. Ids are the ``question_id`` as a string.

Answering: both turns; the second turn's conversation contains the architecture's own first
answer. Grading: single-answer grading, the judge rates each turn's answer from 1 to 10 and
writes ``[[rating]]``; the score is the mean rating / 10. A verdict without a rating is
``unparseable``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

from archon.benchmarks import _judge
from archon.benchmarks._base import Example, GenerateFn, Score
from archon.benchmarks._data import read_jsonl, require, resolve_file
from archon.benchmarks._registry import register_benchmark
from archon.errors import DataError

_URL = "https://raw.githubusercontent.com/lm-sys/FastChat/main/fastchat/llm_judge/data/mt_bench/question.jsonl"

JUDGE_TEMPLATE = """Below is a conversation between a user and an AI assistant. Evaluate only \
the assistant's LAST reply (marked "to evaluate"), taking the earlier turns as context.

{conversation}
{reference}
Write a short assessment of that reply: is it correct, helpful, relevant, detailed enough, \
and does it follow the user's instructions (including any constraint stated in the last \
user message)? Then rate it on a scale from 1 (useless) to 10 (excellent). Finish with the \
rating in double square brackets on its own line, for example: [[6]]"""

_REFERENCE_BLOCK = "\nA reference answer for the last user message (may help for math, reasoning and code):\n<<<\n{reference}\n>>>\n"


def format_conversation(turns: tuple[str, ...], responses: list[str]) -> str:
    parts = []
    last = len(responses) - 1
    for i, (user, reply) in enumerate(zip(turns, responses, strict=False)):
        parts.append(f"[User, turn {i + 1}]\n<<<\n{user}\n>>>")
        suffix = ", to evaluate" if i == last else ""
        label = f"Assistant, turn {i + 1}{suffix}"
        parts.append(f"[{label}]\n<<<\n{reply}\n>>>")
    return "\n\n".join(parts)


@register_benchmark
class MTBench(_judge.JudgedBenchmark):
    """MT-Bench with per-turn 1-10 ratings by a judge."""

    name: ClassVar[str] = "mt_bench"
    VERSION: ClassVar[str] = "1"
    default_split: ClassVar[str] = "test"
    judge_template: str = JUDGE_TEMPLATE

    def read_examples(self, split: str, data_dir: Path | None) -> list[Example]:
        if split != "test":
            raise DataError(f"mt_bench has only the 'test' split, not {split!r}")
        path = resolve_file("mt_bench/question.jsonl", _URL, data_dir)
        examples = []
        for index, record in read_jsonl(path):
            where = f"{path}:{index + 1}"
            turns = require(record, "turns", where)
            if (
                not isinstance(turns, list)
                or not turns
                or not all(isinstance(t, str) for t in turns)
            ):
                raise DataError(f"{where}: 'turns' must be a non-empty list of strings")
            ref = record.get("reference")
            examples.append(
                Example(
                    id=str(require(record, "question_id", where)),
                    turns=tuple(turns),
                    reference=list(ref) if isinstance(ref, list) else None,
                    metadata={"category": record.get("category")},
                )
            )
        return examples

    def judge_prompt(self, example: Example, responses: list[str], turn: int) -> str:
        """The judge's message for the answer to ``turn`` (0-based)."""
        refs = example.reference or []
        reference = _REFERENCE_BLOCK.format(reference=refs[turn]) if turn < len(refs) else ""
        return self.judge_template.format(
            conversation=format_conversation(example.turns[: turn + 1], responses[: turn + 1]),
            reference=reference,
        )

    async def judge_answers(self, example: Example, answers: list[str], judge: GenerateFn) -> Score:
        verdicts = await asyncio.gather(
            *(
                _judge.ask(judge, self.judge_prompt(example, answers, t))
                for t in range(len(answers))
            )
        )
        ratings = []
        for verdict in verdicts:
            if verdict is None:
                return _judge.judge_failed()
            rating = _judge.parse_rating(verdict)
            if rating is None:
                return _judge.unparseable(verdict)
            ratings.append(rating)
        shown = ",".join(f"{r:g}" for r in ratings)
        return Score(
            sum(ratings) / len(ratings) / 10.0, extracted=shown, detail=f"ratings per turn: {shown}"
        )
