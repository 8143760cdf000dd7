"""A batch of seed files to the four lake tables: read and parse, run spaCy once over every
document (articles and comments alike), then entities and events per document."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tasks.documents import Doc, SeedFile, build_rows
from tasks.entities import extract_mentions, sentence_starts
from tasks.errors import SeedError
from tasks.events import extract_events, load_lexicon
from tasks.gazetteer import load_gazetteer
from tasks.manifest import quarantine_record
from tasks.nlp import build_pipeline
from tasks.parse import parse_seed
from tasks.schemas import to_table


@dataclass
class ParsedBatch:
    articles: list[dict] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)
    docs: list[Doc] = field(default_factory=list)
    loaded: list[SeedFile] = field(default_factory=list)
    """Seed files that parsed; their articles by source_key are in `articles_by_source`."""
    articles_by_source: dict[str, list[str]] = field(default_factory=dict)
    quarantined: list[dict] = field(default_factory=list)


def parse_batch(seeds: list[SeedFile], run_id: str, ingested_at: datetime, max_bytes: int,
                quarantine_dir: Path) -> ParsedBatch:
    """Read and parse every file; a bad file becomes a quarantine record, the others go on."""
    out = ParsedBatch()
    for seed in seeds:
        try:
            if seed.size_bytes > max_bytes:
                raise SeedError(seed.path, f"file is {seed.size_bytes / 2**20:.1f} MB; the limit is "
                                           f"{max_bytes / 2**20:g} MB (raise it with --max-file-mb)")
            try:
                data = Path(seed.path).read_bytes()
            except OSError as exc:
                raise SeedError(seed.path, f"cannot be read ({exc.strerror})") from exc
            pages = parse_seed(seed.path, data)
        except SeedError as exc:
            out.quarantined.append(quarantine_record(seed, exc.stage, exc.reason, quarantine_dir))
            continue
        articles, comments, docs = build_rows(seed, pages, run_id, ingested_at)
        out.articles += articles
        out.comments += comments
        out.docs += docs
        out.loaded.append(seed)
        out.articles_by_source[seed.source_key] = [a["article_id"] for a in articles]
    return out


def analyse_docs(docs: list[Doc], model: str, n_process: int = 1) -> tuple[list[dict], list[dict]]:
    """(entity mention rows, event rows) for the documents: in this process, or with
    `n_process` > 1 in that many long-lived worker processes."""
    if n_process > 1 and len(docs) > 1:
        from tasks.nlp_pool import analyse_parallel

        return analyse_parallel(docs, model, n_process)
    return analyse_in_process(docs, model)


def analyse_in_process(docs: list[Doc], model: str, batch_size: int = 64) -> tuple[list[dict], list[dict]]:
    """(entity mention rows, event rows) for the documents, spaCy run once over all of them."""
    nlp = build_pipeline(model)
    gaz = load_gazetteer()
    lex = load_lexicon()
    mentions_all, events_all = [], []
    texts = (d.text for d in docs)
    for doc, spacy_doc in zip(docs, nlp.pipe(texts, batch_size=batch_size)):
        starts = sentence_starts(spacy_doc)
        mentions = extract_mentions(spacy_doc, doc.doc_id, doc.doc_kind, doc.article_id, gaz, starts)
        events = extract_events(spacy_doc, doc.doc_id, doc.doc_kind, doc.article_id, mentions,
                                doc.published_at, starts, lex)
        mentions_all += mentions
        events_all += events
    return mentions_all, events_all


def batch_tables(parsed: ParsedBatch, mentions: list[dict], events: list[dict]):
    return {
        "articles": to_table("articles", parsed.articles),
        "comments": to_table("comments", parsed.comments),
        "entities": to_table("entities", mentions),
        "events": to_table("events", events),
    }


from tasks.prefect_task import batch_task  # noqa: E402


@batch_task(name="parse")
def parse_task(seeds: list[SeedFile], run_id: str, ingested_at: datetime, max_bytes: int, quarantine_dir: Path) -> ParsedBatch:
    """Seed files of one batch to article and comment rows."""
    return parse_batch(seeds, run_id, ingested_at, max_bytes, quarantine_dir)


@batch_task(name="analyse")
def analyse_task(parsed: ParsedBatch, model: str, n_process: int):
    """spaCy over one batch's documents: entity mentions and events. With worker processes it
    hands the batch to them and returns at once; the rows are collected (`.result()`) when the
    batch is loaded, so the workers analyse the next batch meanwhile."""
    if n_process > 1 and len(parsed.docs) > 1:
        from tasks.nlp_pool import start_parallel

        return start_parallel(parsed.docs, model, n_process)
    return analyse_in_process(parsed.docs, model)
