"""Split a page's paragraphs into the article and the reader comments under it.

An explicit marker line ("Comments", "--- comments ---", "12 Comments", "Reader comments") wins.
Otherwise a changepoint model scores every possible start of the comments: each paragraph gets a
comment-likeness score from explainable style features (the word sets they read in
data/segment_style.jsonl, their weights in data/segment_weights.json),
and the boundary that maximizes the summed score of the paragraphs after it is chosen. A page may
have no comments at all (many news pages): "no comments" wins unless the best boundary scores
above it by more than a margin fitted on the gold pages (`no_split_margin`).
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tasks.core.errors import DataFileError
from tasks.core.word_sets import read_word_sets

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

STYLE_PATH = Path(__file__).parent / "data" / "segment_style.jsonl"
"""The word sets the style features read: one `{"name", "words", "comment"}` object per line."""

STYLE_SETS = (
    "first_person", "we_person", "second_person", "interjections", "chat_abbreviations", "insults",
    "stance_words", "meta_words", "attribution", "honorifics", "bio_predicates", "reply_praise",
    "reply_objects", "reply_openers",
)
"""Every word set the code reads: the style file must hold exactly these."""

_CASED_SETS = frozenset({"honorifics"})
"""Sets matched as written (a title is capitalised); the others are lower case and matched so."""

INFORMAL_SETS = ("interjections", "chat_abbreviations", "insults", "stance_words", "meta_words")
"""The sets whose words count for the `informal` feature."""


@dataclass(frozen=True)
class Style:
    """The style file's word sets, compiled for the features."""
    first: frozenset[str]
    we: frozenset[str]
    second: frozenset[str]
    informal: frozenset[str]
    attribution: frozenset[str]
    """Its one-word entries ("said"), looked up among the paragraph's words."""
    attribution_phrases: re.Pattern | None
    """Its entries of several words ("according to"), searched in the text."""
    honorific: re.Pattern
    bio: re.Pattern
    reply: re.Pattern


