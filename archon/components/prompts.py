"""Prompt templates of the built-in components, written for this project.

Each is a module constant with ``str.format`` fields. A config may override any of them per
component with ``"prompts": {"RANKER_PROMPT": "..."}`` (same fields). The scripted provider
keys on the capitalised words (RANKING, STRENGTHS, VERDICT, UNIT TESTS), so keep them when
overriding if you use it.
"""

DEFAULT_SYSTEM = "You are a helpful assistant."

CANDIDATE_BLOCK = "[{index}] {text}"
CANDIDATE_WITH_CRITIQUE_BLOCK = "[{index}] {text}\nCritique of [{index}]: {critique}"

CRITIC_SYSTEM = "You review answers carefully and fairly."
CRITIC_PROMPT = """Below is a question and one proposed answer to it.

QUESTION:
{query}

PROPOSED ANSWER:
{candidate}

Review the proposed answer. List its STRENGTHS and WEAKNESSES: correctness first, then
completeness, clarity and relevance. Reply in exactly this form:
Strengths: <one short paragraph>
Weaknesses: <one short paragraph>"""

RANKER_SYSTEM = "You compare answers and order them from best to worst."
RANKER_PROMPT = """QUESTION:
{query}

There are {n} candidate answers, numbered in brackets:

{candidates}

Order ALL {n} candidates from best to worst, judging correctness first, then helpfulness
and clarity. Reply with the RANKING only, on one line, using the bracketed numbers, for
example: [2] > [1] > [3]"""

FUSER_SYSTEM = "You combine several answers into one better answer."
FUSER_PROMPT = """QUESTION:
{query}

Several answers to this question were written independently:

{candidates}

Some may be wrong or incomplete. Weigh them against each other, keep what is correct, fix
what is wrong, and write one single best answer to the question. Write only that answer,
without mentioning the other answers.{length_note}"""

FUSER_LENGTH_NOTE = "\nKeep it about as long as a typical answer above (around {words} words)."

VERIFIER_SYSTEM = "You check whether an answer is correct."
VERIFIER_REASONING_PROMPT = """QUESTION:
{query}

ANSWER:
{candidate}

Think step by step about whether the answer correctly and completely answers the question.
Point out any error. Do not give a verdict yet."""

VERIFIER_VERDICT_PROMPT = """QUESTION:
{query}

ANSWER:
{candidate}

ANALYSIS:
{reasoning}

Based on the analysis, is the answer correct? Give your VERDICT as exactly one of
[Correct] or [Incorrect], on the last line."""

UNIT_TEST_GENERATOR_SYSTEM = "You write tests that a correct answer must pass."
UNIT_TEST_GENERATOR_PROMPT = """QUESTION:
{query}

Write UNIT TESTS for an answer to this question: {count} short, independent, checkable
statements that any correct answer must satisfy. If the question asks for code, write
Python assert statements instead. Put each test on its own line, starting with "- "."""

UNIT_TEST_EVALUATOR_SYSTEM = "You check an answer against a list of tests."
UNIT_TEST_EVALUATOR_PROMPT = """QUESTION:
{query}

ANSWER:
{candidate}

UNIT TESTS:
{tests}

For each test, decide whether the answer passes it. Reply with one line per test, in this
exact form and order:
{format_lines}"""

UNIT_TEST_QUERY_SUFFIX = "\n\nYour answer should pass these unit tests:\n{tests}"

ALL = {
    name: value
    for name, value in dict(globals()).items()
    if name.isupper() and isinstance(value, str)
}
