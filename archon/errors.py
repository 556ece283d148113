"""The one exception tree of the project.

::

    ArchonError
    ├── ConfigError              a config file or dict is invalid (names file, JSON path, fix)
    ├── MissingExtraError        an optional dependency is not installed (names the pip command)
    ├── MissingAPIKeyError       no key for a provider (names the environment variable)
    ├── ProviderError            a model call failed (after the stack's retries)
    │   ├── AuthenticationError  401/403: never retried
    │   ├── ContextLengthError   prompt too long for the model: never retried
    │   ├── BadRequestError      other 4xx: never retried
    │   ├── RateLimitError       429: retried, honours ``retry_after``
    │   ├── ServerError          5xx: retried
    │   └── ProviderTimeoutError the call timed out or the connection failed: retried
    ├── ComponentError           a component could not do its job (e.g. no candidates to rank)
    ├── DataError                benchmark data missing or malformed
    ├── SandboxError             the code sandbox itself failed (not the code under test)
    └── SearchError              search space or study problems
        └── SpaceError           a search space YAML is invalid

SDK exceptions are translated into these at the provider boundary, so code above the
providers never imports an SDK.
"""

from __future__ import annotations

__all__ = [
    "ArchonError",
    "AuthenticationError",
    "BadRequestError",
    "ComponentError",
    "ConfigError",
    "ContextLengthError",
    "DataError",
    "MissingAPIKeyError",
    "MissingExtraError",
    "ProviderError",
    "ProviderTimeoutError",
    "RateLimitError",
    "SandboxError",
    "SearchError",
    "ServerError",
    "SpaceError",
]


class ArchonError(Exception):
    """Base class of every error this project raises on purpose."""


class ConfigError(ArchonError, ValueError):
    """An Archon config is invalid. The message names the file, the JSON path and the fix."""


class MissingExtraError(ArchonError, ImportError):
    """An optional dependency is missing; the message names the pip command that installs it."""


class MissingAPIKeyError(ArchonError):
    """No API key for a provider; the message names the environment variable to set."""


class ProviderError(ArchonError):
    """A model call failed.

    Attributes:
        kind: short machine-readable reason (``auth``, ``rate_limit``, ``server``, ...).
        status: HTTP status when there was one.
        retryable: whether the retry middleware may try again.
    """

    kind = "provider"
    retryable = False

    def __init__(self, message: str, *, status: int | None = None, provider: str | None = None):
        super().__init__(message)
        self.status = status
        self.provider = provider


class AuthenticationError(ProviderError):
    kind = "auth"


class ContextLengthError(ProviderError):
    kind = "context_length"


class BadRequestError(ProviderError):
    kind = "bad_request"


class RateLimitError(ProviderError):
    kind = "rate_limit"
    retryable = True

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = 429,
        provider: str | None = None,
    ):
        super().__init__(message, status=status, provider=provider)
        self.retry_after = retry_after


class ServerError(ProviderError):
    kind = "server"
    retryable = True

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        provider: str | None = None,
    ):
        super().__init__(message, status=status, provider=provider)
        self.retry_after = retry_after


class ProviderTimeoutError(ProviderError):
    kind = "timeout"
    retryable = True


class ComponentError(ArchonError):
    """A component could not do its job (missing inputs, unusable model output)."""


class DataError(ArchonError):
    """Benchmark data is missing or malformed."""


class SandboxError(ArchonError):
    """The sandbox itself failed to run (not a failure of the code under test)."""


class SearchError(ArchonError):
    """Problems with a search study."""


class SpaceError(SearchError, ValueError):
    """A search space file is invalid; the message names the file and the key."""