def _alternation(words: list[str]) -> str:
    """A regex alternative of the words (longest first); a space inside a phrase matches any run."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=4)
def load_style(path: Path = STYLE_PATH) -> Style:
    """The style word sets, checked: a malformed line raises DataFileError with file:line:reason."""
    sets = read_word_sets(path, STYLE_SETS, "word set", _CASED_SETS)
    phrases = [w for w in sets["attribution"] if " " in w]
    return Style(
        first=frozenset(sets["first_person"]),
        we=frozenset(sets["we_person"]),
        second=frozenset(sets["second_person"]),
        informal=frozenset(w for n in INFORMAL_SETS for w in sets[n]),
        attribution=frozenset(w for w in sets["attribution"] if " " not in w),
        attribution_phrases=re.compile(rf"\b(?:{_alternation(phrases)})\b", re.IGNORECASE) if phrases else None,
        honorific=re.compile(rf"\b(?:{_alternation(sets['honorifics'])})\.\s+[A-Z]"),
        # The author's note that closes many opinion pieces: "Jane Smith is president and CEO of ...".
        bio=re.compile(r"^(?:[A-Z][\w.'’-]+\s){1,4}(?:[A-Z][\w.'’-]+)(?:,[^.]{0,150},)?\s(?:is|was|are)\s"
                       rf"(?:{_alternation(sets['bio_predicates'])})\b"),
        # A reply: "@name", "Good point, ...", "Thanks ...", "+1". Never seen opening an article paragraph.
        reply=re.compile(rf"^(?:@\S+|[+>]|(?:{_alternation(sets['reply_praise'])})\s+(?:{_alternation(sets['reply_objects'])})"
                         rf"|(?:{_alternation(sets['reply_openers'])})\b)", re.IGNORECASE),
    )


@lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """spaCy's English stop words (a maintained list of function words), with straight apostrophes:
    the words that say nothing of a paragraph's topic. Imported on first use, so that importing this
    module stays cheap."""
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(w.replace("’", "'") for w in STOP_WORDS)


_RUN_ON = re.compile(r"[a-z][.!?][A-Z][a-z]")
# Bounded like real addresses: unbounded \S+@\S+ backtracks quadratically on a long line of '@'.
_CONTACT = re.compile(r"^(?:\S{1,64}@\S{1,255}\.\w{2,}|(?:follow|email|e-mail|contact)\b.{0,80}(?:twitter|@|email|\.com)\S*)\.?$", re.IGNORECASE)
# A transcript's turn ("Jane Smith: I think ..."): panels and interviews inside an article.
_SPEAKER = re.compile(r"^(?:[A-Z][\w.'’-]+\s){0,3}[A-Z][\w.'’-]+:\s")
_TYPOGRAPHY = frozenset('"“”‘’–—…')
"""Quote marks, dashes and ellipses whose forms tell one writer's (or one editor's) habits."""
_TERMINATED = re.compile(r"[.!?\"”’')\]]\s*$")
_CONTRACTED = ("n't", "'m", "'re", "'ve", "'d", "'ll")
"""The endings of a contracted word ("don't", "I'm"), apostrophes straightened."""


def _contractions(counts: Counter) -> int:
    return sum(c for w, c in counts.items() for end in _CONTRACTED if w.endswith(end) and len(w) > len(end))


FEATURES = (
    "first_person", "we_person", "second_person", "exclamation", "question", "ellipsis",
    "quote", "attribution", "honorific", "log_words", "short", "informal", "contraction",
    "caps", "digits", "run_on", "lower_start", "novelty", "author_bio", "quotes_earlier", "reply",
    "speaker_turn", "new_typography", "unterminated",
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


_QUOTED = re.compile(r"[\"“”‘’']([^\"“”‘’']{12,200})[\"“”‘’']")
QUOTE_SEARCH_CHARS = 100_000
"""Quotes are looked for in the first this many characters of the page: what readers quote is the
article, and a bounded text keeps the search linear on pages of thousands of lines."""


def quotes_earlier(paragraph: str, earlier: list[str] | str) -> bool:
    """The paragraph quotes words that stand earlier on the page (a reader quoting the article);
    `earlier` is the lower-cased text before it, or the list of its paragraphs."""
    quotes = _QUOTED.findall(paragraph)
    if not quotes:
        return False
    text = earlier if isinstance(earlier, str) else " ".join(earlier)[:QUOTE_SEARCH_CHARS]
    for quote in quotes[:5]:
        quoted = " ".join(quote.split()).strip(" .,;:!?").lower()
        if len(quoted.split()) >= 3 and quoted in text:
            return True
    return False


def _count(counts: Counter, words: frozenset[str]) -> int:
    """How many of the paragraph's words are in `words` (iterating the smaller side)."""
    if len(words) < len(counts):
        return sum(counts[w] for w in words)
    return sum(c for w, c in counts.items() if w in words)


def paragraph_features(paragraph: str, seen_words: set[str], earlier: list[str] | str = (),
                       seen_marks: frozenset[str] = frozenset()) -> list[float]:
    """Style features of one paragraph; `seen_words` are the content words of those before it,
    `earlier` their lower-cased text (or texts) and `seen_marks` the typographic marks they used."""
    words = _WORD.findall(paragraph)
    lower = [w.lower().replace("’", "'") for w in words]
    return _features(paragraph, words, lower, _content(lower), seen_words, earlier, seen_marks)


