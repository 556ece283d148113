from __future__ import annotations

import pytest

from archon.benchmarks.extract import (
    extract_boxed,
    extract_code,
    extract_final_answer,
    is_refusal,
    numbers_equal,
    parse_number,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18", 18.0),
        ("$1,234.00", 1234.0),
        ("18 dollars", 18.0),
        ("-7 degrees", -7.0),
        ("\u22127", -7.0),
        ("3/4", 0.75),
        ("\\frac{3}{4}", 0.75),
        ("12.50", 12.5),
        ("50%", 50.0),
        (".5", 0.5),
        ("no digits here", None),
    ],
)
def test_parse_number(text: str, expected: float | None) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We get 12 first. #### 72", "72"),
        ("#### 72\nbut some later words 5", "72"),
        ("So 3 + 4 = 7. The answer is 18.", "18"),
        ("The final answer is $1,234.", "1234"),
        ("Final answer: 42 apples", "42"),
        ("Answer: -3", "-3"),
        ("thus \\boxed{42} and 7 more", "42"),
        ("\\boxed{\\frac{3}{4}}", "0.75"),
        ("Step 1 gives 5.\n**42**", "42"),
        ("**Total: $18.00**", "18"),
        ("**Step 2:** multiply 3 by 6 to get 18", "18"),
        ("she pays 5, then 7, so 12", "12"),
        ("The answer is 18.0", "18"),
        ("nothing numeric", None),
        ("", None),
    ],
)
def test_extract_final_answer(text: str, expected: str | None) -> None:
    assert extract_final_answer(text) == expected


def test_explicit_only() -> None:
    assert extract_final_answer("5 and 7", fallback_last_number=False) is None
    assert extract_final_answer("#### 7", fallback_last_number=False) == "7"


def test_numbers_equal_is_numeric_not_substring() -> None:
    assert numbers_equal(18.0, 18.0000000001)
    assert not numbers_equal(118.0, 18.0)
    assert not numbers_equal(None, 18.0)


def test_boxed_nested_and_unbalanced() -> None:
    assert extract_boxed("\\boxed{\\frac{1}{2}}") == "\\frac{1}{2}"
    assert extract_boxed("\\boxed{1} then \\boxed{2}") == "2"
    assert extract_boxed("\\boxed{\\frac{1}{2}") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I can't help with that.", True),
        ("I cannot assist with this request.", True),
        ("I'm sorry, but I can't provide that information.", True),
        ("As an AI language model, I cannot answer that.", True),
        ("I can help! The answer is 4.", False),
        ("Sorry for the wait: the answer is 4.", False),
        ("", False),
    ],
)
def test_is_refusal(text: str, expected: bool) -> None:
    assert is_refusal(text) is expected


def test_extract_code() -> None:
    text = "Here:\n```python\ndef f():\n    return 1\n```\nand ```\nx\n```"
    assert extract_code(text) == "def f():\n    return 1\n"
    assert extract_code("def f(): pass") == "def f(): pass"
    assert extract_code("```python\ndef f():\n    return") == "def f():\n    return"
