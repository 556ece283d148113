"""Reproducibility facts written into every results file: package version, git commit."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path


@functools.cache
def git_commit() -> str | None:
    """The commit of the source tree this package runs from, or ``None`` (not a checkout)."""
    root = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def package_version() -> str:
    from archon import __version__

    return __version__


def run_info() -> dict[str, str | None]:
    return {"package_version": package_version(), "git_commit": git_commit()}
