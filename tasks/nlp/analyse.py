"""Documents to entity mention rows and event rows, in this process: spaCy once over every
document (articles and comments alike), then entities and events per document."""
from __future__ import annotations

from tasks.ingest.documents import Doc
from tasks.nlp.entities import extract_mentions, sentence_starts
from tasks.nlp.events import extract_events, load_lexicon
from tasks.nlp.gazetteer import load_gazetteer
from tasks.nlp.pipeline import build_pipeline


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
