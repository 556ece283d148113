from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from archon.benchmarks import Example, get_benchmark


def _ex(gold: str) -> Example:
    return Example(id="t", turns=("problem",), reference=gold)


@pytest.mark.parametrize(
    ("gold", "response", "value", "error"),
    [
        ("\\frac{1}{2}", "So the probability is \\boxed{0.5}.", 1.0, None),
        ("0.5", "We get \\boxed{\\frac{1}{2}}", 1.0, None),
        ("\\frac{\\sqrt{2}}{2}", "The answer is \\boxed{\\frac{\\sqrt2}{2}}", 1.0, None),
        ("\\frac{\\sqrt2}{2}", "\\boxed{\\sqrt{2}/2}", 1.0, None),
        ("\\frac{\\sqrt2}{2}", "\\boxed{\\frac{1}{\\sqrt{2}}}", 1.0, None),
        ("(1,2)", "\\boxed{(1, 2)}", 1.0, None),
        ("3", "\\boxed{4}", 0.0, None),
        ("18", "\\boxed{118}", 0.0, None),
        ("10", "The final answer is $10$.", 1.0, None),
        ("3", "I am not sure how to approach this.", 0.0, "unparseable"),
        ("3", "", 0.0, "empty"),
        ("3", "I'm sorry, but I can't help with that.", 0.0, "refused"),
        ("3", "First we expand (x+1)^2 = x^2 + 2x +", 0.0, "truncated"),
    ],
)
def test_grading_table(gold: str, response: str, value: float, error: str | None) -> None:
    finish = "length" if error == "truncated" else None
    score = get_benchmark("math").grade(_ex(gold), response, finish_reason=finish)
    assert (score.value, score.error) == (value, error)


async def test_grading_off_the_main_thread() -> None:
    # math-verify's signal-based timeout only works in the main thread.
    bench = get_benchmark("math")
    score = await asyncio.to_thread(bench.grade, _ex("\\frac{1}{2}"), "\\boxed{0.5}")
    assert score.value == 1.0


def test_load_from_data_dir(tmp_path: Path) -> None:
    (tmp_path / "math").mkdir()
    rows = [
        {"problem": "1+1?", "answer": "2", "unique_id": "test/algebra/1.json", "level": 1},
        {"problem": "2+2?", "answer": "4", "unique_id": "test/algebra/2.json", "level": 1},
    ]
    (tmp_path / "math" / "test.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    examples = get_benchmark("math").load(data_dir=tmp_path, seed=None)
    assert [e.id for e in examples] == ["test/algebra/1.json", "test/algebra/2.json"]
    assert "\\boxed" in get_benchmark("math").prompt(examples[0])
