"""Disk cache of model responses, shared by processes, keyed by the semantic request.

The key is a SHA-256 of: provider, model, messages, temperature, max_tokens, other
sampling params and a **sample index**. Within one question, identical requests get
indexes 0, 1, 2 ... (see :class:`SampleCounter`), so a trial that asks for 5 samples reuses
the first 5 of another trial's 10, and a fuser whose input is identical reuses its output.
API keys, base URLs and timeouts are never part of the key or the stored value.

Storage is one SQLite file in WAL mode (safe for several processes; writers wait on a
busy timeout). Only successful responses are stored. ``ARCHON_CACHE_DIR`` moves it;
``ARCHON_NO_CACHE=1`` or ``Cache(enabled=False)`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from pathlib import Path

from archon.providers._base import ChatRequest, ChatResponse

__all__ = ["Cache", "SampleCounter", "default_cache_dir", "request_key"]


def default_cache_dir() -> Path:
    return Path(os.environ.get("ARCHON_CACHE_DIR") or Path.home() / ".cache" / "archon")


def semantic_key(request: ChatRequest) -> str:
    """Hash of the request without the sample index (what makes two requests identical)."""
    body = json.dumps(
        {
            "provider": request.provider,
            "model": request.model,
            "messages": request.messages,
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "params": [[k, v] for k, v in request.params],
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def request_key(request: ChatRequest, sample_index: int) -> str:
    return hashlib.sha256(f"{semantic_key(request)}:{sample_index}".encode()).hexdigest()


class SampleCounter:
    """Hands out sample indexes 0, 1, 2 ... per distinct request within one question."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def next_index(self, request: ChatRequest) -> int:
        key = semantic_key(request)
        idx = self._next.get(key, 0)
        self._next[key] = idx + 1
        return idx


_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    text TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    finish_reason TEXT,
    created REAL DEFAULT (julianday('now'))
)
"""


class Cache:
    """SQLite response cache.

    Args:
        path: database file; default ``<cache dir>/responses.sqlite3``.
        enabled: ``False`` makes every lookup miss and every store a no-op.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, enabled: bool = True):
        self.enabled = enabled and os.environ.get("ARCHON_NO_CACHE", "") not in ("1", "true")
        self.path = Path(path) if path else default_cache_dir() / "responses.sqlite3"
        self._local = threading.local()
        if self.enabled:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                conn.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def get(self, request: ChatRequest, sample_index: int) -> ChatResponse | None:
        if not self.enabled:
            return None
        row = (
            self._connect()
            .execute(
                "SELECT text, input_tokens, output_tokens, finish_reason FROM responses WHERE key = ?",
                (request_key(request, sample_index),),
            )
            .fetchone()
        )
        if row is None:
            return None
        return ChatResponse(
            text=row[0], input_tokens=row[1], output_tokens=row[2], finish_reason=row[3]
        )

    def put(self, request: ChatRequest, sample_index: int, response: ChatResponse) -> None:
        if not self.enabled:
            return
        self._connect().execute(
            "INSERT OR REPLACE INTO responses (key, provider, model, text, input_tokens, "
            "output_tokens, finish_reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                request_key(request, sample_index),
                request.provider,
                request.model,
                response.text,
                response.input_tokens,
                response.output_tokens,
                response.finish_reason,
            ),
        )

    def __len__(self) -> int:
        if not self.enabled:
            return 0
        return int(self._connect().execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
