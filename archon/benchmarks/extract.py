"""Shared answer extraction and comparison.

Final-answer preference (the first rule that yields a number wins; within a rule the *last*
occurrence counts, since models restate the problem before answering):

1. ``#### 18`` (GSM8K's own format)
2. "The answer is 18" / "The final answer is 18"
3. "Final answer: 18" / "Answer: 18"
4. ``\\boxed{18}`` (nested braces allowed)
5. a bolded answer: ``**18**``, ``**$18**``, ``**Answer: 18 eggs**``
6. the last number in the text

Numbers are normalised before comparison: thousands commas, ``$``, ``%`` (dropped, value kept),
trailing units ("18 dollars"), ``18.00``, negative signs (also U+2212), fractions (``3/4``,
``\\frac{3}{4}``). Comparison is numeric with tolerance 1e-6, never by substring: "118" does
not match 18.
"""

from __future__ import annotations

import math
import re

__all__ = [
    "extract_boxed",
    "extract_code",
    "extract_final_answer",
    "is_refusal",
    "last_number",
    "numbers_equal",
    "parse_number",
]

# A number: optional sign, comma-grouped or plain digits, optional decimals; or ".5".
_NUM = r"[-\u2212]?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-\u2212]?\.\d+"
_FRACTION = rf"(?:{_NUM})\s*/\s*(?:{_NUM})"
_LATEX_FRAC = r"[-\u2212]?\\[dt]?frac\s*\{\s*(-?\d+(?:\.\d+)?)\s*\}\s*\{\s*(-?\d+(?:\.\d+)?)\s*\}"
_NUMBER_RE = re.compile(rf"{_LATEX_FRAC}|(?<![\w.])\$?\s?(?:{_FRACTION}|{_NUM})(?![\w])")

_MARKERS = [
    re.compile(r"####\s*"),
    re.compile(r"\bthe\s+(?:final\s+)?answer\s+is\s*:?\s*", re.IGNORECASE),
    re.compile(r"\b(?:final\s+)?answer\s*:\s*", re.IGNORECASE),
]
_BOLD_RE = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_BOLD_LABEL = re.compile(
    r"^\s*(?:(?:the\s+)?(?:final\s+)?answer(?:\s+is)?|total|result)\s*[:=]?\s*", re.IGNORECASE
)
_BOLD_ONLY_NUMBER = re.compile(
    rf"^\s*\$?\s*(?:{_FRACTION}|{_NUM})\s*%?(?:\s+[A-Za-z]+){{0,3}}\s*\.?\s*$"
)

_REFUSALS = re.compile(
    r"^\W*(?:i'?m\s+sorry|i\s+am\s+sorry|sorry|i\s+apologi[sz]e|unfortunately)?[,.!\s]*"
    r"(?:but\s+)?(?:i|as\s+an\s+ai[^,.]*,\s*i)\s+"
    r"(?:can(?:'|no)?t|cannot|won'?t|will\s+not|am\s+(?:not\s+able|unable)|'m\s+(?:not\s+able|unable)|"
    r"am\s+not\s+allowed|must\s+decline|do\s+not\s+feel\s+comfortable|don'?t\s+feel\s+comfortable)"
    r"(?:\s+\w+){0,3}?\s+(?:help|assist|provide|answer|comply|do\s+that|fulfil|support|respond|with)",
    re.IGNORECASE,
)


def parse_number(text: str | None) -> float | None:
    """The first number in ``text``, normalised to a float, or None.

    >>> parse_number("$1,234.00")
    1234.0
    >>> parse_number("18 eggs")
    18.0
    >>> parse_number("3/4")
    0.75
    """
    if text is None:
        return None
    match = _NUMBER_RE.search(text.replace("\u2212", "-"))
    return _to_float(match) if match else None


def last_number(text: str) -> str | None:
    """The text of the last number in ``text`` (as written), or None."""
    matches = list(_NUMBER_RE.finditer(text.replace("\u2212", "-")))
    return matches[-1].group(0).strip() if matches else None


def numbers_equal(a: float | None, b: float | None, *, tol: float = 1e-6) -> bool:
    """Numeric equality with absolute and relative tolerance ``tol``."""
    if a is None or b is None:
        return False
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def extract_boxed(text: str) -> str | None:
    r"""The content of the last ``\boxed{...}`` (or ``\fbox{...}``), nested braces allowed."""
    start = None
    for match in re.finditer(r"\\(?:boxed|fbox)\s*\{", text):
        start = match.end()
    if start is None:
        return None
    depth = 1
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start:i].strip()
    return None  # unbalanced: probably truncated


def extract_final_answer(text: str | None, *, fallback_last_number: bool = True) -> str | None:
    """The final numeric answer in ``text`` as a string, following the preference order above.

    With ``fallback_last_number=False`` only an explicit answer (rules 1-5) counts.

    >>> extract_final_answer("First 12, then 18. The answer is 18 dollars.")
    '18'
    >>> extract_final_answer("#### 72")
    '72'
    """
    if not text:
        return None
    text = text.replace("\u2212", "-")
    for marker in _MARKERS:
        for match in reversed(list(marker.finditer(text))):
            segment = text[match.end() :].split("\n", 1)[0]
            found = _first_number_text(segment)
            if found is not None:
                return found
    boxed = extract_boxed(text)
    if boxed is not None:
        found = _first_number_text(boxed)
        if found is not None:
            return found
    for match in reversed(list(_BOLD_RE.finditer(text))):
        inner = _BOLD_LABEL.sub("", match.group(1))
        if _BOLD_ONLY_NUMBER.match(inner):
            found = _first_number_text(inner)
            if found is not None:
                return found
    if not fallback_last_number:
        return None
    last = last_number(text)
    return _first_number_text(last) if last is not None else None


def _first_number_text(segment: str) -> str | None:
    match = _NUMBER_RE.search(segment)
    if match is None:
        return None
    value = _to_float(match)
    if value is None:
        return None
    return _format(value)


def _format(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _to_float(match: re.Match[str]) -> float | None:
    if match.group(1) is not None:  # \frac{a}{b}
        num, den = float(match.group(1)), float(match.group(2))
        sign = -1.0 if match.group(0).lstrip().startswith("-") else 1.0
        return sign * num / den if den else None
    raw = match.group(0).replace("$", "").replace(",", "").replace(" ", "")
    try:
        if "/" in raw:
            num_s, den_s = raw.split("/", 1)
            den = float(den_s)
            return float(num_s) / den if den else None
        return float(raw)
    except ValueError:
        return None


def is_refusal(text: str | None) -> bool:
    """Whether ``text`` opens with a refusal ("I can't help with that", "I cannot assist")."""
    if not text:
        return False
    return _REFUSALS.search(text.strip()[:300]) is not None


_FENCE_RE = re.compile(r"```[ \t]*([\w+#-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)


def extract_code(text: str, language: str = "python") -> str:
    """The code in a response: the longest fenced block in ``language`` (or unlabeled), else
    any fenced block, else the whole text. An unclosed final fence (truncation) still counts."""
    blocks = [(lang.lower(), body) for lang, body in _FENCE_RE.findall(text)]
    preferred = [
        b
        for lang, b in blocks
        if lang in (language, "py" if language == "python" else language, "")
    ]
    pool = preferred or [b for _, b in blocks]
    if pool:
        return max(pool, key=len)
    return text
