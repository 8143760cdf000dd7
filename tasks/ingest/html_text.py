"""An HTML news page to its metadata, article paragraphs and reader comments.

trafilatura finds the main text and the comment section (menus, cookie banners, "Related stories"
and footers are not the story; author names are not comments). The page's own <title> and meta
tags give the metadata. When trafilatura finds no comments, blocks inside an element whose class
or id says `comment` are the comments (the rule newsflow always had); when it finds no main text at
all, the visible text outside such blocks is the article.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from html.parser import HTMLParser

MAX_HTML_DEPTH = 512
"""Elements nested deeper than this are flattened into their ancestor at this depth for the
fallback parser; trafilatura's parser (libxml2) has its own depth limit."""

TRAFILATURA_MAX_BLOCKS = 5_000
"""Pages with more text blocks than this are read by the fallback parser alone: trafilatura's
cost grows faster than the page (36 s for 50,000 paragraphs) and no news page has that many."""
TRAFILATURA_MAX_CHARS = 5_000_000

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)


class _VisibleText(HTMLParser):
    """Visible text of an HTML page, one paragraph per block element; comment blocks flagged.
    Linear in the page: the open elements are counted per tag, never searched."""

    BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "article", "section",
              "blockquote", "tr", "header", "footer", "aside", "pre", "dd", "dt"}
    HIDDEN = {"script", "style", "noscript", "template", "svg", "head", "nav"}
    VOID = {"br", "img", "hr", "input", "meta", "link", "wbr", "source", "area", "base", "col", "embed",
            "param", "track"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title: str | None = None
        self.meta: dict[str, str] = {}
        self.blocks: list[tuple[str, bool]] = []
        self._buf: list[str] = []
        self._stack: list[tuple[str, bool]] = []
        self._open: dict[str, int] = {}
        self._flagged = 0
        self._hidden = 0
        self._in_title = False

    def _flush(self):
        text = " ".join("".join(self._buf).split())
        if text:
            self.blocks.append((text, self._flagged > 0))
        self._buf = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key and attrs.get("content") and len(self.meta) < 200:
                self.meta[key.lower()[:100]] = attrs["content"][:10_000]
            return
        if tag == "title":
            self._in_title = True
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag in self.BLOCKS:
            self._flush()
        if tag in self.VOID or len(self._stack) >= MAX_HTML_DEPTH:
            return
        flagged = "comment" in f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()
        self._stack.append((tag, flagged))
        self._open[tag] = self._open.get(tag, 0) + 1
        self._flagged += flagged

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag in self.HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        if tag in self.BLOCKS:
            self._flush()
        if not self._open.get(tag):
            return  # a stray end tag: nothing to close (no search through the stack)
        while self._stack:
            name, flagged = self._stack.pop()
            self._open[name] -= 1
            self._flagged -= flagged
            if name == tag:
                break

    def handle_data(self, data):
        if self._in_title:
            if len(self.title or "") < 10_000:
                self.title = ((self.title or "") + data).strip() or None
        elif not self._hidden:
            self._buf.append(data)

    def close(self):
        super().close()
        self._flush()


@dataclass
class HtmlParts:
    meta: dict = field(default_factory=dict)
    """title, url, published_at, publisher as the page gives them (unparsed)."""
    article: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    extractor: str = "trafilatura"
    """'trafilatura', or 'visible-text' when trafilatura found no main text or the page was too
    big for it."""


def _lines(text: str | None) -> list[str]:
    return [" ".join(line.split()) for line in (text or "").split("\n") if line.strip()]


def _trafilatura(text: str):
    import trafilatura

    try:
        return trafilatura.bare_extraction(text, include_comments=True, with_metadata=True,
                                           include_tables=True, deduplicate=False)
    except (ValueError, TypeError, AttributeError, RecursionError, MemoryError):
        return None  # lxml or trafilatura gave up on this markup: the fallback parser reads it
    except Exception:  # noqa: BLE001 - any failure of the library leaves the fallback, never a crash
        return None


def html_parts(text: str) -> HtmlParts:
    from tasks.ingest.segment import is_marker

    visible = _VisibleText()
    visible.feed(text)
    visible.close()
    small = len(visible.blocks) <= TRAFILATURA_MAX_BLOCKS and len(text) <= TRAFILATURA_MAX_CHARS
    found = _trafilatura(text) if small else None
    meta = {
        "title": visible.meta.get("og:title") or visible.title or (found.title if found else None),
        "url": visible.meta.get("og:url") or (found.url if found else None),
        "published_at": visible.meta.get("article:published_time") or visible.meta.get("date")
        or (found.date if found else None),
        "publisher": visible.meta.get("og:site_name") or (found.sitename if found else None),
    }
    explicit = [t for t, flagged in visible.blocks if flagged]
    comments = [c for c in _lines(found.comments if found else None) if not is_marker(c)]
    if not comments:
        comments = [c for c in explicit if not is_marker(c)]
    shown = set(comments) | set(explicit)
    main = _lines(found.text if found else None)
    if main:
        return HtmlParts(meta, [p for p in main if p not in shown], comments, "trafilatura")
    article = [t for t, flagged in visible.blocks if not flagged]
    return HtmlParts(meta, article, comments, "visible-text")
