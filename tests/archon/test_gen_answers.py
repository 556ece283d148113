"""gen_answers: records, resume, failure accounting (scripted), and the real model end to end."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archon import Archon
from archon.benchmarks import Benchmark, Example, Score, register_benchmark
from archon.errors import ServerError
from archon.gen_answers import arun_benchmark, read_records
from archon.providers._stack import CallStack, RetryPolicy
from archon.providers.scripted import ScriptedProvider

ROOT = Path(__file__).resolve().parents[2]
FAST = RetryPolicy(max_attempts=1)


@register_benchmark
class Toy(Benchmark):
    """A user-added benchmark: echo the number in the question."""

    name = "toy_numbers"
    VERSION = "1"

    def read_examples(self, split, data_dir):
        return [Example(id=f"toy-{i}", turns=(f"Say {i}",), reference=str(i)) for i in range(10)]

    def grade(self, example, response_text, *, finish_reason=None):
        if not response_text:
            return Score(0.0, "empty")
        return Score(
            float(response_text.strip() == example.reference), extracted=response_text.strip()
        )


def toy_archon(script):
    p = ScriptedProvider(script=script)
    cfg = {
        "name": "toy",
        "layers": [[{"type": "generator", "model": "m", "model_type": "scripted"}]],
    }
    return Archon(cfg, stack=CallStack(resolver=lambda r: p, retry=FAST)), p


def echo(r):
    text = r.messages[-1][1]
    n = int(text.split()[-1])
    if n == 3:
        return ServerError("down", status=500)
    return str(n) if n % 2 == 0 else "wrong"


async def test_records_summary_and_failures_apart(tmp_path):
    a, _ = toy_archon(echo)
    out = tmp_path / "toy" / "toy.jsonl"
    s = await arun_benchmark(
        a.config, "toy_numbers", archon=a, output_path=out, seed=None, parallel=3
    )
    recs = read_records(out)
    assert len(recs) == 10 and len({r["id"] for r in recs}) == 10
    for key in (
        "id",
        "answer",
        "score",
        "error",
        "usage",
        "latency_s",
        "config_hash",
        "benchmark_version",
        "seed",
        "package_version",
    ):
        assert key in recs[0]
    assert s.accuracy == pytest.approx(0.5)  # 0,2,4,6,8 correct
    assert s.failures == {"call_failed": 1} and s.n_call_failed == 1
    failed = next(r for r in recs if r["id"] == "toy-3")
    assert failed["answer"] is None and failed["error"] == "call_failed"
    summary = json.loads((tmp_path / "toy" / "toy.summary.json").read_text())
    assert summary["n"] == 10 and summary["failures"] == {"call_failed": 1}


async def test_resume_skips_done_ids_and_force_redoes(tmp_path):
    out = tmp_path / "r.jsonl"
    a, p = toy_archon(lambda r: r.messages[-1][1].split()[-1])
    await arun_benchmark(a.config, "toy_numbers", archon=a, output_path=out, limit=4, cache=False)
    assert len(p.requests) == 4
    s = await arun_benchmark(a.config, "toy_numbers", archon=a, output_path=out, limit=7)
    assert len(p.requests) == 7 and s.n == 7 and s.n_resumed == 4
    assert len(read_records(out)) == 7
    await arun_benchmark(a.config, "toy_numbers", archon=a, output_path=out, limit=2, force=True)
    recs = read_records(out)
    assert len(recs) == 7 and len({r["id"] for r in recs}) == 7


def test_torn_last_line_is_skipped(tmp_path):
    out = tmp_path / "t.jsonl"
    out.write_text('{"id": "a", "score": 1}\n{"id": "b", "sco')
    assert [r["id"] for r in read_records(out)] == ["a"]


def _cli(*args, env=None, timeout=600):
    e = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "archon.gen_answers", *args],
        cwd=ROOT,
        env=e,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
def test_real_model_three_gsm8k_questions_then_resume(tmp_path, shared_data):
    args = [
        "--benchmark",
        "gsm8k",
        "--config",
        "configs/local-smollm2.json",
        "--limit",
        "3",
        "--output-dir",
        str(tmp_path),
        "--data-dir",
        str(shared_data),
    ]
    first = _cli(*args)
    assert first.returncode == 0, first.stderr
    out = tmp_path / "gsm8k" / "local-smollm2.jsonl"
    recs = read_records(out)
    assert len(recs) == 3
    assert all(r["usage"]["calls"] == 1 and r["usage"]["output_tokens"] > 0 for r in recs)
    assert all(0.0 <= r["score"] <= 1.0 for r in recs)
    assert "accuracy" in first.stdout and "calls 3" in first.stdout
    t0 = time.perf_counter()
    again = _cli(*args)
    assert again.returncode == 0 and len(read_records(out)) == 3
    assert time.perf_counter() - t0 < 30


@pytest.mark.slow
def test_sigkill_mid_run_then_resume_to_full_count(tmp_path, shared_data):
    args = [
        sys.executable,
        "-m",
        "archon.gen_answers",
        "--benchmark",
        "gsm8k",
        "--config",
        "configs/local-smollm2.json",
        "--limit",
        "5",
        "--parallel",
        "1",
        "--no-cache",
        "--output-dir",
        str(tmp_path),
        "--data-dir",
        str(shared_data),
    ]
    out = tmp_path / "gsm8k" / "local-smollm2.jsonl"
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and len(read_records(out)) < 2:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    n_before = len(read_records(out))
    assert 2 <= n_before < 5
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    ids = [r["id"] for r in read_records(out)]
    assert len(ids) == 5 and len(set(ids)) == 5


async def test_mt_bench_two_turns_with_judge(tmp_path, shared_data):
    seen = []

    def script(r):
        seen.append([m[0] for m in r.messages])
        return f"answer to turn {sum(1 for m in r.messages if m[0] == 'user')}"

    a, _ = toy_archon(script)
    judged = []

    async def judge(messages):
        judged.append(messages[-1]["content"])
        return "Solid. Rating: [[8]]" if len(judged) % 2 else "no rating given"

    s = await arun_benchmark(
        a.config,
        "mt_bench",
        archon=a,
        judge=judge,
        data_dir=shared_data,
        limit=2,
        output_path=tmp_path / "mt.jsonl",
    )
    recs = read_records(tmp_path / "mt.jsonl")
    assert len(recs) == 2 and all(len(r["answers"]) == 2 for r in recs)
    # the second turn is conditioned on the config's own first answer
    assert ["system", "user", "assistant", "user"] in seen
    assert any("answer to turn 1" in j for j in judged)
    # an unparseable judge verdict is an error, never a number
    assert s.failures.get("unparseable", 0) >= 1


async def test_judged_benchmark_without_judge_is_an_error(shared_data):
    from archon.errors import DataError

    a, _ = toy_archon(lambda r: "x")
    with pytest.raises(DataError, match="--judge"):
        await arun_benchmark(a.config, "mt_bench", archon=a, data_dir=shared_data, limit=1)


async def test_humaneval_graded_in_sandbox():
    from archon.benchmarks import get_benchmark

    bench = get_benchmark("humaneval")
    ex = bench.load(seed=None, limit=1)[0]
    right = "```python\n" + ex.metadata["prompt"] + ex.metadata["canonical_solution"] + "\n```"
    a, _ = toy_archon(lambda r: right)
    assert (await arun_benchmark(a.config, bench, archon=a, examples=[ex])).accuracy == 1.0
    b, _ = toy_archon(lambda r: "```python\n" + ex.metadata["prompt"] + "    return None\n```")
    assert (
        await arun_benchmark(b.config, bench, archon=b, examples=[ex], cache=False)
    ).accuracy == 0.0
