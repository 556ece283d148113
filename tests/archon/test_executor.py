"""Executor and components on a scripted provider (our own logic only)."""

import re
import time
from collections import Counter

import pytest

import archon
from archon import Archon, Cache
from archon.components import Component
from archon.errors import ArchonError, ConfigError, ServerError
from archon.providers._stack import CallStack, RetryPolicy
from archon.providers.scripted import ScriptedProvider, default_script

FAST = RetryPolicy(max_attempts=2, base_delay_s=0.0, jitter=0.0)


def C(type_, **kw):
    return {"type": type_, "model": kw.pop("model", "m"), "model_type": "scripted", **kw}


def make(layers, script=None, latency=0.0, cache=None, **top):
    p = ScriptedProvider(script=script, latency_s=latency)
    stack = CallStack(resolver=lambda r: p, retry=FAST, cache=cache)
    return Archon({"name": "t", "layers": layers, **top}, stack=stack), p


def kinds(p):
    """Which prompt each request was: gen / critic / rank / verify-reason / verdict / ut / ute / fuse."""
    out = []
    for r in p.requests:
        last = r.messages[-1][1]
        if "RANKING" in last:
            out.append("rank")
        elif "STRENGTHS" in last:
            out.append("critic")
        elif "VERDICT" in last:
            out.append("verdict")
        elif "Do not give a verdict" in last:
            out.append("reason")
        elif "UNIT TESTS" in last and "Test 1:" in last:
            out.append("ute")
        elif "UNIT TESTS" in last:
            out.append("utg")
        elif "written independently" in last:
            out.append("fuse")
        else:
            out.append("gen")
    return Counter(out)


def numbered_script(request):
    """Generator answers carry a unique number; other prompts use the default script."""
    last = request.messages[-1][1]
    if request.messages[-1][0] == "user" and not re.search(r"[A-Z]{5,}", last):
        numbered_script.n += 1
        return f"candidate {numbered_script.n}"
    return default_script(request)


numbered_script.n = 0


async def test_published_multi_layer_config_calls_layer_by_layer(shared_data):
    cfg = archon.load_config(
        shared_data / "archon_configs" / "archon-gpt-4-turbo-sample_10_then_critic_then_fuse.json"
    )
    # route every model of the published config to the scripted provider
    p = ScriptedProvider()
    keys = archon.KeyRing({"OPENAI_API_KEY": ["sk-test"]})
    a = Archon(cfg, stack=CallStack(resolver=lambda r: p, retry=FAST, keys=keys))
    res = await a.agenerate("Explain recursion.")
    assert res.ok
    per_layer = [t.usage.calls for t in res.trace]
    gen_samples = sum(c.samples for c in cfg.layers[0])
    assert per_layer[0] == gen_samples
    assert per_layer[1] == gen_samples  # one critique per candidate
    assert per_layer[2] == sum(c.samples for c in cfg.layers[2])  # fuser samples
    assert res.usage.calls == sum(per_layer) == len(p.requests)
    assert len(res.trace[1].critiques) == gen_samples


async def test_samples_run_concurrently():
    a, p = make([[C("generator", samples=10)]], latency=0.3)
    t0 = time.perf_counter()
    res = await a.agenerate("q")
    elapsed = time.perf_counter() - t0
    assert len(res.trace[0].candidates) == 10
    assert elapsed < 0.3 * 3, elapsed  # about one latency, not ten
    assert p.max_in_flight == 10


async def test_components_of_a_layer_run_concurrently():
    a, p = make(
        [[C("generator", model="a"), C("generator", model="b"), C("generator", model="c")]],
        latency=0.3,
    )
    t0 = time.perf_counter()
    await a.agenerate("q")
    assert time.perf_counter() - t0 < 0.6
    assert p.max_in_flight == 3


async def test_ranker_orders_keeps_top_k_and_aligned_critiques():
    def script(r):
        last = r.messages[-1][1]
        if "RANKING" in last:
            return "[3] > [1] > [2]"
        if "STRENGTHS" in last:
            return "critique of " + re.search(r"PROPOSED ANSWER:\n(.*?)\n", last).group(1)
        return numbered_script(r)

    numbered_script.n = 0
    a, _ = make(
        [[C("generator", samples=3)], [C("critic")], [C("ranker", top_k=2, use_critiques=True)]],
        script,
    )
    res = await a.agenerate("q")
    assert res.candidates == ["candidate 3", "candidate 1"]
    assert res.state["critiques"] == ["critique of candidate 3", "critique of candidate 1"]
    assert res.answer == "candidate 3"  # final answer: the first remaining candidate


