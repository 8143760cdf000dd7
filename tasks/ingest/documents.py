"""Pages to article and comment rows, with deterministic ids and the text every offset counts into."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from tasks.core.ids import stable_id
from tasks.ingest.parse import Page

_WORDS = re.compile(r"\w+(?:['’]\w+)*")


@dataclass(frozen=True)
class SeedFile:
    """A seed file found by discovery: where it is and what its bytes hash to."""

    path: str
    """The path as the user gave or discovery found it (stored as `source_path`)."""
    source_key: str
    """The absolute path: the source's identity, whose rows a changed file replaces."""
    sha256: str
    size_bytes: int
    mtime: float


@dataclass
class Doc:
    """One text to analyse: an article body or a comment body."""

    doc_id: str
    doc_kind: str
    article_id: str
    text: str
    published_at: datetime | None


def count_words(text: str) -> int:
    return len(_WORDS.findall(text))


def article_id_for(source_key: str, page_index: int) -> str:
    return stable_id("art", source_key, page_index)


def build_rows(seed: SeedFile, pages: list[Page], run_id: str, ingested_at: datetime):
    """(article rows, comment rows, docs to analyse) for every page of one seed file."""
    articles, comments, docs = [], [], []
    for page in pages:
        article_id = article_id_for(seed.source_key, page.page_index)
        body = "\n".join(page.paragraphs)
        articles.append({
            "article_id": article_id,
            "source_path": seed.path,
            "source_key": seed.source_key,
            "source_sha256": seed.sha256,
            "page_index": page.page_index,
            "title": page.title,
            "url": page.url,
            "publisher": page.publisher,
            "cited_source": page.extra.get("cited_source"),
            "published_at": page.published_at,
            "body": body,
            "n_paragraphs": len(page.paragraphs),
            "n_words": count_words(body),
            "n_comments": len(page.comments),
            "language": "en",
            "encoding": page.encoding,
            "segmentation": page.segmentation,
            "ingested_at": ingested_at,
            "run_id": run_id,
        })
        docs.append(Doc(article_id, "article", article_id, body, page.published_at))
        for position, c in enumerate(page.comments):
            comment_id = stable_id("com", article_id, position)
            comments.append({
                "comment_id": comment_id,
                "article_id": article_id,
                "position": position,
                "body": c.text,
                "n_words": count_words(c.text),
                "author": c.author,
                "posted_at": c.posted_at,
                "parent": c.parent,
                "run_id": run_id,
            })
            docs.append(Doc(comment_id, "comment", article_id, c.text, page.published_at))
    return articles, comments, docs
