"""Parsing of model output for the built-in components. A failure to parse is ``None``,
never a default verdict."""

from __future__ import annotations

import re

_BRACKET = re.compile(r"\[(\d+)\]")


def parse_ranking(text: str, n: int) -> list[int] | None:
    """0-based order from ``"[2] > [1] > [3]"``; missing ones follow in original order.

    Returns ``None`` when the text names no valid candidate at all.
    """
    seen: list[int] = []
    for m in _BRACKET.finditer(text):
        i = int(m.group(1))
        if 1 <= i <= n and (i - 1) not in seen:
            seen.append(i - 1)
    if not seen:
        return None
    return seen + [i for i in range(n) if i not in seen]


def parse_verdict(text: str) -> bool | None:
    """``[Correct]`` -> True, ``[Incorrect]`` -> False; both, neither -> None (not a pass)."""
    correct = "[correct]" in text.lower()
    incorrect = "[incorrect]" in text.lower()
    if correct == incorrect:
        return None
    return correct


def parse_unit_tests(text: str, cap: int | None = None) -> list[str]:
    """Tests from lines starting with ``-``, ``*``, ``1.`` or ``assert``."""
    tests: list[str] = []
    for line in text.splitlines():
        s = line.strip()
        m = re.match(r"^(?:[-*•]|\d+[.)])\s+(.*)$", s)
        if m:
            s = m.group(1).strip()
        elif not s.startswith("assert "):
            continue
        s = s.strip("`").strip()
        if s and s not in tests:
            tests.append(s)
    return tests[:cap] if cap else tests


_TEST_LINE = re.compile(r"test\s*#?\s*(\d+)\s*[:\-]\s*\[?\s*(passed|failed|pass|fail)\s*\]?", re.I)


def parse_test_verdicts(text: str, n_tests: int) -> list[bool | None]:
    """Per-test verdicts from ``Test 1: [Passed]`` lines; a test not found is ``None``."""
    out: list[bool | None] = [None] * n_tests
    for m in _TEST_LINE.finditer(text):
        i = int(m.group(1)) - 1
        if 0 <= i < n_tests:
            verdict = m.group(2).lower().startswith("pass")
            out[i] = verdict if out[i] is None or out[i] == verdict else None
    return out


def extract_code(text: str) -> str:
    """The first fenced Python block, else the whole text."""
    m = re.search(r"```(?:python|py)?\s*\n(.*?)```", text, flags=re.S)
    return m.group(1) if m else text