async def test_ranker_unparseable_keeps_order_and_notes_it():
    numbered_script.n = 0
    a, p = make(
        [[C("generator", samples=3)], [C("ranker", top_k=2)]],
        lambda r: "no idea" if "RANKING" in r.messages[-1][1] else numbered_script(r),
    )
    res = await a.agenerate("q")
    assert res.candidates == ["candidate 1", "candidate 2"]
    assert any("no ranking" in n for n in res.trace[1].notes)
    assert kinds(p)["rank"] == 2  # one retry


async def test_fuser_outputs_and_several_fusers_contribute():
    a, p = make([[C("generator", samples=4)], [C("fuser", samples=2), C("fuser", model="other")]])
    res = await a.agenerate("q")
    assert len(res.candidates) == 3 and res.state["critiques"] == []
    assert kinds(p) == Counter({"gen": 4, "fuse": 3})


@pytest.mark.parametrize(
    ("verdicts", "rule", "expected"),
    [
        (["[Correct]", "[Incorrect]", "[Correct]"], "keep_all", ["candidate 1", "candidate 3"]),
        (
            ["nothing", "[Correct] [Incorrect]", "[Incorrect]"],
            "keep_all",
            ["candidate 1", "candidate 2", "candidate 3"],
        ),
        (["nothing", "[Correct] [Incorrect]", "[Incorrect]"], "keep_none", []),
    ],
)
async def test_verifier_unparsed_is_never_a_pass(verdicts, rule, expected):
    numbered_script.n = 0

    def script(r):
        last = r.messages[-1][1]
        if "VERDICT" in last:
            i = int(re.search(r"ANSWER:\ncandidate (\d+)", last).group(1))
            return verdicts[i - 1]
        return numbered_script(r)

    a, p = make([[C("generator", samples=3)], [C("verifier", on_none_pass=rule)]], script)
    res = await a.agenerate("q")
    assert res.state["candidates"] == expected
    assert kinds(p)["reason"] == 3 and kinds(p)["verdict"] == 3
    if not expected:
        assert res.answer is None and res.error_kind == "no_candidates"


async def test_unit_tests_generate_then_evaluate_first_pass():
    numbered_script.n = 0

    def script(r):
        last = r.messages[-1][1]
        if "UNIT TESTS" in last and "Test 1:" in last:
            cand = int(re.search(r"ANSWER:\ncandidate (\d+)", last).group(1))
            # candidate 2 passes both; candidate 1 has an unparsed verdict for test 2
            return {
                1: "Test 1: [Passed]\nTest 2: maybe",
                2: "Test 1: [Passed]\nTest 2: [Passed]",
                3: "Test 1: [Failed]\nTest 2: [Passed]",
            }[cand]
        if "UNIT TESTS" in last:
            return "- states a number\n- shows work"
        return numbered_script(r)

    a, p = make(
        [
            [C("unit_test_generator", unit_test_cap=2)],
            [C("generator", samples=3)],
            [C("unit_test_evaluator", first_pass=True)],
        ],
        script,
    )
    res = await a.agenerate("What is 2+2?")
    assert res.state["unit_tests"] == ["states a number", "shows work"]
    # later generators saw the tests appended to the question (as Archon does)
    gen_prompts = [
        r.messages[-1][1]
        for r in p.requests
        if "candidate" not in r.messages[-1][1] and r.messages[-1][1].startswith("What is 2+2?")
    ]
    assert all("- states a number" in t for t in gen_prompts) and gen_prompts
    assert res.answer == "candidate 2"


async def test_unit_test_evaluator_ranks_by_passes_and_top_k():
    numbered_script.n = 0

    def script(r):
        last = r.messages[-1][1]
        if "UNIT TESTS" in last and "Test 1:" in last:
            cand = int(re.search(r"ANSWER:\ncandidate (\d+)", last).group(1))
            return {
                1: "Test 1: [Failed]\nTest 2: [Failed]",
                2: "Test 1: [Passed]\nTest 2: [garbled",
                3: "Test 1: [Passed]\nTest 2: [Failed]",
            }[cand]
        if "UNIT TESTS" in last:
            return "- a\n- b"
        return numbered_script(r)

    a, _ = make(
        [
            [C("generator", samples=3)],
            [C("unit_test_generator")],
            [C("unit_test_evaluator", top_k=2)],
        ],
        script,
    )
    res = await a.agenerate("q")
    assert res.candidates == ["candidate 2", "candidate 3"]


