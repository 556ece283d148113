"""Arena-Hard-Auto v0.1: 500 hard user prompts from Chatbot Arena (Li et al., 2024).

Source: lm-sys arena-hard-auto, ``data/arena-hard-v0.1/question.jsonl`` (Apache-2.0); fields
``question_id``, ``category``, ``cluster``, ``turns[0].content``. Data-dir layout:
``arena_hard/question.jsonl``. Ids are the ``question_id``.

Grading: pairwise against a baseline answer per question. Baseline answers come from a JSONL
file: the benchmark's ``baseline_path`` attribute, else the environment variable
``ARCHON_BASELINE_ANSWERS``. Each record has ``id`` and ``answer`` (a gen_answers output file
of the baseline config works) or arena-hard's own ``question_id`` +
``choices[0].turns[0].content``. The judge compares the two in both orders and ends with one
of ``[[A>>B]]``, ``[[A>B]]``, ``[[A=B]]``, ``[[B>A]]``, ``[[B>>A]]``; from the candidate's side
these are worth 1, 1, 0.5, 0, 0, averaged over the two orders.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from archon.benchmarks import _judge
from archon.benchmarks._base import Example, GenerateFn, Score
from archon.benchmarks._data import read_jsonl, require, resolve_file
from archon.benchmarks._pairwise import judge_both_orders
from archon.benchmarks._registry import register_benchmark
from archon.errors import DataError

_URL = "https://raw.githubusercontent.com/lmarena/arena-hard-auto/main/data/arena-hard-v0.1/question.jsonl"

JUDGE_TEMPLATE = """Compare two AI assistants' answers to the user's request below.

Before judging, work out briefly what a good answer must contain, and check both answers \
for mistakes, missing parts and irrelevant material. Helpful, correct and complete beats long.

[User request]
<<<
{question}
>>>

[Answer of assistant A]
<<<
{answer_a}
>>>

[Answer of assistant B]
<<<
{answer_b}
>>>

After your analysis, end with exactly one verdict label on its own line:
[[A>>B]] if A is much better, [[A>B]] if A is better, [[A=B]] if they are about equal, \
[[B>A]] if B is better, [[B>>A]] if B is much better."""

FIRST_SCORE = {"A>>B": 1.0, "A>B": 1.0, "A=B": 0.5, "B>A": 0.0, "B>>A": 0.0}


def read_baseline(path: str | Path) -> dict[str, str]:
    """Answers by question id from a JSONL file (gen_answers records or arena-hard's format)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"baseline answers file not found: {path}")
    answers: dict[str, str] = {}
    for index, record in read_jsonl(path):
        qid = record.get("id", record.get("question_id"))
        text: Any = record.get("answer")
        if text is None and record.get("choices"):
            try:
                text = record["choices"][0]["turns"][0]["content"]
            except (KeyError, IndexError, TypeError):
                text = None
        if qid is None or not isinstance(text, str):
            raise DataError(f"{path}:{index + 1}: need 'id' and 'answer' (a string)")
        answers[str(qid)] = text
    return answers


@register_benchmark
class ArenaHard(_judge.JudgedBenchmark):
    """Arena-Hard-Auto, judged pairwise against baseline answers."""

    name: ClassVar[str] = "arena_hard"
    VERSION: ClassVar[str] = "1"
    default_split: ClassVar[str] = "test"
    judge_template: str = JUDGE_TEMPLATE

    def __init__(self, baseline_path: str | Path | None = None) -> None:
        self.baseline_path = baseline_path

    def read_examples(self, split: str, data_dir: Path | None) -> list[Example]:
        if split != "test":
            raise DataError(f"arena_hard has only the 'test' split, not {split!r}")
        path = resolve_file("arena_hard/question.jsonl", _URL, data_dir)
        baseline_file = self.baseline_path or os.environ.get("ARCHON_BASELINE_ANSWERS") or None
        baseline = read_baseline(baseline_file) if baseline_file else {}
        examples = []
        for index, record in read_jsonl(path):
            where = f"{path}:{index + 1}"
            turns = require(record, "turns", where)
            try:
                question = turns[0]["content"] if isinstance(turns[0], dict) else turns[0]
            except (IndexError, KeyError, TypeError) as exc:
                raise DataError(f"{where}: expected turns[0].content") from exc
            qid = str(require(record, "question_id", where))
            examples.append(
                Example(
                    id=qid,
                    turns=(str(question),),
                    reference=baseline.get(qid),
                    metadata={k: record.get(k) for k in ("category", "cluster")},
                )
            )
        return examples

    def judge_prompt(self, example: Example, answer_a: str, answer_b: str) -> str:
        return self.judge_template.format(
            question=example.turns[0], answer_a=answer_a, answer_b=answer_b
        )

    def check_example(self, example: Example) -> None:
        if not isinstance(example.reference, str):
            raise DataError(
                f"arena_hard question {example.id} has no baseline answer: set "
                "ARCHON_BASELINE_ANSWERS (or baseline_path) to a JSONL file of the baseline "
                "config's answers (records with 'id' and 'answer', e.g. a gen_answers output)"
            )

    async def judge_answers(self, example: Example, answers: list[str], judge: GenerateFn) -> Score:
        return await judge_both_orders(
            judge,
            make_prompt=lambda a, b: self.judge_prompt(example, a, b),
            parse=_judge.parse_pairwise,
            first_score=FIRST_SCORE.__getitem__,
            candidate=answers[-1],
            baseline=example.reference,
        )