def _features(paragraph: str, words: list[str], lower: list[str], content: set[str], seen_words: set[str],
              earlier: list[str] | str, seen_marks: frozenset[str]) -> list[float]:
    style = load_style()
    n = max(len(words), 1)
    counts = Counter(lower)
    novelty = len(content - seen_words) / len(content) if content else 1.0
    # "US" is the country, not the pronoun.
    country = words.count("US") if "us" in style.we else 0
    return [
        min(_count(counts, style.first) / n * 10, 1.0),
        min((_count(counts, style.we) - country) / n * 10, 1.0),
        min(_count(counts, style.second) / n * 10, 1.0),
        float("!" in paragraph),
        float("?" in paragraph),
        float("..." in paragraph or "…" in paragraph),
        float(bool(re.search(r"[\"“”']\s*\w", paragraph)) and paragraph.count('"') + paragraph.count("“") >= 2),
        float(bool(_count(counts, style.attribution))
              or bool(style.attribution_phrases and style.attribution_phrases.search(paragraph))),
        float(bool(style.honorific.search(paragraph))),
        math.log1p(len(words)) / 5.0,
        float(len(words) < 25),
        min(_count(counts, style.informal) / n * 10, 1.0),
        min(_contractions(counts) / 3.0, 1.0) if "'" in paragraph or "’" in paragraph else 0.0,
        # Shouting, not acronyms: "NEVER", not "US" or "NATO".
        min(sum(1 for w in words if len(w) > 4 and w.isupper()) / n * 10, 1.0),
        float(bool(re.search(r"\d", paragraph))),
        float(bool(_RUN_ON.search(paragraph))),
        float(paragraph[:1].islower()),
        novelty,
        float((bool(style.bio.match(paragraph)) and len(words) < 80) or bool(_CONTACT.match(paragraph))),
        float(quotes_earlier(paragraph, earlier)),
        float(bool(style.reply.match(paragraph))),
        float(bool(_SPEAKER.match(paragraph))),
        # A writer whose typography the page has not used so far (another writer, not the editor).
        float(bool(earlier) and bool(_TYPOGRAPHY.intersection(paragraph) - seen_marks)),
        float(not _TERMINATED.search(paragraph)),
    ]


def page_features(paragraphs: list[str]) -> list[list[float]]:
    return _page(paragraphs)[0]


def _page(paragraphs: list[str]) -> tuple[list[list[float]], list[set[str]]]:
    """Every paragraph's features and content words, each paragraph tokenized once."""
    seen: set[str] = set()
    earlier = ""
    marks: frozenset[str] = frozenset()
    rows, contents = [], []
    for p in paragraphs:
        words = _WORD.findall(p)
        lower = [w.lower().replace("’", "'") for w in words]
        content = _content(lower)
        rows.append(_features(p, words, lower, content, seen, earlier, marks))
        contents.append(content)
        marks |= _TYPOGRAPHY.intersection(p)
        seen |= content
        if len(earlier) < QUOTE_SEARCH_CHARS:
            earlier = (f"{earlier} " if earlier else "") + " ".join(p.split()).lower()
    return rows, contents


BOUNDARY_FEATURES = FEATURES + ("bias", "overlap", "bio_before")
"""Per candidate boundary: the paragraph features summed over the comments, their count, and how
much of each comment's vocabulary the article before the boundary already used (summed)."""


def _content(lower_words: list[str]) -> set[str]:
    stop = function_words()
    return {w for w in lower_words if len(w) > 3 and w not in stop}


def content_words(paragraph: str) -> set[str]:
    """The words that carry a paragraph's topic: longer than three letters and not function words."""
    return _content([w.lower().replace("’", "'") for w in _WORD.findall(paragraph)])


_BIAS, _OVERLAP, _BIO_BEFORE = (BOUNDARY_FEATURES.index(f) for f in ("bias", "overlap", "bio_before"))
_AUTHOR_BIO = FEATURES.index("author_bio")


