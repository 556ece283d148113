"""AlpacaEval: 805 instructions, judged against the data set's reference outputs
(Li et al., 2023; Dubois et al., 2024).

Source: https://huggingface.co/datasets/tatsu-lab/alpaca_eval (``alpaca_eval.json``, a JSON
array; fields ``instruction``, ``output`` (the baseline, GPT-4 Turbo in v2), ``generator``,
``dataset``). Data-dir layout: ``alpaca_eval/alpaca_eval.json``. The data set has no ids;
ours are ``alpaca_eval-`` plus a hash of the instruction (a repeated instruction gets
``-2``, ``-3`` ...).

Grading: win rate against the baseline output. The judge sees both outputs in both orders
and ends with ``Output (a)`` or ``Output (b)``; a win counts 1, so the score of a question is
0, 0.5 or 1. This is the plain (not length-controlled) win rate, with our own judge prompt,
so numbers are not comparable with the official leaderboard.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import ClassVar

from archon.benchmarks import _judge
from archon.benchmarks._base import Example, GenerateFn, Score
from archon.benchmarks._data import resolve_file
from archon.benchmarks._pairwise import judge_both_orders
from archon.benchmarks._registry import register_benchmark
from archon.errors import DataError

_URL = "https://huggingface.co/datasets/tatsu-lab/alpaca_eval/resolve/main/alpaca_eval.json"

JUDGE_TEMPLATE = """Two AI assistants answered the same instruction. Decide which output a \
thoughtful person who gave the instruction would prefer: accurate, helpful, following the \
instruction closely, without padding.

[Instruction]
<<<
{instruction}
>>>

[Output (a)]
<<<
{output_a}
>>>

[Output (b)]
<<<
{output_b}
>>>

Explain your choice in a few sentences. Then, on the last line, write only the better one: \
either "Output (a)" or "Output (b)"."""

_VERDICT_RE = re.compile(r"output\s*\(\s*([ab])\s*\)", re.IGNORECASE)


def parse_choice(verdict: str) -> str | None:
    """``"a"`` or ``"b"`` from the verdict's last line that names one, else None."""
    for line in reversed(verdict.strip().splitlines()):
        found = {m.lower() for m in _VERDICT_RE.findall(line)}
        if len(found) == 1:
            return found.pop()
        if len(found) > 1:
            return None
    return None


@register_benchmark
class AlpacaEval(_judge.JudgedBenchmark):
    """AlpacaEval win rate against the data set's baseline outputs."""

    name: ClassVar[str] = "alpaca_eval"
    VERSION: ClassVar[str] = "1"
    default_split: ClassVar[str] = "test"
    judge_template: str = JUDGE_TEMPLATE

    def read_examples(self, split: str, data_dir: Path | None) -> list[Example]:
        if split not in ("test", "eval"):
            raise DataError(f"alpaca_eval has only the 'test' split, not {split!r}")
        path = resolve_file("alpaca_eval/alpaca_eval.json", _URL, data_dir)
        try:
            records = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from exc
        if not isinstance(records, list):
            raise DataError(f"{path}: expected a JSON array of records")
        examples = []
        seen: dict[str, int] = {}
        for index, record in enumerate(records):
            if (
                not isinstance(record, dict)
                or "instruction" not in record
                or "output" not in record
            ):
                raise DataError(f"{path}: record {index} needs 'instruction' and 'output'")
            instruction = str(record["instruction"])
            base = "alpaca_eval-" + hashlib.sha256(instruction.encode()).hexdigest()[:12]
            seen[base] = seen.get(base, 0) + 1
            ex_id = base if seen[base] == 1 else f"{base}-{seen[base]}"
            examples.append(
                Example(
                    id=ex_id,
                    turns=(instruction,),
                    reference=str(record["output"]),
                    metadata={k: record.get(k) for k in ("dataset", "generator")},
                )
            )
        return examples

    def judge_prompt(self, example: Example, output_a: str, output_b: str) -> str:
        return self.judge_template.format(
            instruction=example.turns[0], output_a=output_a, output_b=output_b
        )

    async def judge_answers(self, example: Example, answers: list[str], judge: GenerateFn) -> Score:
        return await judge_both_orders(
            judge,
            make_prompt=lambda a, b: self.judge_prompt(example, a, b),
            parse=parse_choice,
            first_score=lambda choice: 1.0 if choice == "a" else 0.0,
            candidate=answers[-1],
            baseline=str(example.reference),
        )
