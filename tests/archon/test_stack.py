"""The call stack's wrappers, each on its own, with a scripted provider."""

import asyncio
import multiprocessing as mp

import pytest

from archon import Cache, KeyRing
from archon.cache import SampleCounter, request_key
from archon.errors import (
    AuthenticationError,
    ContextLengthError,
    MissingAPIKeyError,
    RateLimitError,
    ServerError,
)
from archon.providers._base import ChatRequest, ChatResponse
from archon.providers._stack import CallStack, RetryPolicy
from archon.providers.scripted import ScriptedProvider
from archon.usage import Usage, register_prices

FAST = RetryPolicy(max_attempts=4, base_delay_s=0.0, jitter=0.0)


def req(text="hi", provider="scripted", **kw):
    return ChatRequest.build(
        provider=provider, model="m", messages=[{"role": "user", "content": text}], **kw
    )


def stack_for(provider, **kw):
    kw.setdefault("retry", FAST)
    return CallStack(resolver=lambda r: provider, **kw)


async def test_cache_hit_is_marked_and_not_billed(tmp_path):
    register_prices({"scripted/m": (1_000_000.0, 0.0)})  # $1 per input token
    p = ScriptedProvider(script=lambda r: ChatResponse("ok", input_tokens=3, output_tokens=1))
    s = stack_for(p, cache=Cache(tmp_path / "c.sqlite3"))
    _, first = await s.call(req(), sample_index=0)
    _, second = await s.call(req(), sample_index=0)
    assert len(p.requests) == 1
    assert not first.cached and second.cached
    assert first.cost_usd == pytest.approx(3.0) and second.cost_usd == 0.0
    assert second.full_cost_usd == pytest.approx(3.0)  # deployment cost still counted


async def test_sample_indexes_share_prefixes(tmp_path):
    calls = []
    p = ScriptedProvider(script=lambda r: calls.append(1) or f"s{len(calls)}")
    cache = Cache(tmp_path / "c.sqlite3")
    s = stack_for(p, cache=cache)
    counter = SampleCounter()
    ten = [(await s.call(req(), sample_index=counter.next_index(req())))[0].text for _ in range(10)]
    assert len(set(ten)) == 10
    counter2 = SampleCounter()
    five = [
        (await s.call(req(), sample_index=counter2.next_index(req())))[0].text for _ in range(5)
    ]
    assert five == ten[:5] and len(p.requests) == 10


def test_cache_key_ignores_keys_urls_and_timeouts():
    a = req(base_url="http://a", timeout_s=1, key_env="X")
    b = req(base_url="http://b", timeout_s=99, key_env="Y")
    assert request_key(a, 0) == request_key(b, 0)
    assert request_key(a, 0) != request_key(a, 1)
    assert request_key(req(temperature=0.1), 0) != request_key(req(temperature=0.2), 0)
    assert request_key(req(params={"top_p": 0.9}), 0) != request_key(req(), 0)


def _writer(path, start):
    c = Cache(path)
    for i in range(start, start + 200):
        c.put(req(f"q{i}"), 0, ChatResponse(f"a{i}", 1, 1))


def test_cache_is_safe_for_several_processes(tmp_path):
    path = tmp_path / "shared.sqlite3"
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, k * 200)) for k in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    c = Cache(path)
    assert len(c) == 600
    assert c.get(req("q450"), 0).text == "a450"


async def test_cache_can_be_turned_off(tmp_path):
    p = ScriptedProvider()
    s = stack_for(p, cache=Cache(tmp_path / "c.sqlite3", enabled=False))
    await s.call(req())
    await s.call(req())
    assert len(p.requests) == 2


async def test_retry_on_429_honours_retry_after_and_500_then_success():
    errors = [RateLimitError("slow down", retry_after=2.5), ServerError("boom", status=500)]
    p = ScriptedProvider(script=lambda r: errors.pop(0) if errors else "fine")
    s = stack_for(p)
    slept = []

    async def fake_sleep(d):
        slept.append(d)

    s.retry.sleep = fake_sleep
    resp, rec = await s.call(req())
    assert resp.text == "fine" and rec.attempts == 3
    assert slept[0] == 2.5


