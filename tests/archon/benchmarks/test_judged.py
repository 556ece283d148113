"""Judged benchmarks, with scripted async judge functions (this tests our parsing and scoring)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from archon.benchmarks import Example, get_benchmark
from archon.benchmarks._judge import parse_pairwise, parse_rating
from archon.benchmarks.alpaca_eval import parse_choice
from archon.errors import DataError

Judge = Callable[[list[dict[str, str]]], Awaitable[str | None]]


def scripted(*replies: str | None) -> tuple[Judge, list[list[dict[str, str]]]]:
    prompts: list[list[dict[str, str]]] = []

    async def judge(messages: list[dict[str, str]]) -> str | None:
        prompts.append(messages)
        return replies[min(len(prompts) - 1, len(replies) - 1)]

    return judge, prompts


# -- MT-Bench ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verdict", "rating"),
    [
        ("Good answer. Rating: [[8]]", 8.0),
        ("[[7.5]]", 7.5),
        ("first [[3]] then revised: [[9]]", 9.0),
        ("[[ 6 / 10 ]]", 6.0),
        ("Rating: 8", None),
        ("[[11]]", None),
        ("[[0]]", None),
        ("", None),
    ],
)
def test_parse_rating(verdict: str, rating: float | None) -> None:
    assert parse_rating(verdict) == rating


def test_load_mt_bench(shared_data: Path) -> None:
    examples = get_benchmark("mt_bench").load(data_dir=shared_data, seed=None)
    assert len(examples) == 80
    assert examples[0].id == "81"
    assert len(examples[0].turns) == 2
    assert examples[0].metadata["category"] == "writing"
    again = get_benchmark("mt_bench").load(data_dir=shared_data, limit=5, seed=7)
    assert [e.id for e in again] == [
        e.id for e in get_benchmark("mt_bench").load(data_dir=shared_data, limit=5, seed=7)
    ]


async def test_mt_bench_two_turns_and_ratings(shared_data: Path) -> None:
    bench = get_benchmark("mt_bench")
    ex = bench.load(data_dir=shared_data, seed=None)[0]
    calls: list[list[dict[str, str]]] = []

    async def generate(messages: list[dict[str, str]]) -> str | None:
        calls.append(messages)
        return f"ANSWER-{len(calls)}"

    responses = await bench.answer(ex, generate)
    assert responses == ["ANSWER-1", "ANSWER-2"]
    assert calls[1][1] == {"role": "assistant", "content": "ANSWER-1"}

    judge, prompts = scripted("Solid. [[8]]", "Weaker. [[6]]")
    score = await bench.agrade(ex, responses, judge=judge)
    assert score.error is None
    assert score.value == pytest.approx(0.7)
    assert len(prompts) == 2
    second = prompts[1][-1]["content"]
    assert "ANSWER-1" in second and "ANSWER-2" in second and ex.turns[1] in second


async def test_mt_bench_unparseable_and_failures() -> None:
    bench = get_benchmark("mt_bench")
    ex = Example(id="1", turns=("a", "b"))
    judge, _ = scripted("[[9]]", "It is decent, I'd say eight.")
    score = await bench.agrade(ex, ["x", "y"], judge=judge)
    assert (score.value, score.error) == (0.0, "unparseable")

    judge, _ = scripted(None)
    assert (await bench.agrade(ex, ["x", "y"], judge=judge)).error == "call_failed"
    assert (await bench.agrade(ex, ["x", None], judge=judge)).error == "call_failed"
    assert (await bench.agrade(ex, ["x", " "], judge=judge)).error == "empty"
    with pytest.raises(DataError, match="--judge"):
        await bench.agrade(ex, ["x", "y"])
    with pytest.raises(DataError, match="judge"):
        bench.grade(ex, "text")
    assert bench.grade(ex, "").error == "empty"


# -- Arena-Hard -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verdict", "label"),
    [
        ("My final verdict is [[A>>B]]", "A>>B"),
        ("[[A>B]]", "A>B"),
        ("[[A=B]]", "A=B"),
        ("[[B > A]]", "B>A"),
        ("[[B>>A]]", "B>>A"),
        ("[[A<B]]", "B>A"),
        ("[[A>A]]", None),
        ("A is better", None),
    ],
)
def test_parse_pairwise(verdict: str, label: str | None) -> None:
    assert parse_pairwise(verdict) == label


def _baseline_file(tmp_path: Path, shared_data: Path) -> tuple[Path, str]:
    first = json.loads((shared_data / "arena_hard" / "question.jsonl").read_text().splitlines()[0])
    path = tmp_path / "baseline.jsonl"
    path.write_text(json.dumps({"id": first["question_id"], "answer": "BASELINE"}) + "\n")
    return path, first["question_id"]


async def test_arena_hard_both_orders(
    tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, qid = _baseline_file(tmp_path, shared_data)
    monkeypatch.setenv("ARCHON_BASELINE_ANSWERS", str(path))
    bench = get_benchmark("arena_hard")
    examples = {e.id: e for e in bench.load(data_dir=shared_data)}
    assert len(examples) == 500
    ex = examples[qid]
    assert ex.reference == "BASELINE"

    # Candidate shown first wins clearly; shown second, the judge calls it a tie.
    judge, prompts = scripted("[[A>>B]]", "[[A=B]]")
    score = await bench.agrade(ex, ["CANDIDATE"], judge=judge)
    assert score.value == pytest.approx(0.75)
    first, second = prompts[0][-1]["content"], prompts[1][-1]["content"]
    assert first.index("CANDIDATE") < first.index("BASELINE")
    assert second.index("BASELINE") < second.index("CANDIDATE")

    judge, _ = scripted("[[B>A]]", "[[A>B]]")
    assert (await bench.agrade(ex, ["CANDIDATE"], judge=judge)).value == 0.0

    judge, _ = scripted("[[A>B]]", "no label here")
    assert (await bench.agrade(ex, ["CANDIDATE"], judge=judge)).error == "unparseable"


async def test_arena_hard_needs_baseline(shared_data: Path) -> None:
    bench = get_benchmark("arena_hard")
    ex = bench.load(data_dir=shared_data, limit=1)[0]
    judge, _ = scripted("[[A=B]]")
    with pytest.raises(DataError, match="ARCHON_BASELINE_ANSWERS"):
        await bench.agrade(ex, ["x"], judge=judge)


# -- AlpacaEval -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verdict", "choice"),
    [
        ("Output (a) is more complete.\nOutput (a)", "a"),
        ("Reasoning...\n\nOutput (b)", "b"),
        ("output(B)", "b"),
        ("Both Output (a) and Output (b) are fine", None),
        ("The first one.", None),
    ],
)
def test_parse_choice(verdict: str, choice: str | None) -> None:
    assert parse_choice(verdict) == choice


def _alpaca_dir(tmp_path: Path) -> Path:
    (tmp_path / "alpaca_eval").mkdir()
    rows = [
        {"instruction": "Say hi.", "output": "BASELINE hi", "dataset": "helpful_base"},
        {"instruction": "Say bye.", "output": "BASELINE bye", "dataset": "helpful_base"},
        {"instruction": "Say hi.", "output": "BASELINE hi again", "dataset": "oasst"},
    ]
    (tmp_path / "alpaca_eval" / "alpaca_eval.json").write_text(json.dumps(rows))
    return tmp_path


async def test_alpaca_eval(tmp_path: Path) -> None:
    bench = get_benchmark("alpaca_eval")
    examples = bench.load(data_dir=_alpaca_dir(tmp_path), seed=None)
    assert len({e.id for e in examples}) == 3
    assert examples[2].id == examples[0].id + "-2"
    ex = examples[0]

    judge, prompts = scripted("Output (a)", "Output (b)")  # candidate wins in both orders
    assert (await bench.agrade(ex, ["CANDIDATE"], judge=judge)).value == 1.0
    assert "Output (a)" in prompts[0][-1]["content"]

    judge, _ = scripted("Output (a)", "Output (a)")  # position bias: one win each
    assert (await bench.agrade(ex, ["CANDIDATE"], judge=judge)).value == 0.5

    judge, _ = scripted("I like both.")
    score = await bench.agrade(ex, ["CANDIDATE"], judge=judge)
    assert (score.value, score.error) == (0.0, "unparseable")

    with pytest.raises(DataError, match="--judge"):
        await bench.agrade(ex, ["CANDIDATE"])


def test_alpaca_eval_offline_names_source(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        get_benchmark("alpaca_eval").load(data_dir=tmp_path)
    assert "huggingface.co/datasets/tatsu-lab/alpaca_eval" in str(info.value)
    assert "ARCHON_DATA_DIR" in str(info.value)
