"""API keys and their rotation.

Keys come from, in order: an explicit dict or an Archon-style JSON file
(``{"OPENAI_API_KEY": ["sk-1", "sk-2"], ...}``; a single string is also accepted), else the
environment and a ``.env`` file: ``NAME``, ``NAME_2``, ``NAME_3`` ... in that order.
On a rate limit the retry middleware calls :meth:`KeyRing.rotate`, which cycles to the next
key (after the last comes the first again). Keys are never logged; :meth:`redact` removes
them from any text that leaves this module.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from archon.errors import ConfigError, MissingAPIKeyError

__all__ = ["KeyRing"]

_SUFFIX = re.compile(r"^(?P<base>.+?)_(?P<n>\d+)$")


class KeyRing:
    """Holds the API keys of every provider and rotates them.

    Args:
        api_keys: ``None`` (environment and ``.env``), a dict, or a path to a JSON file.
    """

    def __init__(self, api_keys: Mapping[str, Any] | str | os.PathLike[str] | None = None):
        self._keys: dict[str, list[str]] = {}
        self._index: dict[str, int] = {}
        self._lock = threading.Lock()
        self._from_env = api_keys is None
        if api_keys is None:
            self._load_dotenv()
        else:
            self._load_explicit(api_keys)

    @staticmethod
    def _load_dotenv() -> None:
        try:
            from dotenv import find_dotenv, load_dotenv
        except ImportError:  # pragma: no cover - python-dotenv is a core dependency
            return
        path = find_dotenv(usecwd=True)
        if path:
            load_dotenv(path, override=False)

    def _load_explicit(self, api_keys: Mapping[str, Any] | str | os.PathLike[str]) -> None:
        if not isinstance(api_keys, Mapping):
            path = Path(api_keys)
            if not path.is_file():
                raise ConfigError(f"{path}: API key file not found; pass a JSON file or a dict")
            try:
                api_keys = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise ConfigError(
                    f"{path}: line {exc.lineno}, column {exc.colno}: malformed JSON in the API key file"
                ) from None
            if not isinstance(api_keys, Mapping):
                raise ConfigError(
                    f'{path}: expected an object like {{"OPENAI_API_KEY": ["sk-..."]}}'
                )
        for name, value in api_keys.items():
            values = [value] if isinstance(value, str) else list(value or [])
            self._keys[name] = [v for v in values if v]

    def _env_keys(self, name: str) -> list[str]:
        found: list[tuple[int, str]] = []
        for var, value in os.environ.items():
            if not value:
                continue
            if var == name:
                found.append((1, value))
            else:
                m = _SUFFIX.match(var)
                if m and m.group("base") == name:
                    found.append((int(m.group("n")), value))
        return [v for _, v in sorted(found)]

    def keys(self, name: str) -> list[str]:
        if name not in self._keys and self._from_env:
            self._keys[name] = self._env_keys(name)
        return self._keys.get(name, [])

    def has(self, name: str) -> bool:
        return bool(self.keys(name))

    def get(self, name: str) -> str:
        """The current key for environment variable ``name``; raises if there is none."""
        keys = self.keys(name)
        if not keys:
            raise MissingAPIKeyError(
                f"no API key: set the environment variable {name} (or put it in .env, or pass "
                f"api_keys={{'{name}': ['...']}} / a JSON key file)"
            )
        with self._lock:
            return keys[self._index.get(name, 0) % len(keys)]

    def rotate(self, name: str, failed_key: str | None = None) -> str:
        """Move to the next key (cycling) unless another task already moved past ``failed_key``."""
        keys = self.keys(name)
        if not keys:
            return self.get(name)
        with self._lock:
            cur = self._index.get(name, 0) % len(keys)
            if failed_key is None or keys[cur] == failed_key:
                self._index[name] = (cur + 1) % len(keys)
            return keys[self._index.get(name, 0) % len(keys)]

    def all_keys(self) -> list[str]:
        return [k for ks in self._keys.values() for k in ks]

    def redact(self, text: str) -> str:
        """Replace any known key in ``text`` by ``***``."""
        for key in sorted(self.all_keys(), key=len, reverse=True):
            if len(key) >= 6:
                text = text.replace(key, "***")
        return text
