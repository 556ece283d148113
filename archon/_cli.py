"""Shared CLI plumbing: exit codes and one-line error messages (no tracebacks)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from archon.errors import (
    ArchonError,
    AuthenticationError,
    ConfigError,
    DataError,
    MissingAPIKeyError,
    MissingExtraError,
    SpaceError,
)

USAGE_ERRORS = (
    AuthenticationError,
    ConfigError,
    MissingAPIKeyError,
    MissingExtraError,
    DataError,
    SpaceError,
)


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def run_cli(main: Callable[[], int]) -> None:
    """Run ``main``; map expected errors to exit 2 (usage/config) or 1 (runtime)."""
    try:
        code = main()
    except USAGE_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = 2
    except ArchonError as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = 130
    sys.exit(code)
