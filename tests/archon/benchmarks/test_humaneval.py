from __future__ import annotations

import pytest

from archon.benchmarks import Example, get_benchmark


@pytest.fixture(scope="module")
def problems() -> dict[str, Example]:
    return {ex.id: ex for ex in get_benchmark("humaneval").load(seed=None)}


def test_load_bundled(problems: dict[str, Example]) -> None:
    assert len(problems) == 164
    assert "HumanEval/0" in problems
    assert problems["HumanEval/0"].metadata["entry_point"] == "has_close_elements"


def test_canonical_solution_passes(problems: dict[str, Example]) -> None:
    ex = problems["HumanEval/0"]
    bench = get_benchmark("humaneval")
    assert bench.grade(ex, ex.metadata["canonical_solution"]).value == 1.0
    fenced = (
        f"Here you go:\n```python\n{ex.metadata['prompt']}{ex.metadata['canonical_solution']}```"
    )
    assert bench.grade(ex, fenced).value == 1.0


def test_rewritten_function_keeps_prompt_helpers(problems: dict[str, Example]) -> None:
    # HumanEval/10's prompt defines a helper (is_palindrome) the solution relies on.
    ex = problems["HumanEval/10"]
    body = ex.metadata["canonical_solution"]
    rewritten = "```python\ndef make_palindrome(string: str) -> str:\n" + body + "```"
    assert get_benchmark("humaneval").grade(ex, rewritten).value == 1.0


def test_wrong_solutions_fail(problems: dict[str, Example]) -> None:
    ex = problems["HumanEval/0"]
    bench = get_benchmark("humaneval")
    wrong = "```python\ndef has_close_elements(numbers, threshold):\n    return False\n```"
    score = bench.grade(ex, wrong)
    assert (score.value, score.error) == (0.0, None)
    assert "AssertionError" in (score.detail or "")
    assert bench.grade(ex, "```python\ndef has_close_elements(:\n```").value == 0.0
    assert bench.grade(ex, "").error == "empty"
    assert bench.grade(ex, "I can't help with that.").error == "refused"
    cut = "```python\ndef has_close_elements(numbers, threshold):\n    for"
    assert bench.grade(ex, cut, finish_reason="length").error == "truncated"


async def test_agrade_runs_off_the_loop(problems: dict[str, Example]) -> None:
    ex = problems["HumanEval/0"]
    bench = get_benchmark("humaneval")
    assert (await bench.agrade(ex, [ex.metadata["canonical_solution"]])).value == 1.0
    assert (await bench.agrade(ex, [None])).error == "call_failed"
