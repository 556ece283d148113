from __future__ import annotations

from pathlib import Path

import pytest

from archon.benchmarks import Example, get_benchmark
from archon.errors import DataError


def _ex(gold: str) -> Example:
    return Example(id="t", turns=("question",), reference=gold)


@pytest.mark.parametrize(
    ("gold", "response", "finish_reason", "value", "error"),
    [
        ("18", "The answer is 18.", None, 1.0, None),
        ("18", "118", None, 0.0, None),
        ("18", "I think 118 is the answer", None, 0.0, None),
        ("1234", "$1,234.00", None, 1.0, None),
        ("72", "First 48, then 24 more. #### 72", None, 1.0, None),
        ("72", "#### 72\n(48 + 24, check: 100)", None, 1.0, None),
        ("42", "so the result is \\boxed{42}", None, 1.0, None),
        ("42", "Adding up we get **42**", None, 1.0, None),
        ("18", "Janet makes 18 dollars every day.", None, 1.0, None),
        (
            "18",
            "She sells 9 eggs for $2 each, i.e. 18 eggs-worth... The answer is 18 eggs.",
            None,
            1.0,
            None,
        ),
        ("-5", "The temperature drops to -5.", None, 1.0, None),
        ("5", "The temperature drops to -5.", None, 0.0, None),
        ("0.75", "She keeps 3/4 of it.", None, 1.0, None),
        ("18", "The answer is 18.00", None, 1.0, None),
        ("18", "Step 1: 16 - 3 - 4 = 9. Step 2: 9 * 2 =", "length", 0.0, "truncated"),
        ("18", "Step 1: 16 - 3 - 4 = 9. The answer is 18.", "length", 1.0, None),
        ("18", "", None, 0.0, "empty"),
        ("18", None, None, 0.0, "empty"),
        ("18", "   \n", None, 0.0, "empty"),
        ("18", "I'm sorry, but I can't help with that.", None, 0.0, "refused"),
        ("18", "I cannot assist with this request.", None, 0.0, "refused"),
        ("18", "Let me think about it.", None, 0.0, "unparseable"),
    ],
)
def test_grading_table(
    gold: str, response: str | None, finish_reason: str | None, value: float, error: str | None
) -> None:
    score = get_benchmark("gsm8k").grade(_ex(gold), response, finish_reason=finish_reason)
    assert (score.value, score.error) == (value, error)


def test_extracted_is_reported() -> None:
    score = get_benchmark("gsm8k").grade(_ex("18"), "The answer is $18.")
    assert score.extracted == "18"


def test_load_from_shared_data(shared_data: Path) -> None:
    bench = get_benchmark("gsm8k")
    everything = bench.load(data_dir=shared_data, seed=None)
    assert len(everything) == 1319
    first = everything[0]
    assert first.id == "gsm8k-test-0"
    assert first.reference == "18"
    assert "Janet" in first.turns[0]
    assert "Janet" in bench.prompt(first)
    assert len({ex.id for ex in everything}) == 1319
    train = bench.load(split="train", limit=2, data_dir=shared_data)
    assert all(ex.id.startswith("gsm8k-train-") for ex in train)


def test_gold_answers_grade_correct(shared_data: Path) -> None:
    bench = get_benchmark("gsm8k")
    for ex in bench.load(data_dir=shared_data, limit=50):
        # The data set's own worked solution ends with "#### N": it must grade as correct.
        assert bench.grade(ex, ex.metadata["solution"]).value == 1.0, ex.id


def test_seeded_load_is_stable(shared_data: Path) -> None:
    bench = get_benchmark("gsm8k")
    a = [ex.id for ex in bench.load(data_dir=shared_data, limit=10, seed=3)]
    b = [ex.id for ex in bench.load(data_dir=shared_data, limit=10, seed=3)]
    c = [ex.id for ex in bench.load(data_dir=shared_data, limit=10, seed=4)]
    longer = [ex.id for ex in bench.load(data_dir=shared_data, limit=20, seed=3)]
    assert a == b
    assert a != c
    assert longer[:10] == a


def test_env_data_dir(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHON_DATA_DIR", str(shared_data))
    assert len(get_benchmark("gsm8k").load(limit=3)) == 3


def test_offline_without_data_names_both_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARCHON_DATA_DIR", raising=False)
    with pytest.raises(DataError) as info:
        get_benchmark("gsm8k").load(data_dir=tmp_path / "empty")
    message = str(info.value)
    assert "--data-dir" in message
    assert "ARCHON_DATA_DIR" in message
    assert "https://raw.githubusercontent.com/openai/grade-school-math" in message


def test_unknown_split(shared_data: Path) -> None:
    with pytest.raises(DataError, match="split"):
        get_benchmark("gsm8k").load(split="dev", data_dir=shared_data)
