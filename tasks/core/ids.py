"""Deterministic identifiers: the same input always yields the same ids, so reloads are idempotent."""
from __future__ import annotations

import hashlib


def stable_id(prefix: str, *parts: object) -> str:
    """A short hex id from the parts; `prefix` says what kind of row it names."""
    joined = "\x1f".join(str(p) for p in parts)
    return f"{prefix}_{hashlib.sha1(joined.encode('utf-8')).hexdigest()[:16]}"

