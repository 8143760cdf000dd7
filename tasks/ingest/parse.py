"""Seed files to pages: read each accepted format, decode, normalize, and split article from comments.

Accepted formats (by extension): .txt and .md (optional `---` YAML or `+++` TOML front matter),
.html/.htm (main text and comments), .json (one page), .jsonl (one page a line). See README "Seed
formats".

Every path through here is linear in the size of the input and bounded in what it builds: JSON
nesting, YAML aliases, front matter and metadata field sizes and document lengths have limits, and
whatever else goes wrong with one file is a SeedError naming it, never another exception.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from tasks.core.dates import parse_written_date
from tasks.core.errors import SeedError
from tasks.ingest.decode import UndecodableError, decode_bytes, normalize_text, split_paragraphs
from tasks.ingest.front_matter import split_front_matter
from tasks.ingest.html_text import html_parts
from tasks.ingest.segment import segment

ACCEPTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")
"""The seed file extensions newsflow reads; any other extension is quarantined."""

MAX_DOC_CHARS = 5_000_000
"""Longest article or comment text accepted. Longer than spaCy takes at once is fine (the analysis
cuts it into pieces), but five million characters is a dump, not a page: minutes of analysis."""
MAX_FIELD_CHARS = {"title": 2_000, "url": 8_192, "publisher": 500, "author": 500, "parent": 500}
"""Longest metadata value accepted: a title is a line, not a book (nor a YAML alias bomb)."""

# Source attribution: "According to Reuters", "told the Associated Press", "Reuters reported".
# Names are matched a word at a time from fixed anchors (never a regex backtracking over a run of
# capitalised words, which took minutes on one long line of them).
_CITE_BEFORE = re.compile(r"\b(?:[Aa]ccording to|[Tt]old|[Ii]n an interview with)\s+(?:the\s+)?(?=[A-Z])")
_CITE_AFTER = re.compile(r"\s+(?:reported|reports|quoted)\b")
_NAME_WORD = re.compile(r"[A-Z][\w&.'’-]*")
_MAX_NAME_WORDS = 12


@dataclass
class CommentIn:
    text: str
    author: str | None = None
    posted_at: datetime | None = None
    parent: str | None = None


@dataclass
class Page:
    """One news page as read from a seed: article paragraphs, comments and metadata."""

    page_index: int
    paragraphs: list[str]
    comments: list[CommentIn]
    title: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    publisher: str | None = None
    encoding: str = "utf-8"
    segmentation: str = "explicit"
    """How the comments were found: 'explicit' (the format said), 'marker', 'model' or 'single'."""
    extra: dict = field(default_factory=dict)


def parse_timestamp(value) -> datetime | None:
    """A timezone-aware UTC datetime from ISO-8601 text, a date, an epoch number or a date as
    people write it ("6 août 2024"); None if absent. ValueError when it is no date or out of range."""
    if value in (None, ""):
        return None
    try:
        if isinstance(value, bool):
            raise ValueError(f"unreadable date {value!r}")
        if isinstance(value, datetime):
            dt = value
        elif isinstance(value, date):  # a bare date from YAML or TOML
            dt = datetime(value.year, value.month, value.day)
        elif isinstance(value, (int, float)):
            dt = datetime.fromtimestamp(value, tz=timezone.utc)
        elif isinstance(value, str):
            text = value.strip()[:200]
            try:
                dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                dt = parse_written_date(text)
                if dt is None:
                    raise ValueError(f"unreadable date {text!r}") from None
        else:
            raise ValueError(f"unreadable date (a {type(value).__name__}, not text or a number)")
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.astimezone(timezone.utc)
    except (OverflowError, OSError) as exc:
        shown = value.isoformat() if hasattr(value, "isoformat") else repr(value)[:60]
        raise ValueError(f"date {shown} is out of range") from exc


def _name_at(text: str, pos: int) -> tuple[str, int]:
    """The capitalised name starting at `pos` ('of' and 'for' allowed inside it), and where it
    ends; at most _MAX_NAME_WORDS words, so the walk is linear."""
    words, end = [], pos
    while len(words) < _MAX_NAME_WORDS:
        m = _NAME_WORD.match(text, pos)
        if not m:
            break
        words.append(m.group())
        end = m.end()
        rest = text[end:end + 6]
        gap = len(rest) - len(rest.lstrip())
        if not gap:
            break
        nxt = end + gap
        joiner = re.match(r"(?:of|for)\s+(?=[A-Z])", text[nxt:nxt + 8])
        pos = nxt + joiner.end() if joiner else nxt
        if joiner:
            words.append(joiner.group().strip())
    return " ".join(words), end


def _name_before(text: str, end: int) -> str:
    """The run of capitalised words that ends at `end` (at most _MAX_NAME_WORDS)."""
    words = text[max(0, end - 400):end].split()
    name = []
    for w in reversed(words):
        if len(name) >= _MAX_NAME_WORDS or not _NAME_WORD.fullmatch(w):
            break
        name.append(w)
    return " ".join(reversed(name))


def cited_source(paragraphs: list[str]) -> str | None:
    """The first news source the article cites ("According to Reuters" -> "Reuters")."""
    for p in paragraphs:
        candidates = []
        m = _CITE_BEFORE.search(p)
        if m:
            candidates.append((m.start(), _name_at(p, m.end())[0]))
        for a in _CITE_AFTER.finditer(p):
            name = _name_before(p, a.start())
            if name:
                candidates.append((a.start() - len(name), name))
                break
        for _, name in sorted(candidates):
            name = name.strip().rstrip(".,")
            if name and name.split()[0] not in {"The", "He", "She", "They", "It", "This"}:
                return name
            break
    return None


def _meta(raw: dict, path: str) -> dict:
    try:
        published = parse_timestamp(raw.get("published_at") or raw.get("published") or raw.get("date"))
    except ValueError as exc:
        raise SeedError(path, str(exc), "parse") from exc
    return {
        "title": _clean_optional(raw.get("title"), path, "title"),
        "url": _clean_optional(raw.get("url"), path, "url"),
        "published_at": published,
        "publisher": _clean_optional(raw.get("publisher"), path, "publisher"),
    }


def _clean_optional(value, path: str, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list, tuple, set)):
        raise SeedError(path, f"'{name}' must be text, found a {type(value).__name__}", "parse")
    text = str(value)
    limit = MAX_FIELD_CHARS.get(name, 2_000)
    if len(text) > limit:
        raise SeedError(path, f"'{name}' is {len(text):,} characters; the limit is {limit:,}", "parse")
    text = " ".join(normalize_text(text).split())
    return text or None


def _page_from_paragraphs(paragraphs: list[str], meta: dict, encoding: str, index: int = 0) -> Page:
    seg = segment(paragraphs)
    return Page(
        page_index=index,
        paragraphs=seg.article,
        comments=[CommentIn(c) for c in seg.comments],
        encoding=encoding,
        segmentation=seg.method,
        **meta,
    )


# Bounded spans: an unclosed "**" or "[" on a long line must not make every later one scan to
# the end of the line (quadratic).
_MD_INLINE = [
    (re.compile(r"!\[([^\]\n]{0,500})\]\([^)\n]{0,2000}\)"), r"\1"),
    (re.compile(r"\[([^\]\n]{1,500})\]\([^)\n]{0,2000}\)"), r"\1"),
    (re.compile(r"(\*\*|__)(.{1,500}?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.{1,500}?)(?<!\s)\*(?![\w*])"), r"\1"),
    (re.compile(r"`([^`\n]{1,500})`"), r"\1"),
]


def _markdown_paragraphs(text: str) -> tuple[str | None, list[str]]:
    """Markdown to plain paragraphs; a leading '# Heading' becomes the title."""
    title = None
    out = []
    for line in text.split("\n"):
        stripped = line.strip()
        heading = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        if heading:
            if title is None and not out and len(heading.group(1)) == 1:
                title = heading.group(2).strip()
                continue
            stripped = heading.group(2).strip()
        stripped = re.sub(r"^(?:[-*+]|\d+\.)\s+|^>\s?", "", stripped)
        for pattern, repl in _MD_INLINE:
            stripped = pattern.sub(repl, stripped)
        out.append(stripped)
    return title, split_paragraphs("\n".join(out))


def _html_page(text: str, path: str, encoding: str) -> Page:
    parts = html_parts(text)
    meta = _meta(parts.meta, path)
    article = [p for p in (" ".join(normalize_text(t).split()) for t in parts.article) if p]
    comments = [c for c in (" ".join(normalize_text(t).split()) for t in parts.comments) if c]
    if comments:
        return Page(0, article, [CommentIn(c) for c in comments], encoding=encoding, **meta)
    return _page_from_paragraphs(article, meta, encoding)


def _json_page(raw, path: str, encoding: str, index: int, where: str) -> Page:
    if not isinstance(raw, dict):
        raise SeedError(path, f"{where}: a page must be a JSON object, found {type(raw).__name__}", "parse")
    if "body" in raw and isinstance(raw["body"], str):
        paragraphs = split_paragraphs(normalize_text(raw["body"]))
    elif isinstance(raw.get("paragraphs"), list):
        if not all(isinstance(x, (str, int, float)) for x in raw["paragraphs"]):
            raise SeedError(path, f"{where}: every item of 'paragraphs' must be text", "parse")
        paragraphs = [p for p in (" ".join(normalize_text(str(x)).split()) for x in raw["paragraphs"]) if p]
    else:
        raise SeedError(path, f"{where}: a page needs 'body' (text) or 'paragraphs' (list)", "parse")
    comments_raw = raw.get("comments")
    meta = _meta(raw, path)
    if comments_raw is None:
        page = _page_from_paragraphs(paragraphs, meta, encoding, index)
        cited = raw.get("cited_source")
        if isinstance(cited, str) and cited.strip():
            page.extra["cited_source"] = _clean_optional(cited, path, "publisher")
        return page
    if not isinstance(comments_raw, list):
        raise SeedError(path, f"{where}: 'comments' must be a list", "parse")
    comments = []
    for j, c in enumerate(comments_raw):
        if isinstance(c, str):
            c = {"text": c}
        if not isinstance(c, dict) or not isinstance(c.get("text", c.get("body")), str):
            raise SeedError(path, f"{where}: comment {j} needs a 'text' string", "parse")
        try:
            posted = parse_timestamp(c.get("posted_at"))
        except ValueError as exc:
            raise SeedError(path, f"{where}: comment {j}: {exc}", "parse") from exc
        text = " ".join(normalize_text(c.get("text", c.get("body"))).split())
        if text:
            comments.append(CommentIn(text, _clean_optional(c.get("author"), path, "author"), posted,
                                      _clean_optional(c.get("parent"), path, "parent")))
    return Page(index, paragraphs, comments, encoding=encoding, segmentation="explicit", **meta)


def _load_json(text: str, path: str, where: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if where == "page":
            raise SeedError(path, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", "parse") from exc
        raise SeedError(path, f"{where}: invalid JSON at column {exc.colno}: {exc.msg}", "parse") from exc
    except RecursionError as exc:  # the C decoder stops at the interpreter's recursion limit
        raise SeedError(path, f"{where}: JSON nested too deeply", "parse") from exc


def _check_lengths(path: str, pages: list[Page]) -> None:
    for p in pages:
        size = sum(len(x) + 1 for x in p.paragraphs)
        if size > MAX_DOC_CHARS:
            raise SeedError(path, f"article text is {size:,} characters; the limit is {MAX_DOC_CHARS:,} "
                                  f"(split the page into several seeds)", "parse")
        for c in p.comments:
            if len(c.text) > MAX_DOC_CHARS:
                raise SeedError(path, f"a comment is {len(c.text):,} characters; the limit is {MAX_DOC_CHARS:,}", "parse")


def parse_seed(path: str, data: bytes, skipped: list[SeedError] | None = None) -> list[Page]:
    """Every page in one seed file's bytes. Raises SeedError naming the file and the reason, and
    nothing else, whatever the bytes. In a JSON Lines file a bad line is left out and reported in
    `skipped` (when given) while the good lines load; a file with no good line is an error."""
    try:
        return _parse_seed(path, data, skipped)
    except SeedError:
        raise
    except RecursionError as exc:
        raise SeedError(path, "nested too deeply to read", "parse") from exc
    except MemoryError as exc:
        raise SeedError(path, "too large to read in memory", "parse") from exc
    except Exception as exc:  # noqa: BLE001 - one file's surprise must not stop the run
        raise SeedError(path, f"could not be parsed ({type(exc).__name__}: {str(exc)[:200]})", "parse") from exc


def _parse_seed(path: str, data: bytes, skipped: list[SeedError] | None) -> list[Page]:
    suffix = Path(path).suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        shown = suffix or "(none)"
        raise SeedError(path, f"unsupported file type {shown}; accepted: {', '.join(ACCEPTED_SUFFIXES)}")
    if not data.strip():
        raise SeedError(path, "empty file")
    try:
        text, encoding = decode_bytes(data)
    except UndecodableError as exc:
        raise SeedError(path, str(exc)) from exc
    text = normalize_text(text)
    if not text.strip():
        raise SeedError(path, "no text after decoding (only whitespace or invisible characters)")

    if suffix in (".txt", ".md"):
        meta_raw, body = split_front_matter(text, path)
        meta = _meta(meta_raw, path)
        if suffix == ".md":
            md_title, paragraphs = _markdown_paragraphs(body)
            meta["title"] = meta["title"] or md_title
        else:
            paragraphs = split_paragraphs(body)
        pages = [_page_from_paragraphs(paragraphs, meta, encoding)]
    elif suffix in (".html", ".htm"):
        pages = [_html_page(text, path, encoding)]
    elif suffix == ".json":
        pages = [_json_page(_load_json(text, path, "page"), path, encoding, 0, "page")]
    else:
        pages, bad = [], []
        for lineno, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                page = _json_page(_load_json(line, path, f"line {lineno}"), path, encoding, len(pages), f"line {lineno}")
                _check_lengths(path, [page])
            except SeedError as exc:
                if not str(exc.reason).startswith(f"line {lineno}"):
                    exc = SeedError(path, f"line {lineno}: {exc.reason}", exc.stage)
                bad.append(exc)
                continue
            pages.append(page)
        if bad and (skipped is None or not any(p.paragraphs for p in pages)):
            raise bad[0] if len(bad) == 1 else SeedError(
                path, f"{bad[0].reason} (and {len(bad) - 1} more bad lines)", "parse")
        if skipped is not None:
            skipped.extend(bad)

    pages = [p for p in pages if p.paragraphs]
    if not pages:
        raise SeedError(path, "no article text found", "parse")
    _check_lengths(path, pages)
    for p in pages:
        if p.publisher is None:
            p.extra["cited_source"] = cited_source(p.paragraphs)
        else:
            p.extra.setdefault("cited_source", cited_source(p.paragraphs))
    return pages
