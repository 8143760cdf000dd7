"""Documents to entity mention rows and event rows, in this process: the spaCy pipeline once over
every document (articles and comments alike), rows built from the Docs.

A document longer than spaCy's limit is analysed in pieces cut at paragraph breaks, its rows
placed back at the piece's offset; a document the pipeline fails on is reported, not fatal."""
from __future__ import annotations

import time

from tasks.ingest.documents import Doc
from tasks.nlp.analysis import Analysis
from tasks.nlp.pipeline import COMPONENTS, build_pipeline
from tasks.nlp.rows import doc_values, event_rows, mention_rows

PIECE_CHARS = 100_000
"""Longest text given to spaCy at once: its parser's memory grows with the text (it refuses more
than 1,000,000 characters), while no sentence in news runs this long."""


def _timed_pipe(nlp, texts, batch_size: int, seconds: dict[str, float]):
    """nlp.pipe's Docs, with the processor time of the model's part and of each newsflow component
    added to `seconds`. The model runs batched as in nlp.pipe; newsflow's components take one Doc
    at a time there too, so running them here after the model changes nothing but the clock."""
    own = [(name, nlp.get_pipe(name)) for name in nlp.pipe_names if name in COMPONENTS]
    clock = time.process_time
    model_docs = nlp.pipe(texts, batch_size=batch_size, disable=[name for name, _ in own])
    while True:
        start = clock()
        doc = next(model_docs, None)
        if doc is None:
            seconds["spacy"] = seconds.get("spacy", 0.0) + clock() - start
            return
        now = clock()
        seconds["spacy"] = seconds.get("spacy", 0.0) + now - start
        for name, proc in own:
            doc = proc(doc)
            start, now = now, clock()
            seconds[name] = seconds.get(name, 0.0) + now - start
        yield doc


def pieces(text: str, limit: int | None = None) -> list[tuple[int, str]]:
    """(offset, text) pieces of at most `limit` (default PIECE_CHARS) characters, cut after a
    newline where one is near the limit (else after a space, else anywhere), covering the text."""
    limit = limit or PIECE_CHARS
    out, start = [], 0
    while len(text) - start > limit:
        window = text[start:start + limit]
        cut = window.rfind("\n")
        if cut <= limit // 2:
            cut = window.rfind(" ")
        end = start + (cut + 1 if cut > limit // 2 else limit)
        out.append((start, text[start:end]))
        start = end
    out.append((start, text[start:]))
    return out


def _analyse_one(nlp, doc: Doc) -> Analysis:
    out, first_sentence, analysed = Analysis(), 0, []
    for offset, text in pieces(doc.text):
        spacy_doc = nlp(text)
        out.mentions += mention_rows(spacy_doc, doc, offset, first_sentence)
        out.events += event_rows(spacy_doc, doc, offset, first_sentence)
        first_sentence += sum(1 for _ in spacy_doc.sents)
        analysed.append(spacy_doc)
    out.doc_values[doc.doc_id] = doc_values(analysed, doc.doc_kind)
    return out


def analyse_in_process(docs: list[Doc], model: str, batch_size: int = 64) -> Analysis:
    """Rows for the documents; spaCy batches the ordinary ones, long ones go piece by piece."""
    nlp = build_pipeline(model)
    out = Analysis()
    short = [d for d in docs if len(d.text) <= PIECE_CHARS]
    long_docs = [d for d in docs if len(d.text) > PIECE_CHARS]
    try:
        for doc, spacy_doc in zip(short, _timed_pipe(nlp, (d.text for d in short), batch_size, out.seconds)):
            start = time.process_time()
            out.mentions += mention_rows(spacy_doc, doc)
            out.events += event_rows(spacy_doc, doc)
            out.doc_values[doc.doc_id] = doc_values([spacy_doc], doc.doc_kind)
            out.seconds["rows"] = out.seconds.get("rows", 0.0) + time.process_time() - start
        rest = long_docs
    except Exception:  # noqa: BLE001 - one document broke the batch: find it, keep the others
        out, rest = Analysis(), docs
    for doc in rest:
        start = time.process_time()
        try:
            out.extend(_analyse_one(nlp, doc))
        except Exception as exc:  # noqa: BLE001 - reported per document and quarantined by the flow
            out.failed[doc.doc_id] = f"analysis failed: {type(exc).__name__}: {exc}"[:500]
        # A long document (or one that broke its batch) goes through the whole pipeline at once.
        out.seconds["whole pipeline, one document at a time"] = (
            out.seconds.get("whole pipeline, one document at a time", 0.0) + time.process_time() - start)
    return out
