"""Unit-test generator and evaluator."""

from __future__ import annotations

import asyncio

from archon.components._base import Component, LayerContext, State, messages_for
from archon.components._parse import extract_code, parse_test_verdicts, parse_unit_tests
from archon.errors import ComponentError


class UnitTestGenerator(Component):
    """Writes unit tests for the query into ``unit_tests`` (at most ``unit_test_cap``,
    default 5). From the next layer on, the tests are appended to the user's question, as
    Archon does, so later generators see them. A reply with no parseable test is retried
    once; then the component fails with :class:`ComponentError`."""

    async def arun(self, ctx: LayerContext, prev: State) -> State:
        count = self.config.unit_test_cap or 5
        prompt = self.template("UNIT_TEST_GENERATOR_PROMPT").format(query=ctx.query, count=count)
        messages = messages_for(ctx, self.template("UNIT_TEST_GENERATOR_SYSTEM"), prompt)
        for _ in range(2):
            tests = parse_unit_tests(await ctx.complete(self.config, messages), count)
            if tests:
                return {"unit_tests": tests}
        raise ComponentError(
            f"unit_test_generator ({self.config.model}): no unit test could be parsed"
        )


class UnitTestEvaluator(Component):
    """Scores each candidate by the number of unit tests it passes and keeps the best.

    Modes:
        ``model`` (default, Archon's behaviour): one call per candidate (concurrently) asks
        for a ``Test i: [Passed]/[Failed]`` line per test. A test whose verdict cannot be
        parsed counts as failed: an unparsed verdict is never a pass.
        ``execute``: the candidate's code (first fenced block, else the text) is run against
        assert-style tests in the sandbox (:mod:`archon.sandbox`); no model call is made.

    Selection: with ``first_k`` (or legacy ``first_pass``, meaning 1), the first candidates
    in order that pass every test; if none does, or without ``first_k``, candidates sorted by
    tests passed (ties keep their order), cut to ``top_k`` when set.
    ``remove_unit_tests_from_prompt`` shows the evaluator the question without the tests
    appended by the generator layer.
    """

    requires = ("candidates", "unit_tests")

    async def _model_scores(
        self, ctx: LayerContext, cands: list[str], tests: list[str]
    ) -> list[int]:
        conv = (
            ctx.base_conversation if self.config.remove_unit_tests_from_prompt else ctx.conversation
        )
        query = conv[-1]["content"]
        listing = "\n".join(f"Test {i}: {t}" for i, t in enumerate(tests, 1))
        lines = "\n".join(f"Test {i}: [Passed] or [Failed]" for i in range(1, len(tests) + 1))
        system = self.template("UNIT_TEST_EVALUATOR_SYSTEM")

        async def score(c: str) -> int:
            prompt = self.template("UNIT_TEST_EVALUATOR_PROMPT").format(
                query=query, candidate=c, tests=listing, format_lines=lines
            )
            verdicts = parse_test_verdicts(
                await ctx.complete(self.config, messages_for(ctx, system, prompt)), len(tests)
            )
            if any(v is None for v in verdicts):
                ctx.note(
                    f"unit_test_evaluator: {sum(v is None for v in verdicts)} verdict(s) unparsed; counted as failed"
                )
            return sum(v is True for v in verdicts)

        return list(await asyncio.gather(*(score(c) for c in cands)))

    async def _exec_scores(self, cands: list[str], tests: list[str]) -> list[int]:
        from archon.sandbox import arun_unit_tests

        results = await asyncio.gather(*(arun_unit_tests(extract_code(c), tests) for c in cands))
        return [sum(bool(x) for x in r) for r in results]

    async def arun(self, ctx: LayerContext, prev: State) -> State:
        self.check_inputs(prev)
        cands = list(prev["candidates"])
        tests = list(prev["unit_tests"])
        if self.config.mode == "execute":
            scores = await self._exec_scores(cands, tests)
        else:
            scores = await self._model_scores(ctx, cands, tests)
        first_k = self.config.first_k or (1 if self.config.first_pass else None)
        if first_k:
            passing = [c for c, s in zip(cands, scores, strict=True) if s == len(tests)]
            if passing:
                return {"candidates": passing[:first_k], "critiques": []}
            ctx.note("unit_test_evaluator: no candidate passed every test; ranking by tests passed")
        order = sorted(range(len(cands)), key=lambda i: -scores[i])
        if self.config.top_k:
            order = order[: self.config.top_k]
        return {"candidates": [cands[i] for i in order], "critiques": []}
