"""Where benchmark files come from.

Order: the ``data_dir`` argument (``--data-dir``), else the environment variable
``ARCHON_DATA_DIR`` (both laid out like ``../shared/data``: ``gsm8k/test.jsonl`` ...), else the
download cache (``~/.cache/archon/data``, or ``ARCHON_CACHE_DIR``), else a download from the
data set's public source into that cache, logged. ``ARCHON_OFFLINE=1`` forbids downloads;
then missing data is a DataError that names both ways to provide it.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from archon.errors import DataError

logger = logging.getLogger(__name__)

_TRUTHY = {"1", "true", "yes", "on"}


def cache_dir() -> Path:
    """The download cache: ``$ARCHON_CACHE_DIR/data`` or ``~/.cache/archon/data``."""
    root = os.environ.get("ARCHON_CACHE_DIR")
    return (Path(root) if root else Path.home() / ".cache" / "archon") / "data"


def offline() -> bool:
    return os.environ.get("ARCHON_OFFLINE", "").strip().lower() in _TRUTHY


def resolve_file(relpath: str, url: str | None, data_dir: str | Path | None = None) -> Path:
    """Find ``relpath`` (e.g. ``"gsm8k/test.jsonl"``) locally or download it from ``url``.

    Raises:
        DataError: not found and downloading is impossible (offline, no URL, network error).
    """
    looked: list[Path] = []
    for root in (data_dir, os.environ.get("ARCHON_DATA_DIR") or None):
        if root is not None:
            candidate = Path(root).expanduser() / relpath
            if candidate.is_file():
                return candidate
            looked.append(candidate)
    cached = cache_dir() / relpath
    if cached.is_file():
        return cached
    looked.append(cached)

    where = ", ".join(str(p) for p in looked)
    how = f"pass --data-dir DIR (or set ARCHON_DATA_DIR) to a directory containing {relpath}" + (
        f", or allow the download from {url}" if url else ""
    )
    if url is None:
        raise DataError(f"benchmark data {relpath} not found (looked in {where}); {how}")
    if offline():
        raise DataError(
            f"benchmark data {relpath} not found (looked in {where}) and downloads are "
            f"disabled (ARCHON_OFFLINE=1); {how} (unset ARCHON_OFFLINE)"
        )
    _download(url, cached, how)
    return cached


def _download(url: str, dest: Path, how: str) -> None:
    import httpx

    logger.warning("downloading %s -> %s", url, dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=60.0) as resp:
            resp.raise_for_status()
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name, suffix=".part")
            try:
                with os.fdopen(fd, "wb") as f:
                    for chunk in resp.iter_bytes():
                        f.write(chunk)
                os.replace(tmp, dest)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
    except httpx.HTTPError as exc:
        raise DataError(f"could not download {url}: {exc}; {how}") from exc
    logger.warning("downloaded %s (%d bytes)", dest, dest.stat().st_size)


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line index, record) for each non-blank line; a bad line is a DataError naming it."""
    with open(path, encoding="utf-8") as f:
        for index, line in enumerate(f):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{index + 1}: invalid JSON ({exc.msg})") from exc
            if not isinstance(record, dict):
                raise DataError(f"{path}:{index + 1}: expected a JSON object")
            yield index, record


def require(record: dict[str, Any], key: str, where: str) -> Any:
    if key not in record:
        raise DataError(f"{where}: missing field {key!r}")
    return record[key]
