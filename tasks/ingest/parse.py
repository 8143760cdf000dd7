"""Seed files to pages: read each accepted format, decode, normalize, and split article from comments.

Accepted formats (by extension): .txt and .md (optional `---` YAML front matter), .html/.htm
(visible text only), .json (one page), .jsonl (one page a line). See README "Seed formats".
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import yaml

from tasks.ingest.decode import UndecodableError, decode_bytes, normalize_text, split_paragraphs
from tasks.core.errors import SeedError
from tasks.ingest.segment import segment

ACCEPTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")
"""The seed file extensions newsflow reads; any other extension is quarantined."""

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)
_CITED_SOURCE = re.compile(
    r"\b(?:[Aa]ccording to|[Tt]old|[Ii]n an interview with)\s+(?:the\s+)?"
    r"((?:[A-Z][\w&.'’-]*)(?:\s+(?:[A-Z][\w&.'’-]*|of|for))*)"
    r"|((?:[A-Z][\w&.'’-]*)(?:\s+[A-Z][\w&.'’-]*)*)\s+(?:reported|reports|quoted)\b"
)
_PAGE_KEYS = {"title", "url", "published_at", "publisher", "body", "paragraphs", "comments", "date", "published"}


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
    """A timezone-aware UTC datetime from ISO-8601 text, a date, or an epoch number; None if absent."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, (int, float)):
        dt = datetime.fromtimestamp(value, tz=timezone.utc)
    else:
        text = str(value).strip()
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            from dateutil import parser as dateparser  # only for the rare non-ISO date

            try:
                dt = dateparser.parse(text, tzinfos={"EST": -5 * 3600, "EDT": -4 * 3600})
            except (ValueError, OverflowError) as exc:
                raise ValueError(f"unreadable date {text!r}") from exc
    if not isinstance(dt, datetime):  # a bare date from YAML
        dt = datetime(dt.year, dt.month, dt.day)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def cited_source(paragraphs: list[str]) -> str | None:
    """The first news source the article cites ("According to Reuters" -> "Reuters")."""
    for p in paragraphs:
        m = _CITED_SOURCE.search(p)
        if m:
            name = (m.group(1) or m.group(2)).strip().rstrip(".,")
            if name and name.split()[0] not in {"The", "He", "She", "They", "It", "This"}:
                return name
    return None


def _meta(raw: dict, path: str) -> dict:
    try:
        published = parse_timestamp(raw.get("published_at") or raw.get("published") or raw.get("date"))
    except ValueError as exc:
        raise SeedError(path, str(exc), "parse") from exc
    return {
        "title": _clean_optional(raw.get("title")),
        "url": _clean_optional(raw.get("url")),
        "published_at": published,
        "publisher": _clean_optional(raw.get("publisher")),
    }


def _clean_optional(value) -> str | None:
    if value is None:
        return None
    text = " ".join(normalize_text(str(value)).split())
    return text or None


def _split_front_matter(text: str, path: str) -> tuple[dict, str]:
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise SeedError(path, f"front matter is not valid YAML ({exc.__class__.__name__})", "parse") from exc
    if not isinstance(meta, dict):
        raise SeedError(path, "front matter must be a mapping of keys to values", "parse")
    return meta, text[m.end():]


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


_MD_INLINE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),
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


class _VisibleText(HTMLParser):
    """Visible text of an HTML page, one paragraph per block element; comment blocks flagged."""

    BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "article", "section",
              "blockquote", "tr", "header", "footer", "aside", "pre", "dd", "dt"}
    HIDDEN = {"script", "style", "noscript", "template", "svg", "head", "nav"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title: str | None = None
        self.meta: dict[str, str] = {}
        self.blocks: list[tuple[str, bool]] = []
        self._buf: list[str] = []
        self._stack: list[tuple[str, bool]] = []
        self._hidden = 0
        self._in_title = False

    def _in_comments(self) -> bool:
        return any(flag for _, flag in self._stack)

    def _flush(self):
        text = " ".join("".join(self._buf).split())
        if text:
            self.blocks.append((text, self._in_comments()))
        self._buf = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key and attrs.get("content"):
                self.meta[key.lower()] = attrs["content"]
            return
        if tag == "title":
            self._in_title = True
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag in self.BLOCKS:
            self._flush()
        marker = f"{attrs.get('class', '')} {attrs.get('id', '')}".lower()
        if tag not in ("br", "img", "hr", "input", "meta", "link"):
            self._stack.append((tag, "comment" in marker))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag in self.HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        if tag in self.BLOCKS:
            self._flush()
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data):
        if self._in_title:
            self.title = ((self.title or "") + data).strip() or None
        elif not self._hidden:
            self._buf.append(data)

    def close(self):
        super().close()
        self._flush()


def _html_page(text: str, path: str, encoding: str) -> Page:
    parser = _VisibleText()
    parser.feed(text)
    parser.close()
    meta = _meta({
        "title": parser.meta.get("og:title") or parser.title,
        "url": parser.meta.get("og:url"),
        "published_at": parser.meta.get("article:published_time") or parser.meta.get("date"),
        "publisher": parser.meta.get("og:site_name"),
    }, path)
    article = [normalize_text(t) for t, in_comments in parser.blocks if not in_comments]
    comments = [normalize_text(t) for t, in_comments in parser.blocks if in_comments]
    if comments:
        return Page(0, [p for p in article if p], [CommentIn(c) for c in comments if c], encoding=encoding, **meta)
    return _page_from_paragraphs([p for p in article if p], meta, encoding)


def _json_page(raw, path: str, encoding: str, index: int, where: str) -> Page:
    if not isinstance(raw, dict):
        raise SeedError(path, f"{where}: a page must be a JSON object, found {type(raw).__name__}", "parse")
    if "body" in raw and isinstance(raw["body"], str):
        paragraphs = split_paragraphs(normalize_text(raw["body"]))
    elif isinstance(raw.get("paragraphs"), list):
        paragraphs = [p for p in (" ".join(normalize_text(str(x)).split()) for x in raw["paragraphs"]) if p]
    else:
        raise SeedError(path, f"{where}: a page needs 'body' (text) or 'paragraphs' (list)", "parse")
    comments_raw = raw.get("comments")
    meta = _meta(raw, path)
    if comments_raw is None:
        page = _page_from_paragraphs(paragraphs, meta, encoding, index)
        page.extra = {k: v for k, v in raw.items() if k not in _PAGE_KEYS}
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
            comments.append(CommentIn(text, _clean_optional(c.get("author")), posted, _clean_optional(c.get("parent"))))
    return Page(index, paragraphs, comments, encoding=encoding, segmentation="explicit", **meta)


def parse_seed(path: str, data: bytes) -> list[Page]:
    """Every page in one seed file's bytes. Raises SeedError naming the file and the reason."""
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
        meta_raw, body = _split_front_matter(text, path)
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
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SeedError(path, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", "parse") from exc
        pages = [_json_page(raw, path, encoding, 0, "page")]
    else:
        pages = []
        for lineno, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SeedError(path, f"invalid JSON on line {lineno}: {exc.msg}", "parse") from exc
            pages.append(_json_page(raw, path, encoding, len(pages), f"line {lineno}"))

    pages = [p for p in pages if p.paragraphs]
    if not pages:
        raise SeedError(path, "no article text found", "parse")
    for p in pages:
        if p.publisher is None:
            p.extra["cited_source"] = cited_source(p.paragraphs)
        else:
            p.extra.setdefault("cited_source", cited_source(p.paragraphs))
    return pages
