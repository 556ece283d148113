"""python -m archon: output, exit codes, and API keys never leaking."""

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SENTINEL = "sk-SENTINEL-7f3a9c0e5d"


def run(*args, env=None, cwd=ROOT):
    e = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    e.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "archon", *args],
        cwd=cwd,
        env=e,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_config_error_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"name": "x", "layers": [[{"type": "genrator", "model": "m", "model_type": "OpenAI_API"}]]}'
    )
    r = run("--config", str(bad), "hi")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "did you mean 'generator'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_missing_key_exits_2_naming_the_variable():
    r = run(
        "--config", "configs/gpt-4o.json", "--no-cache", "hi", env={"HOME": "/nonexistent-home"}
    )
    assert r.returncode == 2, r.stderr
    assert "OPENAI_API_KEY" in r.stderr and "Traceback" not in r.stderr


class _Handler(BaseHTTPRequestHandler):
    status = 200

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("content-length", 0))
        self.rfile.read(length)
        auth = self.headers.get("authorization", "")
        if type(self).status != 200:
            body = {
                "error": {
                    "message": f"Incorrect API key provided: {auth[7:]}",
                    "type": "invalid_request_error",
                }
            }
        else:
            body = {
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": "gpt-4o",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "Paris."},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 11, "completion_tokens": 2, "total_tokens": 13},
            }
        data = json.dumps(body).encode()
        self.send_response(type(self).status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_openai():
    servers = []

    def start(status):
        handler = type("H", (_Handler,), {"status": status})
        srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}/v1"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


@pytest.mark.parametrize("status", [200, 401])
def test_sentinel_key_never_reaches_cache_logs_or_outputs(tmp_path, fake_openai, status):
    base = fake_openai(status)
    cfg = tmp_path / "c.json"
    cfg.write_text(
        json.dumps(
            {
                "name": "c",
                "layers": [
                    [
                        {
                            "type": "generator",
                            "model": "gpt-4o",
                            "model_type": "OpenAI_API",
                            "base_url": base,
                        }
                    ]
                ],
            }
        )
    )
    cache_dir = tmp_path / "cache"
    r = run(
        "--config",
        str(cfg),
        "--json",
        "--verbose",
        "What is the capital of France?",
        env={"OPENAI_API_KEY": SENTINEL, "ARCHON_CACHE_DIR": str(cache_dir)},
    )
    assert r.returncode == (0 if status == 200 else 2), r.stderr
    assert SENTINEL not in r.stdout and SENTINEL not in r.stderr
    for f in cache_dir.rglob("*"):
        if f.is_file():
            assert SENTINEL.encode() not in f.read_bytes()
    if status == 200:
        out = json.loads(r.stdout)
        assert out["answer"] == "Paris."
        assert out["usage"]["calls"] == 1 and out["usage"]["input_tokens"] == 11
        assert out["usage"]["cost_usd"] > 0 and "cached_calls" in out["usage"]
        again = run(
            "--config",
            str(cfg),
            "--json",
            "What is the capital of France?",
            env={"OPENAI_API_KEY": SENTINEL, "ARCHON_CACHE_DIR": str(cache_dir)},
        )
        assert json.loads(again.stdout)["usage"]["cached_calls"] == 1


@pytest.mark.slow
def test_local_model_answers_and_second_run_is_cached(tmp_path):
    env = {"ARCHON_CACHE_DIR": str(tmp_path)}
    first = run(
        "--config",
        "configs/local-smollm2.json",
        "--json",
        "What is the capital of France?",
        env=env,
    )
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    assert out["answer"] and out["usage"]["calls"] == 1 and out["usage"]["output_tokens"] > 0
    assert out["usage"]["cost_usd"] == 0 and out["usage"]["cached_calls"] == 0
    second = run(
        "--config",
        "configs/local-smollm2.json",
        "--json",
        "What is the capital of France?",
        env=env,
    )
    out2 = json.loads(second.stdout)
    assert out2["usage"]["cached_calls"] == 1 and out2["answer"] == out["answer"]
    plain = run("--config", "configs/local-smollm2.json", "What is the capital of France?", env=env)
    assert plain.stdout.strip() == out["answer"]
