"""Model providers and the call stack that wraps them (cache, retry/keys, limits, usage)."""
