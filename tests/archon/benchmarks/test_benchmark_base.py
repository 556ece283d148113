from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

import archon.benchmarks as benchmarks
from archon.benchmarks import (
    Benchmark,
    Example,
    Score,
    get_benchmark,
    list_benchmarks,
    register_benchmark,
    split_dev_holdout,
)
from archon.errors import DataError


def test_all_is_sorted_and_complete() -> None:
    assert benchmarks.__all__ == sorted(benchmarks.__all__)
    assert set(benchmarks.__all__) == {
        "Benchmark",
        "ErrorKind",
        "Example",
        "GenerateFn",
        "Score",
        "get_benchmark",
        "list_benchmarks",
        "register_benchmark",
        "split_dev_holdout",
    }
    for name in benchmarks.__all__:
        assert hasattr(benchmarks, name)


def test_builtins_are_listed() -> None:
    assert {"gsm8k", "math", "humaneval", "mt_bench", "arena_hard", "alpaca_eval"} <= set(
        list_benchmarks()
    )
    for name in list_benchmarks():
        bench = get_benchmark(name)
        assert bench.name == name
        assert isinstance(bench.VERSION, str)


def test_unknown_benchmark_suggests() -> None:
    with pytest.raises(DataError) as info:
        get_benchmark("gsm8")
    assert "did you mean 'gsm8k'" in str(info.value)
    assert "mt_bench" in str(info.value)


class _Parity(Benchmark):
    """A user-defined benchmark: is the number even?"""

    name: ClassVar[str] = "parity_test"
    VERSION: ClassVar[str] = "0.1"

    def read_examples(self, split: str, data_dir: Path | None) -> list[Example]:
        return [
            Example(id=f"p{i}", turns=(f"Is {i} even? Answer yes or no.",), reference=i % 2 == 0)
            for i in range(30)
        ]

    def grade(
        self, example: Example, response_text: str | None, *, finish_reason: str | None = None
    ) -> Score:
        if not response_text:
            return Score(0.0, "empty")
        said_yes = response_text.strip().lower().startswith("yes")
        return Score(1.0 if said_yes == example.reference else 0.0, extracted=response_text)


async def test_user_defined_benchmark() -> None:
    register_benchmark(_Parity)
    bench = get_benchmark("parity_test")
    assert isinstance(bench, _Parity)
    assert "parity_test" in list_benchmarks()
    examples = bench.load(limit=5, seed=1)
    assert len(examples) == 5

    seen: list[list[dict[str, str]]] = []

    async def generate(messages: list[dict[str, str]]) -> str | None:
        seen.append(messages)
        return "yes"

    ex = next(e for e in bench.load(seed=None) if e.id == "p4")
    responses = await bench.answer(ex, generate)
    assert responses == ["yes"]
    assert seen[0] == [{"role": "user", "content": "Is 4 even? Answer yes or no."}]
    assert (await bench.agrade(ex, responses)).value == 1.0
    assert (await bench.agrade(ex, [None])).error == "call_failed"
    assert bench.grade_failure(ex).error == "call_failed"


def test_register_rejects_non_benchmarks() -> None:
    with pytest.raises(TypeError):
        register_benchmark(int)  # type: ignore[type-var]


async def test_multi_turn_answer_conditions_on_own_answers() -> None:
    bench = _Parity()
    ex = Example(id="m", turns=("first", "second"), system="be brief")
    calls: list[list[dict[str, str]]] = []

    async def generate(messages: list[dict[str, str]]) -> str | None:
        calls.append(messages)
        return f"reply {len(calls)}"

    assert await bench.answer(ex, generate) == ["reply 1", "reply 2"]
    assert calls[1] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "reply 1"},
        {"role": "user", "content": "second"},
    ]

    async def failing(messages: list[dict[str, str]]) -> str | None:
        return None

    assert await bench.answer(ex, failing) == [None, None]


def _examples(n: int) -> list[Example]:
    return [Example(id=f"q{i}", turns=(str(i),)) for i in range(n)]


def test_split_dev_holdout_is_disjoint_and_deterministic() -> None:
    examples = _examples(40)
    dev, held = split_dev_holdout(examples, holdout=10, seed=0)
    assert len(held) == 10 and len(dev) == 30
    assert not {e.id for e in dev} & {e.id for e in held}
    assert {e.id for e in dev} | {e.id for e in held} == {e.id for e in examples}
    dev2, held2 = split_dev_holdout(list(reversed(examples)), holdout=10, seed=0)
    assert {e.id for e in held2} == {e.id for e in held}
    _, held3 = split_dev_holdout(examples, holdout=10, seed=1)
    assert {e.id for e in held3} != {e.id for e in held}
    assert [e.id for e in dev] == [e.id for e in examples if e.id not in {h.id for h in held}]


def test_split_dev_holdout_rejects_bad_sizes() -> None:
    with pytest.raises(DataError):
        split_dev_holdout(_examples(3), holdout=4)
    with pytest.raises(DataError):
        split_dev_holdout(_examples(3) + _examples(1), holdout=1)


def test_seed_none_keeps_file_order() -> None:
    ids = [e.id for e in _Parity().load(seed=None, limit=3)]
    assert ids == ["p0", "p1", "p2"]
    with pytest.raises(DataError):
        _Parity().load(limit=-1)