@pytest.mark.parametrize(
    "exc", [AuthenticationError("no", status=401), ContextLengthError("too long", status=400)]
)
async def test_never_retries_auth_or_context_length(exc):
    p = ScriptedProvider(script=lambda r: exc)
    records = []
    with pytest.raises(type(exc)):
        await stack_for(p).call(req(), sink=records.append)
    assert len(p.requests) == 1
    assert records[0].ok is False and records[0].error_kind == exc.kind


async def test_failure_recorded_after_exhausted_retries():
    p = ScriptedProvider(script=lambda r: ServerError("down", status=503))
    records = []
    with pytest.raises(ServerError):
        await stack_for(p).call(req(), sink=records.append)
    assert len(p.requests) == FAST.max_attempts
    assert records[0].error_kind == "server" and records[0].attempts == FAST.max_attempts


async def test_key_rotation_cycles_on_rate_limit(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "k-one-aaaa")
    monkeypatch.setenv("OPENAI_API_KEY_2", "k-two-bbbb")
    monkeypatch.setenv("OPENAI_API_KEY_3", "k-three-cccc")
    seen = []

    class P(ScriptedProvider):
        async def generate(self, request, *, api_key):
            seen.append(api_key)
            if len(seen) < 4:
                raise RateLimitError("429")
            return ChatResponse("ok")

    s = CallStack(resolver=lambda r: P(), retry=FAST, keys=KeyRing())
    await s.call(req(provider="openai"))
    assert seen == ["k-one-aaaa", "k-two-bbbb", "k-three-cccc", "k-one-aaaa"]


def test_keyring_sources(tmp_path, monkeypatch):
    f = tmp_path / "keys.json"
    f.write_text('{"TOGETHER_API_KEY": ["t1", "t2"], "OPENAI_API_KEY": "o1"}')
    k = KeyRing(str(f))
    assert k.get("TOGETHER_API_KEY") == "t1" and k.rotate("TOGETHER_API_KEY") == "t2"
    assert k.rotate("TOGETHER_API_KEY") == "t1"
    assert KeyRing({"GROQ_API_KEY": ["g"]}).get("GROQ_API_KEY") == "g"
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("ANTHROPIC_API_KEY=from-dotenv-key\n")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    assert KeyRing().get("ANTHROPIC_API_KEY") == "from-dotenv-key"
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)


async def test_missing_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("GROQ_API_KEY", raising=False)
    s = CallStack(resolver=lambda r: ScriptedProvider(), keys=KeyRing({}))
    with pytest.raises(MissingAPIKeyError, match="GROQ_API_KEY"):
        await s.call(req(provider="groq"))


async def test_key_never_in_recorded_error(monkeypatch):
    secret = "sk-SENTINEL-abcdef123"
    p = ScriptedProvider(script=lambda r: AuthenticationError(f"bad key {secret}", status=401))
    s = CallStack(resolver=lambda r: p, keys=KeyRing({"OPENAI_API_KEY": [secret]}), retry=FAST)
    records = []
    with pytest.raises(AuthenticationError) as e:
        await s.call(req(provider="openai"), sink=records.append)
    assert secret not in str(e.value) and secret not in records[0].error


async def test_concurrency_limit_per_provider():
    p = ScriptedProvider(latency_s=0.02)
    s = stack_for(p, limits={"scripted": 3})
    await asyncio.gather(*(s.call(req(f"q{i}")) for i in range(20)))
    assert p.max_in_flight == 3


async def test_usage_exact_under_concurrency():
    register_prices({"scripted/m": (2.0, 4.0)})
    p = ScriptedProvider(
        script=lambda r: ChatResponse("x", input_tokens=10, output_tokens=5), latency_s=0.001
    )
    s = stack_for(p)
    usage = Usage()
    await asyncio.gather(*(s.call(req(f"q{i}"), sink=usage.add) for i in range(200)))
    assert usage.calls == 200 and usage.input_tokens == 2000 and usage.output_tokens == 1000
    assert usage.cost_usd == pytest.approx(200 * (10 * 2.0 + 5 * 4.0) / 1e6)
