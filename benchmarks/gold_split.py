"""The fixed split of every gold set into a `fit` part and a `check` part.

Fit weights, thresholds and rules looking only at `fit` (its errors may be read); of `check`, read
only the score: it predicts the held-out figures. A document's part is a stable hash of its id, so
the split never changes and needs no list."""
from __future__ import annotations

import hashlib
from typing import Iterable

PARTS = ("fit", "check")


def part_of(doc_id: str) -> str:
    """'fit' or 'check' for a gold document id (file name or snippet id), about half each."""
    return PARTS[int(hashlib.sha256(str(doc_id).encode("utf-8")).hexdigest(), 16) % 2]


def in_part(items: Iterable[dict], key: str, part: str | None) -> list[dict]:
    """The gold items whose `key` falls in `part` (all of them when part is None)."""
    return [item for item in items if part is None or part_of(item[key]) == part]