async def test_failed_samples_are_recorded_not_placeholders():
    n = {"i": 0}

    def script(r):
        n["i"] += 1
        return ServerError("down", status=503) if n["i"] % 2 else "real answer"

    a, _ = make([[C("generator", samples=4)]], script)
    res = await a.agenerate("q")
    assert res.ok and all(c == "real answer" for c in res.candidates)
    assert res.usage.failed_calls >= 1 and res.trace[0].failures


async def test_all_calls_failing_fails_the_question():
    a, _ = make(
        [[C("generator", samples=2)], [C("fuser")]], lambda r: ServerError("down", status=500)
    )
    res = await a.agenerate("q")
    assert res.answer is None and res.error_kind == "call_failed"
    assert res.usage.failed_calls == 2
    with pytest.raises(ArchonError, match="call_failed"):
        a.generate("q")


async def test_identical_fuser_input_reuses_cache_within_and_across_runs(tmp_path):
    cache = Cache(tmp_path / "c.sqlite3")
    layers = [[C("generator", samples=3, temperature=0.0)], [C("fuser")]]
    a, p = make(layers, lambda r: "same", cache=cache)
    r1 = await a.agenerate("q")
    assert r1.usage.cached_calls == 0 and len(p.requests) == 4
    b, p2 = make(layers, lambda r: "same", cache=cache)
    r2 = await b.agenerate("q")
    assert r2.usage.calls == 4 and r2.usage.cached_calls == 4 and not p2.requests


async def test_custom_component_archon_style_and_custom_state_keys():
    class Tagger:  # Archon-style: sync run mutating state
        def __init__(self, config):
            self.config = config

        def run(self, conversation, prev_state, state):
            state["tags"].extend(["seen:" + c for c in prev_state["candidates"]])

    class UsesTags(Component):
        async def arun(self, ctx, prev):
            return {"candidates": [f"{c} ({len(prev['tags'])} tags)" for c in prev["candidates"]]}

    a, _ = make(
        [[C("generator", samples=2)], [{"type": "tagger"}], [{"type": "uses_tags", "model": "x"}]],
        lambda r: "ans",
        custom=True,
    )
    with pytest.raises(ConfigError, match="add_component"):
        await a.agenerate("q")
    a.add_component("tagger", Tagger)
    a.add_component(
        "uses_tags",
        lambda cfg: UsesTags(
            archon.ComponentConfig(type="uses_tags", model="x", model_type="scripted")
        ),
    )
    a.initialize()
    res = await a.agenerate("q")
    assert res.answer == "ans (2 tags)"
    assert res.state["tags"] == ["seen:ans", "seen:ans"]


async def test_custom_generator():
    seen = []

    def my_gen(model, messages, max_tokens, temperature):
        seen.append((model, max_tokens))
        return f"custom says hi to {messages[-1]['content']}"

    a = Archon(
        {
            "name": "c",
            "custom": True,
            "layers": [
                [
                    {
                        "type": "generator",
                        "model": "mine",
                        "model_type": "my_endpoint",
                        "max_tokens": 7,
                    }
                ]
            ],
        },
        cache=False,
    )
    a.add_generator("my_endpoint", my_gen)
    a.initialize()
    assert a.generate("bob") == "custom says hi to bob"
    assert seen == [("mine", 7)]


def test_generate_accepts_string_and_messages():
    a, p = make([[C("generator")]], lambda r: "ok")
    assert a.generate("q") == "ok"
    assert a.generate([{"role": "user", "content": "q"}]) == "ok"
    assert p.requests[-1].messages[0][0] == "system"


def test_public_api_is_sorted_and_importable():
    assert archon.__all__ == sorted(archon.__all__)
    for name in archon.__all__:
        assert hasattr(archon, name)


async def test_unit_test_evaluator_execute_mode_runs_code_in_sandbox():
    def script(r):
        last = r.messages[-1][1]
        if "UNIT TESTS" in last:
            return "- assert add(2, 3) == 5\n- assert add(-1, 1) == 0"
        if r.temperature == 0.1:
            return "```python\ndef add(a, b):\n    return a - b\n```"
        return "```python\ndef add(a, b):\n    return a + b\n```"

    a, p = make(
        [
            [C("unit_test_generator")],
            [
                C("generator", temperature=0.1, model="bad"),
                C("generator", temperature=0.2, model="good"),
            ],
            [C("unit_test_evaluator", mode="execute", first_k=1)],
        ],
        script,
    )
    res = await a.agenerate("Write add(a, b).")
    assert "a + b" in res.answer
    assert res.trace[2].usage.calls == 0  # executed, not judged by a model
