"""Benchmark: does a layer cost one latency, not N? And what does the stack add per call?

Starts an OpenAI-compatible server on loopback that answers after a fixed delay, then runs
configs through the real stack (openai_compatible provider, official SDK, HTTP):

- 1 generator with 10 samples (expect about 1 x delay, not 10 x);
- 10 samples -> ranker -> fuser (expect about 3 x delay);
- the same again from the cache (expect milliseconds);
- 200 questions of one call each with --parallel 50 (throughput).

Usage: python experiments/bench_concurrency.py [--delay 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from archon import Archon, Cache


def serve(delay: float) -> tuple[ThreadingHTTPServer, str]:
    class H(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length", 0)))
            time.sleep(delay)
            body = json.dumps(
                {
                    "id": "x",
                    "object": "chat.completion",
                    "created": 0,
                    "model": "m",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "[1] > [2]"},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13},
                }
            ).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 256  # the default backlog of 5 drops bursts (SYN retried after 1 s)

    srv = Server(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/v1"


def comp(type_: str, base: str, **kw):
    return {"type": type_, "model": "m", "model_type": "openai_compatible", "base_url": base, **kw}


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay", type=float, default=0.5)
    args = ap.parse_args()
    srv, base = serve(args.delay)
    tmp = tempfile.mkdtemp()
    cache = Cache(f"{tmp}/c.sqlite3")
    limits = {"openai_compatible": 64}

    one = Archon(
        {"name": "s10", "layers": [[comp("generator", base, samples=10)]]},
        cache=False,
        limits=limits,
    )
    await one.agenerate("warm-up: imports the SDK and opens the client")
    t = time.perf_counter()
    r = await one.agenerate("q")
    print(
        f"10 samples in one layer:        {time.perf_counter() - t:6.2f} s  ({r.usage.calls} calls; delay {args.delay} s)"
    )

    three = Archon(
        {
            "name": "s10rf",
            "layers": [
                [comp("generator", base, samples=10)],
                [comp("ranker", base, top_k=5)],
                [comp("fuser", base)],
            ],
        },
        cache=cache,
        limits=limits,
    )
    t = time.perf_counter()
    r = await three.agenerate("q")
    print(
        f"10 samples -> rank -> fuse:     {time.perf_counter() - t:6.2f} s  ({r.usage.calls} calls)"
    )
    t = time.perf_counter()
    r = await three.agenerate("q")
    print(
        f"same, from the cache:           {time.perf_counter() - t:6.3f} s  ({r.usage.cached_calls} cached)"
    )

    single = Archon(
        {"name": "one", "layers": [[comp("generator", base)]]}, cache=False, limits=limits
    )
    sem = asyncio.Semaphore(50)

    async def ask(i: int) -> None:
        async with sem:
            await single.agenerate(f"q{i}")

    t = time.perf_counter()
    await asyncio.gather(*(ask(i) for i in range(200)))
    dt = time.perf_counter() - t
    print(
        f"200 questions, 50 in flight:    {dt:6.2f} s  ({200 / dt:.0f} questions/s; ideal {50 / args.delay:.0f})"
    )
    srv.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
