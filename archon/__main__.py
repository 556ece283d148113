"""``python -m archon --config PATH "QUESTION"``: answer one question with a config."""

from __future__ import annotations

import argparse
import json
import sys

from archon._cli import run_cli, setup_logging


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m archon", description=__doc__)
    p.add_argument("--config", required=True, help="Archon config JSON file")
    p.add_argument("question", help="the question to answer")
    p.add_argument(
        "--json", action="store_true", help="print answer, usage and per-layer trace as JSON"
    )
    p.add_argument(
        "--no-cache", action="store_true", help="do not read or write the response cache"
    )
    p.add_argument(
        "--api-keys", help="Archon-style JSON file of API keys (default: environment/.env)"
    )
    p.add_argument("--verbose", "-v", action="store_true", help="show each layer on stderr")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    setup_logging(args.verbose)
    from archon import Archon

    archon = Archon(args.config, args.api_keys, cache=not args.no_cache)
    result = archon.run(args.question)
    if args.verbose:
        for t in result.trace:
            u = t.usage
            print(
                f"layer {t.index} [{', '.join(t.components)}]: {len(t.candidates)} candidates, "
                f"{u.calls} calls ({u.cached_calls} cached, {u.failed_calls} failed), "
                f"{u.input_tokens}+{u.output_tokens} tokens, ${u.full_cost_usd:.5f}, {t.latency_s:.2f} s",
                file=sys.stderr,
            )
            for note in t.notes + t.failures:
                print(f"  {note}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    elif result.answer is not None:
        print(result.answer)
    if result.answer is None:
        print(f"error: no answer ({result.error_kind}): {result.error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    run_cli(main)
