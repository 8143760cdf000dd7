"""Split a page's paragraphs into the article and the reader comments under it.

An explicit marker line ("Comments", "--- comments ---", "12 Comments", "Reader comments") wins.
Otherwise a changepoint model scores every possible start of the comments: each paragraph gets a
comment-likeness score from explainable style features (weights in data/segment_weights.json),
and the boundary that maximizes the summed score of the paragraphs after it is chosen; "no
comments" wins when no suffix scores above zero.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tasks.errors import DataFileError

WEIGHTS_PATH = Path(__file__).parent / "data" / "segment_weights.json"
"""Feature weights learned by benchmarks/train_segmenter.py from the gold pages."""

_MARKER = re.compile(
    r"""^\s*(?:[-=*#_~\s]*)\s*
        (?:\d[\d,.]*\s+)?                      # "12 Comments"
        (?:reader'?s?'?\s+|user\s+|your\s+|show\s+|view\s+|all\s+)?
        (?:comments?|discussion|responses?|replies)
        (?:\s*\(\d+\))?\s*:?\s*(?:[-=*#_~\s]*)$""",
    re.IGNORECASE | re.VERBOSE,
)

_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_FIRST = {"i", "i'm", "i’m", "me", "my", "mine", "myself", "i've", "i’ve", "i'd", "i’d", "i'll", "i’ll"}
_WE = {"we", "us", "our", "ours", "we're", "we’re", "we've", "we’ve"}
_SECOND = {"you", "your", "yours", "you're", "you’re", "you've", "you’ve", "u"}
_INFORMAL = {
    "lol", "lmao", "haha", "hahaha", "gonna", "wanna", "yeah", "yep", "nope", "ok", "okay", "wow",
    "omg", "hmm", "hmmm", "eh", "btw", "imo", "imho", "dude", "folks", "pissed", "crap", "stupid",
    "idiot", "idiots", "thanks", "sir", "oh", "well", "yes", "no", "agree", "disagree", "comment",
    "article", "author", "columnist", "post", "poster",
}
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|told|according to|reported|announced|stated|spokesman|spokeswoman|spokesperson)\b",
    re.IGNORECASE,
)
_HONORIFIC = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|Sen|Rep|Gov)\.\s+[A-Z]")
_RUN_ON = re.compile(r"[a-z][.!?][A-Z][a-z]")
_CONTRACTION = re.compile(r"\w(?:n['’]t|['’](?:m|re|ve|d|ll))\b", re.IGNORECASE)

FEATURES = (
    "first_person", "we_person", "second_person", "exclamation", "question", "ellipsis",
    "quote", "attribution", "honorific", "log_words", "short", "informal", "contraction",
    "caps", "digits", "run_on", "lower_start", "novelty",
)
"""The features, in the order the trainer and the scorer use them."""


@dataclass(frozen=True)
class Segmentation:
    article: list[str]
    comments: list[str]
    method: str
    """'marker' (an explicit line), 'model' (the changepoint model) or 'single' (one paragraph)."""


def is_marker(paragraph: str) -> bool:
    return len(paragraph) <= 40 and bool(_MARKER.match(paragraph))


def paragraph_features(paragraph: str, seen_words: set[str]) -> list[float]:
    """Style features of one paragraph; `seen_words` are the lower-cased words of those before it."""
    words = _WORD.findall(paragraph)
    lower = [w.lower() for w in words]
    n = max(len(words), 1)
    content = {w for w in lower if len(w) > 3}
    novelty = len(content - seen_words) / len(content) if content else 1.0
    return [
        min(sum(w in _FIRST for w in lower) / n * 10, 1.0),
        min(sum(w in _WE for w in lower) / n * 10, 1.0),
        min(sum(w in _SECOND for w in lower) / n * 10, 1.0),
        float("!" in paragraph),
        float("?" in paragraph),
        float("..." in paragraph or "…" in paragraph),
        float(bool(re.search(r"[\"“”']\s*\w", paragraph)) and paragraph.count('"') + paragraph.count("“") >= 2),
        float(bool(_ATTRIBUTION.search(paragraph))),
        float(bool(_HONORIFIC.search(paragraph))),
        math.log1p(len(words)) / 5.0,
        float(len(words) < 25),
        min(sum(w in _INFORMAL for w in lower) / n * 10, 1.0),
        min(len(_CONTRACTION.findall(paragraph)) / 3.0, 1.0),
        min(sum(1 for w in words if len(w) > 1 and w.isupper()) / n * 10, 1.0),
        float(bool(re.search(r"\d", paragraph))),
        float(bool(_RUN_ON.search(paragraph))),
        float(paragraph[:1].islower()),
        novelty,
    ]


def page_features(paragraphs: list[str]) -> list[list[float]]:
    seen: set[str] = set()
    rows = []
    for p in paragraphs:
        rows.append(paragraph_features(p, seen))
        seen |= {w.lower() for w in _WORD.findall(p) if len(w) > 3}
    return rows


BOUNDARY_FEATURES = FEATURES + ("bias", "overlap")
"""Per candidate boundary: the paragraph features summed over the comments, their count, and how
much of each comment's vocabulary the article before the boundary already used (summed)."""


def content_words(paragraph: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(paragraph) if len(w) > 3}


def candidate_vectors(paragraphs: list[str]) -> list[list[float]]:
    """Feature vector of every candidate boundary k = 1..n (k = n: no comments, all zeros)."""
    rows = page_features(paragraphs)
    words = [content_words(p) for p in paragraphs]
    n, dim = len(paragraphs), len(BOUNDARY_FEATURES)
    out = []
    article: set[str] = set(words[0]) if words else set()
    for k in range(1, n + 1):
        vec = [0.0] * dim
        for i in range(k, n):
            for j, v in enumerate(rows[i]):
                vec[j] += v
            vec[-2] += 1.0
            vec[-1] += len(words[i] & article) / len(words[i]) if words[i] else 0.0
        out.append(vec)
        if k < n:
            article |= words[k]
    return out


@lru_cache(maxsize=4)
def load_weights(path: Path = WEIGHTS_PATH) -> tuple[float, ...]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return tuple(float(data["weights"][name]) for name in BOUNDARY_FEATURES)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataFileError(str(path), None, f"segmentation weights unreadable: {exc!r}") from exc


def best_boundary(paragraphs: list[str], weights: tuple[float, ...] | None = None) -> int:
    """Index where the comments start (len(paragraphs) for none); paragraph 0 is always article."""
    weights = weights or load_weights()
    scores = [sum(w * v for w, v in zip(weights, vec)) for vec in candidate_vectors(paragraphs)]
    # Ties go to the later boundary: "no comments" unless the evidence says otherwise.
    best = max(range(len(scores)), key=lambda i: (scores[i], i))
    return best + 1


def segment(paragraphs: list[str]) -> Segmentation:
    """Split paragraphs into article and comments (marker lines are dropped)."""
    for i, p in enumerate(paragraphs):
        if i > 0 and is_marker(p):
            return Segmentation(paragraphs[:i], [c for c in paragraphs[i + 1:] if not is_marker(c)], "marker")
    if len(paragraphs) < 2:
        return Segmentation(list(paragraphs), [], "single")
    k = best_boundary(paragraphs)
    return Segmentation(paragraphs[:k], paragraphs[k:], "model")