def candidate_vectors(paragraphs: list[str]) -> list[list[float]]:
    """Feature vector of every candidate boundary k = 1..n (k = n: no comments, all zeros).

    Linear in the page: the comment-side sums are suffix sums, and the overlap of each comment
    with the article before boundary k is added up from where each word first occurs (a word of
    paragraph i counts for every boundary k with first(word) < k <= i), not recomputed per k."""
    rows, words = _page(paragraphs)
    n, dim = len(paragraphs), len(BOUNDARY_FEATURES)
    n_row = len(FEATURES)
    first: dict[str, int] = {}
    for i, ws in enumerate(words):
        for w in ws:
            first.setdefault(w, i)
    # overlap_delta[k]: change of the summed overlap between boundary k - 1 and boundary k.
    overlap_delta = [0.0] * (n + 2)
    for i, ws in enumerate(words):
        if not ws:
            continue
        share = 1.0 / len(ws)
        for w in ws:
            lo = max(first[w] + 1, 1)
            if lo <= i:
                overlap_delta[lo] += share
                overlap_delta[i + 1] -= share
    out = [[0.0] * dim for _ in range(n)]
    suffix = [0.0] * n_row
    for k in range(n - 1, 0, -1):  # boundary k: comments are paragraphs k..n-1
        for j, v in enumerate(rows[k]):
            suffix[j] += v
        out[k - 1][:n_row] = suffix
        out[k - 1][_BIAS] = float(n - k)
        out[k - 1][_BIO_BEFORE] = rows[k - 1][_AUTHOR_BIO]
    overlap = 0.0
    for k in range(1, n + 1):
        overlap += overlap_delta[k]
        if k < n:
            out[k - 1][_OVERLAP] = overlap
    return out


@dataclass(frozen=True)
class Weights:
    weights: tuple[float, ...]
    """One weight per BOUNDARY_FEATURES name, in that order."""
    no_split_margin: float
    """How far the best boundary must score above "no comments" (score 0) to split the page."""


@lru_cache(maxsize=4)
def load_weights(path: Path = WEIGHTS_PATH) -> Weights:
    """The fitted weights; a missing or unknown feature, or a value that is not a number, raises
    DataFileError naming the file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataFileError(str(path), None, f"segmentation weights unreadable: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("weights"), dict):
        raise DataFileError(str(path), None, "expected an object with a 'weights' object")
    named = data["weights"]
    missing = [f for f in BOUNDARY_FEATURES if f not in named]
    unknown = [f for f in named if f not in BOUNDARY_FEATURES]
    if missing or unknown:
        raise DataFileError(str(path), None, f"weights missing {missing} / unknown {unknown}")
    margin = data.get("no_split_margin", 0.0)
    values = [named[f] for f in BOUNDARY_FEATURES] + [margin]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
        raise DataFileError(str(path), None, "every weight and no_split_margin must be a finite number")
    if margin < 0:
        raise DataFileError(str(path), None, "no_split_margin must be >= 0")
    return Weights(tuple(float(named[f]) for f in BOUNDARY_FEATURES), float(margin))


def decode(vectors: list[list[float]], weights: tuple[float, ...], margin: float = 0.0) -> int:
    """Index where the comments start (len(vectors) for none) from candidate vectors: the best
    scoring boundary, unless it beats "no comments" (score 0) by no more than `margin`."""
    scores = [sum(w * v for w, v in zip(weights, vec)) for vec in vectors]
    # Ties go to the later boundary: "no comments" unless the evidence says otherwise.
    best = max(range(len(scores)), key=lambda i: (scores[i], i))
    if scores[best] - scores[-1] <= margin:
        return len(vectors)
    return best + 1


def best_boundary(paragraphs: list[str], weights: Weights | None = None) -> int:
    """Index where the comments start (len(paragraphs) for none); paragraph 0 is always article."""
    weights = weights or load_weights()
    return decode(candidate_vectors(paragraphs), weights.weights, weights.no_split_margin)


def segment(paragraphs: list[str]) -> Segmentation:
    """Split paragraphs into article and comments (marker lines are dropped)."""
    for i, p in enumerate(paragraphs):
        if i > 0 and is_marker(p):
            return Segmentation(paragraphs[:i], [c for c in paragraphs[i + 1:] if not is_marker(c)], "marker")
    if len(paragraphs) < 2:
        return Segmentation(list(paragraphs), [], "single")
    k = best_boundary(paragraphs)
    return Segmentation(paragraphs[:k], paragraphs[k:], "model")
